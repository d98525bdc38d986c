import { createHash } from 'node:crypto';
import {
  type AttributeDefinition,
  type CreateTableCommandInput,
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  type GlobalSecondaryIndex,
  type KeySchemaElement,
  type LocalSecondaryIndex,
  ResourceNotFoundException,
  type TableDescription,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import {
  CreateBucketCommand,
  HeadBucketCommand,
  type ObjectLockConfiguration,
  PutBucketEncryptionCommand,
  PutBucketReplicationCommand,
  PutObjectLockConfigurationCommand,
  PutPublicAccessBlockCommand,
  type PublicAccessBlockConfiguration,
  type S3Client,
  type ServerSideEncryptionByDefault,
} from '@aws-sdk/client-s3';
import { replicationConfigurationOf } from '../../lambdas/mirror/source-replication-resource';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { bucketLocation } from '../../lambdas/runtime/bucket-location';
import { type LocalEndpoints } from '../../lambdas/runtime/local-endpoints';
import { type CfnResource, type SynthesizedStack } from '../assembly/synthesized-stack';
import { type ResolveContext, resolveString, resolveValue, templateParameters } from './cfn-intrinsics';
import { ProvisioningError, UnresolvableTemplateValueError } from './errors';
import { localDynamoDbClient, localS3Client } from './local-clients';
import { httpStatusOf } from '../../vault';

/**
 * Creates, in the local cloud, the buckets and tables the synthesized CloudFormation templates
 * declare, with the same names, key schemas and indexes, so local and cloud cannot drift apart.
 * Idempotent: existing buckets and tables are kept with their data; a table whose key schema or
 * indexes differ from the template's is an error naming the difference (dynalite cannot add an
 * index in place; DynamoDB cannot change a key schema). Properties the emulators cannot honour are listed in `ignoredProperties`.
 */

export type ProvisionedBucket = {
  stackName: string;
  logicalId: string;
  region: string;
  bucketName: string;
  /** No BucketName in the template: the name was derived from the stack name and logical id. */
  nameDerived: boolean;
  created: boolean;
  ignoredProperties: string[];
};

export type ProvisionedTable = {
  stackName: string;
  logicalId: string;
  resourceType: 'AWS::DynamoDB::Table' | 'AWS::DynamoDB::GlobalTable';
  region: string;
  tableName: string;
  nameDerived: boolean;
  created: boolean;
  /** The template's TTL attribute; dynalite cannot store or enforce it (see ttlApplied). */
  ttlAttribute?: string;
  ttlApplied: boolean;
  ignoredProperties: string[];
};

/** A replication configuration of the templates put on its source bucket (docs/LOCAL-CLOUD.md, "S3 Replication"). */
export type ProvisionedReplication = { stackName: string; logicalId: string; region: string; bucket: string; destinations: string[] };

export type ProvisionSummary = {
  buckets: ProvisionedBucket[];
  replications: ProvisionedReplication[];
  tables: ProvisionedTable[];
  /** region -> bucket names. */
  bucketsByRegion: Record<string, string[]>;
  /** region -> table names. */
  tablesByRegion: Record<string, string[]>;
  /** "stackName/logicalId" -> name, for buckets and tables without an explicit name. */
  derivedNames: Record<string, string>;
  /** Human-readable limits met while provisioning (TTL not applied, replicas in unserved regions...). */
  notes: string[];
};

const BUCKET_TYPE = 'AWS::S3::Bucket';
const TABLE_TYPE = 'AWS::DynamoDB::Table';
const GLOBAL_TABLE_TYPE = 'AWS::DynamoDB::GlobalTable';
/** lib/constructs/source-mirrors.ts: replication put on a bucket the stack does not own. */
const BUCKET_REPLICATION_TYPE = 'Custom::LifeboatBucketReplication';
const TABLE_ACTIVE_TIMEOUT_MS = 10_000;

/** Deterministic lowercase bucket name for a bucket without BucketName (CloudFormation would add a random suffix). */
export function deriveBucketName(stackName: string, logicalId: string): string {
  const hash = createHash('sha256').update(`${stackName}/${logicalId}`).digest('hex').slice(0, 8);
  const base = `${stackName}-${logicalId}`
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-+|-+$/g, '');
  return `${base.slice(0, 63 - hash.length - 1).replace(/-+$/, '')}-${hash}`;
}

