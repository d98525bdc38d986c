import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type AttributeValue,
  BatchWriteItemCommand,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  ScanCommand,
  UpdateItemCommand,
  UpdateTableCommand,
} from '@aws-sdk/client-dynamodb';
import { compareDynamoDbMirror } from '../../../../lambdas/mirror/dynamodb-mirror-comparison';
import { type SynthesizedStack } from '../../../../local/assembly/synthesized-stack';
import { type LocalCloudHandle, localDynamoDbClient, startLocalCloud, startRegion, stopLocalCloud, stopRegion } from '../../../../local/cloud';
import { type ProvisionSummary, provisionFromTemplates } from '../../../../local/cloud/provision-from-templates';
import { ACCOUNT, DR, PRIMARY, tempDir } from '../../../support/local-cloud-helpers';
import { eventually } from '../../../support/eventually';

/**
 * DynamoDB global tables in the local cloud (docs/LOCAL-CLOUD.md, "DynamoDB global tables"): the
 * provisioner registers a GlobalTable's replicas, and every write to one replica reaches the others
 * after the replication delay, both ways, waiting while a region is stopped, never echoed back.
 */
const GLOBAL = 'lbrepl-global';
const PLAIN = 'lbrepl-plain';
const DELAY_MS = 150;

const tmp = tempDir('table-replication');
let cloud: LocalCloudHandle;
let summary: ProvisionSummary;
let primary: DynamoDBClient;
let dr: DynamoDBClient;

/** What lib/constructs/source-mirrors.ts's TableV2.addReplica synthesizes, and a plain table beside it. */
const stack: SynthesizedStack = {
  stackName: 'Repl-Primary',
  role: 'primary',
  account: ACCOUNT,
  region: PRIMARY,
  assemblyDir: tmp.dir,
  template: {
    Resources: {
      Global: {
        Type: 'AWS::DynamoDB::GlobalTable',
        Properties: {
          TableName: GLOBAL,
          KeySchema: [
            { AttributeName: 'pk', KeyType: 'HASH' },
            { AttributeName: 'sk', KeyType: 'RANGE' },
          ],
          AttributeDefinitions: [
            { AttributeName: 'pk', AttributeType: 'S' },
            { AttributeName: 'sk', AttributeType: 'N' },
          ],
          BillingMode: 'PAY_PER_REQUEST',
          StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
          Replicas: [{ Region: DR }, { Region: PRIMARY }],
        },
      },
      Plain: {
        Type: 'AWS::DynamoDB::Table',
        Properties: { TableName: PLAIN, KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }], BillingMode: 'PAY_PER_REQUEST' },
      },
    },
  },
};

beforeAll(async () => {
  cloud = await startLocalCloud({ dataDir: tmp.dir, regions: [PRIMARY, DR], exitWithParent: true, replicationDelayMs: DELAY_MS });
  summary = await provisionFromTemplates([stack], cloud.endpoints);
  primary = localDynamoDbClient(cloud.endpoints, PRIMARY);
  dr = localDynamoDbClient(cloud.endpoints, DR);
});

