import { type AttributeValue, DescribeTableCommand, DynamoDBClient, GetItemCommand, ResourceNotFoundException, ScanCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { compareDynamoDbMirror, replicaCopyDigest } from '../../../../lambdas/mirror/dynamodb-mirror-comparison';

/** One window of a table compared with its global-table replica: item for item, by the replica's key schema. */

const sourceClient = new DynamoDBClient({ region: 'us-east-1' });
const replicaClient = new DynamoDBClient({ region: 'us-west-2' });
const source = mockClient(sourceClient);
const replica = mockClient(replicaClient);

const KEY_SCHEMA = { Table: { KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' as const }, { AttributeName: 'sk', KeyType: 'RANGE' as const }] } };
type Item = Record<string, AttributeValue>;
const item = (pk: string, rest: Item = {}): Item => ({ pk: { S: pk }, sk: { N: '1' }, ...rest });

/** The replica answers GetItem from `items`, by pk, and its Scan with all of them. */
function replicaHolds(items: Item[]): void {
  replica.on(GetItemCommand).callsFake((input: { Key: Item }) => ({ Item: items.find((i) => i.pk?.S === input.Key.pk?.S) }));
  replica.on(ScanCommand).resolves({ Items: items });
}

const compare = (after = '', samples = 10): ReturnType<typeof compareDynamoDbMirror> =>
  compareDynamoDbMirror({ ddb: sourceClient, table: 'orders' }, { ddb: replicaClient, table: 'orders', region: 'us-west-2' }, { after, replicaAfter: after, samples });

beforeEach(() => {
  source.reset();
  replica.reset();
  replica.on(DescribeTableCommand).resolves(KEY_SCHEMA);
  replica.on(ScanCommand).resolves({ Items: [] });
});

afterAll(() => {
  sourceClient.destroy();
  replicaClient.destroy();
});

it('finds equal items equal whatever the order of map attributes, binary values compared by bytes', async () => {
  source.on(ScanCommand).resolves({ Items: [item('a', { m: { M: { x: { N: '1' }, y: { B: new Uint8Array([1, 2]) } } } }), item('b', { s: { SS: ['p'] } })] });
  replicaHolds([item('a', { m: { M: { y: { B: Buffer.from([1, 2]) }, x: { N: '1' } } } }), item('b', { s: { SS: ['p'] } })]);
  expect(await compare()).toEqual({ compared: 2, differences: 0, examples: [], cursor: '', replicaCursor: '' });
  expect(replica.commandCalls(GetItemCommand).map((c) => c.args[0].input)).toEqual([
    { TableName: 'orders', Key: { pk: { S: 'a' }, sk: { N: '1' } } },
    { TableName: 'orders', Key: { pk: { S: 'b' }, sk: { N: '1' } } },
  ]);
});

it('reports an item missing in the replica and one whose attributes differ, by key', async () => {
  source.on(ScanCommand).resolves({ Items: [item('a', { v: { S: 'new' } }), item('b'), item('c', { v: { N: '2' } })] });
  replicaHolds([item('a', { v: { S: 'old' } }), item('c', { v: { N: '2' } })]);
  expect(await compare()).toEqual({
    compared: 3,
    differences: 2,
    examples: [
      { key: '{"pk":{"S":"a"},"sk":{"N":"1"}}', reason: 'differs in the replica' },
      { key: '{"pk":{"S":"b"},"sk":{"N":"1"}}', reason: 'missing in the replica' },
    ],
    cursor: '',
    replicaCursor: '',
  });
});

it('an attribute only the replica has is a difference too', async () => {
  source.on(ScanCommand).resolves({ Items: [item('a')] });
  replicaHolds([item('a', { extra: { BOOL: true } })]);
  expect((await compare()).examples).toEqual([{ key: '{"pk":{"S":"a"},"sk":{"N":"1"}}', reason: 'differs in the replica' }]);
});

it('walks the table window by window: the cursor is the next scan start', async () => {
  const last = { pk: { S: 'b' }, sk: { N: '1' } };
  source.on(ScanCommand).resolves({ Items: [item('b')], LastEvaluatedKey: last });
  replicaHolds([item('b')]);
  const window = await compare(JSON.stringify({ pk: { S: 'a' }, sk: { N: '1' } }), 1);
  expect(window.cursor).toBe(JSON.stringify(last));
  expect(source.commandCalls(ScanCommand)[0]?.args[0].input).toEqual({ TableName: 'orders', Limit: 1, ExclusiveStartKey: { pk: { S: 'a' }, sk: { N: '1' } } });
});

it('counts every difference but keeps 20 examples', async () => {
  source.on(ScanCommand).resolves({ Items: Array.from({ length: 25 }, (_, i) => item(`k${String(i).padStart(2, '0')}`)) });
  replicaHolds([]);
  const window = await compare('', 25);
  expect({ compared: window.compared, differences: window.differences, examples: window.examples.length }).toEqual({ compared: 25, differences: 25, examples: 20 });
});

it('says the replica is missing (the precondition) without scanning the source', async () => {
  replica.on(DescribeTableCommand).rejects(new ResourceNotFoundException({ message: 'Requested resource not found', $metadata: {} }));
  expect(await compare()).toEqual({
    compared: 0,
    differences: 0,
    examples: [],
    cursor: '',
    replicaCursor: '',
    missingReplica: 'table orders has no replica in us-west-2: make it a global table with a replica there (the mirror\'s precondition)',
  });
  expect(source.commandCalls(ScanCommand)).toHaveLength(0);
});

it('a table missing from both regions is a missing source, not a missing replica: the source\'s ResourceNotFoundException is thrown (review r6 R6-2)', async () => {
  const notFound = new ResourceNotFoundException({ message: 'Requested resource not found', $metadata: {} });
  replica.on(DescribeTableCommand).rejects(new ResourceNotFoundException({ message: 'Requested resource not found', $metadata: {} }));
  source.on(DescribeTableCommand).rejects(notFound);
  await expect(compare()).rejects.toBe(notFound);
  expect(source.commandCalls(DescribeTableCommand).map((c) => c.args[0].input)).toEqual([{ TableName: 'orders' }]);
  expect(source.commandCalls(ScanCommand)).toHaveLength(0);
});

it('lets any other DescribeTable error through', async () => {
  replica.on(DescribeTableCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
  await expect(compare()).rejects.toThrow('Rate exceeded');
});

it('writes a binary key\'s cursor as base64 and reads it, or an earlier version\'s byte-index cursor, back into bytes for the next Scan', async () => {
  const last = { pk: { B: new Uint8Array([0, 255]) }, sk: { N: '1.5' } };
  source.on(ScanCommand).resolves({ Items: [], LastEvaluatedKey: last });
  const window = await compare('', 1);
  expect(window.cursor).toBe('{"pk":{"B":"AP8="},"sk":{"N":"1.5"}}');
  await compare(window.cursor, 1);
  await compare(JSON.stringify(last), 1);
  const starts = source.commandCalls(ScanCommand).map((c) => c.args[0].input.ExclusiveStartKey);
  expect(starts).toEqual([undefined, { pk: { B: new Uint8Array([0, 255]) }, sk: { N: '1.5' } }, { pk: { B: new Uint8Array([0, 255]) }, sk: { N: '1.5' } }]);
});

it('with a grace, an item that differs is in flight when first seen (no write time to date it), with its replica copy as read', async () => {
  source.on(ScanCommand).resolves({ Items: [item('a', { v: { S: 'new' } }), item('b'), item('c')] });
  replicaHolds([item('a', { v: { S: 'old' } }), item('c')]);
  const window = await compareDynamoDbMirror({ ddb: sourceClient, table: 'orders' }, { ddb: replicaClient, table: 'orders', region: 'us-west-2' }, { after: '', replicaAfter: '', samples: 10, graceSeconds: 900 });
  expect(window).toEqual({
    compared: 3,
    differences: 0,
    examples: [],
    inFlight: 2,
    inFlightKeys: [
      { key: '{"pk":{"S":"a"},"sk":{"N":"1"}}', replicaCopy: replicaCopyDigest(item('a', { v: { S: 'old' } })) },
      { key: '{"pk":{"S":"b"},"sk":{"N":"1"}}', replicaCopy: 'absent' },
    ],
    cursor: '',
    replicaCursor: '',
  });
  expect(replicaCopyDigest(item('a', { v: { S: 'old' } }))).toMatch(/^sha256:[0-9a-f]{64}$/);
});

describe("the replica's own window: items only the replica holds (audit b5-3)", () => {
  /** The source answers a strongly consistent GetItem from `items`, by pk. */
  function sourceHolds(items: Item[]): void {
    source.on(GetItemCommand).callsFake((input: { Key: Item }) => ({ Item: items.find((i) => i.pk?.S === input.Key.pk?.S) }));
  }
  const closed = item('account#closed', { v: { S: 'stale' } });

  it('scans the replica from its cursor and looks each item not in the source page up in the source: one the source lacks is a difference', async () => {
    source.on(ScanCommand).resolves({ Items: [item('a'), item('b')] });
    replicaHolds([item('a'), item('b')]);
    const replicaLast = { pk: { S: 'c' }, sk: { N: '1' } };
    replica.on(ScanCommand).resolves({ Items: [item('a'), closed, item('c')], LastEvaluatedKey: replicaLast });
    sourceHolds([item('a'), item('b'), item('c')]);
    const window = await compareDynamoDbMirror(
      { ddb: sourceClient, table: 'orders' },
      { ddb: replicaClient, table: 'orders', region: 'us-west-2' },
      { after: '', replicaAfter: '{"pk":{"S":"0"},"sk":{"N":"1"}}', samples: 3 },
    );
    expect(window).toEqual({
      compared: 3,
      differences: 1,
      examples: [{ key: '{"pk":{"S":"account#closed"},"sk":{"N":"1"}}', reason: 'in the replica but deleted from the source' }],
      cursor: '',
      replicaCursor: JSON.stringify(replicaLast),
    });
    expect(replica.commandCalls(ScanCommand).map((c) => c.args[0].input)).toEqual([{ TableName: 'orders', Limit: 3, ExclusiveStartKey: { pk: { S: '0' }, sk: { N: '1' } } }]);
    // Item a was in the source's page: it is not read again.
    expect(source.commandCalls(GetItemCommand).map((c) => c.args[0].input)).toEqual([
      { TableName: 'orders', Key: { pk: { S: 'account#closed' }, sk: { N: '1' } }, ConsistentRead: true },
      { TableName: 'orders', Key: { pk: { S: 'c' }, sk: { N: '1' } }, ConsistentRead: true },
    ]);
  });

  it('with a grace, an item only the replica holds is in flight when first seen (its delete may be replicating), with its copy as read', async () => {
    source.on(ScanCommand).resolves({ Items: [] });
    replica.on(ScanCommand).resolves({ Items: [closed] });
    sourceHolds([]);
    const window = await compareDynamoDbMirror(
      { ddb: sourceClient, table: 'orders' },
      { ddb: replicaClient, table: 'orders', region: 'us-west-2' },
      { after: '', replicaAfter: '', samples: 10, graceSeconds: 900 },
    );
    expect(window).toEqual({
      compared: 1,
      differences: 0,
      examples: [],
      inFlight: 1,
      inFlightKeys: [{ key: '{"pk":{"S":"account#closed"},"sk":{"N":"1"}}', replicaCopy: replicaCopyDigest(closed) }],
      cursor: '',
      replicaCursor: '',
    });
  });

  it('a side whose part of the pass is done (its cursor undefined) is not scanned', async () => {
    source.on(ScanCommand).resolves({ Items: [item('a')] });
    replicaHolds([item('a')]);
    sourceHolds([item('a')]);
    await compareDynamoDbMirror({ ddb: sourceClient, table: 'orders' }, { ddb: replicaClient, table: 'orders', region: 'us-west-2' }, { after: '', replicaAfter: undefined, samples: 10 });
    expect(replica.commandCalls(ScanCommand)).toHaveLength(0);
    await compareDynamoDbMirror({ ddb: sourceClient, table: 'orders' }, { ddb: replicaClient, table: 'orders', region: 'us-west-2' }, { after: undefined, replicaAfter: '', samples: 10 });
    expect(source.commandCalls(ScanCommand)).toHaveLength(1);
    expect(replica.commandCalls(ScanCommand)).toHaveLength(1);
  });

  it('a replica cursor that is no key fails with a MirrorCursorError naming replicaCursor', async () => {
    source.on(ScanCommand).resolves({ Items: [] });
    await expect(
      compareDynamoDbMirror({ ddb: sourceClient, table: 'orders' }, { ddb: replicaClient, table: 'orders', region: 'us-west-2' }, { after: undefined, replicaAfter: 'nope', samples: 10 }),
    ).rejects.toThrow(expect.objectContaining({ name: 'MirrorCursorError', message: expect.stringContaining("set `replicaCursor` of its MIRROR# item in the DR catalog to \"\"") }));
  });
});

it("an item whose set reads in another order in the replica is equal: DynamoDB keeps no set's order (audit b5-4)", async () => {
  const tags = (...members: string[]) => ({ SS: members });
  source.on(ScanCommand).resolves({ Items: [item('a', { t: tags('red', 'blue'), n: { NS: ['10', '9'] }, b: { BS: [Uint8Array.from([2]), Uint8Array.from([1])] } })] });
  replicaHolds([item('a', { t: tags('blue', 'red'), n: { NS: ['9', '10'] }, b: { BS: [Buffer.from([1]), Buffer.from([2])] } })]);
  expect(await compare()).toEqual({ compared: 1, differences: 0, examples: [], cursor: '', replicaCursor: '' });
});
