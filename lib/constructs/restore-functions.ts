import { Arn, ArnFormat, Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { type Construct } from 'constructs';
import { type ProtectionPlanConfig } from '../../config/lifeboat-config';
import { ARCHIVE_RESTORE_TIMEOUT, WORKFLOW_TIMEOUT } from '../lifeboat-defaults';
import { type FileSystemAccess, type FileSystemMount } from './file-system-mount';
import { LifeboatFunction } from './lifeboat-function';
import { type LifeboatSource } from './lifeboat-source';
import { plansInStack } from './plans-in-stack';
import { replicaVaultAccess, type ReplicaVaultLocation } from './replica-vault-location';
import { sourceBucketAccount, statementsByOwner } from './bucket-owner-condition';
import {
  BACKUP_RECORD_PARTITIONS,
  catalogPartitionDenial,
  catalogPartitionStatement,
  FAILOVER_GRANTS_PARTITION,
  REBUILD_MARKER_PARTITION,
  SOURCE_INDEX_PARTITIONS,
  TARGET_CLAIM_PARTITIONS,
} from './catalog-partition-grant';
import { sourceObjectsArn } from './source-access';

/** The vault of the functions' own region, in their stack. */
export type HomeVault = {
  /** 'primary' in the primary stack; 'dr' in the DR stack, whose functions then have no other vault. */
  readonly side: 'primary' | 'dr';
  readonly bucket: s3.IBucket;
  readonly key: kms.IKey;
};

export type RestoreFunctionsProps = {
  readonly environmentName: string;
  /** Validated (validatePlans): as the functions receive them in LIFEBOAT_PLANS. */
  readonly plans: readonly ProtectionPlanConfig[];
  readonly sources: readonly LifeboatSource[];
  /** New buckets and tables the functions may create or write start with this (LIFEBOAT_RESTORE_TARGET_PREFIX). */
  readonly restoreTargetPrefix: string;
  readonly homeVault: HomeVault;
  /** The DR vault, read from the primary region (a request's `"vault": "dr"`). @default none (the DR stack's functions) */
  readonly drVault?: ReplicaVaultLocation;
  /** The catalog of the functions' region and its key. */
  readonly catalog: dynamodb.ITable;
  readonly catalogKey: kms.IKey;
  /** @default no file system: directory targets only under the local cloud */
  readonly fileSystem?: FileSystemMount;
  /** Restores onto the protected sources themselves (with `overwrite`): only the primary region's restore runbook. */
  readonly sourcesWritable: boolean;
  /** Added to every function's environment. */
  readonly environment?: Record<string, string>;
  /** Prefixes the functions' construct ids (two sets in one scope). @default '' */
  readonly idPrefix?: string;
};

export type RestoreFunctions = {
  readonly resolve: LifeboatFunction;
  readonly plan: LifeboatFunction;
  readonly shard: LifeboatFunction;
  readonly verify: LifeboatFunction;
  /** The failure path of a planned restore: aborts the uploads and removes the piece files of entries restored in pieces. */
  readonly abandon: LifeboatFunction;
  /** The Thaw step's function: only when some plan has an archive tier (docs/ARCHITECTURE.md, "Storage tiers"). */
  readonly thaw?: LifeboatFunction;
  readonly all: readonly LifeboatFunction[];
  /** Their common environment (the runtime's variables), for a function that runs beside them (the approval step). */
  readonly environment: Record<string, string>;
  /** The scoped wildcard resources of their policies, for the AwsSolutions-IAM5 acknowledgement. */
  readonly wildcardResources: readonly string[];
};

/**
 * How a function finds its home vault: the primary's as VAULT_*, the DR vault (in the DR stack, the
 * function's own region) as DR_* with LIFEBOAT_HOME_VAULT=dr (lambdas/runtime/runtime-config.ts).
 */
export function homeVaultEnvironment(stack: Stack, home: HomeVault): Record<string, string> {
  return home.side === 'primary'
    ? { VAULT_BUCKET: home.bucket.bucketName, VAULT_KEY_ARN: home.key.keyArn }
    : { LIFEBOAT_HOME_VAULT: 'dr', DR_VAULT_BUCKET: home.bucket.bucketName, DR_REGION: stack.region, DR_VAULT_KEY_ARN: home.key.keyArn };
}

/** Vault objects a restore reads (docs/FORMAT.md §1): never data it could write. */
const VAULT_READ_PREFIXES = ['config', 'keys/*', 'snapshots/*', 'manifest/*', 'index/*', 'data/*'];
const VAULT_LIST_PREFIXES = ['keys/*', 'index/*', 'snapshots/*'];
const PLAN_PREFIX = 'restore-plans/*';

/**
 * The four functions of a restore (resolve, plan, shard, verify) with exactly their access: read the
 * home vault (and the DR vault from the primary region), keep the restore plan in the home vault,
 * read the catalog and pin (resolve) and unpin (verify, abandon) the restored backup in it, write targets named `restoreTargetPrefix*` (and the sources only when
 * `sourcesWritable`). The restore runbook, the drill and the failover each create their own set
 * (restoreSourceChain runs them), so a drill's functions can write scratch targets and nothing else.
 * Created directly in `scope` (construct ids ResolveRestore, PlanRestore, ...): the restore runbook's
 * logical ids are those it had before the set was shared.
 */
export function restoreFunctions(scope: Construct, props: RestoreFunctionsProps): RestoreFunctions {
  const stack = Stack.of(scope);
  const home = props.homeVault;
  const dr = props.drVault;
  const drAccess = dr ? replicaVaultAccess(dr) : undefined;
  const vaultEnvironment = { ...homeVaultEnvironment(stack, home), ...(home.side === 'primary' && drAccess ? drAccess.environment : {}) };
  const common = {
    LIFEBOAT_ENVIRONMENT: props.environmentName,
    // The restore-target rule the functions check at input validation, the same names IAM grants below.
    LIFEBOAT_RESTORE_TARGET_PREFIX: props.restoreTargetPrefix,
    ...vaultEnvironment,
    CATALOG_TABLE: props.catalog.tableName,
    LIFEBOAT_PLANS: stack.toJsonString(plansInStack(scope, props.plans)),
    // Resolve refuses directory targets outside the mount (the rest of a Lambda's file system is read-only).
    ...(props.fileSystem ? { LIFEBOAT_MOUNT_PATH: props.fileSystem.mountPath } : {}),
    ...props.environment,
  };
  const files = (access: FileSystemAccess) => (props.fileSystem ? { files: { mount: props.fileSystem, access } } : {});
  const id = (name: string) => `${props.idPrefix ?? ''}${name}`;

  // Directory targets: resolve only looks (lstat/readdir: absent or empty?); plan creates the directory, shards write
  // entries and read them back, verify gives directories their final mode and mtime, so those three write.
  // S3 targets likewise: plan starts the multipart upload of an entry restored in pieces and verify completes it.
  // Packs are shared by every plan, so any plan's archive tier may archive a pack any restore reads: with none, no Thaw step.
  const archived = props.plans.some((p) => p.storage?.archive !== undefined);
  // Resolve pins the backup it restores for as long as an execution of the state machines these functions serve may
  // run (their timeout, restore-workflow.ts, drill-workflow.ts, failover-workflow.ts): LIFEBOAT_RESTORE_PIN_SECONDS,
  // lambdas/restore/restore-pin.ts. A pin left by a restore that died stops counting when no execution can still run.
  const pinSeconds = (archived ? ARCHIVE_RESTORE_TIMEOUT : WORKFLOW_TIMEOUT).toSeconds();
  const resolve = new LifeboatFunction(scope, id('ResolveRestore'), { handler: 'resolve-restore', environment: { ...common, LIFEBOAT_RESTORE_PIN_SECONDS: String(pinSeconds) }, ...files('read') });
  const plan = new LifeboatFunction(scope, id('PlanRestore'), { handler: 'plan-restore', environment: common, ...files('write') });
  const shard = new LifeboatFunction(scope, id('RestoreShard'), { handler: 'restore-shard', environment: common, ...files('write') });
  const verify = new LifeboatFunction(scope, id('VerifyRestore'), { handler: 'verify-restore', environment: common, ...files('write') });
  // Sized by DEFAULT_FUNCTION_SIZING (1 GiB, 15 minutes): it walks the manifest, loads the index and HEADs the packs.
  const thaw = archived ? new LifeboatFunction(scope, id('ThawRestore'), { handler: 'thaw-restore', environment: common }) : undefined;
  // The failure path of a planned restore (abandon-restore.ts): from the plan alone, aborts the uploads and removes the
  // piece files of entries restored in pieces; it reads no vault data.
  const abandon = new LifeboatFunction(scope, id('AbandonRestore'), { handler: 'abandon-restore', environment: common, ...files('write') });
  const vaultReaders = [resolve, plan, shard, verify, ...(thaw ? [thaw] : [])];
  const all = [...vaultReaders, abandon];

  // Vaults: read-only.
  const drBucketArn = dr ? `arn:${stack.partition}:s3:::${dr.bucketName}` : undefined;
  for (const fn of vaultReaders) {
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: VAULT_READ_PREFIXES.map((p) => home.bucket.arnForObjects(p)) }));
    if (drBucketArn) fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: VAULT_READ_PREFIXES.map((p) => `${drBucketArn}/${p}`) }));
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [home.bucket.bucketArn, ...(drBucketArn ? [drBucketArn] : [])],
        conditions: { StringLike: { 's3:prefix': VAULT_LIST_PREFIXES } },
      }),
    );
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: [home.key.keyArn] }));
    // The DR key by the ARN DrKeyArns pinned at deploy time (another region, another stack).
    if (dr) fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: [dr.keyArn] }));
  }
  // Restore plans: written by plan, read by shard and verify (SSE-KMS under the vault key).
  plan.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [home.bucket.arnForObjects(PLAN_PREFIX)] }));
  plan.addToRolePolicy(new iam.PolicyStatement({ actions: ['kms:GenerateDataKey'], resources: [home.key.keyArn] }));
  for (const fn of [shard, verify, abandon, ...(thaw ? [thaw] : [])]) fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [home.bucket.arnForObjects(PLAN_PREFIX)] }));
  // Piece and check records may be absent (a shard that did not finish). S3 answers their GET with 403, not 404, to a role
  // whose ListBucket is conditioned on s3:prefix, so getPlanObjectText checks a 403 with a one-key listing of the record,
  // allowed here under restore-plans/ only (lambdas/sources/s3-missing-object.ts).
  for (const fn of [shard, verify]) {
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [home.bucket.bucketArn], conditions: { StringLike: { 's3:prefix': [PLAN_PREFIX] } } }));
  }
  abandon.addToRolePolicy(new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: [home.key.keyArn] }));
  // A shard restoring a piece of a large S3 entry records its uploaded parts beside the plan (split-object-upload.ts).
  shard.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [home.bucket.arnForObjects(PLAN_PREFIX)] }));
  shard.addToRolePolicy(new iam.PolicyStatement({ actions: ['kms:GenerateDataKey'], resources: [home.key.keyArn] }));
  // Thaw: RestoreObject on packs only (HEAD needs the s3:GetObject granted above), in the vault a restore reads.
  if (thaw) thaw.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:RestoreObject'], resources: [home.bucket.arnForObjects('data/*'), ...(drBucketArn ? [`${drBucketArn}/data/*`] : [])] }));

  // Catalog: resolve reads backups by id and by source (GetItem of BACKUP# records, Query of a SOURCE# partition, no
  // index; a point in time first reads an unfinished rebuild's REBUILD marker) and pins the backup it restores
  // (UpdateItem of the backup's record, lambdas/restore/restore-pin.ts); verify (success) and abandon (failure) unpin it,
  // and verify reads the record for what the backup left out of the source (backup-left-out.ts).
  // Encrypt and decrypt: an UpdateItem reads the item and writes it back under the table's key.
  // Resolve also claims the restore's target (lambdas/restore/target-claim.ts): a conditional PutItem of the TARGET# item,
  // an UpdateItem when a retried resolve takes it over, a GetItem of the claim that refused it, and a conditional DeleteItem
  // of its own claim when it fails for good; verify and abandon delete the claim where they unpin, and abandon reads it
  // for the backup it records (release-unplanned-restore.ts).
  // Every item action on the partitions those calls name, and no other (review r58J F2, F3): an UpdateItem creates the
  // item it names, so on the whole table any of these roles could write an approval, a drill record, a rebuild marker or
  // a failover grant (lambdas/failover/failover-grant.ts) that a failover's child then restores. Put and Delete only on
  // the claims: they could otherwise replace or remove a backup record; the pins stay UpdateItem only.
  resolve.addToRolePolicy(catalogPartitionStatement(props.catalog, ['dynamodb:GetItem', 'dynamodb:UpdateItem'], [BACKUP_RECORD_PARTITIONS]));
  resolve.addToRolePolicy(catalogPartitionStatement(props.catalog, ['dynamodb:Query'], [SOURCE_INDEX_PARTITIONS]));
  resolve.addToRolePolicy(catalogPartitionStatement(props.catalog, ['dynamodb:GetItem'], [REBUILD_MARKER_PARTITION], 'exact'));
  resolve.addToRolePolicy(targetClaimStatement(props.catalog, ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:GetItem', 'dynamodb:DeleteItem']));
  verify.addToRolePolicy(catalogPartitionStatement(props.catalog, ['dynamodb:GetItem', 'dynamodb:UpdateItem'], [BACKUP_RECORD_PARTITIONS]));
  abandon.addToRolePolicy(catalogPartitionStatement(props.catalog, ['dynamodb:UpdateItem'], [BACKUP_RECORD_PARTITIONS]));
  verify.addToRolePolicy(targetClaimStatement(props.catalog, ['dynamodb:DeleteItem']));
  abandon.addToRolePolicy(targetClaimStatement(props.catalog, ['dynamodb:GetItem', 'dynamodb:DeleteItem']));
  // Review r15-F3: neither ever writes a failover grant. Their grants above do not reach FAILOVER_GRANTS; the Deny keeps
  // it so should a later grant of theirs widen again.
  for (const fn of [verify, abandon]) fn.addToRolePolicy(catalogPartitionDenial(props.catalog, ['dynamodb:PutItem', 'dynamodb:UpdateItem'], [FAILOVER_GRANTS_PARTITION]));
  for (const fn of [resolve, verify, abandon]) props.catalogKey.grantEncryptDecrypt(fn);

  // Targets: new ones by name pattern, and (restore runbook of the primary region) the protected sources themselves.
  const targetPrefix = props.restoreTargetPrefix;
  const s3Sources = props.sourcesWritable ? props.sources.filter((s) => s.bucket !== undefined) : [];
  const tableSources = props.sourcesWritable ? props.sources.filter((s) => s.table !== undefined) : [];
  // Every bucket statement names the account that must own the bucket (s3:ResourceAccount): new targets the stack's, sources theirs.
  const newTargetBuckets = { arn: `arn:${stack.partition}:s3:::${targetPrefix}*`, account: stack.account };
  const newTargetObjects = { arn: `arn:${stack.partition}:s3:::${targetPrefix}*/*`, account: stack.account };
  const targetBuckets = [newTargetBuckets, ...s3Sources.map((s) => ({ arn: s.bucket?.bucketArn ?? '', account: sourceBucketAccount(stack, s) }))];
  const targetObjects = [newTargetObjects, ...s3Sources.map((s) => ({ arn: sourceObjectsArn(s), account: sourceBucketAccount(stack, s) }))];
  const table = (name: string) => Arn.format({ service: 'dynamodb', resource: 'table', resourceName: name, arnFormat: ArnFormat.SLASH_RESOURCE_NAME }, stack);
  const newTables = [table(`${targetPrefix}*`)];
  const targetTables = [...newTables, ...tableSources.map((s) => s.table?.tableArn ?? '')];
  const grant = (fn: LifeboatFunction, statements: iam.PolicyStatement[]) => statements.forEach((st) => fn.addToRolePolicy(st));
  // HeadBucket and "is the prefix empty" (resolve), HeadObject answering 404 (shard and verify read back) need ListBucket.
  for (const fn of [resolve, shard, verify]) grant(fn, statementsByOwner(['s3:ListBucket'], targetBuckets));
  // Resolve refuses a bucket without default encryption or Block Public Access (target-bucket-protection.ts).
  grant(resolve, statementsByOwner(['s3:GetEncryptionConfiguration', 's3:GetBucketPublicAccessBlock'], targetBuckets));
  resolve.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:DescribeTable'], resources: targetTables }));
  plan.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:DescribeTable'], resources: targetTables }));
  // A new table gets its source's protection (restored-table-protection.ts): tags with CreateTable, point-in-time recovery once ACTIVE.
  plan.addToRolePolicy(
    new iam.PolicyStatement({ actions: ['dynamodb:CreateTable', 'dynamodb:UpdateTimeToLive', 'dynamodb:DescribeTimeToLive', 'dynamodb:TagResource', 'dynamodb:UpdateContinuousBackups'], resources: newTables }),
  );
  grant(shard, statementsByOwner(['s3:PutObject', 's3:PutObjectTagging', 's3:AbortMultipartUpload'], targetObjects));
  // Large S3 entries restored in pieces: plan starts their multipart uploads, verify completes (or aborts) them and tags the objects.
  grant(plan, statementsByOwner(['s3:PutObject'], targetObjects));
  grant(verify, statementsByOwner(['s3:PutObject', 's3:PutObjectTagging', 's3:AbortMultipartUpload'], targetObjects));
  grant(abandon, statementsByOwner(['s3:AbortMultipartUpload'], targetObjects));
  // The shard writes a table's items and reads them back by key (dynamodb-item-check.ts); verify reads only the shards' records.
  shard.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:BatchWriteItem', 'dynamodb:BatchGetItem'], resources: targetTables }));
  // Read back: each shard the objects it wrote (restored-entry-check.ts), verify those it completed from pieces.
  for (const fn of [shard, verify]) grant(fn, statementsByOwner(['s3:GetObject', 's3:GetObjectTagging'], targetObjects));
  // Table keys, for new tables and for a restore onto the source tables alike (sourcesWritable: the primary region's
  // runbook, whose side grantSourceKeysForNewTables serves): only through DynamoDB, never a direct KMS call.
  grantSourceKeysForNewTables(stack, props, { plan, shard });
  // Buckets encrypted with their own KMS key: a restore onto them writes and reads back through it (shard; verify reads back pieced objects).
  const bucketKeys = s3Sources.flatMap((s) => (s.bucket?.encryptionKey ? [s.bucket.encryptionKey.keyArn] : []));
  if (bucketKeys.length > 0) {
    // Only as S3 of the region uses them (audit a59B F6), as the table keys only through DynamoDB: the source buckets are
    // the primary region's (sourcesWritable), and no function calls KMS with them itself.
    const viaS3 = { StringEquals: { 'kms:ViaService': `s3.${stack.region}.amazonaws.com` } };
    shard.addToRolePolicy(new iam.PolicyStatement({ actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: bucketKeys, conditions: viaS3 }));
    // CreateMultipartUpload and CompleteMultipartUpload under the bucket's key (a split entry's upload).
    plan.addToRolePolicy(new iam.PolicyStatement({ actions: ['kms:GenerateDataKey'], resources: bucketKeys, conditions: viaS3 }));
    verify.addToRolePolicy(new iam.PolicyStatement({ actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: bucketKeys, conditions: viaS3 }));
  }

  return {
    resolve,
    plan,
    shard,
    verify,
    abandon,
    ...(thaw ? { thaw } : {}),
    all,
    environment: common,
    wildcardResources: [
      ...[...VAULT_READ_PREFIXES, PLAN_PREFIX].map((p) => home.bucket.arnForObjects(p)),
      ...(drBucketArn ? VAULT_READ_PREFIXES.map((p) => `${drBucketArn}/${p}`) : []),
      ...targetBuckets.map((b) => b.arn),
      ...targetObjects.map((o) => o.arn),
      ...targetTables,
      ...all.map((fn) => `${fn.functionArn}:*`),
    ],
  };
}

/**
 * `actions` on the restore target claims of `catalog` only (lambdas/restore/target-claim.ts, items `TARGET#<key>`):
 * their own statement, conditioned on the item's partition key, as the approvals' and the prune and mirror claims' are.
 */
