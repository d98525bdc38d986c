import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { CatalogItemInvalidError } from '../../../../lambdas/catalog/catalog-errors';
import { SCRUB_RECORD_DAYS, ScrubLog } from '../../../../lambdas/catalog/scrub-log';
import { type ScrubRunRecord } from '../../../../lambdas/catalog/scrub-record';

/** Scrub runs in the catalog: written under SCRUB#RUNS by start time, the latest read back validated. */

const ddb = mockClient(DynamoDBDocumentClient);
const log = new ScrubLog(DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' })), 'catalog');

const run: ScrubRunRecord = {
  environment: 'prod',
  startedAt: '2026-03-01T03:00:00.000Z',
  endedAt: '2026-03-01T03:04:00.000Z',
  scope: 'both',
  fraction: 1 / 7,
  repair: true,
  cursor: { cycle: 2, after: null },
  nextCursor: { cycle: 2, after: 'data/24/24aa' },
  cycleComplete: false,
  objects: 700,
  read: { primary: 100, dr: 100 },
  corrupt: 1,
  missing: 0,
  repaired: 1,
  repairable: 0,
  unrepaired: 0,
  outcome: 'REPAIRED',
  unrepairedKeys: [],
  affectedBackups: [],
};

beforeEach(() => ddb.reset());

it('writes a run under SCRUB#RUNS sorted by its start, and reads the latest back', async () => {
  ddb.on(PutCommand).resolves({});
  await log.record(run);
  // The table's TTL (audit aS6-3): 400 days after the run ended, in epoch seconds.
  expect(ddb.commandCalls(PutCommand)[0]?.args[0].input.Item).toEqual({ pk: 'SCRUB#RUNS', sk: run.startedAt, ...run, expiresAt: Date.parse(run.endedAt) / 1000 + SCRUB_RECORD_DAYS * 86_400 });
  ddb.on(QueryCommand).resolves({ Items: [{ pk: 'SCRUB#RUNS', sk: run.startedAt, ...run, expiresAt: 1_807_000_000 }] });
  await expect(log.latest()).resolves.toEqual(run);
  expect(ddb.commandCalls(QueryCommand)[0]?.args[0].input).toMatchObject({ ScanIndexForward: false, Limit: 1 });
});

it('rejects an item that is not a scrub run, naming it and each bad field', async () => {
  ddb.on(QueryCommand).resolves({ Items: [{ pk: 'SCRUB#RUNS', sk: run.startedAt, ...run, outcome: 'FINE', nextCursor: { cycle: 0, after: null } }] });
  const read = log.latest();
  await expect(read).rejects.toThrow(CatalogItemInvalidError);
  await expect(read).rejects.toThrow(/^Catalog item SCRUB#RUNS \/ 2026-03-01T03:00:00.000Z in table catalog is not a valid catalog item: nextCursor\.cycle: .*; outcome: /);
});
