import { createHash } from 'node:crypto';
import { type AttributeValue, DescribeTableCommand, DynamoDBClient, GetItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { mirrorLines } from '../../../../cli/commands/backup-commands';
import { mirrorSummary, sourceMirrorStatus } from '../../../../cli/status/mirror-status';
import { type SourceConfig, type ProtectionPlanConfig } from '../../../../config/lifeboat-config';
import { itemKeyText } from '../../../../lambdas/mirror/dynamodb-item-key';
import { runMirrorCheck, type MirrorCheckDeps, type MirrorCheckResult } from '../../../../lambdas/mirror/mirror-check';
import { chooseSourceCopy } from '../../../../lambdas/mirror/mirror-choice';
import { type MirrorRecord, mirrorRecordSchema } from '../../../../lambdas/mirror/mirror-record';
import { encodeItemText } from '../../../../lambdas/sources/dynamodb-item-codec';

/**
 * A DynamoDB item's key is made of the item's own values (here an email and a date): what the mirror check
 * puts into the execution's history (its output and the Fail state's cause), a failover's reason and
 * `lifeboat status` name a differing item by its key attributes' names and a digest, never the values
 * (audit R33, F1; docs/SECURITY.md item 6). Only the `MIRROR#` item in the DR catalog holds the key, and
 * with it the next run re-checks the item and resumes the window.
 */
const TABLE = 'customers';
type Item = Record<string, AttributeValue>;
const ALICE: Item = { email: { S: 'alice.secret@example.com' }, since: { N: '19991231' }, ssn: { S: '123-45-6789' } };
const BOB: Item = { email: { S: 'bob.private@example.org' }, since: { N: '20010704' }, ssn: { S: '987-65-4321' } };
const SEEDED = ['alice.secret', 'example.com', '19991231', '123-45-6789', 'bob.private', 'example.org', '20010704', '987-65-4321'];
const keyOf = (item: Item): Item => ({ email: item.email as AttributeValue, since: item.since as AttributeValue });
/** The digest backups take of a key (lambdas/sources/dynamodb-page-entries.ts): SHA-256 of its canonical DynamoDB JSON. */
const digestOf = (item: Item): string => createHash('sha256').update(encodeItemText(keyOf(item))).digest('hex');
const ALICE_LABEL = `item with key ("email", "since") sha256:${digestOf(ALICE)}`;

const sourceClient = new DynamoDBClient({ region: 'us-east-1' });
const replicaClient = new DynamoDBClient({ region: 'us-west-2' });
const sourceMock = mockClient(sourceClient);
const replicaMock = mockClient(replicaClient);
let replicaItems: Item[] = [];

const sameKey = (a: Item, b: Item | undefined): boolean => a.email?.S === b?.email?.S && a.since?.N === b?.since?.N;

beforeEach(() => {
  sourceMock.reset();
  replicaMock.reset();
  const schema = {
    Table: {
      KeySchema: [
        { AttributeName: 'email', KeyType: 'HASH' as const },
        { AttributeName: 'since', KeyType: 'RANGE' as const },
      ],
      AttributeDefinitions: [
        { AttributeName: 'email', AttributeType: 'S' as const },
        { AttributeName: 'since', AttributeType: 'N' as const },
      ],
    },
  };
  replicaMock.on(DescribeTableCommand).resolves(schema);
  // A window of one item: ALICE first, then BOB after ALICE's key (the cursor).
  sourceMock.on(ScanCommand).callsFake((input: { ExclusiveStartKey?: Item }) =>
    input.ExclusiveStartKey === undefined ? { Items: [ALICE], LastEvaluatedKey: keyOf(ALICE) } : sameKey(ALICE, input.ExclusiveStartKey) ? { Items: [BOB] } : { Items: [] },
  );
  sourceMock.on(GetItemCommand).callsFake((input: { Key: Item }) => ({ Item: [ALICE, BOB].find((i) => sameKey(i, input.Key)) }));
  replicaMock.on(GetItemCommand).callsFake((input: { Key: Item }) => ({ Item: replicaItems.find((i) => sameKey(i, input.Key)) }));
  // The replica's own window (items only it holds): its copies of ALICE, then of BOB, as the source's.
  replicaMock.on(ScanCommand).callsFake((input: { ExclusiveStartKey?: Item }) =>
    input.ExclusiveStartKey === undefined
      ? { Items: replicaItems.filter((i) => sameKey(ALICE, i)), LastEvaluatedKey: keyOf(ALICE) }
      : { Items: sameKey(ALICE, input.ExclusiveStartKey) ? replicaItems.filter((i) => sameKey(BOB, i)) : [] },
  );
});

afterAll(() => {
  sourceClient.destroy();
  replicaClient.destroy();
});

const SOURCE = { type: 'dynamodb', name: TABLE, table: TABLE, mirror: true } as unknown as SourceConfig;
const PLANS = [
  { name: 'crm', schedule: 'rate(1 day)', strategy: 'incremental', retention: { keepLast: 7 }, objectives: { rpoMinutes: 60, rtoMinutes: 60 }, maxConcurrency: 8, sources: [SOURCE] },
] as unknown as ProtectionPlanConfig[];

/** runMirrorCheck on the two mocked regions, its catalog a list of records (each as the catalog would take it). */
function checkDeps(records: MirrorRecord[], at: string): MirrorCheckDeps {
  return {
    environment: 'prod',
    plans: PLANS,
    mirrorRegion: 'us-west-2',
    sourceRegion: 'us-east-1',
    mirrorBucketPrefix: 'lifeboat-prod-mirror-',
    s3: () => {
      throw new Error('no S3 for a table');
    },
    dynamodb: (region) => (region === 'us-east-1' ? sourceClient : replicaClient),
    log: { get: () => Promise.resolve(records.at(-1)), record: (r) => Promise.resolve(void records.push(mirrorRecordSchema.parse(r))) },
    now: () => Date.parse(at),
  };
}

const expectNoSeededValue = (text: string): void => {
  for (const value of SEEDED) expect(text).not.toContain(value);
};

// The checks run without a grace, so a difference counts when first found (with one it is first followed in flight).
describe('a DynamoDB mirror that differs: the key\'s values stay in the catalog', () => {
  it('the mirror check\'s output and cause name the item by its key\'s names and digest; the record keeps the key for the re-check and the cursor', async () => {
    replicaItems = [BOB];
    const records: MirrorRecord[] = [];
    const first: MirrorCheckResult = await runMirrorCheck({ samples: 1, graceSeconds: 0 }, checkDeps(records, '2026-12-05T14:00:00Z'));
    expect(first.passed).toBe(false);
    expect(first.cause).toBe(`Mirror of ${TABLE} (dynamodb table ${TABLE} (us-west-2)) differs from its source: first differing ${ALICE_LABEL} (missing in the replica); 1 difference(s); lag unknown`);
    expect(first.sources[0]?.firstDifference).toEqual({ key: ALICE_LABEL, reason: 'missing in the replica', foundAt: '2026-12-05T14:00:00.000Z' });
    // The whole output is the Lambda state's output, every later state's input and output, and the failure's cause.
    expectNoSeededValue(JSON.stringify(first));
    // The MIRROR# item holds the key itself: the next run reads it back into GetItem and Scan.
    expect(records[0]?.unresolved?.map((d) => d.key)).toEqual([itemKeyText(keyOf(ALICE))]);
    expect(records[0]?.cursor).toBe(itemKeyText(keyOf(ALICE)));

    // ALICE replicates: the re-check reads her key from the record and clears the difference; the window resumes after her.
    replicaItems = [ALICE, BOB];
    const second = await runMirrorCheck({ samples: 1, graceSeconds: 0 }, checkDeps(records, '2026-12-05T14:15:00Z'));
    expect(second).toEqual({ checkedAt: '2026-12-05T14:15:00.000Z', passed: true, sources: [expect.objectContaining({ passed: true, differences: 0 })] });
    expect(sourceMock.commandCalls(ScanCommand).map((c) => c.args[0].input.ExclusiveStartKey)).toEqual([undefined, keyOf(ALICE)]);
    expect(replicaMock.commandCalls(GetItemCommand).filter((c) => c.args[0].input.ConsistentRead).map((c) => c.args[0].input.Key)).toEqual([keyOf(ALICE)]);
    expect(records[1]).toMatchObject({ passed: true, rechecked: 1, unresolved: [], cursor: '' });
  });

  it('a failover\'s reason and `lifeboat status` (its lines, `backups list`, --json) name the item the same way', async () => {
    replicaItems = [BOB];
    const records: MirrorRecord[] = [];
    await runMirrorCheck({ samples: 1, graceSeconds: 0 }, checkDeps(records, '2026-12-05T14:00:00Z'));
    const record = records[0] as MirrorRecord;

    const choice = chooseSourceCopy(SOURCE, record, { rpoMinutes: 60, startedAt: Date.parse('2026-12-05T14:05:00Z'), mirrorBucketPrefix: 'lifeboat-prod-mirror-', useMirrors: true });
    expect(choice).toEqual(expect.objectContaining({ use: 'vault', reason: `the last mirror check (2026-12-05T14:00:00.000Z) failed: first differing ${ALICE_LABEL} (missing in the replica); restored from the DR vault` }));
    expectNoSeededValue(JSON.stringify(choice));

    const status = sourceMirrorStatus({
      plan: 'crm',
      source: { name: TABLE, type: 'dynamodb' },
      check: record,
      rpoSeconds: 3600,
      schedule: { expression: 'rate(15 minutes)', name: 'lifeboat-prod-mirror-check' },
      now: new Date('2026-12-05T14:05:00Z'),
    });
    expect(status.reasons).toEqual([
      `mirror of ${TABLE} (dynamodb table ${TABLE} (us-west-2)): the check of 2026-12-05T14:00:00.000Z found 1 difference(s), first ${ALICE_LABEL} (missing in the replica; the key itself is in MIRROR#${TABLE} of the DR catalog): see \`lifeboat backups list --plan crm\` and the replication rule`,
    ]);
    expectNoSeededValue([...status.reasons, mirrorSummary(status), ...mirrorLines([status]), JSON.stringify(status)].join('\n'));
  });

  it('a cursor that is no key fails the check without quoting it', async () => {
    const records: MirrorRecord[] = [];
    const deps = checkDeps(records, '2026-12-05T14:00:00Z');
    const damaged = mirrorRecordSchema.parse({
      environment: 'prod', source: TABLE, plan: 'crm', type: 'dynamodb', mirror: `dynamodb table ${TABLE} (us-west-2)`, checkedAt: '2026-12-05T13:45:00.000Z',
      passed: true, compared: 1, differences: 0, inFlight: 0, lagSeconds: null, graceSeconds: 900, durationMs: 1, unresolved: [],
      cursor: '{"email":{"S":"alice.secret@example.com"},"ssn":{"M":{"v":{"S":"123-45-6789"}}}}',
    });
    records.push(damaged);
    const error: unknown = await runMirrorCheck({ samples: 1, graceSeconds: 0 }, deps).catch((err: unknown) => err);
    expect(error).toEqual(expect.objectContaining({ name: 'MirrorCursorError', message: expect.stringContaining(`set \`cursor\` of its MIRROR# item in the DR catalog to ""`) }));
    expectNoSeededValue((error as Error).message);
    expectNoSeededValue(String((error as Error).stack));
  });
});