/** Deterministic table name for a table without TableName. */
export function deriveTableName(stackName: string, logicalId: string): string {
  const hash = createHash('sha256').update(`${stackName}/${logicalId}`).digest('hex').slice(0, 8);
  return `${stackName}-${logicalId}`.replace(/[^a-zA-Z0-9_.-]/g, '-').slice(0, 255 - hash.length - 1) + `-${hash}`;
}

// ---- the template shapes the provisioner reads (after intrinsic resolution) ----

const num = z.union([z.number(), z.string().regex(/^\d+$/).transform(Number)]);
const keySchema = z.array(z.strictObject({ AttributeName: z.string(), KeyType: z.enum(['HASH', 'RANGE']) })).min(1).max(2);
const attributeDefinitions = z.array(z.strictObject({ AttributeName: z.string(), AttributeType: z.enum(['S', 'N', 'B']) })).min(1);
const projection = z.object({ ProjectionType: z.enum(['ALL', 'KEYS_ONLY', 'INCLUDE']).optional(), NonKeyAttributes: z.array(z.string()).optional() });
const throughput = z.object({ ReadCapacityUnits: num, WriteCapacityUnits: num });
const ttlSpec = z.object({ AttributeName: z.string().optional(), Enabled: z.union([z.boolean(), z.literal('true'), z.literal('false')]) });

const tableProps = z.object({
  TableName: z.string().optional(),
  KeySchema: keySchema,
  AttributeDefinitions: attributeDefinitions,
  BillingMode: z.enum(['PROVISIONED', 'PAY_PER_REQUEST']).optional(),
  ProvisionedThroughput: throughput.optional(),
  GlobalSecondaryIndexes: z
    .array(z.object({ IndexName: z.string(), KeySchema: keySchema, Projection: projection, ProvisionedThroughput: throughput.optional() }))
    .optional(),
  LocalSecondaryIndexes: z.array(z.object({ IndexName: z.string(), KeySchema: keySchema, Projection: projection })).optional(),
  TimeToLiveSpecification: ttlSpec.optional(),
});

const autoScaling = z.object({ MinCapacity: num }).optional();
const globalTableProps = z.object({
  TableName: z.string().optional(),
  KeySchema: keySchema,
  AttributeDefinitions: attributeDefinitions,
  BillingMode: z.enum(['PROVISIONED', 'PAY_PER_REQUEST']).optional(),
  WriteProvisionedThroughputSettings: z.object({ WriteCapacityAutoScalingSettings: autoScaling }).optional(),
  GlobalSecondaryIndexes: z.array(z.object({ IndexName: z.string(), KeySchema: keySchema, Projection: projection })).optional(),
  LocalSecondaryIndexes: z.array(z.object({ IndexName: z.string(), KeySchema: keySchema, Projection: projection })).optional(),
  Replicas: z
    .array(
      z.object({
        Region: z.string(),
        ReadProvisionedThroughputSettings: z.object({ ReadCapacityUnits: num.optional(), ReadCapacityAutoScalingSettings: autoScaling }).optional(),
      }),
    )
    .min(1),
  TimeToLiveSpecification: ttlSpec.optional(),
});

/** Properties the local cloud reads; everything else is reported as ignored. */
const USED_TABLE_PROPERTIES = new Set([
  'TableName',
  'KeySchema',
  'AttributeDefinitions',
  'BillingMode',
  'ProvisionedThroughput',
  'GlobalSecondaryIndexes',
  'LocalSecondaryIndexes',
  'TimeToLiveSpecification',
  'WriteProvisionedThroughputSettings',
  'Replicas',
]);

