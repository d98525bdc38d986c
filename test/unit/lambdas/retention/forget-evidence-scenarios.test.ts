import { type ProtectionPlanConfig } from '../../../../config/lifeboat-config';
import { type BackupRecord } from '../../../../lambdas/catalog/backup-record';
import { backupSnapshotTags } from '../../../../lambdas/catalog/backup-snapshot-tags';
import { forgetBackups, type ForgetCatalog, type ForgetReport } from '../../../../lambdas/retention/forget-backups';
import { memoryForgetClaims } from '../../../support/memory-forget-claims';

/**
 * Forget against forged and late catalog records (docs/SECURITY.md, "Catalog records as an attack"),
 * in a world of records, snapshot tags and arrival times (S3's LastModified) alone: what each run
 * forgets and deletes. The first case is a genuine catch-up the evidence must not punish; the others
 * are attacks a compromised primary account could make on the DR catalog.
 */

type Plan = Pick<ProtectionPlanConfig, 'name' | 'retention' | 'drRetention'>;
const at = (month: number, day: number, hour = 0, minute = 0): string => new Date(Date.UTC(2026, month - 1, day, hour, minute)).toISOString();

function record(backupId: string, plan: string, startedAt: string, snapshotId: string): BackupRecord {
  return {
    backupId,
    plan,
    environment: 'dev',
    sourceNames: ['s'],
    sources: [{ name: 's', type: 'filesystem', snapshotId, rootHash: 'r', entries: 1, bytes: 0, bytesScanned: 0, bytesNew: 0, bytesStored: 0, blobsNew: 0 }],
    strategy: 'full',
    status: 'COMMITTED',
    startedAt,
    shardCount: 1,
  };
}

/** Records in a catalog, snapshots in a vault (tags and arrival), and the deletes a forget makes. */
class World implements ForgetCatalog {
  readonly records = new Map<string, BackupRecord>();
  private readonly claims = memoryForgetClaims(this.records);
  claimForgetting: ForgetCatalog['claimForgetting'] = (...args) => this.claims.claimForgetting(...args);
  releaseForgetting: ForgetCatalog['releaseForgetting'] = (...args) => this.claims.releaseForgetting(...args);
  readonly snapshots = new Map<string, { tags: string[]; arrived: Date }>();
  readonly deleted: string[] = [];

  /** A genuine backup: its record, and its snapshot tagged by the workflow, arrived `arrived`. */
  backup(backupId: string, plan: string, startedAt: string, arrived: string): void {
    this.records.set(backupId, record(backupId, plan, startedAt, `snap-${backupId}`));
    this.snapshot(`snap-${backupId}`, backupId, plan, startedAt, arrived);
  }
  snapshot(snapshotId: string, backupId: string, plan: string, startedAt: string, arrived: string): void {
    const tags = backupSnapshotTags({ backupId, plan, environment: 'dev', strategy: 'full', requestedStrategy: 'full', startedAt, shardCount: 1, sourceNames: ['s'] }, { changedDuringRead: 0, vanished: 0, skipped: 0 });
    this.snapshots.set(snapshotId, { tags, arrived: new Date(arrived) });
  }
  listBackupsOfPlan(plan: string): Promise<BackupRecord[]> {
    return Promise.resolve([...this.records.values()].filter((r) => r.plan === plan).sort((a, b) => b.startedAt.localeCompare(a.startedAt)));
  }
  getBackup(backupId: string): Promise<BackupRecord | undefined> {
    return Promise.resolve(this.records.get(backupId));
  }
  markForgotten(backupId: string, when: string): Promise<boolean> {
    const r = this.records.get(backupId);
    if (r?.status !== 'COMMITTED') return Promise.resolve(false);
    this.records.set(backupId, { ...r, forgottenAt: r.forgottenAt ?? when });
    return Promise.resolve(true);
  }
  forget(plans: Plan[], now: string): Promise<ForgetReport> {
    return forgetBackups(
      {},
      {
        vault: 'dr',
        openVault: () =>
          Promise.resolve({
            store: { delete: (key: string) => Promise.resolve(void this.deleted.push(key)) },
            loadSnapshot: (id: string) => Promise.resolve({ tags: this.snapshots.get(id)?.tags ?? [] }),
          }),
        snapshotArrivals: () => Promise.resolve(new Map([...this.snapshots].map(([id, s]) => [id, s.arrived]))),
        catalog: this,
        plans,
        now: new Date(now),
      },
    );
  }
}

