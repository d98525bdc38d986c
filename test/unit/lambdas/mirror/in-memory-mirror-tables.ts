import { type AttributeValue, DescribeTableCommand, type DynamoDBClient, GetItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { type ProtectionPlanConfig } from '../../../../config/lifeboat-config';
import { type MirrorCheckDeps } from '../../../../lambdas/mirror/mirror-check';
import { type MirrorRecord, mirrorRecordSchema } from '../../../../lambdas/mirror/mirror-record';

/** A DynamoDB item as the SDK gives it. */
export type Item = Record<string, AttributeValue>;

/** A table keyed by `pk` (S) held in a map: DescribeTable, GetItem and Scan pages in key order. */
export function inMemoryTable(items: Map<string, Item>): DynamoDBClient {
  const send = (command: unknown) => {
    if (command instanceof DescribeTableCommand) {
      return Promise.resolve({ Table: { KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }] } });
    }
    if (command instanceof GetItemCommand) return Promise.resolve({ Item: items.get(command.input.Key?.pk?.S ?? '') });
    if (command instanceof ScanCommand) {
      const after = command.input.ExclusiveStartKey?.pk?.S ?? '';
      const keys = [...items.keys()].sort().filter((k) => k > after);
      const page = keys.slice(0, command.input.Limit ?? 1000);
      return Promise.resolve({ Items: page.map((k) => items.get(k)), ...(keys.length > page.length ? { LastEvaluatedKey: { pk: { S: page.at(-1) } } } : {}) });
    }
    throw new Error(`unexpected command ${String(command)}`);
  };
  return { send } as unknown as DynamoDBClient;
}

/**
 * The mirror check's dependencies over two in-memory tables, the source in us-east-1 and its replica in us-west-2,
 * with the check's record kept in `log.record` (parsed as the catalog would) and the clock read from `clock.now`.
 */
export function inMemoryDynamoDbMirror(
  source: Map<string, Item>,
  replica: Map<string, Item>,
  plans: ProtectionPlanConfig[],
  clock: { now: number },
): { deps: MirrorCheckDeps; log: { record: MirrorRecord | undefined } } {
  const log: { record: MirrorRecord | undefined } = { record: undefined };
  const deps: MirrorCheckDeps = {
    environment: 'prod',
    plans,
    mirrorRegion: 'us-west-2',
    sourceRegion: 'us-east-1',
    mirrorBucketPrefix: 'lifeboat-prod-mirror-',
    s3: () => {
      throw new Error('no S3 source here');
    },
    dynamodb: (region) => inMemoryTable(region === 'us-east-1' ? source : replica),
    log: { get: () => Promise.resolve(log.record), record: (r: MirrorRecord) => Promise.resolve(void (log.record = mirrorRecordSchema.parse(r))) },
    now: () => clock.now,
  };
  return { deps, log };
}
