import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { type ProtectionPlanConfig } from '../../../../config/lifeboat-config';
import { type BackupRecord } from '../../../../lambdas/catalog/backup-record';
import { forgetBackups, type ForgetCatalog } from '../../../../lambdas/retention/forget-backups';
import { summarizeForget } from '../../../../lambdas/retention/forget-summary';
import { InvalidInputError } from '../../../../lambdas/runtime/errors';
import { backupDirectory, restoreSnapshot, snapshotKey, type Vault, type VaultStore, verifySnapshot } from '../../../../vault';
import { listedKeys, newTestVault, readTree, removeDir, requiredMethodsStore, tempDir } from '../../../support/vault-test-helpers';

/**
 * Forgetting against a real (directory) vault and an in-memory catalog: forgotten backups lose
 * every source's snapshot object and get `forgottenAt`; kept ones still verify and restore byte
 * for byte; a dry run and a re-run change nothing; a crash between delete and mark is finished by
 * the next run.
 */

/** The catalog operations forget uses, over a map, with DynamoDB's semantics of the conditional writes. */
class MemoryCatalog implements ForgetCatalog {
  readonly records = new Map<string, BackupRecord>();
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

/** A store that counts its deletes. */
function countingStore(): { store: VaultStore; deletes: string[] } {
  const deletes: string[] = [];
  return { store: requiredMethodsStore(store, { delete: async (key) => { deletes.push(key); await store.delete(key); } }), deletes };
}

describe('forgetBackups', () => {
  it('refuses an unknown plan, naming it', async () => {
    const run = forgetBackups({ plan: 'nope' }, { vault: 'primary', openStore: () => Promise.resolve(store), catalog, plans: [PLAN], now: NOW });
    await expect(run).rejects.toThrow(InvalidInputError);
    await expect(run).rejects.toThrow('Invalid forget request: plan: no plan "nope" in this environment; its plans: files');
  });

  it('dry run: prints the decision and changes nothing, without opening the vault; the DR vault decides with drRetention', async () => {
    const before = await listedKeys(store, '');
    const openStore = jest.fn(() => Promise.resolve(store));
    const report = await forgetBackups({ dryRun: true }, { vault: 'primary', openStore, catalog, plans: [PLAN], now: NOW });
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

    const dr = await forgetBackups({ dryRun: true, plan: 'files' }, { vault: 'dr', openStore, catalog, plans: [PLAN], now: NOW });
    expect(dr.plans[0]?.policy).toEqual({ keepLast: 4 });
    expect(dr.plans[0]?.forgotten).toEqual([]);
  });

  it('forgets: every source\'s snapshot object of a forgotten backup is gone, the record is marked, the kept ones verify and restore', async () => {
    const { store: counted, deletes } = countingStore();
    const report = await forgetBackups({}, { vault: 'primary', openStore: () => Promise.resolve(counted), catalog, plans: [PLAN], now: NOW });
    const forgotten = ['20260303T000000Z-00000003', '20260302T000000Z-00000002'];
    expect(report.plans[0]?.forgotten).toEqual(forgotten);
    expect(deletes.sort()).toEqual(forgotten.flatMap(snapshotIdsOf).map(snapshotKey).sort());
    const remaining = await listedKeys(store, 'snapshots/');
    for (const id of forgotten.flatMap(snapshotIdsOf)) expect(remaining).not.toContain(snapshotKey(id));
    for (const id of forgotten) expect(catalog.records.get(id)?.forgottenAt).toBe(NOW.toISOString());
    expect(summarizeForget(report)).toEqual({ vault: 'primary', dryRun: false, plans: [{ plan: 'files', kept: 4, forgottenCount: 2, forgotten, heldMeanwhile: [], deletedObjects: 4 }] });

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
    const report = await forgetBackups({}, { vault: 'primary', openStore: () => Promise.resolve(counted), catalog, plans: [PLAN], now: later });
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
    await expect(forgetBackups({}, { vault: 'primary', openStore: () => Promise.resolve(store), catalog, plans: [PLAN], now: NOW })).rejects.toThrow('the process died');
    expect(await listedKeys(store, 'snapshots/')).not.toContain(snapshotKey(snapshotIdsOf(oldest)[0] ?? ''));
    expect(catalog.records.get(oldest)?.forgottenAt).toBeUndefined();

    const report = await forgetBackups({}, { vault: 'primary', openStore: () => Promise.resolve(store), catalog, plans: [PLAN], now: NOW });
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
      markForgotten: (id, at) => catalog.markForgotten(id, at),
    };
    const { store: counted, deletes } = countingStore();
    const report = await forgetBackups({}, { vault: 'primary', openStore: () => Promise.resolve(counted), catalog: racing, plans: [{ ...PLAN, retention: { keepLast: 1 } }], now: NOW });
    expect(report.plans[0]?.decisions.find((d) => d.backupId === target)?.keep).toBe(false);
    expect(report.plans[0]?.heldMeanwhile).toEqual([target]);
    expect(report.plans[0]?.forgotten).toEqual([]);
    expect(deletes).toEqual([]);
    expect(catalog.records.get(target)?.forgottenAt).toBeUndefined();
  });
});
