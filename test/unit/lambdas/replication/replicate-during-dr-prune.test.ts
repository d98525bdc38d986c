import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { replicateVault, type ReplicationProgress } from '../../../../lambdas/replication/replicate-vault';
import { backupDirectory } from '../../../../vault/archiver/directory-source';
import { FileVaultStore } from '../../../../vault/backend/file/file-vault-store';
import { verifyVault } from '../../../../vault/checker/verify';
import { PassphraseKeyProvider } from '../../../../vault/keys/passphrase-key-provider';
import { PRUNE_LEASE_TTL_MS, PruneLease } from '../../../../vault/prune/prune-lease';
import { pruneVault } from '../../../../vault/prune/prune-vault';
import { restoreSnapshot } from '../../../../vault/restorer/restore';
import { openVault, type Vault } from '../../../../vault/repository/vault';
import { snapshotKey } from '../../../../vault/repository/vault-layout';
import { newTestVault, pseudoRandomBytes, readTree, removeDir, tempDir } from '../../../support/vault-test-helpers';
import { pausedAtFirstDelete } from '../../../support/paused-at-first-delete';

const FAST_SCRYPT = { N: 1024, r: 8, p: 1 };

/**
 * Audit R6, F2: the DR vault's retention forgot S1, which the primary keeps; a DR prune condemned S1's packs; a new
 * primary backup S2 of the same data deduplicates against them. Its replication ran between the next DR prune's mark and
 * its deletes: the packs S2 relies on were deleted under it, yet replication reported complete.
 */
