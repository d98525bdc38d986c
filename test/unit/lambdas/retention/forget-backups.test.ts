import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { type ProtectionPlanConfig } from '../../../../config/lifeboat-config';
import { type ListBackupsOptions } from '../../../../lambdas/catalog/backup-catalog';
import { CatalogItemInvalidError } from '../../../../lambdas/catalog/catalog-errors';
import { type BackupRecord, salvageBackupItem } from '../../../../lambdas/catalog/backup-record';
import { forgetBackups, type ForgetCatalog, type ForgetVault } from '../../../../lambdas/retention/forget-backups';
import { summarizeForget } from '../../../../lambdas/retention/forget-summary';
import { InvalidInputError } from '../../../../lambdas/runtime/errors';
import { backupDirectory, restoreSnapshot, snapshotKey, type Vault, type VaultStore, verifySnapshot } from '../../../../vault';
import { listedKeys, newTestVault, readTree, removeDir, requiredMethodsStore, tempDir } from '../../../support/vault-test-helpers';
import { memoryForgetClaims } from '../../../support/memory-forget-claims';

/**
 * Forgetting against a real (directory) vault and an in-memory catalog: forgotten backups lose
 * every source's snapshot object and get `forgottenAt`; kept ones still verify and restore byte
 * for byte; a dry run and a re-run change nothing; a crash between delete and mark is finished by
 * the next run.
 */

/** The catalog operations forget uses, over a map, with DynamoDB's semantics of the conditional writes. */
class MemoryCatalog implements ForgetCatalog {
  readonly records = new Map<string, BackupRecord>();
  private readonly claims = memoryForgetClaims(this.records);
  claimForgetting: ForgetCatalog['claimForgetting'] = (...args) => this.claims.claimForgetting(...args);
  releaseForgetting: ForgetCatalog['releaseForgetting'] = (...args) => this.claims.releaseForgetting(...args);
  failNextMark = false;
  listBackupsOfPlan(plan: string): Promise<BackupRecord[]> {
    return Promise.resolve([...this.records.values()].filter((r) => r.plan === plan).sort((a, b) => b.startedAt.localeCompare(a.startedAt)));
  }
  getBackup(backupId: string): Promise<BackupRecord | undefined> {
    return Promise.resolve(this.records.get(backupId));
  }
  markForgotten(backupId: string, at: string): Promise<boolean> {
    if (this.failNextMark) {
      this.failNextMark = false;
      return Promise.reject(new Error('the process died'));
    }
    const record = this.records.get(backupId);
    if (record?.status !== 'COMMITTED') return Promise.resolve(false);
    this.records.set(backupId, { ...record, forgottenAt: record.forgottenAt ?? at });
    return Promise.resolve(true);
  }
}

const PLAN: Pick<ProtectionPlanConfig, 'name' | 'retention' | 'drRetention'> = { name: 'files', retention: { keepLast: 2 }, drRetention: { keepLast: 4 } };
const SOURCES = ['alpha', 'beta'] as const;
const NOW = new Date('2026-03-10T00:00:00Z');

let dir: string;
let vault: Vault;
let store: VaultStore;
let catalog: MemoryCatalog;
/** Backup id → per source: the snapshot id and the tree it was taken of. */
const taken = new Map<string, Map<string, { snapshotId: string; tree: Awaited<ReturnType<typeof readTree>> }>>();

beforeAll(async () => {
  dir = await tempDir('forget');
  ({ vault, store } = await newTestVault(dir));
  catalog = new MemoryCatalog();
  // Six backups a day apart: 1 held, 4 failed (no snapshots), the others committed; each changes a file.
  for (let day = 1; day <= 6; day++) {
    const backupId = `2026030${day}T000000Z-0000000${day}`;
    const startedAt = `2026-03-0${day}T00:00:00.000Z`;
    if (day === 4) {
      catalog.records.set(backupId, { backupId, plan: 'files', environment: 'dev', sourceNames: [...SOURCES], sources: [], strategy: 'full', status: 'FAILED', startedAt, shardCount: 2 });
      continue;
    }
    const sources: BackupRecord['sources'] = [];
    const snapshots = new Map<string, { snapshotId: string; tree: Awaited<ReturnType<typeof readTree>> }>();
    for (const source of SOURCES) {
      const root = path.join(dir, 'sources', source);
      await fs.mkdir(root, { recursive: true });
      await fs.writeFile(path.join(root, 'same.txt'), `${source} unchanged\n`);
      await fs.writeFile(path.join(root, 'day.txt'), `${source} on day ${day}\n`.repeat(day * 50));
      const { snapshot } = await backupDirectory(vault, root, { parent: null, tags: [`backupId=${backupId}`] });
      sources.push({ name: source, type: 'filesystem', snapshotId: snapshot.id, rootHash: snapshot.manifest, entries: 2, bytes: 0, bytesScanned: 0, bytesNew: 0, bytesStored: 0, blobsNew: 0 });
      snapshots.set(source, { snapshotId: snapshot.id, tree: await readTree(root) });
    }
    taken.set(backupId, snapshots);
    catalog.records.set(backupId, {
      backupId,
      plan: 'files',
      environment: 'dev',
      sourceNames: [...SOURCES],
      sources,
      strategy: 'full',
      status: 'COMMITTED',
      startedAt,
      shardCount: 2,
      ...(day === 1 ? { hold: { reason: 'case 42', by: 'legal', at: '2026-03-02T00:00:00Z' } } : {}),
    });
  }
});