afterAll(async () => {
  primary?.destroy();
  dr?.destroy();
  await stopLocalCloud(tmp.dir);
  tmp.remove();
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const key = (pk: string, sk: number): Record<string, AttributeValue> => ({ pk: { S: pk }, sk: { N: String(sk) } });

/** Every item of a table, sorted by key, as JSON (equal text = equal items, attribute for attribute). */
async function itemsOf(client: DynamoDBClient, table: string): Promise<string> {
  const { Items } = await client.send(new ScanCommand({ TableName: table, ConsistentRead: true }));
  const sorted = (Items ?? []).map((item) => Object.fromEntries(Object.entries(item).sort(([a], [b]) => a.localeCompare(b))));
  return JSON.stringify(sorted.sort((a, b) => JSON.stringify([a.pk, a.sk]).localeCompare(JSON.stringify([b.pk, b.sk]))));
}

const itemIn = async (client: DynamoDBClient, pk: string, sk: number): Promise<Record<string, AttributeValue> | undefined> =>
  (await client.send(new GetItemCommand({ TableName: GLOBAL, Key: key(pk, sk), ConsistentRead: true }))).Item;

/** The replicator's applied writes of one key, from the cloud's log: "<from> -> <to>" each. */
function appliedWrites(pk: string, sk: number): string[] {
  const text = JSON.stringify([{ S: pk }, { N: String(sk) }]);
  return readFileSync(join(tmp.dir, 'cloud.log'), 'utf8')
    .split('\n')
    .filter((line) => line.includes(`table replication: ${GLOBAL} ${text} `))
    .map((line) => line.replace(/^.* (put|delete) /, '$1 '));
}

describe('DynamoDB global tables in the local cloud', () => {
  it('registers the replicas of a GlobalTable (not of a plain Table), kept in the data directory', () => {
    expect(JSON.parse(readFileSync(join(tmp.dir, 'table-replication.json'), 'utf8'))).toEqual({ [GLOBAL]: [PRIMARY, DR].sort() });
    expect(summary.notes).toContain(`Repl-Primary/Global: global table ${GLOBAL} replicated between ${DR}, ${PRIMARY} (last writer wins)`);
  });

  it('applies PutItem, UpdateItem, DeleteItem and BatchWriteItem in the primary to the DR replica, item for item', async () => {
    await primary.send(new PutItemCommand({ TableName: GLOBAL, Item: { ...key('a', 1), name: { S: 'first' }, tags: { SS: ['x', 'y'] }, nested: { M: { n: { N: '1.5' }, b: { B: Buffer.from([0, 1, 2]) } } } } }));
    await primary.send(new PutItemCommand({ TableName: GLOBAL, Item: { ...key('a', 2), name: { S: 'doomed' } } }));
    await primary.send(new UpdateItemCommand({ TableName: GLOBAL, Key: key('a', 1), UpdateExpression: 'SET #c = :c REMOVE tags', ExpressionAttributeNames: { '#c': 'count' }, ExpressionAttributeValues: { ':c': { N: '3' } } }));
    await primary.send(new DeleteItemCommand({ TableName: GLOBAL, Key: key('a', 2) }));
    await primary.send(
      new BatchWriteItemCommand({
        RequestItems: {
          [GLOBAL]: [{ PutRequest: { Item: { ...key('b', 1), v: { L: [{ S: 'one' }, { NULL: true }, { BOOL: false }] } } } }, { PutRequest: { Item: { ...key('b', 2), v: { S: 'two' } } } }],
        },
      }),
    );
    const expected = await itemsOf(primary, GLOBAL);
    expect(JSON.parse(expected)).toHaveLength(3);
    await eventually(() => itemsOf(dr, GLOBAL), (items) => items === expected, 'the DR replica holding the primary items');
    expect(await itemIn(dr, 'a', 1)).toEqual({ ...key('a', 1), name: { S: 'first' }, count: { N: '3' }, nested: { M: { n: { N: '1.5' }, b: { B: new Uint8Array([0, 1, 2]) } } } });

    // The mirror check's comparison (lambdas/mirror) finds the replica equal.
    const window = await compareDynamoDbMirror({ ddb: primary, table: GLOBAL }, { ddb: dr, table: GLOBAL, region: DR }, { after: '', replicaAfter: '', samples: 100 });
    expect(window).toEqual({ compared: 3, differences: 0, examples: [], cursor: '', replicaCursor: '' });
  });

  it('replicates a write in the DR replica to the primary, and never echoes a replicated write back', async () => {
    await dr.send(new PutItemCommand({ TableName: GLOBAL, Item: { ...key('from-dr', 1), v: { S: 'dr' } } }));
    await eventually(() => itemIn(primary, 'from-dr', 1), (item) => item?.v?.S === 'dr', 'the DR write reaching the primary');
    await primary.send(new PutItemCommand({ TableName: GLOBAL, Item: { ...key('from-primary', 1), v: { S: 'primary' } } }));
    await eventually(() => itemIn(dr, 'from-primary', 1), (item) => item?.v?.S === 'primary', 'the primary write reaching DR');
    // Long enough for an echo to have been queued and applied several times over.
    await sleep(DELAY_MS * 6);
    expect(appliedWrites('from-dr', 1)).toEqual([`put ${DR} -> ${PRIMARY}`]);
    expect(appliedWrites('from-primary', 1)).toEqual([`put ${PRIMARY} -> ${DR}`]);
    // Its put and its delete each replicated once, from the primary (both as deletes unless the put was applied before the delete was made).
    expect(appliedWrites('a', 2)).toEqual([expect.stringMatching(`^(put|delete) ${PRIMARY} -> ${DR}$`), `delete ${PRIMARY} -> ${DR}`]);
  });

  it('keeps the last writer when both regions write one key within the delay', async () => {
    await primary.send(new PutItemCommand({ TableName: GLOBAL, Item: { ...key('race', 1), v: { S: 'primary, first' } } }));
    await dr.send(new PutItemCommand({ TableName: GLOBAL, Item: { ...key('race', 1), v: { S: 'dr, last' } } }));
    await eventually(() => itemIn(primary, 'race', 1), (item) => item?.v?.S === 'dr, last', 'the last write reaching the primary');
    await sleep(DELAY_MS * 4);
    expect((await itemIn(dr, 'race', 1))?.v?.S).toBe('dr, last');
    expect((await itemIn(primary, 'race', 1))?.v?.S).toBe('dr, last');
  });

  it('holds writes while the DR region is stopped and applies them, in order, once it is up again', async () => {
    await stopRegion(tmp.dir, DR);
    try {
      await primary.send(new PutItemCommand({ TableName: GLOBAL, Item: { ...key('outage', 1), v: { S: 'old' } } }));
      await primary.send(new PutItemCommand({ TableName: GLOBAL, Item: { ...key('outage', 1), v: { S: 'new' } } }));
      await primary.send(new PutItemCommand({ TableName: GLOBAL, Item: { ...key('outage', 2), v: { S: 'gone soon' } } }));
      await primary.send(new DeleteItemCommand({ TableName: GLOBAL, Key: key('outage', 2) }));
      await sleep(DELAY_MS * 4);
    } finally {
      await startRegion(tmp.dir, DR);
    }
    await eventually(() => itemIn(dr, 'outage', 1), (item) => item?.v?.S === 'new', 'the writes made during the outage reaching DR');
    expect(await itemIn(dr, 'outage', 2)).toBeUndefined();
    await eventually(async () => [await itemsOf(dr, GLOBAL), await itemsOf(primary, GLOBAL)], ([inDr, inPrimary]) => inDr === inPrimary, 'the replicas converging');
  });

  it('does not replicate a plain table, nor a write dynalite refused', async () => {
    await primary.send(new PutItemCommand({ TableName: PLAIN, Item: { pk: { S: 'local only' } } }));
    await expect(
      primary.send(new PutItemCommand({ TableName: GLOBAL, Item: { ...key('a', 1), name: { S: 'refused' } }, ConditionExpression: 'attribute_not_exists(pk)' })),
    ).rejects.toThrow(/conditional request failed/i);
    await sleep(DELAY_MS * 4);
    expect(readFileSync(join(tmp.dir, 'cloud.log'), 'utf8')).not.toContain(`table replication: ${PLAIN}`);
    expect((await itemIn(dr, 'a', 1))?.name?.S).toBe('first');
  });

  it('refuses ReplicaUpdates naming a region the cloud does not serve', async () => {
    await expect(primary.send(new UpdateTableCommand({ TableName: GLOBAL, ReplicaUpdates: [{ Create: { RegionName: 'eu-west-1' } }] }))).rejects.toThrow(
      `the local cloud serves no DynamoDB in eu-west-1 (it serves ${PRIMARY}, ${DR})`,
    );
  });
});
