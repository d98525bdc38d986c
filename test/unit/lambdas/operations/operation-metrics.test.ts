import { type BackupRecord } from '../../../../lambdas/catalog/backup-record';
import { watchBackupAges } from '../../../../lambdas/operations/backup-age-watch';
import { publishBackupMetrics, publishDrillMetrics, publishPruneMetrics, publishScrubMetrics } from '../../../../lambdas/operations/operation-metrics';
import { capturedStdout, jsonLines } from '../../../support/captured-stdout';

/** One EMF line: its namespace, dimension sets, dimension values and metric values by name. */
type Emf = { namespace: string; dimensions: string[][]; values: Record<string, unknown>; units: Record<string, string> };

function emf(lines: readonly string[]): Emf[] {
  return jsonLines(lines).map((line) => {
    const aws = line._aws as { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] };
    const [directive] = aws.CloudWatchMetrics;
    if (!directive) throw new Error('an EMF line without a metric directive');
    const units = Object.fromEntries(directive.Metrics.map((m) => [m.Name, m.Unit]));
    const values = Object.fromEntries(Object.entries(line).filter(([k]) => k !== '_aws'));
    return { namespace: directive.Namespace, dimensions: directive.Dimensions, values, units };
  });
}

const committed: BackupRecord = {
  backupId: 'b-2',
  plan: 'orders',
  environment: 'prod',
  sourceNames: ['orders-bucket', 'orders-table'],
  sources: [
    { name: 'orders-bucket', type: 's3', snapshotId: 's1', rootHash: 'r1', entries: 10, bytes: 4000, bytesScanned: 3000, bytesNew: 1000, bytesStored: 500, blobsNew: 2, skipped: 2 },
    { name: 'orders-table', type: 'dynamodb', snapshotId: 's2', rootHash: 'r2', entries: 5, bytes: 1000, bytesScanned: 1000, bytesNew: 200, bytesStored: 100, blobsNew: 1 },
  ],
  strategy: 'incremental',
  status: 'COMMITTED',
  startedAt: '2026-12-01T02:00:00.000Z',
  endedAt: '2026-12-01T02:01:30.000Z',
  shardCount: 3,
  totals: { entries: 15, bytes: 5000, bytesScanned: 4000, bytesNew: 1200, bytesStored: 600, blobsNew: 3 },
  copies: { primary: 'COMMITTED', dr: 'COMMITTED' },
};

it('publishes a committed backup as EMF in namespace Lifeboat: the plan totals under Environment/Plan, each source under Environment/Plan/Source', async () => {
  const lines = emf(await capturedStdout(() => publishBackupMetrics('prod', committed)));
  expect(lines).toHaveLength(3);
  const [plan, bucket, table] = lines;
  expect(plan).toEqual({
    namespace: 'Lifeboat',
    dimensions: [['Environment', 'Plan']],
    values: { Environment: 'prod', Plan: 'orders', BackupBytesScanned: 4000, BackupBytesNew: 1200, BackupBytesStored: 600, BackupEntries: 15, BackupDedupRatio: 5000 / 600, BackupDuration: 90, BackupEntriesSkipped: 2 },
    units: { BackupBytesScanned: 'Bytes', BackupBytesNew: 'Bytes', BackupBytesStored: 'Bytes', BackupEntries: 'Count', BackupDedupRatio: 'None', BackupDuration: 'Seconds', BackupEntriesSkipped: 'Count' },
  });
  expect(bucket?.dimensions).toEqual([['Environment', 'Plan', 'Source']]);
  expect(bucket?.values).toEqual({ Environment: 'prod', Plan: 'orders', Source: 'orders-bucket', SourceBytesScanned: 3000, SourceBytesNew: 1000, SourceBytesStored: 500, SourceEntries: 10, SourceEntriesSkipped: 2 });
  // A source that left nothing out publishes 0 (its record has no count at all when written before the count existed).
  expect(table?.values).toMatchObject({ Source: 'orders-table', SourceEntries: 5, SourceEntriesSkipped: 0 });
});