export function targetClaimStatement(catalog: dynamodb.ITable, actions: string[]): iam.PolicyStatement {
  return catalogPartitionStatement(catalog, actions, [TARGET_CLAIM_PARTITIONS]);
}

/**
 * A table a restore creates is encrypted with its source's KMS key (restored-table-protection.ts) when
 * the key is of the functions' region: the primary region's functions (the DR region's use the AWS
 * managed key there, a primary key cannot encrypt in it). Plan creates the table (DynamoDB asks KMS
 * for a grant and describes the key on the caller's behalf), shards write items and read them back
 * through the key, in a new table or (the restore runbook's `overwrite`) in the source table itself;
 * every statement only through DynamoDB of the region (kms:ViaService), and only for the keys the
 * sources declare (an ITable's encryptionKey). Verify reads only the shards' records: no key. Plan
 * also reads a source's protection live for a backup recorded before it was captured
 * (DescribeContinuousBackups, ListTagsOfResource).
 */
function grantSourceKeysForNewTables(stack: Stack, props: RestoreFunctionsProps, fns: { plan: LifeboatFunction; shard: LifeboatFunction }): void {
  if (props.homeVault.side !== 'primary') return;
  const tables = props.sources.flatMap((s) => (s.table ? [s.table] : []));
  if (tables.length === 0) return;
  fns.plan.addToRolePolicy(
    new iam.PolicyStatement({ actions: ['dynamodb:DescribeTable', 'dynamodb:DescribeContinuousBackups', 'dynamodb:ListTagsOfResource'], resources: tables.map((t) => t.tableArn) }),
  );
  const keys = tables.flatMap((t) => (t.encryptionKey ? [t.encryptionKey.keyArn] : []));
  if (keys.length === 0) return;
  const viaDynamoDb = { StringEquals: { 'kms:ViaService': `dynamodb.${stack.region}.amazonaws.com` } };
  fns.plan.addToRolePolicy(
    new iam.PolicyStatement({ actions: ['kms:CreateGrant'], resources: keys, conditions: { ...viaDynamoDb, Bool: { 'kms:GrantIsForAWSResource': 'true' } } }),
  );
  fns.plan.addToRolePolicy(new iam.PolicyStatement({ actions: ['kms:DescribeKey'], resources: keys, conditions: viaDynamoDb }));
  fns.shard.addToRolePolicy(new iam.PolicyStatement({ actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'], resources: keys, conditions: viaDynamoDb }));
}
