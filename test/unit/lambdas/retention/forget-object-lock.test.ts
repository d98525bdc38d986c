import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { type BackupRecord } from '../../../../lambdas/catalog/backup-record';
import { forgetBackups, type ForgetCatalog, type ForgetVault } from '../../../../lambdas/retention/forget-backups';
import { summarizeForget } from '../../../../lambdas/retention/forget-summary';
import { backupDirectory, ObjectLockedError, snapshotKey, type Vault, type VaultStore } from '../../../../vault';
import { newTestVault, removeDir, requiredMethodsStore, tempDir } from '../../../support/vault-test-helpers';
import { memoryForgetClaims } from '../../../support/memory-forget-claims';

/**
 * Forget on a vault with S3 Object Lock (`immutability`): a snapshot the store refuses to delete
 * (ObjectLockedError, as S3VaultStore throws it) keeps its backup, reported `locked` with the lock,
 * and the run goes on with the next backup and the next plan; nothing of a locked backup is deleted.
 */

const NOW = new Date('2026-03-10T00:00:00Z');
const LOCK = 'GOVERNANCE until 2026-04-01T00:00:00.000Z';

class MemoryCatalog implements ForgetCatalog {
  readonly records = new Map<string, BackupRecord>();
  private readonly claims = memoryForgetClaims(this.records);
  claimForgetting: ForgetCatalog['claimForgetting'] = (...args) => this.claims.claimForgetting(...args);
  releaseForgetting: ForgetCatalog['releaseForgetting'] = (...args) => this.claims.releaseForgetting(...args);
  listBackupsOfPlan(plan: string): Promise<BackupRecord[]> {
    return Promise.resolve([...this.records.values()].filter((r) => r.plan === plan));
  }
  getBackup(backupId: string): Promise<BackupRecord | undefined> {
    return Promise.resolve(this.records.get(backupId));
  }
  markForgotten(backupId: string, at: string): Promise<boolean> {
    const record = this.records.get(backupId);
    if (!record) return Promise.resolve(false);
    this.records.set(backupId, { ...record, forgottenAt: at });
    return Promise.resolve(true);
  }
}

let dir: string;
let vault: Vault;
let store: VaultStore;
let catalog: MemoryCatalog;
/** Snapshot keys S3 Object Lock retains in this vault. */
let locked: Set<string>;

/** Backups of `plan` on days 1-3, each with sources alpha then beta (beta's snapshot is written last). */
async function backUp(plan: string): Promise<void> {
  for (let day = 1; day <= 3; day++) {
    const backupId = `2026030${day}T000000Z-${plan}`;
    const sources: BackupRecord['sources'] = [];
    for (const name of ['alpha', 'beta']) {
      const root = path.join(dir, 'src', plan, name);
      await fs.mkdir(root, { recursive: true });
      await fs.writeFile(path.join(root, 'f.txt'), `${plan} ${name} ${day}\n`);
      const { snapshot } = await backupDirectory(vault, root, { parent: null, tags: [] });
      sources.push({ name, type: 'filesystem', snapshotId: snapshot.id, rootHash: snapshot.manifest, entries: 1, bytes: 0, bytesScanned: 0, bytesNew: 0, bytesStored: 0, blobsNew: 0 });
    }
    catalog.records.set(backupId, { backupId, plan, environment: 'dev', sourceNames: ['alpha', 'beta'], sources, strategy: 'full', status: 'COMMITTED', startedAt: `2026-03-0${day}T00:00:00.000Z`, shardCount: 1 });
  }
}

const snapshotOf = (backupId: string, source: string): string => catalog.records.get(backupId)?.sources.find((s) => s.name === source)?.snapshotId ?? '';

beforeEach(async () => {
  dir = await tempDir('forget-lock');
  ({ vault, store } = await newTestVault(dir));
  catalog = new MemoryCatalog();
  locked = new Set();
  await backUp('first');
  await backUp('second');
});
afterEach(async () => removeDir(dir));

function run(): ReturnType<typeof forgetBackups> {
  const lockedStore = requiredMethodsStore(store, {
    delete: (key) => (locked.has(key) ? Promise.reject(new ObjectLockedError(store.location, key, LOCK)) : store.delete(key)),
  });
  const forgetVault: ForgetVault = { store: lockedStore, loadSnapshot: (id) => vault.loadSnapshot(id) };
  const arrivals = new Map<string, Date>();
  for (const r of catalog.records.values()) for (const s of r.sources) arrivals.set(s.snapshotId, new Date(r.startedAt));
  return forgetBackups(
    {},
    {
      vault: 'primary',
      openVault: () => Promise.resolve(forgetVault),
      snapshotArrivals: () => Promise.resolve(arrivals),
      catalog,
      plans: [
        { name: 'first', retention: { keepLast: 1 } },
        { name: 'second', retention: { keepLast: 1 } },
      ],
      now: NOW,
    },
  );
}

describe('forgetBackups with Object Lock', () => {
  it('keeps a locked backup, says until when, and goes on with the next backup and the next plan', async () => {
    // Every snapshot of the first plan is locked but those of its oldest backup.
    for (const day of [2, 3]) for (const source of ['alpha', 'beta']) locked.add(snapshotKey(snapshotOf(`2026030${day}T000000Z-first`, source)));
    const report = await run();
    const [first, second] = report.plans;
    expect(first?.locked).toEqual([{ backupId: '20260302T000000Z-first', snapshotId: snapshotOf('20260302T000000Z-first', 'beta'), reason: LOCK }]);
    expect(first?.forgotten).toEqual(['20260301T000000Z-first']);
    expect(first?.decisions.map((d) => [d.backupId, d.keep, d.reasons])).toEqual([
      ['20260303T000000Z-first', true, ['last 1']],
      ['20260302T000000Z-first', true, [`locked by Object Lock: ${LOCK}`]],
      ['20260301T000000Z-first', false, []],
    ]);
    expect(catalog.records.get('20260302T000000Z-first')?.forgottenAt).toBeUndefined();
    // The next plan was not skipped.
    expect(second?.forgotten).toEqual(['20260302T000000Z-second', '20260301T000000Z-second']);
    expect(second?.locked).toEqual([]);
    // The workflow step's summary says it, and counts the locked backup as kept.
    expect(summarizeForget(report).plans[0]).toMatchObject({ kept: 2, forgottenCount: 1, locked: [{ backupId: '20260302T000000Z-first', reason: LOCK }] });
  });

  it('deletes nothing of a backup whose newest snapshot is locked: the newest goes first, so the older ones stay with it', async () => {
    // Only beta's snapshot (written after alpha's) of the 2 March backup is locked; the record lists alpha first.
    locked.add(snapshotKey(snapshotOf('20260302T000000Z-first', 'beta')));
    const report = await run();
    expect(report.plans[0]?.locked.map((l) => l.backupId)).toEqual(['20260302T000000Z-first']);
    expect(await store.has(snapshotKey(snapshotOf('20260302T000000Z-first', 'alpha')))).toBe(true);
    expect(await store.has(snapshotKey(snapshotOf('20260301T000000Z-first', 'alpha')))).toBe(false);
    expect(report.plans[0]?.deletedObjects).toBe(2);
  });
});