afterAll(async () => {
  await removeDir(dir);
});

const snapshotIdsOf = (backupId: string): string[] => [...(taken.get(backupId)?.values() ?? [])].map((s) => s.snapshotId);

/**
 * When each snapshot in the store "reached the vault", as S3 would say: at the start its record gives
 * (a backup that committed at once), `at` for a snapshot no record names.
 */
async function arrivalsIn(records: MemoryCatalog, at = NOW): Promise<Map<string, Date>> {
  const arrivals = new Map<string, Date>();
  for await (const key of store.list('snapshots/')) {
    const id = key.slice('snapshots/'.length);
    const namer = [...records.records.values()].find((r) => r.sources.some((src) => src.snapshotId === id));
    arrivals.set(id, namer ? new Date(namer.startedAt) : at);
  }
  return arrivals;
}

/** The vault as forget uses it, deleting through `through`. */
const vaultWith = (through: VaultStore): ForgetVault => ({ store: through, loadSnapshot: (id) => vault.loadSnapshot(id) });

/** A store that counts its deletes. */
function countingStore(): { store: VaultStore; deletes: string[] } {
  const deletes: string[] = [];
  return { store: requiredMethodsStore(store, { delete: async (key) => { deletes.push(key); await store.delete(key); } }), deletes };
}

