import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AttributeValue, DeleteItemCommand, type DynamoDBClient, GetItemCommand, PutItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { type ProtectionPlanConfig } from '../../../../config/lifeboat-config';
import { createActiveTable, localDynamoDbClient, startLocalCloud, stopLocalCloud } from '../../../../local/cloud';
import { itemKeyText } from '../../../../lambdas/mirror/dynamodb-item-key';
import { replicaCopyDigest } from '../../../../lambdas/mirror/dynamodb-mirror-comparison';
import { recheckDynamoDbKeys } from '../../../../lambdas/mirror/dynamodb-mirror-recheck';
import { runMirrorCheck, type MirrorCheckDeps } from '../../../../lambdas/mirror/mirror-check';
import { type MirrorRecord, mirrorRecordSchema } from '../../../../lambdas/mirror/mirror-record';

/**
 * The open differences of a DynamoDB mirror re-read key by key each run (dynamodb-mirror-recheck.ts), on
 * the local cloud's DynamoDB: the same table in two regions, the "replica" written by the test itself
 * (no replication), so what each run sees is what the test made. The key is binary + number: both must
 * survive the trip through the record's text (differences' keys, the window's cursor) back into GetItem
 * and Scan.
 */
const PRIMARY = 'us-east-1';
const DR = 'us-west-2';
const TABLE = 'lbtest-mirror-orders';
const dataDir = mkdtempSync(join(tmpdir(), 'lifeboat-ddb-recheck-'));
let source: DynamoDBClient;
let replica: DynamoDBClient;

type Item = Record<string, AttributeValue>;
type Key = { pk: AttributeValue; sk: AttributeValue };

beforeAll(async () => {
  const cloud = await startLocalCloud({ dataDir, regions: [PRIMARY, DR], exitWithParent: true });
  source = localDynamoDbClient(cloud.endpoints, PRIMARY);
  replica = localDynamoDbClient(cloud.endpoints, DR);
  for (const client of [source, replica]) {
    await createActiveTable(client, {
      TableName: TABLE,
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'B' },
        { AttributeName: 'sk', AttributeType: 'N' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
    });
  }
});

afterAll(async () => {
  source?.destroy();
  replica?.destroy();
  await stopLocalCloud(dataDir);
  rmSync(dataDir, { recursive: true, force: true });
});

const put = (client: DynamoDBClient, item: Item) => client.send(new PutItemCommand({ TableName: TABLE, Item: item }));
const del = (client: DynamoDBClient, key: Key) => client.send(new DeleteItemCommand({ TableName: TABLE, Key: key }));
const keyOf = (item: Item): Key => ({ pk: item.pk as AttributeValue, sk: item.sk as AttributeValue });

/** The source's items in the order a Scan (and so the windows) walks them. */
async function scanOrder(): Promise<Item[]> {
  const { Items } = await source.send(new ScanCommand({ TableName: TABLE, ConsistentRead: true }));
  return Items ?? [];
}

const PLANS: ProtectionPlanConfig[] = [
  {
    name: 'orders',
    schedule: 'rate(1 day)',
    strategy: 'incremental',
    retention: { keepLast: 7 },
    objectives: { rpoMinutes: 60, rtoMinutes: 60 },
    maxConcurrency: 8,
    sources: [{ type: 'dynamodb', name: 'orders', table: TABLE, mirror: true }],
  },
];

/** runMirrorCheck's deps on the two regions, its catalog a list of records (each one as the catalog would take it). */
function checkDeps(): { deps: MirrorCheckDeps; records: MirrorRecord[]; at: (t: string) => void } {
  const records: MirrorRecord[] = [];
  let now = 0;
  return {
    records,
    at: (t) => {
      now = Date.parse(t);
    },
    deps: {
      environment: 'prod',
      plans: PLANS,
      mirrorRegion: DR,
      sourceRegion: PRIMARY,
      mirrorBucketPrefix: 'lifeboat-prod-mirror-',
      s3: () => {
        throw new Error('no S3 for a table');
      },
      dynamodb: (region) => (region === PRIMARY ? source : replica),
      log: { get: () => Promise.resolve(records.at(-1)), record: (r) => Promise.resolve(void records.push(mirrorRecordSchema.parse(r))) },
      now: () => now,
    },
  };
}

