import { type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type S3Client } from '@aws-sdk/client-s3';
import { protectionPlanSchema } from '../../../../config/lifeboat-config';
import { type BackupRecord } from '../../../../lambdas/catalog/backup-record';
import { catalogItemDeleteCommand } from '../../../../lambdas/catalog/catalog-item-delete-command';
import { type RebuildMarker } from '../../../../lambdas/catalog/catalog-rebuild-marker';
import { type FailoverCatalog, resolveFailoverBackup, startFailover } from '../../../../lambdas/failover/failover-start';

/**
 * A failover's refusals name a record that validates (the newest kept, the oldest kept, the one in a rebuild's gap), but
 * its backupId and startedAt are any non-empty strings: printed raw and whole, an ESC or newline reached the operator's
 * terminal, and 200 characters spelled another record's delete beside the real ones (review r64G F6). Its id is shown
 * escaped and cut at 40 (shownItemKeyPart), its start as the instant it parses to, never its text.
 */

// An ESC clearing the screen and a forged line: 39 characters, so the id is shown whole, escaped.
const FORGED_ID = 'x\u001b[2J\nFailover of plan "shop" succeeded';
const FORGED_ID_SHOWN = 'x\\u001b[2J\\u000aFailover of plan "shop" succeeded';
// Date.parse skips the "(comment)": the start reads as a time, 2026-12-07T06:00:00.000Z.
const FORGED_START = `Dec 7 2026 06:00 GMT (${'y'.repeat(180)})`;
// A healthy record's delete, as a refusal prints a damaged item's: held whole by an id, it would read as one of them.
const VICTIM_DELETE = catalogItemDeleteCommand({ region: 'us-west-2', table: 'lifeboat-au-dr-catalog', key: { pk: 'BACKUP#20261205T120000Z-0000000d', sk: 'BACKUP' } });

function recordOf(backupId: string, startedAt: string, forgottenAt?: string): BackupRecord {
  return {
    backupId,
    plan: 'shop',
    environment: 'au',
    sourceNames: ['shop-assets'],
    sources: [],
    strategy: 'full',
    status: 'COMMITTED',
    startedAt,
    shardCount: 1,
    copies: { primary: 'COMMITTED', dr: 'COMMITTED' },
    ...(forgottenAt !== undefined ? { forgottenAt } : {}),
  };
}

function catalogOf(records: readonly BackupRecord[], marker?: RebuildMarker): FailoverCatalog {
  return {
    getBackup: (backupId) => Promise.resolve(records.find((r) => r.backupId === backupId)),
    listBackupsOfPlan: () => Promise.resolve([...records]),
    rebuildMarker: () => ({ read: () => Promise.resolve(marker) }),
  };
}

const refusal = async (run: Promise<unknown>): Promise<string> => {
  const err = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(Error);
  return (err as Error).message;
};

function expectNoRecordTextRaw(message: string): void {
  for (const raw of ['\u001b', '\n', 'y'.repeat(41), VICTIM_DELETE.slice(0, 41)]) expect(message).not.toContain(raw);
}

const forgotten = recordOf('20261201T060000Z-0000000a', '2026-12-01T06:00:00.000Z', '2026-12-05T00:00:00.000Z');

it('names the newest kept backup of a forgotten backupId by its id escaped and the instant of its start', async () => {
  const message = await refusal(resolveFailoverBackup({ plan: 'shop', backupId: forgotten.backupId }, catalogOf([recordOf(FORGED_ID, FORGED_START), forgotten]), 'us-west-2'));
  expect(message).toBe(
    `Invalid failover input: backupId: backup ${forgotten.backupId} was forgotten by the DR vault's retention at 2026-12-05T00:00:00.000Z: its snapshots are no longer in the DR vault; ` +
      `the newest kept is ${FORGED_ID_SHOWN} (started 2026-12-07T06:00:00.000Z): give it as backupId, or leave backupId out for it`,
  );
  expectNoRecordTextRaw(message);
});

it('names the oldest kept backup of an at before every backup by its id cut at 40 and the instant of its start', async () => {
  const message = await refusal(resolveFailoverBackup({ plan: 'shop', at: '2026-11-01T00:00:00Z' }, catalogOf([recordOf(VICTIM_DELETE, FORGED_START)]), 'us-west-2'));
  expect(message).toContain(
    "Invalid failover input: at: plan \"shop\" has no committed backup in the DR catalog started at or before 2026-11-01T00:00:00Z; its oldest kept backup is aws dynamodb delete-item --r…_exists(pk)' (cut from 201 characters, sha256 a5ba0fc9), started at 2026-12-07T06:00:00.000Z: give an at from then on;",
  );
  expectNoRecordTextRaw(message);
});