describe('forgetBackups', () => {
  it('refuses an unknown plan, naming it', async () => {
    const run = forgetBackups({ plan: 'nope' }, { vault: 'primary', openVault: () => Promise.resolve(vaultWith(store)), snapshotArrivals: () => arrivalsIn(catalog), catalog, plans: [PLAN], now: NOW });
    await expect(run).rejects.toThrow(InvalidInputError);
    await expect(run).rejects.toThrow('Invalid forget request: plan: no plan "nope" in this environment; its plans: files');
  });

  it('dry run: prints the decision and changes nothing, without opening the vault; the DR vault decides with drRetention', async () => {
    const before = await listedKeys(store, '');
    const openStore = jest.fn(() => Promise.resolve(vaultWith(store)));
    const report = await forgetBackups({ dryRun: true }, { vault: 'primary', openVault: openStore, snapshotArrivals: () => arrivalsIn(catalog), catalog, plans: [PLAN], now: NOW });
    expect(report.plans[0]?.decisions.map((d) => [d.backupId.slice(0, 8), d.keep, d.reasons])).toEqual([
      ['20260306', true, ['last 2']],
      ['20260305', true, ['last 2']],
      ['20260304', true, ['failed: only committed backups are forgotten']],
      ['20260303', false, []],
      ['20260302', false, []],
      ['20260301', true, ['legal hold: case 42']],
    ]);
    expect(report.plans[0]?.forgotten).toEqual(['20260303T000000Z-00000003', '20260302T000000Z-00000002']);
    expect(openStore).not.toHaveBeenCalled();
    expect(await listedKeys(store, '')).toEqual(before);
    expect([...catalog.records.values()].some((r) => r.forgottenAt !== undefined)).toBe(false);

    const dr = await forgetBackups({ dryRun: true, plan: 'files' }, { vault: 'dr', openVault: openStore, snapshotArrivals: () => arrivalsIn(catalog), catalog, plans: [PLAN], now: NOW });
    expect(dr.plans[0]?.policy).toEqual({ keepLast: 4 });
    expect(dr.plans[0]?.forgotten).toEqual([]);
  });

  it('forgets: every source\'s snapshot object of a forgotten backup is gone, the record is marked, the kept ones verify and restore', async () => {
    const { store: counted, deletes } = countingStore();
    const report = await forgetBackups({}, { vault: 'primary', openVault: () => Promise.resolve(vaultWith(counted)), snapshotArrivals: () => arrivalsIn(catalog), catalog, plans: [PLAN], now: NOW });
    const forgotten = ['20260303T000000Z-00000003', '20260302T000000Z-00000002'];
    expect(report.plans[0]?.forgotten).toEqual(forgotten);
    expect(deletes.sort()).toEqual(forgotten.flatMap(snapshotIdsOf).map(snapshotKey).sort());
    const remaining = await listedKeys(store, 'snapshots/');
    for (const id of forgotten.flatMap(snapshotIdsOf)) expect(remaining).not.toContain(snapshotKey(id));
    for (const id of forgotten) expect(catalog.records.get(id)?.forgottenAt).toBe(NOW.toISOString());
    expect(summarizeForget(report)).toEqual({ vault: 'primary', dryRun: false, plans: [{ plan: 'files', kept: 3, forgottenCount: 2, forgotten, heldMeanwhile: [], pinnedMeanwhile: [], deletedObjects: 4, releasedClaims: [], notCounted: [], leftInPlace: [], locked: [] }] });

    for (const kept of ['20260306T000000Z-00000006', '20260305T000000Z-00000005', '20260301T000000Z-00000001']) {
      expect(catalog.records.get(kept)?.forgottenAt).toBeUndefined();
      for (const [source, { snapshotId, tree }] of taken.get(kept) ?? []) {
        await expect(verifySnapshot(vault, snapshotId, { readData: true })).resolves.toMatchObject({ ok: true, problems: [] });
        // One restore per kept backup is enough to show its data survived; verify read every blob of the others.
        if (source !== 'alpha') continue;
        const target = path.join(dir, 'restored', kept, source);
        await restoreSnapshot(vault, await vault.loadSnapshot(snapshotId), target);
        expect(await readTree(target)).toEqual(tree);
      }
    }
  });

  it('a re-run is a no-op: no delete, nothing forgotten again, the first time kept', async () => {
    const { store: counted, deletes } = countingStore();
    const later = new Date('2026-03-11T00:00:00Z');
    const report = await forgetBackups({}, { vault: 'primary', openVault: () => Promise.resolve(vaultWith(counted)), snapshotArrivals: () => arrivalsIn(catalog), catalog, plans: [PLAN], now: later });
    expect(report.plans[0]?.forgotten).toEqual([]);
    expect(report.plans[0]?.decisions.map((d) => d.backupId)).not.toContain('20260303T000000Z-00000003');
    expect(deletes).toEqual([]);
    expect(catalog.records.get('20260303T000000Z-00000003')?.forgottenAt).toBe(NOW.toISOString());
  });

  it('a run that died between deleting the objects and marking the record is finished by the next run', async () => {
    // Releasing the hold makes the oldest backup forgettable.
    const oldest = '20260301T000000Z-00000001';
    const { hold: _hold, ...released } = catalog.records.get(oldest) as BackupRecord;
    catalog.records.set(oldest, released);
    catalog.failNextMark = true;
    await expect(forgetBackups({}, { vault: 'primary', openVault: () => Promise.resolve(vaultWith(store)), snapshotArrivals: () => arrivalsIn(catalog), catalog, plans: [PLAN], now: NOW })).rejects.toThrow('the process died');
    expect(await listedKeys(store, 'snapshots/')).not.toContain(snapshotKey(snapshotIdsOf(oldest)[0] ?? ''));
    expect(catalog.records.get(oldest)?.forgottenAt).toBeUndefined();

    const report = await forgetBackups({}, { vault: 'primary', openVault: () => Promise.resolve(vaultWith(store)), snapshotArrivals: () => arrivalsIn(catalog), catalog, plans: [PLAN], now: NOW });
    expect(report.plans[0]?.forgotten).toEqual([oldest]);
    expect(catalog.records.get(oldest)?.forgottenAt).toBe(NOW.toISOString());
  });

  it('leaves alone a backup that got a legal hold between the decision and its delete', async () => {
    const target = '20260305T000000Z-00000005';
    const held = { ...(catalog.records.get(target) as BackupRecord), hold: { reason: 'audit', by: 'ann', at: NOW.toISOString() } };
    const racing: ForgetCatalog = {
      // The listing is read before the hold was set; the re-read just before the delete sees it.
      listBackupsOfPlan: (plan) => catalog.listBackupsOfPlan(plan),
      getBackup: (id) => Promise.resolve(id === target ? held : catalog.records.get(id)),
      claimForgetting: (id, at, seen) => catalog.claimForgetting(id, at, seen),
      releaseForgetting: (id, seen) => catalog.releaseForgetting(id, seen),
      markForgotten: (id, at) => catalog.markForgotten(id, at),
    };
    const { store: counted, deletes } = countingStore();
    const report = await forgetBackups({}, { vault: 'primary', openVault: () => Promise.resolve(vaultWith(counted)), snapshotArrivals: () => arrivalsIn(catalog), catalog: racing, plans: [{ ...PLAN, retention: { keepLast: 1 } }], now: NOW });
    expect(report.plans[0]?.decisions.find((d) => d.backupId === target)?.keep).toBe(false);
    expect(report.plans[0]?.heldMeanwhile).toEqual([target]);
    expect(report.plans[0]?.forgotten).toEqual([]);
    expect(deletes).toEqual([]);
    expect(catalog.records.get(target)?.forgottenAt).toBeUndefined();
  });

  // Review r65T F1: a pin whose until is no time (NaN is never ahead of now) was dropped by the last re-read, and the
  // backup the restore pinned was forgotten. It keeps the backup, its reason saying to fix the pin.
  it('leaves alone a backup pinned between the decision and its delete by a pin whose until is no time', async () => {
    const target = '20260305T000000Z-00000005';
    const pinned = { ...(catalog.records.get(target) as BackupRecord), pins: { 'r-9': { by: 'restore r-9', at: NOW.toISOString(), until: 'forever' } }, pinVersion: 1 };
    const racing: ForgetCatalog = {
      listBackupsOfPlan: (plan) => catalog.listBackupsOfPlan(plan),
      getBackup: (id) => Promise.resolve(id === target ? pinned : catalog.records.get(id)),
      claimForgetting: (id, at, seen) => catalog.claimForgetting(id, at, seen),
      releaseForgetting: (id, seen) => catalog.releaseForgetting(id, seen),
      markForgotten: (id, at) => catalog.markForgotten(id, at),
    };
    const { store: counted, deletes } = countingStore();
    const report = await forgetBackups({}, { vault: 'primary', openVault: () => Promise.resolve(vaultWith(counted)), snapshotArrivals: () => arrivalsIn(catalog), catalog: racing, plans: [{ ...PLAN, retention: { keepLast: 1 } }], now: NOW });
    expect(report.plans[0]?.decisions.find((d) => d.backupId === target)).toMatchObject({ keep: true, reasons: ["pinned by restore r-9 until forever (not a time): fix the pin's until, or remove the pin, in the backup's catalog record (its pins map; docs/RUNBOOKS.md, Running restores)"] });
    expect(report.plans[0]?.pinnedMeanwhile).toEqual([{ backupId: target, by: 'restore r-9', until: 'forever' }]);
    expect(report.plans[0]?.forgotten).toEqual([]);
    expect(deletes).toEqual([]);
    expect(catalog.records.get(target)?.forgottenAt).toBeUndefined();
  });
});