describe('the mirror check of a DynamoDB source, run after run', () => {
  it('clears a difference when its key reads equal again, without a pass over the table; one still different stays open', async () => {
    // No grace: each difference counts when found (with one, a window's difference is first followed in flight).
    // 16 items, binary partition key and fractional numeric sort key; the replica starts equal.
    for (let i = 0; i < 16; i += 1) {
      const item = { pk: { B: Uint8Array.from([i, 0xff, 0]) }, sk: { N: String(i * 1.5) }, v: { S: `v${i}` } };
      await put(source, item);
      await put(replica, item);
    }
    const order = await scanOrder();
    const [a, b, c, e] = order as [Item, Item, Item, Item];
    // The first window's four items: a and c missing in the replica, b and e older there.
    await del(replica, keyOf(a));
    await del(replica, keyOf(c));
    await put(replica, { ...b, v: { S: 'old' } });
    await put(replica, { ...e, v: { S: 'old' } });

    const { deps, records, at } = checkDeps();
    at('2026-12-05T06:00:00Z');
    await runMirrorCheck({ samples: 4, graceSeconds: 0 }, deps);
    const first = records[0];
    expect(first).toMatchObject({ passed: false, compared: 4, differences: 4, rechecked: 0, cursor: itemKeyText(keyOf(e)) });
    expect(first?.unresolved).toEqual([
      { key: itemKeyText(keyOf(a)), reason: 'missing in the replica', foundAt: '2026-12-05T06:00:00.000Z' },
      { key: itemKeyText(keyOf(b)), reason: 'differs in the replica', foundAt: '2026-12-05T06:00:00.000Z' },
      { key: itemKeyText(keyOf(c)), reason: 'missing in the replica', foundAt: '2026-12-05T06:00:00.000Z' },
      { key: itemKeyText(keyOf(e)), reason: 'differs in the replica', foundAt: '2026-12-05T06:00:00.000Z' },
    ]);

    // a replicates at last; c is deleted from the source (absent on both sides now); e is deleted from the source only.
    await put(replica, a);
    await del(source, keyOf(c));
    await del(source, keyOf(e));
    at('2026-12-05T06:15:00Z');
    await runMirrorCheck({ samples: 4, graceSeconds: 0 }, deps);
    const second = records[1];
    // The window went on to the next four items (all equal) and did not reach the end: only the re-check saw a, c and e again.
    expect(second).toMatchObject({ passed: false, compared: 4, differences: 2, rechecked: 4, cursor: itemKeyText(keyOf(order[7] as Item)), passStartedAt: '2026-12-05T06:00:00.000Z' });
    // Each re-checked key keeps its replica copy as read (a digest: the catalog never holds a copy of the item).
    expect(second?.unresolved).toEqual([
      { key: itemKeyText(keyOf(b)), reason: 'differs in the replica', foundAt: '2026-12-05T06:00:00.000Z', replicaCopy: replicaCopyDigest({ ...b, v: { S: 'old' } }) },
      { key: itemKeyText(keyOf(e)), reason: 'in the replica but deleted from the source', foundAt: '2026-12-05T06:00:00.000Z', replicaCopy: replicaCopyDigest({ ...e, v: { S: 'old' } }) },
    ]);

    // b and e replicate: the mirror passes in the middle of its pass.
    await put(replica, b);
    await del(replica, keyOf(e));
    at('2026-12-05T06:30:00Z');
    const result = await runMirrorCheck({ samples: 4, graceSeconds: 0 }, deps);
    expect(result.passed).toBe(true);
    const third = records[2];
    expect(third).toMatchObject({ passed: true, compared: 4, differences: 0, unresolved: [], rechecked: 2, cursor: itemKeyText(keyOf(order[11] as Item)) });
    expect(third?.firstDifference).toBeUndefined();
  });
});