/** What CreateTable needs, in one region. */
type TableSpec = {
  tableName: string;
  keySchema: KeySchemaElement[];
  attributeDefinitions: AttributeDefinition[];
  payPerRequest: boolean;
  throughput: { ReadCapacityUnits: number; WriteCapacityUnits: number };
  gsis: { IndexName: string; KeySchema: KeySchemaElement[]; Projection: z.infer<typeof projection>; ProvisionedThroughput?: { ReadCapacityUnits: number; WriteCapacityUnits: number } }[];
  lsis: LocalSecondaryIndex[];
  ttlAttribute?: string;
};

type StackContext = {
  stack: SynthesizedStack;
  resolve: ResolveContext;
};

function stackContext(stack: SynthesizedStack, physicalIds: Record<string, string>): StackContext {
  return {
    stack,
    resolve: {
      stackName: stack.stackName,
      region: stack.region,
      account: stack.account,
      parameters: templateParameters(stack.template),
      physicalIds,
      fail: (path, reason) => {
        throw new UnresolvableTemplateValueError(stack.stackName, '(template)', path, reason);
      },
    },
  };
}

function forResource(ctx: StackContext, logicalId: string): ResolveContext {
  return {
    ...ctx.resolve,
    fail: (path, reason) => {
      throw new UnresolvableTemplateValueError(ctx.stack.stackName, logicalId, path, reason);
    },
  };
}

function parseProps<T>(schema: z.ZodType<T>, value: unknown, stackName: string, logicalId: string): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `Properties.${i.path.map(String).join('.')}: ${i.message}`).join('; ');
    throw new ProvisioningError(stackName, logicalId, `unsupported or invalid properties: ${issues}`);
  }
  return result.data;
}

function resourcesOfType(stack: SynthesizedStack, types: readonly string[]): [string, CfnResource][] {
  return Object.entries(stack.template.Resources ?? {}).filter(([, r]) => types.includes(r.Type));
}

function ignored(resource: CfnResource, used: ReadonlySet<string>): string[] {
  return Object.keys(resource.Properties ?? {}).filter((k) => !used.has(k));
}

function isTrue(v: boolean | 'true' | 'false'): boolean {
  return v === true || v === 'true';
}

function tableSpecFromTable(props: z.infer<typeof tableProps>, tableName: string): TableSpec {
  const payPerRequest = props.BillingMode === 'PAY_PER_REQUEST';
  const tableThroughput = props.ProvisionedThroughput ?? { ReadCapacityUnits: 5, WriteCapacityUnits: 5 };
  return {
    tableName,
    keySchema: props.KeySchema,
    attributeDefinitions: props.AttributeDefinitions,
    payPerRequest,
    throughput: tableThroughput,
    gsis: (props.GlobalSecondaryIndexes ?? []).map((g) => ({
      IndexName: g.IndexName,
      KeySchema: g.KeySchema,
      Projection: g.Projection,
      ...(payPerRequest ? {} : { ProvisionedThroughput: g.ProvisionedThroughput ?? tableThroughput }),
    })),
    lsis: props.LocalSecondaryIndexes ?? [],
    ...(props.TimeToLiveSpecification && isTrue(props.TimeToLiveSpecification.Enabled) && props.TimeToLiveSpecification.AttributeName
      ? { ttlAttribute: props.TimeToLiveSpecification.AttributeName }
      : {}),
  };
}