describe('forgetBackups does not take catalog records on trust', () => {
  /** A small catalog of its own: the shared one above is changed by the tests before. */
  function catalogOf(records: BackupRecord[]): MemoryCatalog {
    const own = new MemoryCatalog();
    for (const r of records) own.records.set(r.backupId, r);
    return own;
  }
  const record = (backupId: string, startedAt: string, snapshotIds: string[], plan = 'files'): BackupRecord => ({
    backupId,
    plan,
    environment: 'dev',
    sourceNames: snapshotIds.map((_, i) => `s${i}`),
    sources: snapshotIds.map((snapshotId, i) => ({ name: `s${i}`, type: 'filesystem', snapshotId, rootHash: 'r', entries: 1, bytes: 0, bytesScanned: 0, bytesNew: 0, bytesStored: 0, blobsNew: 0 })),
    strategy: 'full',
    status: 'COMMITTED',
    startedAt,
    shardCount: 1,
  });
  /** A snapshot as the backup workflow writes it: its tags name its backup and the backup's start. */
  async function workflowSnapshot(backupId: string, startedAt: string): Promise<string> {
    const root = path.join(dir, 'trust', backupId);
    await fs.mkdir(root, { recursive: true });
    await fs.writeFile(path.join(root, 'file.txt'), `${backupId}\n`);
    const { snapshot } = await backupDirectory(vault, root, { parent: null, tags: [`backupId:${backupId}`, 'plan:files', 'strategy:full', `startedAt:${startedAt}`] });
    return snapshot.id;
  }
  const exists = async (snapshotId: string): Promise<boolean> => store.has(snapshotKey(snapshotId));

  it('a record that claims to start in the future is neither counted nor forgotten, and the real backups stay', async () => {
    const own = catalogOf([
      record('real-1', '2026-03-08T00:00:00.000Z', [await workflowSnapshot('real-1', '2026-03-08T00:00:00.000Z')]),
      record('real-2', '2026-03-09T00:00:00.000Z', [await workflowSnapshot('real-2', '2026-03-09T00:00:00.000Z')]),
      // Forged: a year ahead; counted, it would be the newest and keepWithin would measure from it.
      record('forged', '2027-03-09T00:00:00.000Z', [await workflowSnapshot('forged', '2027-03-09T00:00:00.000Z')]),
    ]);
    const { store: counted, deletes } = countingStore();
    const report = await forgetBackups({}, { vault: 'dr', openVault: () => Promise.resolve(vaultWith(counted)), snapshotArrivals: () => arrivalsIn(own), catalog: own, plans: [{ name: 'files', retention: { keepLast: 1 }, drRetention: { keepWithin: '7d' } }], now: NOW });
    const plan = report.plans[0];
    expect(plan?.notCounted.map((n) => n.backupId)).toEqual(['forged']);
    expect(plan?.notCounted[0]?.reason).toContain("starts 2027-03-09T00:00:00.000Z, after this run's clock (2026-03-10T00:00:00.000Z)");
    expect(plan?.decisions.map((d) => [d.backupId, d.keep])).toEqual([['real-2', true], ['real-1', true]]);
    expect(plan?.forgotten).toEqual([]);
    expect(deletes).toEqual([]);
    expect(own.records.get('forged')?.forgottenAt).toBeUndefined();
  });

  it('f65E: lists its decisions newest first by the instant of each start, not its text', async () => {
    // 22:00-05:00 on the 7th is 03:00Z on the 8th, after real-1, though its text sorts before it.
    const own = catalogOf([
      record('real-1', '2026-03-08T00:00:00.000Z', [await workflowSnapshot('real-1', '2026-03-08T00:00:00.000Z')]),
      record('offset', '2026-03-07T22:00:00-05:00', [await workflowSnapshot('offset', '2026-03-07T22:00:00-05:00')]),
    ]);
    const report = await forgetBackups({ dryRun: true }, { vault: 'primary', openVault: () => Promise.resolve(vaultWith(store)), snapshotArrivals: () => arrivalsIn(own), catalog: own, plans: [{ name: 'files', retention: { keepLast: 2 } }], now: NOW });
    expect(report.plans[0]?.decisions.map((d) => d.backupId)).toEqual(['offset', 'real-1']);
  });

  it('a record within the clock skew still counts', async () => {
    const own = catalogOf([
      record('real-1', '2026-03-08T00:00:00.000Z', [await workflowSnapshot('real-1', '2026-03-08T00:00:00.000Z')]),
      record('just-now', '2026-03-10T00:10:00.000Z', [await workflowSnapshot('just-now', '2026-03-10T00:10:00.000Z')]),
    ]);
    const report = await forgetBackups({ dryRun: true }, { vault: 'primary', openVault: () => Promise.resolve(vaultWith(store)), snapshotArrivals: () => arrivalsIn(own), catalog: own, plans: [{ name: 'files', retention: { keepLast: 1 } }], now: NOW });
    expect(report.plans[0]?.notCounted).toEqual([]);
    expect(report.plans[0]?.forgotten).toEqual(['real-1']);
  });

  it("an old record naming another backup's snapshot, of its plan or another: neither record is counted, nothing is forgotten", async () => {
    const realSnapshot = await workflowSnapshot('real', '2026-03-09T00:00:00.000Z');
    const otherPlanSnapshot = await workflowSnapshot('other-plan', '2026-03-09T00:00:00.000Z');
    const own = catalogOf([
      record('real', '2026-03-09T00:00:00.000Z', [realSnapshot]),
      record('other-plan', '2026-03-09T00:00:00.000Z', [otherPlanSnapshot], 'tables'),
      // Forged and old, so that retention would forget them, and their snapshots with them.
      record('forged', '2020-01-01T00:00:00.000Z', [realSnapshot]),
      record('forged-2', '2020-01-02T00:00:00.000Z', [otherPlanSnapshot]),
    ]);
    const { store: counted, deletes } = countingStore();
    const plans = [{ name: 'files', retention: { keepLast: 1 } }, { name: 'tables', retention: { keepLast: 1 } }];
    const report = await forgetBackups({ plan: 'files' }, { vault: 'primary', openVault: () => Promise.resolve(vaultWith(counted)), snapshotArrivals: () => arrivalsIn(own), catalog: own, plans, now: NOW });
    expect(report.plans[0]?.forgotten).toEqual([]);
    expect(report.plans[0]?.notCounted).toEqual([
      { backupId: 'real', reason: `its snapshot ${realSnapshot} is named by the record of forged too; neither counted nor forgotten` },
      { backupId: 'forged-2', reason: `its snapshot ${otherPlanSnapshot} is named by the record of other-plan too; neither counted nor forgotten` },
      { backupId: 'forged', reason: `its snapshot ${realSnapshot} is named by the record of real too; neither counted nor forgotten` },
    ]);
    expect(deletes).toEqual([]);
    for (const id of [realSnapshot, otherPlanSnapshot]) await expect(verifySnapshot(vault, id, { readData: true })).resolves.toMatchObject({ ok: true });
    expect(own.records.get('forged')?.forgottenAt).toBeUndefined();
    expect(summarizeForget(report).plans[0]?.notCounted).toEqual(['real', 'forged-2', 'forged']);
  });

  it("a record whose snapshot's tags name another backup, or another start, keeps the snapshot", async () => {
    // The real backup's own record is gone (or was overwritten): only the snapshot's tags tell.
    const stolen = await workflowSnapshot('victim', '2026-03-09T00:00:00.000Z');
    const aged = await workflowSnapshot('aged', '2026-03-09T00:00:00.000Z');
    const own = catalogOf([
      record('new', '2026-03-09T12:00:00.000Z', [await workflowSnapshot('new', '2026-03-09T12:00:00.000Z')]),
      record('impostor', '2020-01-01T00:00:00.000Z', [stolen]),
      // A real record made to look old: the snapshot knows when its backup started.
      record('aged', '2020-01-02T00:00:00.000Z', [aged]),
    ]);
    const { store: counted, deletes } = countingStore();
    const report = await forgetBackups({}, { vault: 'dr', openVault: () => Promise.resolve(vaultWith(counted)), snapshotArrivals: () => arrivalsIn(own), catalog: own, plans: [{ name: 'files', retention: { keepLast: 1 }, drRetention: { keepLast: 1 } }], now: NOW });
    expect(report.plans[0]?.leftInPlace).toEqual([
      { backupId: 'aged', snapshotId: aged, reason: 'the snapshot says its backup started 2026-03-09T00:00:00.000Z, the record 2020-01-02T00:00:00.000Z' },
      { backupId: 'impostor', snapshotId: stolen, reason: 'the snapshot belongs to backup victim, not impostor' },
    ]);
    expect(deletes).toEqual([]);
    expect(await exists(stolen)).toBe(true);
    expect(await exists(aged)).toBe(true);
  });

  it("shows a record's id and start escaped in its `left in place` reason, as they are any strings of a record (f62T)", async () => {
    const forged = '\n\u001b[31m\u009b\u202e';
    const shown = '\\u000a\\u001b[31m\\u009b\\u202e';
    const stolen = await workflowSnapshot('victim-2', '2026-03-09T00:00:00.000Z');
    const aged = await workflowSnapshot('aged-2', '2026-03-09T00:00:00.000Z');
    // V8's Date.parse skips the parenthesized comment: the start reads as 2 January 2020, newline and ESC and all.
    const agedStart = `Thu, 02 Jan 2020 00:00:00 GMT (${forged})`;
    const own = catalogOf([
      record('new', '2026-03-09T12:00:00.000Z', [await workflowSnapshot('new-3', '2026-03-09T12:00:00.000Z')]),
      record(`impostor${forged}`, '2020-01-01T00:00:00.000Z', [stolen]),
      record('aged-2', agedStart, [aged]),
    ]);
    const { store: counted, deletes } = countingStore();
    const report = await forgetBackups({}, { vault: 'dr', openVault: () => Promise.resolve(vaultWith(counted)), snapshotArrivals: () => arrivalsIn(own), catalog: own, plans: [{ name: 'files', retention: { keepLast: 1 }, drRetention: { keepLast: 1 } }], now: NOW });
    expect(report.plans[0]?.leftInPlace.map((l) => l.reason)).toEqual([
      // The start as the instant it parses to, never its text (review r63U F2).
      'the snapshot says its backup started 2026-03-09T00:00:00.000Z, the record 2020-01-02T00:00:00.000Z',
      `the snapshot belongs to backup victim-2, not impostor${shown}`,
    ]);
    expect(deletes).toEqual([]);
  });

  it('a record whose snapshots are its own is forgotten as before; one whose snapshot is gone already is just marked', async () => {
    const mine = await workflowSnapshot('mine', '2026-03-01T00:00:00.000Z');
    const own = catalogOf([
      record('new', '2026-03-09T12:00:00.000Z', [await workflowSnapshot('new-2', '2026-03-09T12:00:00.000Z')]),
      record('mine', '2026-03-01T00:00:00.000Z', [mine]),
      record('gone', '2026-02-01T00:00:00.000Z', ['no-such-snapshot']),
    ]);
    const { store: counted, deletes } = countingStore();
    const report = await forgetBackups({}, { vault: 'primary', openVault: () => Promise.resolve(vaultWith(counted)), snapshotArrivals: () => arrivalsIn(own), catalog: own, plans: [{ name: 'files', retention: { keepLast: 1 } }], now: NOW });
    expect(report.plans[0]?.leftInPlace).toEqual([]);
    expect(report.plans[0]?.forgotten).toEqual(['mine', 'gone']);
    expect(deletes).toEqual([snapshotKey(mine), snapshotKey('no-such-snapshot')]);
    expect(await exists(mine)).toBe(false);
  });

  it('backdated records written now take no slot of the past: kept where the policy keeps a backup at its start or at its arrival', async () => {
    const day = (d: number, hour = '00'): string => `2026-03-0${d}T${hour}:00:00.000Z`;
    const real = [3, 4, 5].map((d) => ({ id: `real-0${d}`, at: day(d) }));
    // Forged later in the day than the real backups of those days, so the newest of each by their claims: written the day before the run.
    const forged = [4, 5].map((d) => ({ id: `forged-0${d}`, at: day(d, '12') }));
    const records: BackupRecord[] = [];
    for (const b of [...real, ...forged]) records.push(record(b.id, b.at, [await workflowSnapshot(b.id, b.at)]));
    const own = catalogOf(records);
    const arrivals = async (): Promise<Map<string, Date>> => {
      const map = await arrivalsIn(own);
      for (const f of forged) map.set(own.records.get(f.id)?.sources[0]?.snapshotId ?? '', new Date(NOW.getTime() - (f.id === 'forged-05' ? 3 : 2) * 3_600_000));
      return map;
    };
    const { store: counted, deletes } = countingStore();
    const report = await forgetBackups({}, { vault: 'dr', openVault: () => Promise.resolve(vaultWith(counted)), snapshotArrivals: arrivals, catalog: own, plans: [{ name: 'files', retention: { keepLast: 1 }, drRetention: { keepDaily: 3 } }], now: NOW });
    const plan = report.plans[0];
    // By their claims the forged records take the 4th and 5th; at their arrival they share the 9th, and the real ones keep theirs.
    expect(plan?.decisions.map((d) => [d.backupId, d.startedAt, d.keep, d.reasons])).toEqual([
      ['forged-05', day(5, '12'), true, ['daily snapshot']],
      ['real-05', day(5), true, [`daily snapshot as of its arrival ${day(5)}`]],
      ['forged-04', day(4, '12'), true, ['daily snapshot']],
      ['real-04', day(4), true, [`daily snapshot as of its arrival ${day(4)}`]],
      ['real-03', day(3), true, ['daily snapshot']],
    ]);
    expect(plan?.forgotten).toEqual([]);
    expect(deletes).toEqual([]);
  });

  it('a record none of whose snapshots is in the vault is not counted; forgotten only where the policy forgot it anyway', async () => {
    const own = catalogOf([
      record('real-old', '2026-03-07T00:00:00.000Z', [await workflowSnapshot('real-old', '2026-03-07T00:00:00.000Z')]),
      record('real-new', '2026-03-08T00:00:00.000Z', [await workflowSnapshot('real-new', '2026-03-08T00:00:00.000Z')]),
      // Counted, these would be the two newest and keepLast 2 would forget both real backups.
      record('ghost-1', '2026-03-09T00:00:00.000Z', ['nowhere-1']),
      record('ghost-2', '2026-03-09T01:00:00.000Z', ['nowhere-2']),
      // Old: the policy forgets it among all records; marking it deletes nothing (a run that died before marking).
      record('ghost-old', '2026-01-01T00:00:00.000Z', ['nowhere-3']),
    ]);
    const { store: counted, deletes } = countingStore();
    const report = await forgetBackups({}, { vault: 'primary', openVault: () => Promise.resolve(vaultWith(counted)), snapshotArrivals: () => arrivalsIn(own), catalog: own, plans: [{ name: 'files', retention: { keepLast: 2 } }], now: NOW });
    const plan = report.plans[0];
    expect(plan?.notCounted).toEqual([
      { backupId: 'ghost-2', reason: 'none of its snapshots is in this vault; not counted' },
      { backupId: 'ghost-1', reason: 'none of its snapshots is in this vault; not counted' },
    ]);
    expect(plan?.decisions.map((d) => [d.backupId, d.keep])).toEqual([['real-new', true], ['real-old', true], ['ghost-old', false]]);
    expect(plan?.forgotten).toEqual(['ghost-old']);
    expect(deletes).toEqual([snapshotKey('nowhere-3')]);
    expect(own.records.get('ghost-old')?.forgottenAt).toBe(NOW.toISOString());
    expect(own.records.get('ghost-1')?.forgottenAt).toBeUndefined();
  });
});