describe("the backup an unfinished rebuild's gap holds, named as the newest", () => {
  const marker: RebuildMarker = { reliableFrom: { startedAt: '2026-12-08T00:00:00.000Z', backupId: '20261208T000000Z-0000000e' }, vault: 'dr', writtenAt: '2026-12-09T09:00:00.000Z' };
  // The gap is judged on the start's text (catalog-rebuild-order.ts): an ISO one, its offset written out, not as shown.
  const catalog = catalogOf([recordOf(FORGED_ID, '2026-12-07T06:00:00.000+00:00')], marker);

  it('by at', async () => {
    const message = await refusal(resolveFailoverBackup({ plan: 'shop', at: '2026-12-07T12:00:00Z' }, catalog, 'us-west-2'));
    expect(message).toMatch(/^Invalid failover input: at: plan "shop" has backup (.*) \(started 2026-12-07T06:00:00\.000Z\) as the newest in the DR catalog at or before 2026-12-07T12:00:00Z, but /);
    expect(message).toContain(`has backup ${FORGED_ID_SHOWN} (started`);
    expectNoRecordTextRaw(message);
  });

  it('as the newest', async () => {
    const message = await refusal(resolveFailoverBackup({ plan: 'shop' }, catalog, 'us-west-2'));
    expect(message).toMatch(/^Invalid failover input: plan: plan "shop" has backup (.*) \(started 2026-12-07T06:00:00\.000Z\) as the newest in the DR catalog, but /);
    expect(message).toContain(`has backup ${FORGED_ID_SHOWN} (started`);
    expectNoRecordTextRaw(message);
  });
});

// Review r64L F2: the refusal of a backupId of another plan printed the record's plan raw, and the start's refusal of a
// backup lacking a source the record's id raw (chosen by time, it is the DR catalog's): an ESC or newline in either
// reached the terminal, and 200 characters spelled another record's delete.
describe("a record's plan and id in the start's own refusals", () => {
  const FORGED_PLAN = `shop"\u001b[2K\r\n✓ failover ok\u001b[8m ${VICTIM_DELETE}`;

  it('a backupId of another plan: that plan escaped and cut', async () => {
    const other = { ...recordOf('20261205T120000Z-0000000d', '2026-12-05T12:00:00.000Z'), plan: FORGED_PLAN };
    const message = await refusal(resolveFailoverBackup({ plan: 'shop', backupId: other.backupId }, catalogOf([other]), 'us-west-2'));
    expect(message).toMatch(/^Invalid failover input: backupId: backup 20261205T120000Z-0000000d is a backup of plan "shop\\"\\u001b\[2K\\r\\n✓ failover ok\\u001b\[8m"…"_exists\(pk\)'" \(cut from \d+ characters, sha256 [0-9a-f]{8}\), not of plan "shop"$/);
    expectNoRecordTextRaw(message);
  });

  // Review r64Q F6: within "…" a `"` of the plan's own closed the quotes: `plan "shop", not of plan "orders", not of plan "shop"`.
  it('a backupId of another plan whose name holds a quote: JSON-quoted, so it reads as one plan', async () => {
    const other = { ...recordOf('20261205T120000Z-0000000d', '2026-12-05T12:00:00.000Z'), plan: 'shop", not of plan "orders' };
    const message = await refusal(resolveFailoverBackup({ plan: 'shop', backupId: other.backupId }, catalogOf([other]), 'us-west-2'));
    expect(message).toBe('Invalid failover input: backupId: backup 20261205T120000Z-0000000d is a backup of plan "shop\\", not of plan \\"orders", not of plan "shop"');
    expectNoRecordTextRaw(message);
  });

  it('the newest backup lacking a source of the plan: its id escaped and cut', async () => {
    const plan = protectionPlanSchema.parse({
      name: 'shop',
      schedule: 'rate(1 hour)',
      strategy: 'full',
      retention: { keepLast: 3 },
      objectives: { rpoMinutes: 60, rtoMinutes: 60 },
      sources: [{ type: 's3', name: 'shop-assets', bucket: 'lifeboat-shop-assets' }],
    });
    const lacking = recordOf(`${FORGED_ID} ${VICTIM_DELETE}`, '2026-12-05T12:00:00.000Z');
    const deps = { plans: [plan], catalog: catalogOf([lacking]), region: 'us-west-2', restoreTargetPrefix: 'lifeboat-au-restore-', s3: {} as S3Client, dynamodb: {} as DynamoDBClient, directory: (p: string) => p };
    const message = await refusal(startFailover({ input: { plan: 'shop' }, execution: 'fo-1', startedAt: '2026-12-05T14:00:00Z' }, deps));
    expect(message).toMatch(/^Invalid failover input: plan: backup x\\u001b\[2J\\u000aFailover of plan "shop…_exists\(pk\)' \(cut from \d+ characters, sha256 [0-9a-f]{8}\) holds no snapshot of shop-assets /);
    expectNoRecordTextRaw(message);
  });
});