function tableSpecFromGlobalTable(props: z.infer<typeof globalTableProps>, tableName: string, region: string): TableSpec {
  const payPerRequest = props.BillingMode === 'PAY_PER_REQUEST';
  const replica = props.Replicas.find((r) => r.Region === region);
  const read = replica?.ReadProvisionedThroughputSettings;
  const throughput = {
    ReadCapacityUnits: read?.ReadCapacityUnits ?? read?.ReadCapacityAutoScalingSettings?.MinCapacity ?? 5,
    WriteCapacityUnits: props.WriteProvisionedThroughputSettings?.WriteCapacityAutoScalingSettings?.MinCapacity ?? 5,
  };
  return {
    tableName,
    keySchema: props.KeySchema,
    attributeDefinitions: props.AttributeDefinitions,
    payPerRequest,
    throughput,
    gsis: (props.GlobalSecondaryIndexes ?? []).map((g) => ({
      IndexName: g.IndexName,
      KeySchema: g.KeySchema,
      Projection: g.Projection,
      ...(payPerRequest ? {} : { ProvisionedThroughput: throughput }),
    })),
    lsis: props.LocalSecondaryIndexes ?? [],
    ...(props.TimeToLiveSpecification && isTrue(props.TimeToLiveSpecification.Enabled) && props.TimeToLiveSpecification.AttributeName
      ? { ttlAttribute: props.TimeToLiveSpecification.AttributeName }
      : {}),
  };
}

function toGsi(g: TableSpec['gsis'][number]): GlobalSecondaryIndex {
  return { IndexName: g.IndexName, KeySchema: g.KeySchema, Projection: g.Projection, ...(g.ProvisionedThroughput ? { ProvisionedThroughput: g.ProvisionedThroughput } : {}) };
}

function createTableInput(spec: TableSpec): CreateTableCommandInput {
  return {
    TableName: spec.tableName,
    KeySchema: spec.keySchema,
    AttributeDefinitions: spec.attributeDefinitions,
    ...(spec.payPerRequest ? { BillingMode: 'PAY_PER_REQUEST' } : { BillingMode: 'PROVISIONED', ProvisionedThroughput: spec.throughput }),
    ...(spec.gsis.length ? { GlobalSecondaryIndexes: spec.gsis.map(toGsi) } : {}),
    ...(spec.lsis.length ? { LocalSecondaryIndexes: spec.lsis } : {}),
  };
}

function sameKeySchema(a: readonly KeySchemaElement[] | undefined, b: readonly KeySchemaElement[]): boolean {
  const fmt = (k: readonly KeySchemaElement[]): string => k.map((e) => `${e.KeyType}:${e.AttributeName}`).join(',');
  return fmt(a ?? []) === fmt(b);
}