const files = (policy: Plan['retention']): Plan[] => [{ name: 'files', retention: policy, drRetention: policy }];

it('a genuine catch-up (a week of backups reaching the DR vault within minutes) forgets nothing the policy keeps by their starts', async () => {
  const world = new World();
  for (let d = 1; d <= 7; d++) world.backup(`b${d}`, 'files', at(3, d), at(3, 7, 1, d));
  const report = await world.forget(files({ keepDaily: 7 }), at(3, 7, 2));
  expect(report.plans[0]?.forgotten).toEqual([]);
  expect(world.deleted).toEqual([]);
});

it('a forged record dated in the past, naming an older real snapshot, is not counted and takes no slot', async () => {
  const world = new World();
  for (const d of [1, 20, 30]) world.backup(`b${d}`, 'files', at(3, d), at(3, d, 1));
  // Later on day 20 than b20, so the newest of that day, if it were counted.
  world.records.set('forged', record('forged', 'files', at(3, 20, 23), 'snap-b1'));
  const report = await world.forget(files({ keepDaily: 3 }), at(3, 30, 12));
  expect(report.plans[0]?.forgotten).toEqual([]);
  expect(world.deleted).toEqual([]);
  expect(report.plans[0]?.notCounted.map((n) => n.backupId).sort()).toEqual(['b1', 'forged']);
  expect(report.plans[0]?.notCounted.find((n) => n.backupId === 'forged')?.reason).toBe('its snapshot snap-b1 is named by the record of b1 too; neither counted nor forgotten');
});

it('a forged record naming a snapshot of its own that reached the vault before the start it claims is not counted', async () => {
  const world = new World();
  for (const d of [1, 20, 30]) world.backup(`b${d}`, 'files', at(3, d), at(3, d, 1));
  world.snapshot('snap-x', 'forged', 'files', at(3, 20, 23), at(3, 2));
  world.records.set('forged', record('forged', 'files', at(3, 20, 23), 'snap-x'));
  const report = await world.forget(files({ keepDaily: 3 }), at(3, 30, 12));
  expect(report.plans[0]?.notCounted).toEqual([
    { backupId: 'forged', reason: `its snapshot reached this vault at ${at(3, 2)}, before the start it claims (${at(3, 20, 23)}); neither counted nor forgotten` },
  ]);
  expect(world.deleted).toEqual([]);
});

it('a forged record with a snapshot written now, dated just under a day back, does not take yesterday from the real backup', async () => {
  const world = new World();
  for (const d of [8, 9]) world.backup(`b${d}`, 'files', at(3, d), at(3, d, 1));
  world.snapshot('snap-f', 'forged', 'files', at(3, 9, 23, 59), at(3, 10, 0, 30));
  world.records.set('forged', record('forged', 'files', at(3, 9, 23, 59), 'snap-f'));
  const report = await world.forget(files({ keepDaily: 2 }), at(3, 10, 1));
  const decisions = new Map(report.plans[0]?.decisions.map((d) => [d.backupId, d]));
  // By its claimed start the forged record is the newest of the 9th; at its arrival (the 10th) b9 keeps the 9th.
  expect(decisions.get('b9')).toMatchObject({ keep: true, reasons: [`daily snapshot as of its arrival ${at(3, 9, 1)}`] });
  // b8 is the other day kept by the claimed starts: the two decisions together keep more, never less.
  expect(report.plans[0]?.forgotten).toEqual([]);
  expect(world.deleted).toEqual([]);
});

