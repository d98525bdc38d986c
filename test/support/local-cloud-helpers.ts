import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { type CfnTemplate, type SynthesizedStack } from '../../local/assembly/synthesized-stack';

export const PRIMARY = 'us-east-1';
export const DR = 'us-west-2';
export const ACCOUNT = '000000000000';

/** A fresh temporary directory and its removal. */
export function tempDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `lifeboat-${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function mapBounded<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

export const TEST_NAMES = {
  primaryBucket: 'lbtest-primary-bucket',
  drBucket: 'lbtest-dr-bucket',
  ordersTable: 'lbtest-orders',
  provisionedTable: 'lbtest-provisioned',
  globalTable: 'lbtest-global',
} as const;

/**
 * A small CDK app shaped like Lifeboat's (a primary and a DR stack) covering what the provisioner
 * must read: named and unnamed buckets, a Table with GSIs, an LSI and TTL, a provisioned Table, and
 * a TableV2 (AWS::DynamoDB::GlobalTable) with a replica in the DR region.
 */
export function synthesizeTestApp(outdir: string, stackPrefix = 'LbTest'): SynthesizedStack[] {
  const app = new App({ outdir, builtinCloudFormationValidation: false });
  const primary = new Stack(app, `${stackPrefix}-Primary`, { env: { account: ACCOUNT, region: PRIMARY } });
  const dr = new Stack(app, `${stackPrefix}-DR`, { env: { account: ACCOUNT, region: DR } });

  new s3.Bucket(primary, 'Named', { bucketName: TEST_NAMES.primaryBucket, versioned: true, removalPolicy: RemovalPolicy.DESTROY });
  new s3.Bucket(primary, 'Unnamed', { removalPolicy: RemovalPolicy.DESTROY });
  new s3.Bucket(dr, 'Replica', { bucketName: TEST_NAMES.drBucket, removalPolicy: RemovalPolicy.DESTROY });

  const orders = new dynamodb.Table(primary, 'Orders', {
    tableName: TEST_NAMES.ordersTable,
    partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    timeToLiveAttribute: 'expiresAt',
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    removalPolicy: RemovalPolicy.DESTROY,
  });
  orders.addGlobalSecondaryIndex({
    indexName: 'byCustomer',
    partitionKey: { name: 'customer', type: dynamodb.AttributeType.STRING },
    sortKey: { name: 'createdAt', type: dynamodb.AttributeType.NUMBER },
    projectionType: dynamodb.ProjectionType.ALL,
  });
  orders.addGlobalSecondaryIndex({
    indexName: 'byStatus',
    partitionKey: { name: 'status', type: dynamodb.AttributeType.STRING },
    projectionType: dynamodb.ProjectionType.INCLUDE,
    nonKeyAttributes: ['total'],
  });
  orders.addLocalSecondaryIndex({
    indexName: 'byAmount',
    sortKey: { name: 'amount', type: dynamodb.AttributeType.NUMBER },
    projectionType: dynamodb.ProjectionType.KEYS_ONLY,
  });

  const provisioned = new dynamodb.Table(primary, 'Provisioned', {
    tableName: TEST_NAMES.provisionedTable,
    partitionKey: { name: 'id', type: dynamodb.AttributeType.BINARY },
    billingMode: dynamodb.BillingMode.PROVISIONED,
    readCapacity: 3,
    writeCapacity: 2,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  provisioned.addGlobalSecondaryIndex({
    indexName: 'byKind',
    partitionKey: { name: 'kind', type: dynamodb.AttributeType.STRING },
    readCapacity: 1,
    writeCapacity: 1,
  });

  new dynamodb.TableV2(primary, 'Global', {
    tableName: TEST_NAMES.globalTable,
    partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    sortKey: { name: 'sk', type: dynamodb.AttributeType.NUMBER },
    globalSecondaryIndexes: [{ indexName: 'byOwner', partitionKey: { name: 'owner', type: dynamodb.AttributeType.STRING } }],
    localSecondaryIndexes: [{ indexName: 'bySize', sortKey: { name: 'size', type: dynamodb.AttributeType.NUMBER } }],
    replicas: [{ region: DR }],
    removalPolicy: RemovalPolicy.DESTROY,
  });

  const assembly = app.synth();
  return [
    { stack: primary, role: 'primary' as const },
    { stack: dr, role: 'dr' as const },
  ].map(({ stack, role }) => ({
    stackName: stack.stackName,
    role,
    account: ACCOUNT,
    region: stack.region,
    template: assembly.getStackArtifact(stack.artifactId).template as CfnTemplate,
    assemblyDir: assembly.directory,
  }));
}