async function describeTable(client: DynamoDBClient, tableName: string): Promise<TableDescription | undefined> {
  try {
    return (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table;
  } catch (err) {
    if (err instanceof ResourceNotFoundException) return undefined;
    throw err;
  }
}

async function waitActive(client: DynamoDBClient, tableName: string): Promise<void> {
  const deadline = Date.now() + TABLE_ACTIVE_TIMEOUT_MS;
  for (;;) {
    const table = await describeTable(client, tableName);
    const indexesBusy = (table?.GlobalSecondaryIndexes ?? []).some((g) => g.IndexStatus !== 'ACTIVE');
    if (table?.TableStatus === 'ACTIVE' && !indexesBusy) return;
    if (Date.now() > deadline) throw new Error(`table ${tableName} is not ACTIVE after ${TABLE_ACTIVE_TIMEOUT_MS} ms`);
    await sleep(50);
  }
}

type Clients = { s3(region: string): S3Client; dynamodb(region: string): DynamoDBClient; destroy(): void };

function memoize<T>(make: (region: string) => T): { get(region: string): T; all(): T[] } {
  const cache = new Map<string, T>();
  return {
    get: (region) => {
      let value = cache.get(region);
      if (value === undefined) {
        value = make(region);
        cache.set(region, value);
      }
      return value;
    },
    all: () => [...cache.values()],
  };
}

function clientsFor(endpoints: LocalEndpoints): Clients {
  const s3 = memoize((region) => localS3Client(endpoints, region));
  const dynamodb = memoize((region) => localDynamoDbClient(endpoints, region));
  return {
    s3: s3.get,
    dynamodb: dynamodb.get,
    destroy: () => [...s3.all(), ...dynamodb.all()].forEach((c) => c.destroy()),
  };
}

/** The template's Object Lock settings of a bucket: whether it is enabled and its configuration (default retention), if any. */
function objectLockOf(properties: Record<string, unknown>, resolve: (value: unknown, path: string) => unknown): { enabled: boolean; configuration?: ObjectLockConfiguration } {
  const configuration = properties.ObjectLockConfiguration === undefined ? undefined : (resolve(properties.ObjectLockConfiguration, 'Properties.ObjectLockConfiguration') as ObjectLockConfiguration);
  const enabled = resolve(properties.ObjectLockEnabled ?? false, 'Properties.ObjectLockEnabled');
  return { enabled: enabled === true || enabled === 'true' || configuration?.ObjectLockEnabled === 'Enabled', ...(configuration ? { configuration } : {}) };
}

/**
 * Object Lock can only be given at creation in S3 (or later on a versioned bucket): an existing local
 * bucket gets the template's configuration anyway, so a vault provisioned before it had a lock has one after the next `up`.
 */
async function ensureObjectLock(client: S3Client, bucketName: string, lock: { enabled: boolean; configuration?: ObjectLockConfiguration }): Promise<void> {
  if (!lock.enabled) return;
  await client.send(
    new PutObjectLockConfigurationCommand({ Bucket: bucketName, ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', ...(lock.configuration?.Rule ? { Rule: lock.configuration.Rule } : {}) } }),
  );
}

/**
 * The template's default encryption and Block Public Access of a bucket, given to the local S3
 * (bucket-security.ts) on every `up`, so GetBucketEncryption and GetPublicAccessBlock answer what the
 * template declares. A KMS key named by Fn::GetAtt gets the ARN `arn:aws:kms:<region>:<account>:key/<logical id>`
 * (the local cloud has no KMS). Undeclared settings keep what S3 gives a new bucket (SSE-S3, all four blocks).
 */
async function ensureBucketSecurity(client: S3Client, bucketName: string, properties: Record<string, unknown>, resolve: (value: unknown, path: string) => unknown): Promise<void> {
  if (properties.BucketEncryption !== undefined) {
    const declared = resolve(properties.BucketEncryption, 'Properties.BucketEncryption') as { ServerSideEncryptionConfiguration?: { ServerSideEncryptionByDefault?: ServerSideEncryptionByDefault; BucketKeyEnabled?: boolean }[] };
    const rules = (declared.ServerSideEncryptionConfiguration ?? []).flatMap((r) =>
      r.ServerSideEncryptionByDefault ? [{ ApplyServerSideEncryptionByDefault: r.ServerSideEncryptionByDefault, ...(r.BucketKeyEnabled !== undefined ? { BucketKeyEnabled: r.BucketKeyEnabled } : {}) }] : [],
    );
    if (rules.length > 0) await client.send(new PutBucketEncryptionCommand({ Bucket: bucketName, ServerSideEncryptionConfiguration: { Rules: rules } }));
  }
  if (properties.PublicAccessBlockConfiguration !== undefined) {
    const block = resolve(properties.PublicAccessBlockConfiguration, 'Properties.PublicAccessBlockConfiguration') as PublicAccessBlockConfiguration;
    await client.send(new PutPublicAccessBlockCommand({ Bucket: bucketName, PublicAccessBlockConfiguration: block }));
  }
}

async function ensureBucket(client: S3Client, bucketName: string, region: string, objectLockEnabled: boolean): Promise<boolean> {
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucketName }));
    return false;
  } catch (err) {
    if (httpStatusOf(err) !== 404) throw err;
  }
  try {
    await client.send(
      new CreateBucketCommand({
        Bucket: bucketName,
        ...(objectLockEnabled ? { ObjectLockEnabledForBucket: true } : {}),
        ...bucketLocation(region),
      }),
    );
    return true;
  } catch (err) {
    const name = (err as Error).name;
    if (name === 'BucketAlreadyExists' || name === 'BucketAlreadyOwnedByYou') return false;
    throw err;
  }
}