describe('recheckDynamoDbKeys', () => {
  const sides = () => [{ ddb: source, table: TABLE }, { ddb: replica, table: TABLE }] as const;
  const OPTIONS = { graceSeconds: 900, now: () => Date.parse('2026-12-05T06:00:00Z') };

  it('reads a binary and numeric key back from its text: equal, different and gone-from-both keys', async () => {
    const same = { pk: { B: Uint8Array.from([200, 0, 1]) }, sk: { N: '-12.25' }, v: { S: 'same' } };
    const changed = { pk: { B: Uint8Array.from([201]) }, sk: { N: '1e3' }, v: { S: 'new' } };
    await put(source, same);
    await put(replica, same);
    await put(source, changed);
    await put(replica, { ...changed, v: { S: 'old' } });
    const gone = itemKeyText({ pk: { B: Uint8Array.from([202]) }, sk: { N: '7' } });
    const [s, r] = sides();
    // DynamoDB stores 1e3 as 1000: the key as a Scan returns it is the one the record holds.
    const stored = (await scanOrder()).find((i) => (i.pk?.B as Uint8Array | undefined)?.[0] === 201) as Item;
    expect(stored.sk).toEqual({ N: '1000' });
    const keys = [itemKeyText(keyOf(same)), itemKeyText(keyOf(stored)), gone];
    expect(await recheckDynamoDbKeys(s, r, keys.map((key) => ({ key })), OPTIONS)).toEqual([
      { key: keys[0], replicaCopy: replicaCopyDigest(same) },
      { key: keys[1], difference: { key: keys[1], reason: 'differs in the replica' }, replicaCopy: replicaCopyDigest({ ...stored, v: { S: 'old' } }) },
      { key: gone, replicaCopy: 'absent' },
    ]);
  });

  it('leaves out a key that is not of the table\'s key schema or not a key at all: it stays open until a clean pass', async () => {
    const [s, r] = sides();
    const keys = ['{"id":{"S":"a"}}', '{"pk":{"S":"yA=="},"sk":{"N":"1"}}', '{"pk":{"B":"yA=="}}', 'not json', '{"pk":{"B":"yA=="},"sk":{"N":"1"}}'];
    expect(await recheckDynamoDbKeys(s, r, keys.map((key) => ({ key })), OPTIONS)).toEqual([{ key: keys[4], replicaCopy: 'absent' }]);
  });

  it('judges a key by its replica copy (review r7 F2): moved, in flight again; unchanged, a difference once the grace has passed since first seen', async () => {
    const hot = { pk: { B: Uint8Array.from([210, 1]) }, sk: { N: '1' }, n: { N: '7' } };
    await put(source, hot);
    await put(replica, { ...hot, n: { N: '5' } });
    const [s, r] = sides();
    const key = itemKeyText(keyOf(hot));
    const seen = replicaCopyDigest({ ...hot, n: { N: '4' } });
    const now = replicaCopyDigest({ ...hot, n: { N: '5' } });
    const pending = { key, foundAt: '2026-12-05T06:00:00.000Z', replicaCopy: seen, holdsPass: true as const };
    const at = (t: string) => ({ graceSeconds: 900, now: () => Date.parse(t) });
    // The copy moved (4 → 5): in flight again from now, still holding its pass (a digest has no order). An open difference likewise.
    // Both are `moved`: the record follows them after the window's new keys (review r1 F1 on 33caacf).
    expect(await recheckDynamoDbKeys(s, r, [{ key, pending }], at('2026-12-05T06:30:00Z'))).toEqual([
      { key, pending: { key, foundAt: '2026-12-05T06:30:00.000Z', replicaCopy: now, holdsPass: true }, replicaCopy: now, moved: true },
    ]);
    expect(await recheckDynamoDbKeys(s, r, [{ key, replicaCopy: seen }], at('2026-12-05T06:30:00Z'))).toEqual([
      { key, pending: { key, foundAt: '2026-12-05T06:30:00.000Z', replicaCopy: now }, replicaCopy: now, moved: true },
    ]);
    // Unchanged: in flight within the grace since first seen, a difference dated from then beyond it; an open difference stays one.
    const still = { ...pending, replicaCopy: now };
    expect(await recheckDynamoDbKeys(s, r, [{ key, pending: still }], at('2026-12-05T06:14:59Z'))).toEqual([{ key, pending: still, replicaCopy: now }]);
    expect(await recheckDynamoDbKeys(s, r, [{ key, pending: still }], at('2026-12-05T06:15:00Z'))).toEqual([
      {
        key,
        difference: { key, reason: "differs in the replica (the replica's copy has not changed since 2026-12-05T06:00:00.000Z: longer than the grace of 900 s)", foundAt: '2026-12-05T06:00:00.000Z' },
        replicaCopy: now,
      },
    ]);
    expect(await recheckDynamoDbKeys(s, r, [{ key, replicaCopy: now }], at('2026-12-05T06:30:00Z'))).toEqual([{ key, difference: { key, reason: 'differs in the replica' }, replicaCopy: now }]);
    // Without a grace a moved copy is still a difference, as it always was.
    expect(await recheckDynamoDbKeys(s, r, [{ key, replicaCopy: seen }], { graceSeconds: 0, now: () => 0 })).toEqual([{ key, difference: { key, reason: 'differs in the replica' }, replicaCopy: now }]);
  });

  it("takes a digest an earlier version stored (a set's members in the order read, audit b5-4) as the same copy: an upgrade re-dates no followed item", async () => {
    const tagged = { pk: { B: Uint8Array.from([220]) }, sk: { N: '1' }, tags: { SS: ['red', 'blue'] }, v: { S: 'new' } };
    await put(source, tagged);
    await put(replica, { ...tagged, v: { S: 'old' } });
    const [s, r] = sides();
    const key = itemKeyText(keyOf(tagged));
    const { Item: copy } = await replica.send(new GetItemCommand({ TableName: TABLE, Key: keyOf(tagged), ConsistentRead: true }));
    const stored = replicaCopyDigest(copy, 'as given');
    expect(stored).not.toBe(replicaCopyDigest(copy));
    const pending = { key, foundAt: '2026-12-05T06:00:00.000Z', replicaCopy: stored };
    // Unchanged since first seen, past the grace: a difference, not in flight again from now.
    expect(await recheckDynamoDbKeys(s, r, [{ key, pending }], { graceSeconds: 900, now: () => Date.parse('2026-12-05T06:30:00Z') })).toEqual([
      {
        key,
        difference: { key, reason: "differs in the replica (the replica's copy has not changed since 2026-12-05T06:00:00.000Z: longer than the grace of 900 s)", foundAt: '2026-12-05T06:00:00.000Z' },
        replicaCopy: replicaCopyDigest(copy),
      },
    ]);
  });
});
