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

/** The replica answers GetItem from `items`, by pk. */
function replicaHolds(items: Item[]): void {
  replica.on(GetItemCommand).callsFake((input: { Key: Item }) => ({ Item: items.find((i) => i.pk?.S === input.Key.pk?.S) }));
}

const compare = (after = '', samples = 10): ReturnType<typeof compareDynamoDbMirror> =>
  compareDynamoDbMirror({ ddb: sourceClient, table: 'orders' }, { ddb: replicaClient, table: 'orders', region: 'us-west-2' }, { after, samples });

beforeEach(() => {
  source.reset();
  replica.reset();
  replica.on(DescribeTableCommand).resolves(KEY_SCHEMA);
});

afterAll(() => {
  sourceClient.destroy();
  replicaClient.destroy();
});

it('finds equal items equal whatever the order of map attributes, binary values compared by bytes', async () => {
  source.on(ScanCommand).resolves({ Items: [item('a', { m: { M: { x: { N: '1' }, y: { B: new Uint8Array([1, 2]) } } } }), item('b', { s: { SS: ['p'] } })] });
  replicaHolds([item('a', { m: { M: { y: { B: Buffer.from([1, 2]) }, x: { N: '1' } } } }), item('b', { s: { SS: ['p'] } })]);
  expect(await compare()).toEqual({ compared: 2, differences: 0, examples: [], cursor: '' });
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
  const window = await compareDynamoDbMirror({ ddb: sourceClient, table: 'orders' }, { ddb: replicaClient, table: 'orders', region: 'us-west-2' }, { after: '', samples: 10, graceSeconds: 900 });
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
  });
  expect(replicaCopyDigest(item('a', { v: { S: 'old' } }))).toMatch(/^sha256:[0-9a-f]{64}$/);
});