async function ensureTable(
  client: DynamoDBClient,
  spec: TableSpec,
  stackName: string,
  logicalId: string,
  region: string,
): Promise<{ created: boolean; ttlApplied: boolean }> {
  const fail = (message: string, cause?: unknown): never => {
    throw new ProvisioningError(stackName, logicalId, `table ${spec.tableName} in ${region}: ${message}`, { cause });
  };
  let existing: TableDescription | undefined;
  let created = false;
  try {
    existing = await describeTable(client, spec.tableName);
    if (!existing) {
      await client.send(new CreateTableCommand(createTableInput(spec)));
      created = true;
    } else {
      if (!sameKeySchema(existing.KeySchema, spec.keySchema)) {
        fail(`exists with key schema ${JSON.stringify(existing.KeySchema)} but the template declares ${JSON.stringify(spec.keySchema)}; delete the table (or the data directory) to re-create it`);
      }
      const existingLsis = new Set((existing.LocalSecondaryIndexes ?? []).map((i) => i.IndexName));
      const missingLsis = spec.lsis.filter((l) => !existingLsis.has(l.IndexName));
      if (missingLsis.length) fail(`exists without the local secondary indexes ${missingLsis.map((l) => l.IndexName).join(', ')}, which can only be created with the table`);
      const existingGsis = new Set((existing.GlobalSecondaryIndexes ?? []).map((i) => i.IndexName));
      const missingGsis = spec.gsis.filter((g) => !existingGsis.has(g.IndexName));
      // dynalite accepts UpdateTable GlobalSecondaryIndexUpdates.Create but silently ignores it, so an index cannot be added in place.
      if (missingGsis.length) {
        fail(
          `exists without the global secondary indexes ${missingGsis.map((g) => g.IndexName).join(', ')} the template declares, and dynalite cannot add an index to an existing table; delete the table (or the data directory) to re-create it`,
        );
      }
    }
    await waitActive(client, spec.tableName);
  } catch (err) {
    if (err instanceof ProvisioningError) throw err;
    fail((err as Error).message, err);
  }
  let ttlApplied = false;
  if (spec.ttlAttribute) {
    try {
      await client.send(new UpdateTimeToLiveCommand({ TableName: spec.tableName, TimeToLiveSpecification: { AttributeName: spec.ttlAttribute, Enabled: true } }));
      ttlApplied = true;
    } catch (err) {
      // dynalite has no UpdateTimeToLive (UnknownOperationException); a second run on an emulator that has it says "already enabled".
      if (/already enabled/i.test((err as Error).message)) ttlApplied = true;
      else if ((err as Error).name !== 'UnknownOperationException') fail(`cannot enable TTL: ${(err as Error).message}`, err);
    }
  }
  return { created, ttlApplied };
}

function push(map: Record<string, string[]>, key: string, value: string): void {
  (map[key] ??= []).push(value);
}

/**
 * Provisions every bucket and table of `stacks` into the local cloud at `endpoints`. Each stack's
 * resources go to the stack's region; a GlobalTable is created in each of its replica regions the
 * local cloud serves, and those replicas are registered with UpdateTable's ReplicaUpdates, so the local
 * cloud replicates between them (table-replication.ts).
 */
