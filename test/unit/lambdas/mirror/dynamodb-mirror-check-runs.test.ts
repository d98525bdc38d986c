import { type AttributeValue, DescribeTableCommand, type DynamoDBClient, GetItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { type ProtectionPlanConfig, type SourceConfig } from '../../../../config/lifeboat-config';
import { runMirrorCheck, type MirrorCheckDeps } from '../../../../lambdas/mirror/mirror-check';
import { chooseSourceCopy } from '../../../../lambdas/mirror/mirror-choice';
import { type MirrorRecord, mirrorRecordSchema } from '../../../../lambdas/mirror/mirror-record';

/**
 * The DynamoDB mirror check over several runs (review r4, finding 3): a pass is judged by what is open when it
 * ends. DynamoDB has no grace: an item written a moment before its window reads it differs there, and the next
 * run's strongly consistent re-check sees it equal. Both tables are maps in memory.
 */
const T0 = Date.parse('2026-12-05T12:00:00.000Z');
const MIN = 60_000;
type Item = Record<string, AttributeValue>;

/** A table keyed by `pk` (S): DescribeTable, GetItem and Scan pages in key order. */
function table(items: Map<string, Item>): DynamoDBClient {
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

it('a pass during which one item differed in one window and was seen equal by the next run is clean when it ends with nothing open', async () => {
  const key = (i: number) => `item${String(i).padStart(3, '0')}`;
  const source = new Map<string, Item>();
  const replica = new Map<string, Item>();
  for (let i = 0; i < 40; i++) {
    source.set(key(i), { pk: { S: key(i) }, v: { N: '1' } });
    replica.set(key(i), { pk: { S: key(i) }, v: { N: '1' } });
  }
  const orders = { type: 'dynamodb', name: 'orders', table: 'orders', mirror: true } as unknown as SourceConfig;
  const plans = [{ name: 'shop', objectives: { rpoMinutes: 120, rtoMinutes: 60 }, sources: [orders] }] as unknown as ProtectionPlanConfig[];
  let now = T0;
  let record: MirrorRecord | undefined;
  const deps: MirrorCheckDeps = {
    environment: 'prod',
    plans,
    mirrorRegion: 'us-west-2',
    sourceRegion: 'us-east-1',
    mirrorBucketPrefix: 'lifeboat-prod-mirror-',
    s3: () => {
      throw new Error('no S3 source here');
    },
    dynamodb: (region) => table(region === 'us-east-1' ? source : replica),
    log: { get: () => Promise.resolve(record), record: (r: MirrorRecord) => Promise.resolve(void (record = mirrorRecordSchema.parse(r))) },
    now: () => now,
  };
  const outcomes: string[] = [];
  // A pass is 4 windows of 10 items; in the second window of each pass, one item was just written and reaches the replica a second later.
  for (let run = 0; run < 8; run++) {
    const hot = run % 4 === 1 ? key(10 + run) : undefined;
    if (hot) source.set(hot, { pk: { S: hot }, v: { N: String(run + 2) } });
    const result = await runMirrorCheck({ samples: 10, graceSeconds: 900 }, deps);
    if (hot) replica.set(hot, { ...(source.get(hot) as Item) });
    const choice = chooseSourceCopy(orders, record, { rpoMinutes: 120, startedAt: now + MIN, mirrorBucketPrefix: 'lifeboat-prod-mirror-', useMirrors: true });
    outcomes.push(`${new Date(now).toISOString().slice(11, 16)} ${result.passed ? 'passed' : 'failed'} ${choice.use}`);
    now += 15 * MIN;
  }
  // Before this fix: every pass counted the item's difference, none was clean, and the failover never took the mirror.
  expect(outcomes).toEqual(['12:00 passed vault', '12:15 failed vault', '12:30 passed vault', '12:45 passed mirror', '13:00 passed mirror', '13:15 failed vault', '13:30 passed mirror', '13:45 passed mirror']);
  expect(record).toEqual(expect.objectContaining({ cleanPassStartedAt: new Date(T0 + 60 * MIN).toISOString(), cleanPassLagSeconds: null }));
});