it('backdated records written now take no slot of the past: the real daily backups keep theirs', async () => {
  const world = new World();
  for (const d of [3, 4, 5]) world.backup(`real-${d}`, 'files', at(3, d), at(3, d, 1));
  for (const d of [4, 5]) {
    world.snapshot(`snap-f${d}`, `forged-${d}`, 'files', at(3, d, 12), at(3, 9, 22));
    world.records.set(`forged-${d}`, record(`forged-${d}`, 'files', at(3, d, 12), `snap-f${d}`));
  }
  const report = await world.forget(files({ keepDaily: 3 }), at(3, 10));
  const kept = report.plans[0]?.decisions.filter((d) => d.keep).map((d) => d.backupId);
  expect(kept).toEqual(expect.arrayContaining(['real-5', 'real-4']));
  // Neither real backup of a claimed day was deleted.
  expect(world.deleted.filter((k) => k.includes('real-5') || k.includes('real-4'))).toEqual([]);
});

it('a real record moved to a plan with a shorter policy keeps its snapshot: the snapshot names its plan', async () => {
  const world = new World();
  for (const m of [1, 2, 3]) world.backup(`b${m}`, 'compliance', at(m, 1), at(m, 1, 1));
  world.backup('x1', 'scratch', at(3, 3), at(3, 3, 1));
  world.records.set('b1', { ...(world.records.get('b1') as BackupRecord), plan: 'scratch' });
  const report = await world.forget(
    [
      { name: 'compliance', retention: { keepMonthly: 12 } },
      { name: 'scratch', retention: { keepLast: 1 } },
    ],
    at(3, 4),
  );
  const scratch = report.plans.find((p) => p.plan === 'scratch');
  expect(scratch?.leftInPlace).toEqual([{ backupId: 'b1', snapshotId: 'snap-b1', reason: 'the snapshot says its backup is of plan compliance, the record scratch' }]);
  expect(world.deleted).toEqual([]);
  expect(world.records.get('b1')?.forgottenAt).toBeUndefined();
});

describe('a record whose startedAt is not a time (hand-written; review r64O F3)', () => {
  const withUntimed = (): World => {
    const world = new World();
    for (let d = 1; d <= 5; d++) world.backup(`b${d}`, 'files', at(3, d), at(3, d, 1));
    world.backup('hand-edited', 'files', 'not a time', at(3, 3, 2));
    return world;
  };
  const untimedReason = 'its startedAt not a time is not a time: no rule can place it; neither counted nor forgotten';

  it('does not stop a calendar rule: the others are decided, it is neither counted nor forgotten, the reason names its text', async () => {
    const world = withUntimed();
    const report = await world.forget(files({ keepDaily: 2 }), at(3, 10));
    expect(report.plans[0]?.forgotten).toEqual(['b3', 'b2', 'b1']);
    expect(report.plans[0]?.notCounted).toEqual([{ backupId: 'hand-edited', reason: untimedReason }]);
    expect(world.records.get('hand-edited')?.forgottenAt).toBeUndefined();
    expect(world.deleted.some((key) => key.includes('snap-hand-edited'))).toBe(false);
  });

  it('takes no slot of "last N" or "newest": the real newest backups keep them', async () => {
    const world = withUntimed();
    const report = await world.forget(files({ keepLast: 2 }), at(3, 6));
    expect(report.plans[0]?.decisions.filter((d) => d.keep).map((d) => [d.backupId, d.reasons])).toEqual([
      ['b5', ['last 2']],
      ['b4', ['last 2']],
    ]);
    expect(report.plans[0]?.forgotten).toEqual(['b3', 'b2', 'b1']);
    expect(report.plans[0]?.notCounted.map((n) => n.backupId)).toEqual(['hand-edited']);
  });
});
