import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { ownedBy, sourceBucketAccount } from './bucket-owner-condition';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { type LifeboatSource } from './lifeboat-source';

/**
 * Grants a function what it needs of the protected sources and nothing more:
 * 'list' → enumerate and describe (s3:ListBucket; dynamodb:DescribeTable, DescribeTimeToLive,
 * DescribeContinuousBackups and ListTagsOfResource, the schema and protection a restore recreates); 'read' → read the data
 * (the current version of objects and their tags under the source prefix, listing the bucket; Scan of the table, and no
 * Describe*) and decrypt with the source's KMS key when it has one (a table's only through DynamoDB, kms:ViaService; a
 * bucket's when its IBucket declares it, only through S3 of the region: an imported bucket carries none unless given its
 * `encryptionKey`). File-system
 * sources get nothing here: a function that touches files mounts the EFS file system, and its
 * elasticfilesystem:ClientMount (and ClientWrite) come with that mount (FileSystemMount, via
 * LifeboatFunction's `files`). Bucket statements carry s3:ResourceAccount: the source's account
 * (its config's `account`, else the stack's), so a bucket of the same name elsewhere is not granted.
 * An S3 source planned from its inventory also gives 'list' (the planner) its inventory reports:
 * ListBucket of the report folders and GetObject of manifests and data files, under
 * `<prefix>/<source bucket>/` (`…/<configId>/` when given) of the inventory bucket only, and Decrypt
 * with that bucket's KMS key; 'read' (the shards, which list their ranges themselves) gets none of it.
 */
export function grantSourceRead(grantee: lambda.IFunction, sources: readonly LifeboatSource[], level: 'list' | 'read'): void {
  const allow = (statement: iam.PolicyStatementProps) => grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement(statement));
  for (const source of sources) {
    const { bucket, table, config } = source;
    if (bucket && config.type === 's3') {
      const account = sourceBucketAccount(Stack.of(grantee), source);
      allow({
        actions: ['s3:ListBucket'],
        resources: [bucket.bucketArn],
        conditions: ownedBy(account, config.prefix ? { StringLike: { 's3:prefix': [`${config.prefix}*`] } } : {}),
      });
      if (level === 'read') {
        // The current version only: no reader sends a VersionId, so no s3:GetObjectVersion.
        allow({ actions: ['s3:GetObject', 's3:GetObjectTagging'], resources: [sourceObjectsArn(source)], conditions: ownedBy(account) });
        if (bucket.encryptionKey) allow({ actions: ['kms:Decrypt'], resources: [bucket.encryptionKey.keyArn], conditions: throughS3(grantee) });
      }
      const { inventoryBucket } = source;
      if (level === 'list' && inventoryBucket && config.inventory) {
        // The inventory bucket is the environment's own (LifeboatSource.s3Bucket refuses another account's).
        const inventoryAccount = Stack.of(grantee).account;
        const folder = inventoryReportsFolder(source);
        // With a configId the planner lists exactly that folder's date folders; without, it first lists <prefix>/<bucket>/ for the configuration.
        const listed: Record<string, Record<string, unknown>> = config.inventory.configId !== undefined ? { StringEquals: { 's3:prefix': [folder] } } : { StringLike: { 's3:prefix': [`${folder}*`] } };
        allow({ actions: ['s3:ListBucket'], resources: [inventoryBucket.bucketArn], conditions: ownedBy(inventoryAccount, listed) });
        allow({ actions: ['s3:GetObject'], resources: [inventoryObjectsArn(source)], conditions: ownedBy(inventoryAccount) });
        if (inventoryBucket.encryptionKey) allow({ actions: ['kms:Decrypt'], resources: [inventoryBucket.encryptionKey.keyArn], conditions: throughS3(grantee) });
      }
    } else if (table) {
      allow({
        // 'list' (the planner) reads the schema, size and capacity, and what a restore gives the table it recreates:
        // point-in-time recovery and tags (dynamodb-table-protection.ts). 'read' (the shards) only Scans: the planner
        // hands them the schema and sizes in the shard spec, so they describe nothing.
        actions: level === 'read' ? ['dynamodb:Scan'] : ['dynamodb:DescribeTable', 'dynamodb:DescribeTimeToLive', 'dynamodb:DescribeContinuousBackups', 'dynamodb:ListTagsOfResource'],
        resources: [table.tableArn],
      });
      // The table's key only through DynamoDB of the region (the table is the stack's: LifeboatSource.dynamoDbTable), as
      // the restore's grants on it: the shard's Scan has DynamoDB decrypt for it, never a direct kms:Decrypt of anything.
      if (level === 'read' && table.encryptionKey) {
        allow({ actions: ['kms:Decrypt', 'kms:DescribeKey'], resources: [table.encryptionKey.keyArn], conditions: { StringEquals: { 'kms:ViaService': `dynamodb.${Stack.of(grantee).region}.amazonaws.com` } } });
      }
    }
  }
}

/**
 * A bucket's key only as S3 of the stack's region uses it for this role's reads (audit a59B F6), as a table's only through
 * DynamoDB: the source bucket is the stack region's (LifeboatSource refuses one of a stack of another region), and S3
 * inventory writes its reports into a bucket of the source's region. No role decrypts a source's data by calling KMS.
 */
function throughS3(grantee: lambda.IFunction): Record<string, Record<string, string>> {
  return { StringEquals: { 'kms:ViaService': `s3.${Stack.of(grantee).region}.amazonaws.com` } };
}

/** The objects of an S3 source: those under its prefix (a scoped wildcard). */
export function sourceObjectsArn(source: LifeboatSource): string {
  if (!source.bucket || source.config.type !== 's3') throw new Error(`Source "${source.name}" is not an S3 bucket source.`);
  return source.bucket.arnForObjects(`${source.config.prefix}*`);
}

/**
 * The folder of an S3 source's inventory reports in the inventory bucket, as the planner reads it
 * (lambdas/sources/s3-inventory-listing.ts, latestInventoryReport): `<prefix>/<source bucket>/`,
 * and `<configId>/` below it when the source names its configuration. Manifests lie in its date
 * folders, data files in its `data/` (the manifest names them, under the configuration's folder).
 */
export function inventoryReportsFolder(source: LifeboatSource): string {
  const { config } = source;
  if (config.type !== 's3' || !config.inventory) throw new Error(`Source "${source.name}" is not an S3 bucket source with an inventory.`);
  const { prefix, configId } = config.inventory;
  const base = `${prefix ? `${prefix.replace(/\/+$/, '')}/` : ''}${config.bucket}/`;
  return configId !== undefined ? `${base}${configId}/` : base;
}

/** The inventory reports of an S3 source (a scoped wildcard): everything under its reports folder. */
export function inventoryObjectsArn(source: LifeboatSource): string {
  if (!source.inventoryBucket) throw new Error(`Source "${source.name}" has no inventory bucket.`);
  return source.inventoryBucket.arnForObjects(`${inventoryReportsFolder(source)}*`);
}