describe('replicateVault while a prune of the DR vault sweeps', () => {
  let dir: string;
  let source: Vault;
  let src: string;
  let replica: FileVaultStore;
  const replicaKeys = new PassphraseKeyProvider('dr region key', FAST_SCRYPT);

  beforeEach(async () => {
    dir = await tempDir('replicate-dr-prune');
    ({ vault: source } = await newTestVault(dir));
    src = path.join(dir, 'src');
    await fs.mkdir(src);
    await fs.writeFile(path.join(src, 'x.bin'), pseudoRandomBytes(200_000, 7));
    replica = new FileVaultStore(path.join(dir, 'dr'), { durable: false });
  });
  afterEach(async () => removeDir(dir));

  /** S1 replicated, forgotten in the DR vault only, its packs condemned there; S2 (same data) backed up in the primary. */
  async function s2ReusingPacksTheDrPruneCondemned(): Promise<{ s1: string; s2: string }> {
    const s1 = (await backupDirectory(source, src)).snapshot.id;
    expect((await replicateVault({ source, target: replica, targetKeys: replicaKeys })).copiedSnapshots).toEqual([s1]);
    // The DR Forget step: the snapshot object goes, the primary keeps S1.
    await replica.delete(snapshotKey(s1));
    const condemn = await pruneVault(await openVault(replica, replicaKeys), { graceMs: 0 });
    expect(condemn.report.packsCondemned).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const s2 = (await backupDirectory(source, src)).snapshot.id;
    return { s1, s2 };
  }


  it('a pass overlapping the sweep is not complete; the next one copies back what the sweep deleted, and the DR copy restores and prunes', async () => {
    const { s1, s2 } = await s2ReusingPacksTheDrPruneCondemned();
    const forgottenInReplica = async (): Promise<ReadonlySet<string>> => new Set([s1]);

    let overlapping: ReplicationProgress | undefined;
    const sweepingStore = pausedAtFirstDelete(replica, async () => {
      overlapping = await replicateVault({ source, target: new FileVaultStore(replica.root, { durable: false }), targetKeys: replicaKeys, forgottenInReplica });
    });
    const sweep = await pruneVault(await openVault(sweepingStore, replicaKeys), { graceMs: 0, lease: { holder: 'dr prune' } });
    expect(sweep.report.packsDeleted).toBeGreaterThan(0);
    // It copied S2 (the commit order holds) but cannot vouch for it: the sweep that was running may delete what S2 reuses.
    expect(overlapping).toMatchObject({ complete: false, copiedSnapshots: [s2], pruneRunning: { holder: 'dr prune' } });

    // The prune is over: the next pass finds S2 already there, checks what it needs and copies back what the sweep deleted.
    const next = await replicateVault({ source, target: replica, targetKeys: replicaKeys, forgottenInReplica });
    expect(next).toMatchObject({ complete: true, copiedSnapshots: [], skippedSnapshots: [s1] });
    expect(next.copiedObjects).toBeGreaterThan(0);
    expect(next.pruneRunning).toBeUndefined();

    const dr = await openVault(new FileVaultStore(replica.root), replicaKeys);
    expect((await verifyVault(dr, { readData: true })).problems).toEqual([]);
    const out = path.join(dir, 'out');
    await restoreSnapshot(dr, await dr.loadSnapshot(s2), out);
    expect(await readTree(out)).toEqual(await readTree(src));
    // The DR vault's next scheduled prune runs (an IncompleteIndexError here was the audit's symptom).
    await expect(pruneVault(dr, { graceMs: 0 })).resolves.toMatchObject({ done: true });
    // And a pass after it has nothing to copy back.
    expect(await replicateVault({ source, target: replica, targetKeys: replicaKeys, forgottenInReplica })).toMatchObject({ complete: true, copiedObjects: 0 });
  });

  it('with a deadline, waits for the DR prune to end and then completes; a prune still running at the deadline leaves it incomplete', async () => {
    await backupDirectory(source, src);
    const drVault = await (async () => {
      await replicateVault({ source, target: replica, targetKeys: replicaKeys });
      return openVault(replica, replicaKeys);
    })();
    await fs.writeFile(path.join(src, 'y.bin'), pseudoRandomBytes(30_000, 8));
    const s2 = (await backupDirectory(source, src)).snapshot.id;

    const lease = await PruneLease.acquire(replica, drVault.keys, { holder: 'dr prune', renewEveryMs: 0 });
    const clock = { t: Date.now() };
    const sleeps: number[] = [];
    const waited = await replicateVault({
      source,
      target: replica,
      targetKeys: replicaKeys,
      now: () => clock.t,
      deadline: clock.t + 10 * 60_000,
      pruneWait: {
        pollMs: 30_000,
        sleep: async (ms) => {
          sleeps.push(ms);
          clock.t += ms;
          if (sleeps.length === 2) await lease.release();
        },
      },
    });
    expect(waited).toMatchObject({ complete: true, copiedSnapshots: [s2] });
    expect(sleeps).toEqual([30_000, 30_000]);

    // A prune whose lease outlasts the pass: it looks until its deadline, then reports the prune.
    const stuck = await PruneLease.acquire(replica, drVault.keys, { holder: 'long dr prune', renewEveryMs: 0 });
    clock.t = Date.now();
    const deadline = clock.t + PRUNE_LEASE_TTL_MS / 2;
    const cut = await replicateVault({ source, target: replica, targetKeys: replicaKeys, now: () => clock.t, deadline, pruneWait: { pollMs: 30_000, sleep: async (ms) => void (clock.t += ms) } });
    expect(cut).toMatchObject({ complete: false, copiedObjects: 0, pruneRunning: { holder: 'long dr prune', expiresAt: new Date(stuck.expiresAt).toISOString() } });
    expect(clock.t).toBeLessThanOrEqual(deadline);
    await stuck.release();
  });

  it('vouches again for the snapshots it holds only when it holds one the caller names (a backup not recorded copied), besides those it copies', async () => {
    const { s1, s2 } = await s2ReusingPacksTheDrPruneCondemned();
    const forgottenInReplica = async (): Promise<Set<string>> => new Set([s1]);
    // An earlier pass copied S2 and could not vouch for it; then the DR prune's sweep deleted the packs S2 reuses.
    expect(await replicateVault({ source, target: replica, targetKeys: replicaKeys, forgottenInReplica })).toMatchObject({ copiedSnapshots: [s2] });
    const dataKeys = async (): Promise<string[]> => {
      const keys: string[] = [];
      for await (const key of replica.list('data/')) keys.push(key);
      return keys.sort();
    };
    const before = await dataKeys();
    const gone = before[0] as string;
    await replica.delete(gone);
    // S2 named as vouched for already (its backup recorded copied): not looked at again, nothing copied back.
    expect(await replicateVault({ source, target: replica, targetKeys: replicaKeys, forgottenInReplica, snapshotsToVouchFor: async () => new Set() })).toMatchObject({ complete: true, copiedObjects: 0 });
    expect(await replica.has(gone)).toBe(false);
    // Named as not yet vouched for, and held: the pass finds the pack gone and copies it back.
    const again = await replicateVault({ source, target: replica, targetKeys: replicaKeys, forgottenInReplica, snapshotsToVouchFor: async () => new Set([s2]) });
    expect(again).toMatchObject({ complete: true, copiedSnapshots: [] });
    expect(again.copiedObjects).toBeGreaterThan(0);
    expect(await dataKeys()).toEqual(before);
  });

  describe('a snapshot of a backup recorded copied, which the DR vault lost behind its catalog\'s back', () => {
    /** S1 replicated (its backup recorded copied), then deleted in the DR vault only (`lifeboat vault forget` there) and its packs condemned; S2, of other data, backed up. */
    async function s1LostInDrAndS2(): Promise<{ s1: string; s2: string; src2: string }> {
      const s1 = (await backupDirectory(source, src)).snapshot.id;
      expect((await replicateVault({ source, target: replica, targetKeys: replicaKeys })).copiedSnapshots).toEqual([s1]);
      await replica.delete(snapshotKey(s1));
      expect((await pruneVault(await openVault(replica, replicaKeys), { graceMs: 0 })).report.packsCondemned).toBeGreaterThan(0);
      await new Promise((resolve) => setTimeout(resolve, 20));
      const src2 = path.join(dir, 'src2');
      await fs.mkdir(src2);
      await fs.writeFile(path.join(src2, 'y.bin'), pseudoRandomBytes(120_000, 9));
      return { s1, s2: (await backupDirectory(source, src2)).snapshot.id, src2 };
    }

    it('copied back by a pass cut short during a DR sweep, it is vouched for by the next pass, which copies back what the sweep deleted', async () => {
      const { s1, s2 } = await s1LostInDrAndS2();
      // The caller's catalog names S2 only: S1's backup is recorded copied, and no DR catalog says the DR vault forgot it.
      const snapshotsToVouchFor = async (): Promise<Set<string>> => new Set([s2]);
      let overlapping: ReplicationProgress | undefined;
      const sweep = await pruneVault(await openVault(pausedAtFirstDelete(replica, async () => {
        overlapping = await replicateVault({ source, target: new FileVaultStore(replica.root, { durable: false }), targetKeys: replicaKeys, snapshotsToVouchFor });
      }), replicaKeys), { graceMs: 0, lease: { holder: 'dr prune' } });
      expect(overlapping).toMatchObject({ complete: false, pruneRunning: { holder: 'dr prune' } });
      expect([...(overlapping?.copiedSnapshots ?? [])].sort()).toEqual([s1, s2].sort());
      expect(sweep.report.packsDeleted).toBeGreaterThan(0);

      // S2 is held and its backup not recorded copied: the sign of that pass. The next one vouches for S1 too.
      const next = await replicateVault({ source, target: replica, targetKeys: replicaKeys, snapshotsToVouchFor });
      expect(next).toMatchObject({ complete: true, copiedSnapshots: [] });
      expect(next.vouchedSnapshots).toEqual(expect.arrayContaining([s1, s2]));
      expect(next.copiedObjects).toBeGreaterThan(0);
      const dr = await openVault(new FileVaultStore(replica.root), replicaKeys);
      const out = path.join(dir, 'out');
      await restoreSnapshot(dr, await dr.loadSnapshot(s1), out);
      expect(await readTree(out)).toEqual(await readTree(src));
      expect((await verifyVault(dr, { readData: true })).problems).toEqual([]);
    });

    it('a pass cut short by its deadline among the snapshots copies the named ones (backups not recorded copied) before the others', async () => {
      const { s1, s2 } = await s1LostInDrAndS2();
      const clock = { t: Date.now() };
      const deadline = clock.t + 60_000;
      // The deadline passes as S2's snapshot object lands.
      const cutAtS2 = new Proxy(replica, {
        get(target, prop, receiver) {
          const value: unknown = Reflect.get(target, prop, receiver);
          if (prop === 'put') {
            return async (key: string, ...rest: unknown[]): Promise<void> => {
              await (target.put as (k: string, ...r: unknown[]) => Promise<void>)(key, ...rest);
              if (key === snapshotKey(s2)) clock.t = deadline;
            };
          }
          return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
        },
      });
      const cut = await replicateVault({ source, target: cutAtS2, targetKeys: replicaKeys, now: () => clock.t, deadline, snapshotsToVouchFor: async () => new Set([s2]) });
      expect(cut).toMatchObject({ complete: false, copiedSnapshots: [s2], remainingObjects: 1 });
      expect(await replica.has(snapshotKey(s1))).toBe(false);
    });
  });
});