export async function provisionFromTemplates(stacks: readonly SynthesizedStack[], endpoints: LocalEndpoints): Promise<ProvisionSummary> {
  const summary: ProvisionSummary = { buckets: [], replications: [], tables: [], bucketsByRegion: {}, tablesByRegion: {}, derivedNames: {}, notes: [] };
  const clients = clientsFor(endpoints);
  const pendingReplications: (Omit<ProvisionedReplication, 'destinations'> & { input: ReturnType<typeof replicationConfigurationOf> })[] = [];
  try {
    const served = (service: 's3' | 'dynamodb', region: string, stackName: string, logicalId: string): void => {
      if (!endpoints[service][region]) {
        throw new ProvisioningError(stackName, logicalId, `the local cloud serves no ${service} in ${region} (it serves ${Object.keys(endpoints[service]).join(', ')}); start it with that region`);
      }
    };
    for (const stack of stacks) {

      // Pass 1: physical names, so a Ref to a bucket or table elsewhere resolves to its name.
      const physicalIds: Record<string, string> = {};
      const derived = new Set<string>();
      const ctx = stackContext(stack, physicalIds);
      for (const [logicalId, resource] of resourcesOfType(stack, [BUCKET_TYPE, TABLE_TYPE, GLOBAL_TABLE_TYPE])) {
        const nameProp = resource.Type === BUCKET_TYPE ? 'BucketName' : 'TableName';
        const raw = resource.Properties?.[nameProp];
        if (raw === undefined) {
          physicalIds[logicalId] = resource.Type === BUCKET_TYPE ? deriveBucketName(stack.stackName, logicalId) : deriveTableName(stack.stackName, logicalId);
          derived.add(logicalId);
          summary.derivedNames[`${stack.stackName}/${logicalId}`] = physicalIds[logicalId];
        } else {
          physicalIds[logicalId] = resolveString(raw, { ...forResource(ctx, logicalId), physicalIds: {} }, `Properties.${nameProp}`);
        }
      }

      // Pass 2: buckets.
      for (const [logicalId, resource] of resourcesOfType(stack, [BUCKET_TYPE])) {
        const bucketName = physicalIds[logicalId] ?? '';
        served('s3', stack.region, stack.stackName, logicalId);
        let created: boolean;
        try {
          const lock = objectLockOf(resource.Properties ?? {}, (value, path) => resolveValue(value, forResource(ctx, logicalId), path));
          created = await ensureBucket(clients.s3(stack.region), bucketName, stack.region, lock.enabled);
          await ensureObjectLock(clients.s3(stack.region), bucketName, lock);
          const keyArns: ResolveContext = { ...forResource(ctx, logicalId), getAtt: (id, attribute) => (attribute === 'Arn' ? `arn:aws:kms:${stack.region}:${stack.account}:key/${id}` : `${id}.${attribute}`) };
          await ensureBucketSecurity(clients.s3(stack.region), bucketName, resource.Properties ?? {}, (value, path) => resolveValue(value, keyArns, path));
        } catch (err) {
          throw new ProvisioningError(stack.stackName, logicalId, `bucket ${bucketName} in ${stack.region}: ${(err as Error).message}`, { cause: err });
        }
        summary.buckets.push({
          stackName: stack.stackName,
          logicalId,
          region: stack.region,
          bucketName,
          nameDerived: derived.has(logicalId),
          created,
          ignoredProperties: ignored(resource, new Set(['BucketName', 'ObjectLockEnabled', 'ObjectLockConfiguration', 'ReplicationConfiguration', 'BucketEncryption', 'PublicAccessBlockConfiguration'])),
        });
        push(summary.bucketsByRegion, stack.region, bucketName);
      }

      // Pass 2b: replication configurations, of owned buckets and of the custom resource (its Role is not checked locally).
      const replicationCtx = (logicalId: string): ResolveContext => ({
        ...forResource(ctx, logicalId),
        getAtt: (id, attribute) => `arn:aws:iam::${stack.account}:role/${id}.${attribute}`,
      });
      for (const [logicalId, resource] of resourcesOfType(stack, [BUCKET_TYPE, BUCKET_REPLICATION_TYPE])) {
        const props = resource.Properties ?? {};
        if (props.ReplicationConfiguration === undefined) continue;
        const rctx = replicationCtx(logicalId);
        const bucket = resource.Type === BUCKET_TYPE ? (physicalIds[logicalId] ?? '') : resolveString(props.Bucket, rctx, 'Properties.Bucket');
        const resolved = resolveValue({ Bucket: bucket, ReplicationConfiguration: props.ReplicationConfiguration }, rctx, 'Properties');
        let input: ReturnType<typeof replicationConfigurationOf>;
        try {
          input = replicationConfigurationOf(resolved);
        } catch (err) {
          throw new ProvisioningError(stack.stackName, logicalId, `unsupported replication configuration: ${(err as Error).message}`, { cause: err });
        }
        pendingReplications.push({ stackName: stack.stackName, logicalId, region: stack.region, bucket, input });
      }

      // Pass 3: tables.
      for (const [logicalId, resource] of resourcesOfType(stack, [TABLE_TYPE, GLOBAL_TABLE_TYPE])) {
        const tableName = physicalIds[logicalId] ?? '';
        const rctx = forResource(ctx, logicalId);
        const used = Object.fromEntries(Object.entries(resource.Properties ?? {}).filter(([k]) => USED_TABLE_PROPERTIES.has(k) && k !== 'TableName'));
        const resolved = resolveValue(used, rctx, 'Properties');
        const targets: { region: string; spec: TableSpec }[] = [];
        if (resource.Type === TABLE_TYPE) {
          targets.push({ region: stack.region, spec: tableSpecFromTable(parseProps(tableProps, resolved, stack.stackName, logicalId), tableName) });
        } else {
          const props = parseProps(globalTableProps, resolved, stack.stackName, logicalId);
          for (const replica of props.Replicas) {
            if (!endpoints.dynamodb[replica.Region]) {
              summary.notes.push(`${stack.stackName}/${logicalId}: replica region ${replica.Region} is not served by the local cloud; skipped`);
              continue;
            }
            targets.push({ region: replica.Region, spec: tableSpecFromGlobalTable(props, tableName, replica.Region) });
          }
        }
        for (const { region, spec } of targets) {
          served('dynamodb', region, stack.stackName, logicalId);
          const result = await ensureTable(clients.dynamodb(region), spec, stack.stackName, logicalId, region);
          if (spec.ttlAttribute && !result.ttlApplied) {
            summary.notes.push(`${stack.stackName}/${logicalId}: TTL on "${spec.ttlAttribute}" not applied (dynalite has no UpdateTimeToLive); items never expire locally`);
          }
          summary.tables.push({
            stackName: stack.stackName,
            logicalId,
            resourceType: resource.Type as ProvisionedTable['resourceType'],
            region,
            tableName,
            nameDerived: derived.has(logicalId),
            created: result.created,
            ...(spec.ttlAttribute ? { ttlAttribute: spec.ttlAttribute } : {}),
            ttlApplied: result.ttlApplied,
            ignoredProperties: ignored(resource, USED_TABLE_PROPERTIES),
          });
          push(summary.tablesByRegion, region, tableName);
        }
        // Every replica exists now: the local cloud replicates between them (table-replication.ts).
        const [home, ...replicaRegions] = targets.map((t) => t.region);
        if (resource.Type === GLOBAL_TABLE_TYPE && home !== undefined && replicaRegions.length > 0) {
          try {
            await clients.dynamodb(home).send(new UpdateTableCommand({ TableName: tableName, ReplicaUpdates: replicaRegions.map((RegionName) => ({ Create: { RegionName } })) }));
          } catch (err) {
            throw new ProvisioningError(stack.stackName, logicalId, `replicas of table ${tableName}: ${(err as Error).message}`, { cause: err });
          }
          summary.notes.push(`${stack.stackName}/${logicalId}: global table ${tableName} replicated between ${[home, ...replicaRegions].join(', ')} (last writer wins)`);
        }
      }
    }
    // After every stack: the destinations (in the DR stack) exist. The source bucket need not exist yet
    // (the local cloud keeps the configuration by name; S3 would answer NoSuchBucket).
    for (const { input, ...replication } of pendingReplications) {
      served('s3', replication.region, replication.stackName, replication.logicalId);
      try {
        await clients.s3(replication.region).send(new PutBucketReplicationCommand({ Bucket: input.bucket, ReplicationConfiguration: input.configuration }));
      } catch (err) {
        throw new ProvisioningError(replication.stackName, replication.logicalId, `replication of bucket ${input.bucket}: ${(err as Error).message}`, { cause: err });
      }
      summary.replications.push({ ...replication, destinations: (input.configuration.Rules ?? []).map((r) => r.Destination?.Bucket ?? '?') });
    }
  } finally {
    clients.destroy();
  }
  return summary;
}