// Review r61L F3: c6c1502c read a damaged record's forgottenAt 0, a map or true as a forget, so the snapshot it names
// counted as its live sharer's alone, and retention forgot that backup. Only a non-empty string is a forget.
describe('a record that does not validate naming the snapshot of a live one', () => {
  const recordOf = (backupId: string, day: number, snapshotId: string): BackupRecord => ({
    backupId,
    plan: 'files',
    environment: 'prod',
    sourceNames: ['alpha'],
    sources: [{ name: 'alpha', type: 's3', snapshotId, rootHash: 'r', entries: 1, bytes: 1, bytesScanned: 1, bytesNew: 1, bytesStored: 1, blobsNew: 1 }],
    strategy: 'incremental',
    status: 'COMMITTED',
    startedAt: `2026-03-0${day}T00:00:00.000Z`,
    shardCount: 1,
  });

  it.each([
    ['0', 0],
    ['{}', {}],
    ['true', true],
    ['an ISO time', '2026-03-05T00:00:00.000Z'],
  ])('with forgottenAt %s keeps the live one unless that is a forget', async (_, forgottenAt) => {
    const damaged = { pk: 'BACKUP#b', sk: 'BACKUP', ...recordOf('b', 3, 'snap-S'), forgottenAt, shardCount: 'one' };
    const invalid = { ...salvageBackupItem(damaged), error: new CatalogItemInvalidError('catalog', 'BACKUP#b / BACKUP', ['shardCount: Expected number']), key: { pk: 'BACKUP#b', sk: 'BACKUP' } };
    const shared = new MemoryCatalog();
    shared.records.set('a1', recordOf('a1', 1, 'snap-S'));
    shared.records.set('a2', recordOf('a2', 2, 'snap-T'));
    shared.listBackupsOfPlan = (plan: string, options?: ListBackupsOptions) => {
      options?.onInvalid?.(invalid);
      return MemoryCatalog.prototype.listBackupsOfPlan.call(shared, plan);
    };
    const arrivals = new Map([
      ['snap-S', new Date('2026-03-01T00:00:00Z')],
      ['snap-T', new Date('2026-03-02T00:00:00Z')],
    ]);
    const openVault = jest.fn(() => Promise.reject(new Error('a dry run opens no vault')));
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    const report = await forgetBackups(
      { dryRun: true },
      { vault: 'primary', snapshotArrivals: () => Promise.resolve(arrivals), openVault, catalog: shared, plans: [{ name: 'files', retention: { keepLast: 1 } }], now: NOW },
    ).finally(() => warn.mockRestore());
    const forgets = typeof forgottenAt === 'string';
    expect(report.plans[0]?.forgotten).toEqual(forgets ? ['a1'] : []);
    expect(report.plans[0]?.notCounted.map((n) => n.backupId)).toEqual(forgets ? [] : ['a1']);
  });

  // Review r61U F1: the damaged record's backupId went raw into `not counted: …` (a newline and ESC forged a line).
  it("shows the damaged record's backupId escaped in the live one's reason", async () => {
    const forged = 'b\n\u001b[32mClean: fake';
    const damaged = { pk: 'BACKUP#b', sk: 'BACKUP', ...recordOf(forged, 3, 'snap-S'), shardCount: 'one' };
    const invalid = { ...salvageBackupItem(damaged), error: new CatalogItemInvalidError('catalog', 'BACKUP#b / BACKUP', ['shardCount: Expected number']), key: { pk: 'BACKUP#b', sk: 'BACKUP' } };
    const shared = new MemoryCatalog();
    shared.records.set('a1', recordOf('a1', 1, 'snap-S'));
    shared.records.set('a2', recordOf('a2', 2, 'snap-T'));
    shared.listBackupsOfPlan = (plan: string, options?: ListBackupsOptions) => {
      options?.onInvalid?.(invalid);
      return MemoryCatalog.prototype.listBackupsOfPlan.call(shared, plan);
    };
    const arrivals = new Map([
      ['snap-S', new Date('2026-03-01T00:00:00Z')],
      ['snap-T', new Date('2026-03-02T00:00:00Z')],
    ]);
    const openVault = jest.fn(() => Promise.reject(new Error('a dry run opens no vault')));
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    const report = await forgetBackups(
      { dryRun: true },
      { vault: 'primary', snapshotArrivals: () => Promise.resolve(arrivals), openVault, catalog: shared, plans: [{ name: 'files', retention: { keepLast: 1 } }], now: NOW },
    ).finally(() => warn.mockRestore());
    const reasons = report.plans[0]?.notCounted.map((n) => n.reason) ?? [];
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toContain('b\\u000a\\u001b[32mClean: fake (unreadable)');
    expect(reasons[0]).not.toContain('\n');
  expect(reasons[0]).not.toContain('\u001b');
  });
});