it('leaves out a dedup ratio of a backup that stored nothing new rather than publishing Infinity', async () => {
  const [plan] = emf(await capturedStdout(() => publishBackupMetrics('prod', { ...committed, sources: [], totals: { ...committed.totals!, bytesStored: 0 } })));
  expect(plan?.values).not.toHaveProperty('BackupDedupRatio');
  expect(plan?.values).toHaveProperty('BackupBytesStored', 0);
});

it('publishes a drill as RTO, RPO and its verdict', async () => {
  const lines = emf(
    await capturedStdout(() => {
      publishDrillMetrics({ environment: 'prod', plan: 'orders', verdict: 'OBJECTIVE_MISSED', rto: { seconds: 4000, objectiveSeconds: 3600, met: false }, rpo: { backupAgeSeconds: 432_000, newestBackupAgeSeconds: 600, largestGapSeconds: 3_600, backupsInWindow: 7, objectiveSeconds: 86_400, met: true } });
      publishDrillMetrics({ environment: 'prod', plan: 'orders', verdict: 'PASSED' });
    }),
  );
  expect(lines.map((l) => l.values)).toEqual([
    // DrillRpo is the RPO the drill judged (the newest backup's age or the largest gap), not the age of the backup a random drill picked.
    { Environment: 'prod', Plan: 'orders', DrillRto: 4000, DrillRpo: 3_600, DrillPassed: 0, DrillNotPassed: 1 },
    { Environment: 'prod', Plan: 'orders', DrillPassed: 1, DrillNotPassed: 0 },
  ]);
});

it('publishes scrub and prune figures under the environment alone, a prune\'s damaged packs beside its bytes freed', async () => {
  const lines = emf(
    await capturedStdout(() => {
      publishScrubMetrics({ environment: 'prod', read: { primary: 40, dr: 38 }, corrupt: 2, missing: 1, unrepaired: 0 });
      publishPruneMetrics('prod', { bytesFreed: 123_456, damagedPacks: 2 });
    }),
  );
  expect(lines.map((l) => [l.dimensions, l.values])).toEqual([
    [[['Environment']], { Environment: 'prod', ScrubObjectsRead: 78, ScrubCorrupt: 3, ScrubUnrepaired: 0 }],
    // Audit b3-1: a prune that met a damaged pack succeeds; its record's count is what the watchdog publishes for the prune-damage alarm (a58C F2).
    [[['Environment']], { Environment: 'prod', PruneBytesFreed: 123_456, PruneDamagedPacks: 2 }],
  ]);
});

it('the watchdog publishes each plan\'s last committed and last replicated backup age from the catalog, and nothing for a plan without backups', async () => {
  const running: BackupRecord = { ...committed, backupId: 'b-3', status: 'RUNNING', startedAt: '2026-12-01T03:00:00.000Z', sources: [], copies: undefined, endedAt: undefined, totals: undefined };
  const notCopied: BackupRecord = { ...committed, backupId: 'b-2b', startedAt: '2026-12-01T02:30:00.000Z', endedAt: '2026-12-01T02:31:00.000Z', copies: { primary: 'COMMITTED', dr: 'FAILED' } };
  const byPlan: Record<string, BackupRecord[]> = { orders: [running, notCopied, committed], empty: [] };
  const now = new Date('2026-12-01T03:01:00.000Z');
  let ages: Awaited<ReturnType<typeof watchBackupAges>> = [];
  const lines = emf(
    await capturedStdout(async () => {
      ages = await watchBackupAges('prod', [{ name: 'orders' }, { name: 'empty' }], { catalog: { newestBackupsOfPlan: async function* (plan) { for (const head of byPlan[plan] ?? []) yield { head }; } }, now: () => now });
    }),
  );
  // Ages from each backup's start, as status and the drill's RPO measure them (audit R25 F1): not from its end.
  expect(ages).toEqual([{ plan: 'orders', lastCommittedAgeSeconds: 31 * 60, lastReplicatedAgeSeconds: 61 * 60, lastCommittedBackupId: 'b-2b' }, { plan: 'empty' }]);
  expect(lines).toHaveLength(1);
  expect(lines[0]?.values).toEqual({ Environment: 'prod', Plan: 'orders', LastCommittedBackupAge: 1860, LastReplicatedBackupAge: 3660 });
});
