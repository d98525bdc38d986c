import * as fc from 'fast-check';
import { MemoryVaultStore } from '../../../../vault/backend/memory/memory-vault-store';
import { type VaultStore } from '../../../../vault/backend/vault-store';
import { writeIndexObject } from '../../../../vault/blob-index/index-writer';
import { verifyVault } from '../../../../vault/checker/verify';
import { loadIndexObjects } from '../../../../vault/prune/index-objects';
import { PassphraseKeyProvider } from '../../../../vault/keys/passphrase-key-provider';
import { BackupOutlivedGraceError, IncompleteIndexError, PruneAlreadyRunningError } from '../../../../vault/prune/prune-errors';
import { PRUNE_LEASE_TTL_MS } from '../../../../vault/prune/prune-lease';
import { batchLineage, CONDEMNATION_CLOCK_MARGIN_MS, isTombstone, loadCondemnedBatches } from '../../../../vault/prune/prune-state';
import { PruneMarkOutOfTimeError } from '../../../../vault/prune/prune-mark-out-of-time-error';
import { PruneOutOfTimeError } from '../../../../vault/prune/prune-out-of-time-error';
import { pruneVault, type PruneOptions, type PruneReport } from '../../../../vault/prune/prune-vault';
import { markVault } from '../../../../vault/prune/vault-mark';
import { extendSnapshotRetention, retentionWindow, snapshotObjectKeys } from '../../../../vault/repository/snapshot-locks';
import { initVault, Vault } from '../../../../vault/repository/vault';
import { DATA_PREFIX, packKey, snapshotKey } from '../../../../vault/repository/vault-layout';
import { readEntry } from '../../../../vault/restorer/restore';
import { ObjectLockedError, VaultObjectArchivedError } from '../../../../vault/vault-errors';
import { listedKeys, pseudoRandomBytes, requiredMethodsStore } from '../../../support/vault-test-helpers';

/** 1–16 KiB chunks, 16 KiB packs: a few dozen KiB of data make many packs. */
const TUNING = { chunker: { minSize: 1024, avgSize: 4096, maxSize: 16384 }, packSize: 16 * 1024, compressionLevel: null } as const;
const HOUR = 3_600_000;
const GRACE = HOUR;

type Source = Map<string, Buffer>;

/** A vault on a memory store with a settable clock (prune and commit read it). */
async function newVault(store: VaultStore = new MemoryVaultStore(), clock = { t: Date.parse('2026-01-01T00:00:00Z') }): Promise<{ vault: Vault; clock: { t: number }; reopen: (s?: VaultStore) => Vault }> {
  const provider = new PassphraseKeyProvider('prune test', { N: 1024, r: 8, p: 1 });
  const made = await initVault(store, provider, TUNING);
  const reopen = (s: VaultStore = store): Vault => {
    const v = new Vault(s, made.keys, made.config);
    v.now = () => clock.t;
    return v;
  };
  return { vault: reopen(), clock, reopen };
}

async function backup(vault: Vault, source: Source, startedAt?: Date): Promise<string> {
  const writer = await vault.newSnapshotWriter({ inline: true });
  for (const [path, content] of [...source].sort(([a], [b]) => a.localeCompare(b))) await writer.add({ path, kind: 'object', meta: {}, content });
  const part = await writer.finish();
  return (await vault.commitSnapshot({ source: { kind: 'directory', id: '/src' }, parts: [part], ...(startedAt ? { startedAt } : {}) })).id;
}

/** A backup whose writer starts (loads prune's state and its index) and stores `source` now, and commits when called. */
async function startBackup(vault: Vault, source: Source): Promise<(startedAt?: Date) => Promise<string>> {
  const writer = await vault.newSnapshotWriter({ inline: true });
  for (const [path, content] of [...source].sort(([a], [b]) => a.localeCompare(b))) await writer.add({ path, kind: 'object', meta: {}, content });
  return async (startedAt?: Date) => {
    const part = await writer.finish();
    return (await vault.commitSnapshot({ source: { kind: 'directory', id: '/src' }, parts: [part], ...(startedAt ? { startedAt } : {}) })).id;
  };
}

async function expectRestores(vault: Vault, kept: ReadonlyMap<string, Source>): Promise<void> {
  for (const [id, source] of kept) {
    const snapshot = await vault.loadSnapshot(id);
    for (const [path, content] of source) {
      const parts: Buffer[] = [];
      for await (const b of readEntry(vault, snapshot, path)) parts.push(b);
      expect(Buffer.concat(parts).equals(content)).toBe(true);
    }
  }
}

async function expectVerifies(vault: Vault): Promise<void> {
  const report = await verifyVault(vault, { readData: true });
  expect(report.problems).toEqual([]);
}

function prune(vault: Vault, clock: { t: number }, options: PruneOptions = {}): Promise<PruneReport> {
  return pruneVault(vault, { graceMs: GRACE, now: () => clock.t, ...options }).then((r) => {
    expect(r.done).toBe(true);
    return r.report;
  });
}

async function storedBytes(store: VaultStore): Promise<number> {
  let n = 0;
  for (const key of await listedKeys(store, DATA_PREFIX)) n += (await store.get(key)).length;
  return n;
}

const data = (seed: number, n = 12 * 1024): Buffer => pseudoRandomBytes(n, seed);

const DAY = 24 * HOUR;

/**
 * A memory store with S3 Object Lock as S3VaultStore sees it: every write gets the bucket's default
 * retention of `days`, extendRetention never shortens, and a delete is refused while retained.
 */
function objectLockStore(memory: MemoryVaultStore, clock: { t: number }, days: number): VaultStore {
  const retainedUntil = new Map<string, number>();
  return requiredMethodsStore(memory, {
    put: async (key, body) => {
      await memory.put(key, body);
      retainedUntil.set(key, clock.t + days * DAY);
    },
    delete: async (key) => {
      const until = retainedUntil.get(key);
      if (until !== undefined && until > clock.t) throw new ObjectLockedError(memory.location, key, `retention until ${new Date(until).toISOString()}`);
      await memory.delete(key);
      retainedUntil.delete(key);
    },
    extendRetention: (key, until, extendTo = until) => {
      if ((retainedUntil.get(key) ?? 0) >= until.getTime()) return Promise.resolve(false);
      retainedUntil.set(key, Math.max(until.getTime(), extendTo.getTime()));
      return Promise.resolve(true);
    },
  });
}

describe('pruneVault', () => {
  it('condemns what forgotten snapshots alone used, deletes it only after the grace, and every kept snapshot restores', async () => {
    const { vault, clock, reopen } = await newVault();
    const a = new Map([['x', data(1)], ['y', data(2)]]);
    const b = new Map([['x', data(1)], ['z', data(3)]]);
    const idA = await backup(vault, a);
    const idB = await backup(vault, b);
    await vault.store.delete(snapshotKey(idA));
    const before = await storedBytes(vault.store);

    const dry = await prune(reopen(), clock, { dryRun: true });
    expect(dry.dryRun).toBe(true);
    expect(dry.packsCondemned + dry.packsRepacked).toBeGreaterThan(0);
    expect(await loadCondemnedBatches(vault.store, vault.keys)).toEqual([]);

    const first = await prune(reopen(), clock);
    expect(first.packsDeleted).toBe(0);
    expect(first.packsCondemned).toBeGreaterThan(0);
    expect(await storedBytes(vault.store)).toBeGreaterThanOrEqual(before);
    await expectVerifies(reopen());

    clock.t += GRACE - 1;
    expect((await prune(reopen(), clock)).packsDeleted).toBe(0);
    clock.t += 2;
    const swept = await prune(reopen(), clock);
    expect(swept.packsDeleted).toBeGreaterThan(0);
    expect(swept.bytesFreed).toBeGreaterThan(0);
    expect(await storedBytes(vault.store)).toBeLessThan(before);
    await expectRestores(reopen(), new Map([[idB, b]]));
    await expectVerifies(reopen());
  });

  it('a dry run that assumes snapshots forgotten reports what their deletion would leave to prune; a real run refuses the assumption', async () => {
    const { vault, clock, reopen } = await newVault();
    const a = new Map([['x', data(1)], ['y', data(2)]]);
    const b = new Map([['x', data(1)], ['z', data(3)]]);
    const idA = await backup(vault, a);
    await backup(vault, b);
    const keys = await listedKeys(vault.store, '');

    const assumed = await prune(reopen(), clock, { dryRun: true, assumeForgotten: new Set([idA]) });
    expect(assumed.snapshots).toBe(1);
    expect(assumed.packsCondemned + assumed.packsRepacked).toBeGreaterThan(0);
    expect(await listedKeys(vault.store, '')).toEqual(keys);
    await expect(pruneVault(reopen(), { graceMs: GRACE, now: () => clock.t, assumeForgotten: new Set([idA]) })).rejects.toThrow(
      'prune: snapshots may be assumed forgotten only in a dry run; delete them first',
    );
    expect(await listedKeys(vault.store, '')).toEqual(keys);

    await vault.store.delete(snapshotKey(idA));
    const real = await prune(reopen(), clock);
    expect({ snapshots: real.snapshots, packs: real.packsCondemned, repacked: real.packsRepacked, bytes: real.bytesCondemned }).toEqual({
      snapshots: assumed.snapshots,
      packs: assumed.packsCondemned,
      repacked: assumed.packsRepacked,
      bytes: assumed.bytesCondemned,
    });
  });

  it('folds a blob stored twice by parallel writers into one pack', async () => {
    const { vault, clock, reopen } = await newVault();
    const content = data(7, 64 * 1024);
    // Two shards of one snapshot, started together in two processes (two Vaults, each with the index as of its start): neither sees the other's blobs.
    const w1 = await vault.newSnapshotWriter({ inline: true });
    const w2 = await reopen().newSnapshotWriter({ inline: true });
    await w1.add({ path: 'a', kind: 'object', meta: {}, content });
    await w2.add({ path: 'b', kind: 'object', meta: {}, content });
    const id = (await vault.commitSnapshot({ source: { kind: 'directory', id: '/src' }, parts: [await w1.finish(), await w2.finish()] })).id;
    const doubled = await storedBytes(vault.store);
    const first = await prune(reopen(), clock);
    expect(first.packsCondemned).toBeGreaterThan(0);
    clock.t += GRACE;
    await prune(reopen(), clock);
    const after = await storedBytes(vault.store);
    expect(after).toBeLessThan(doubled * 0.6);
    await expectRestores(reopen(), new Map([[id, new Map([['a', content], ['b', content]])]]));
    await expectVerifies(reopen());
  });

  // Two concurrent writers leave a pack's blobs in two packs (docs/FORMAT.md §5); the plan once kept the copy in the larger id's pack unread.
  // The plan's first choice is the larger id's copy: that one is read and found damaged; a damaged copy the plan drops is never read.
  it.each([
    { copyId: 'f'.repeat(64), damage: 'copy', reported: true },
    { copyId: '0'.repeat(64), damage: 'original', reported: true },
    { copyId: 'f'.repeat(64), damage: 'original', reported: false },
  ] as const)('keeps the intact copy of a blob stored twice when the other is damaged (copy id $copyId, $damage damaged), and every snapshot restores', async ({ copyId, damage, reported }) => {
    const { vault, clock, reopen } = await newVault();
    const source = new Map([['x', data(41)]]);
    const id = await backup(vault, source);
    const [original] = (await loadIndexObjects(vault)).flatMap((o) => o.packs);
    if (!original) throw new Error('the backup stored no pack');
    const body = await vault.store.get(packKey(original.packId));
    await vault.store.put(packKey(copyId), body);
    await writeIndexObject(vault.store, vault.keys, [{ packId: copyId, length: original.length, entries: original.entries }]);
    const damagedPack = damage === 'copy' ? copyId : original.packId;
    const blob = original.entry(0);
    const broken = Buffer.from(body);
    broken[blob.offset + 20] = (broken[blob.offset + 20] as number) ^ 1;
    await vault.store.put(packKey(damagedPack), broken);

    const report = await prune(reopen(), clock);
    clock.t += GRACE;
    await prune(reopen(), clock);
    await expectRestores(reopen(), new Map([[id, source]]));
    // The damaged copy left the index with its pack: nothing is left to report.
    await expectVerifies(reopen());
    const hex = blob.id.toString('hex');
    expect(report.damaged).toEqual(reported ? [{ pack: damagedPack, problem: expect.stringMatching(new RegExp(`blob ${hex}: authentication failed.*; prune keeps an intact copy of blob ${hex} from another pack instead`)) }] : []);
  });

  // The kept copy was chosen without regard to storage state: an archived one held the other copy forever (both packs
  // stayed, every run read the archived pack again), even when that other copy was readable (review r1, R1-a).
  it.each([
    { archived: 'the kept copy is', readableLeft: true },
    { archived: 'both copies are', readableLeft: false },
  ] as const)('reclaims a blob stored twice when $archived archived, and reads no archived pack after the run that found it', async ({ archived: which, readableLeft }) => {
    const store = new MemoryVaultStore();
    const archived = new Set<string>();
    const archivedReads: string[] = [];
    const tiered = Object.assign(Object.create(store) as MemoryVaultStore, {
      get: (key: string, range?: { offset: number; length: number }) => {
        if (!archived.has(key)) return store.get(key, range);
        archivedReads.push(key);
        return Promise.reject(new VaultObjectArchivedError(store.location, key, 'GLACIER'));
      },
    });
    const { vault, clock, reopen } = await newVault(tiered);
    const source = new Map([['x', data(44)]]);
    const id = await backup(vault, source);
    const [original] = (await loadIndexObjects(vault)).flatMap((o) => o.packs);
    if (!original) throw new Error('the backup stored no pack');
    // The plan's first choice is the larger id's copy: the original, archived here.
    const copyId = '0'.repeat(64);
    await store.put(packKey(copyId), await store.get(packKey(original.packId)));
    await writeIndexObject(store, vault.keys, [{ packId: copyId, length: original.length, entries: original.entries }]);
    archived.add(packKey(original.packId));
    if (which === 'both copies are') archived.add(packKey(copyId));

    const first = await prune(reopen(), clock);
    expect([first.packsCondemned, first.archivedNotRepacked, first.damaged]).toEqual([1, 0, []]);
    archivedReads.length = 0;
    clock.t += GRACE;
    const second = await prune(reopen(), clock);
    expect([second.packsDeleted, archivedReads]).toEqual([1, []]);
    const left = await listedKeys(store, DATA_PREFIX);
    expect(left).toHaveLength(1);
    if (readableLeft) expect(left).toEqual([packKey(copyId)]);
    // Thawed (as a restore of an archived pack would ask), the copy kept restores and verifies.
    archived.clear();
    await expectRestores(reopen(), new Map([[id, source]]));
    await expectVerifies(reopen());
  });

  it('a deadline met while the kept copies are checked drops no copy whose kept one is unchecked; the next call checks it and finishes', async () => {
    const store = new MemoryVaultStore();
    const clock = { t: 0 };
    const deadline = { at: Number.POSITIVE_INFINITY };
    // The first read of one blob (a kept copy's check) takes the time left.
    const slow = Object.assign(Object.create(store) as MemoryVaultStore, {
      get: (key: string, range?: { offset: number; length: number }) => {
        if (range && key.startsWith(DATA_PREFIX) && Number.isFinite(deadline.at)) clock.t = Math.max(clock.t, deadline.at);
        return store.get(key, range);
      },
    });
    const made = await newVault(slow);
    clock.t = made.clock.t;
    const { vault, reopen } = made;
    const vaultAt = (): Vault => {
      const v = reopen();
      v.now = () => clock.t;
      return v;
    };
    const source = new Map([['x', data(43)]]);
    const id = await backup(vaultAt(), source);
    const [original] = (await loadIndexObjects(vault)).flatMap((o) => o.packs);
    if (!original || original.count < 2) throw new Error('the backup stored no pack of several blobs');
    const copyId = 'f'.repeat(64);
    await store.put(packKey(copyId), await store.get(packKey(original.packId)));
    await writeIndexObject(store, vault.keys, [{ packId: copyId, length: original.length, entries: original.entries }]);

    deadline.at = clock.t + 1;
    // Having condemned nothing, the call is not "unfinished": the next would check the same copies again (review rP F1).
    await expect(pruneVault(vaultAt(), { graceMs: GRACE, now: () => clock.t, deadline: deadline.at })).rejects.toThrow(/deadline came while checking the kept copies/);
    expect(await loadCondemnedBatches(store, vault.keys)).toEqual([]);
    deadline.at = Number.POSITIVE_INFINITY;
    const resumed = await pruneVault(vaultAt(), { graceMs: GRACE, now: () => clock.t });
    expect([resumed.done, resumed.report.packsCondemned, resumed.report.damaged]).toEqual([true, 1, []]);
    clock.t += GRACE;
    expect((await pruneVault(vaultAt(), { graceMs: GRACE, now: () => clock.t })).report.packsDeleted).toBe(1);
    await expectRestores(vaultAt(), new Map([[id, source]]));
    await expectVerifies(vaultAt());
  });

  it('repacks a pack whose garbage exceeds the threshold; the old pack is condemned, not deleted at once', async () => {
    const { vault, clock, reopen } = await newVault();
    // Small files share packs: forgetting one leaves its pack partly garbage.
    const a = new Map([['keep', data(11, 3000)], ['drop', data(12, 9000)]]);
    const idA = await backup(vault, a);
    const idKeep = await backup(vault, new Map([['keep', data(11, 3000)]]));
    await vault.store.delete(snapshotKey(idA));
    const packsBefore = await listedKeys(vault.store, DATA_PREFIX);
    const report = await prune(reopen(), clock);
    expect(report.packsRepacked).toBe(1);
    expect(report.newPacks).toBe(1);
    for (const key of packsBefore) expect(await vault.store.has(key)).toBe(true);
    // A restore that loaded the index before the prune still reads the old pack.
    await expectRestores(reopen(), new Map([[idKeep, new Map([['keep', data(11, 3000)]])]]));
    clock.t += GRACE;
    await prune(reopen(), clock);
    const packsAfter = await listedKeys(vault.store, DATA_PREFIX);
    expect(packsAfter.filter((k) => packsBefore.includes(k))).toEqual([]);
    expect(packsAfter).toHaveLength(1);
    await expectRestores(reopen(), new Map([[idKeep, new Map([['keep', data(11, 3000)]])]]));
    await expectVerifies(reopen());
  });

  it('comes to rest: a pack of tiny live blobs, whose header is a large share of it, is not repacked run after run', async () => {
    const { vault, clock, reopen } = await newVault();
    // 40 blobs of 20 bytes: each 44-byte header record outweighs its blob, all of them live.
    const tiny = new Map(Array.from({ length: 40 }, (_, i) => [`t${String(i).padStart(2, '0')}`, data(100 + i, 20)] as const));
    const id = await backup(vault, tiny);
    const [pack] = await listedKeys(vault.store, DATA_PREFIX);
    const body = (await vault.store.get(pack as string)).length;
    // Sanity of the premise: the stored blobs (20 bytes and a 29-byte envelope each) are under 80 % of the pack.
    expect((40 * 49) / body).toBeLessThan(0.8);
    for (let run = 0; run < 3; run++) {
      const report = await prune(reopen(), clock);
      expect({ run, repacked: report.packsRepacked, condemned: report.packsCondemned }).toEqual({ run, repacked: 0, condemned: 0 });
      clock.t += GRACE;
    }
    await expectRestores(reopen(), new Map([[id, tiny]]));
  });

  it('leaves a pack to repack alone when a live blob in it fails authentication: nothing copied, nothing condemned, the damage reported', async () => {
    const { vault, clock, reopen } = await newVault();
    const a = new Map([['keep', data(21, 3000)], ['drop', data(22, 9000)]]);
    const idA = await backup(vault, a);
    const idKeep = await backup(vault, new Map([['keep', data(21, 3000)]]));
    await vault.store.delete(snapshotKey(idA));
    const entry = await (await vault.manifest(await vault.loadSnapshot(idKeep))).find('keep');
    const keep = (await reopen().index()).lookup(Buffer.from(entry?.content[0] as string, 'hex'));
    if (!keep) throw new Error('the kept blob is in no index');
    const pack = await vault.store.get(packKey(keep.packId));
    pack[keep.offset + 20] = (pack[keep.offset + 20] as number) ^ 1;
    await vault.store.put(packKey(keep.packId), pack);
    const report = await prune(reopen(), clock);
    expect(report.packsRepacked).toBe(0);
    expect(report.damaged).toEqual([{ pack: keep.packId, problem: expect.stringMatching(/blob [0-9a-f]{64}: authentication failed/) }]);
    expect(await vault.store.has(packKey(keep.packId))).toBe(true);
    expect(report.packsCondemned).toBe(0);
  });

  it('leaves a pack to repack alone when it is archived (a move would need a thaw): nothing copied, nothing condemned, counted', async () => {
    const store = new MemoryVaultStore();
    const archivedPacks = new Set<string>();
    // S3's answer to a GET of a pack in GLACIER that is not thawed, as the S3 store reports it.
    const tiered = Object.assign(Object.create(store) as MemoryVaultStore, {
      get: (key: string, range?: { offset: number; length: number }) => (archivedPacks.has(key) ? Promise.reject(new VaultObjectArchivedError(store.location, key, 'GLACIER')) : store.get(key, range)),
    });
    const { vault, clock, reopen } = await newVault(tiered);
    const idA = await backup(vault, new Map([['keep', data(31, 3000)], ['drop', data(32, 9000)]]));
    const idKeep = await backup(vault, new Map([['keep', data(31, 3000)]]));
    await vault.store.delete(snapshotKey(idA));
    const entry = await (await vault.manifest(await vault.loadSnapshot(idKeep))).find('keep');
    const keep = (await reopen().index()).lookup(Buffer.from(entry?.content[0] as string, 'hex'));
    if (!keep) throw new Error('the kept blob is in no index');
    archivedPacks.add(packKey(keep.packId));
    const report = await prune(reopen(), clock);
    expect([report.packsRepacked, report.archivedNotRepacked, report.damaged, report.packsCondemned]).toEqual([0, 1, [], 0]);
    expect(await store.has(packKey(keep.packId))).toBe(true);
    archivedPacks.clear();
    await expectRestores(reopen(), new Map([[idKeep, new Map([['keep', data(31, 3000)]])]]));
  });

  it('a backup that deduplicated against blobs a prune condemns while it runs commits, and the sweep spares them', async () => {
    const { vault, clock, reopen } = await newVault();
    const old = new Map([['x', data(21)]]);
    const idOld = await backup(vault, old);
    // The backup starts: its dedup index holds the old blobs.
    const running = reopen();
    const startedAt = new Date(clock.t);
    const writer = await running.newSnapshotWriter({ inline: true });
    // Meanwhile the old snapshot is forgotten and a prune condemns its packs.
    await vault.store.delete(snapshotKey(idOld));
    expect((await prune(reopen(), clock)).packsCondemned).toBeGreaterThan(0);
    await writer.add({ path: 'x', kind: 'object', meta: {}, content: data(21) });
    const part = await writer.finish();
    expect(part.stats.blobsNew).toBe(0);
    clock.t += GRACE / 2;
    const id = (await running.commitSnapshot({ source: { kind: 'directory', id: '/src' }, parts: [part], startedAt })).id;
    clock.t += GRACE;
    const sweep = await prune(reopen(), clock);
    expect(sweep.spared).toBeGreaterThan(0);
    expect(sweep.packsDeleted).toBe(0);
    await expectRestores(reopen(), new Map([[id, old]]));
    await expectVerifies(reopen());
  });

  it('a backup that starts after a condemnation stores the condemned blobs again instead of reusing them', async () => {
    const { vault, clock, reopen } = await newVault();
    const idOld = await backup(vault, new Map([['x', data(31)]]));
    await vault.store.delete(snapshotKey(idOld));
    await prune(reopen(), clock);
    const writer = await reopen().newSnapshotWriter({ inline: true });
    await writer.add({ path: 'x', kind: 'object', meta: {}, content: data(31) });
    const part = await writer.finish();
    expect(part.stats.blobsNew).toBeGreaterThan(0);
    const id = (await reopen().commitSnapshot({ source: { kind: 'directory', id: '/src' }, parts: [part] })).id;
    clock.t += GRACE;
    const sweep = await prune(reopen(), clock);
    expect(sweep.packsDeleted).toBeGreaterThan(0);
    await expectRestores(reopen(), new Map([[id, new Map([['x', data(31)]])]]));
    await expectVerifies(reopen());
  });

  it('with an index object missing, refuses before it sweeps or condemns anything: the packs that object listed look unlisted, and every snapshot needs them', async () => {
    const store = new MemoryVaultStore();
    const { vault, clock } = await newVault(store);
    const first: Source = new Map([['a', data(51, 40 * 1024)], ['b', data(52, 40 * 1024)]]);
    const firstId = await backup(vault, first);
    const second: Source = new Map([...first, ['c', data(53, 20 * 1024)]]);
    const secondId = await backup(vault, second);
    const indexes = await listedKeys(store, 'index/');
    const firstIndex = indexes[0] as string;
    const saved = await store.get(firstIndex);
    await store.delete(firstIndex);
    const before = await listedKeys(store, '');
    for (const options of [{ dryRun: true }, { graceMs: 0 }, {}]) {
      clock.t += 2 * GRACE;
      await expect(pruneVault(vault, { graceMs: GRACE, now: () => clock.t, ...options })).rejects.toThrow(IncompleteIndexError);
    }
    await expect(pruneVault(vault, { graceMs: 0, now: () => clock.t })).rejects.toThrow(/blob\(s\) that snapshots reference are listed by no index object .* deletes nothing/);
    // The scheduled prune of an environment's vault fails so too: the way out names that vault's runbook, since `lifeboat vault` refuses it (KMS key objects only).
    await expect(pruneVault(vault, { graceMs: 0, now: () => clock.t })).rejects.toThrow('an environment\'s vault: its repair-index runbook, `lifeboat repair-index --env <env> --vault <primary|dr> [--read-data]`');
    // Nothing deleted, nothing condemned (the prune policy object is the only write a refused run makes).
    expect((await listedKeys(store, '')).filter((k) => k !== 'prune/policy')).toEqual(before.filter((k) => k !== 'prune/policy'));
    expect(await loadCondemnedBatches(store, vault.keys)).toEqual([]);
    await store.put(firstIndex, saved);
    await expectRestores(vault, new Map([[firstId, first], [secondId, second]]));
    await expectVerifies(vault);
  });

  it('a backup that ran longer than the grace of a prune that ran during it refuses to commit, naming the grace', async () => {
    const { vault, clock, reopen } = await newVault();
    const startedAt = new Date(clock.t);
    // Each backup's writer is open while the prune runs (a prune it saw start before it would not hold it).
    const [a, b, c] = [await startBackup(reopen(), new Map([['x', data(41)]])), await startBackup(reopen(), new Map([['x', data(41)]])), await startBackup(reopen(), new Map([['x', data(41)]]))];
    await prune(vault, clock);
    clock.t += GRACE;
    await expect(a(startedAt)).rejects.toThrow(BackupOutlivedGraceError);
    await expect(b(startedAt)).rejects.toThrow(/a prune with grace 60(\.0)? min started at 2026-01-01T00:00:00\.000Z, during it, and this backup ran 60(\.0)? min/);
    clock.t -= 1;
    await expect(c(startedAt)).resolves.toMatch(/^[0-9a-f]{64}$/);
  });

  it('holds a backup to the grace of a batch condemned while it ran, not of one condemned before it started', async () => {
    const { vault, clock, reopen } = await newVault();
    const idOld = await backup(vault, new Map([['x', data(61)]]));
    await vault.store.delete(snapshotKey(idOld));
    // A backup that starts now, before the prune condemns (it may dedup against what is condemned).
    const overlapping = new Date(clock.t);
    const overlappingCommit = await startBackup(reopen(), new Map([['y', data(62)]]));
    clock.t += 1000;
    // An operator's `prune --grace 0`, then the schedule's prune with the usual grace: the zero-grace batch stays
    // pending for that grace (a sweep waits for the longer of the two), and the policy is the usual grace again.
    expect((await prune(reopen(), clock, { graceMs: 0 })).packsCondemned).toBeGreaterThan(0);
    const [batch] = await loadCondemnedBatches(vault.store, vault.keys);
    expect(batch?.graceMs).toBe(0);
    expect(Date.parse(batch?.condemnedAt ?? '')).toBe(clock.t);
    clock.t += 1000;
    await prune(reopen(), clock);
    expect((await loadCondemnedBatches(vault.store, vault.keys)).map((b) => b.graceMs)).toEqual([0]);
    await expect(overlappingCommit(overlapping)).rejects.toThrow(/a prune with grace 0 s condemned unreferenced objects at .*, during it/);
    // Started 30 s after the condemnation, within the clocks' margin (60 s), and committed without what its writers saw: it still counts as overlapping it.
    const condemnedAt = Date.parse(batch?.condemnedAt ?? '');
    clock.t = condemnedAt + 40_000;
    const writer = await reopen().newSnapshotWriter({ inline: true });
    await writer.add({ path: 'y', kind: 'object', meta: {}, content: data(62) });
    const part = await writer.finish();
    await expect(reopen().commitSnapshot({ source: { kind: 'directory', id: '/src' }, parts: [part], startedAt: new Date(condemnedAt + 30_000) })).rejects.toThrow(BackupOutlivedGraceError);
    // The same with what its writer saw: the batch was there when it started, so it does not hold it.
    await expect(reopen().commitSnapshot({ source: { kind: 'directory', id: '/src' }, parts: [part], startedAt: new Date(condemnedAt + 30_000), pruneStateSeen: writer.pruneStateSeen })).resolves.toBeDefined();
    // Started after it (past the margin): held to the policy's grace only.
    const later = new Date(condemnedAt + 61_000);
    clock.t = later.getTime() + 5 * 60_000;
    const id = await backup(reopen(), new Map([['y', data(62)]]), later);
    await expectRestores(reopen(), new Map([[id, new Map([['y', data(62)]])]]));
    await expectVerifies(reopen());
  });

  it('after a `prune --grace 0` (two runs: condemn, then sweep) backups that start later commit; one it ran under refuses', async () => {
    const { vault, clock, reopen } = await newVault();
    const idOld = await backup(vault, new Map([['x', data(71)]]));
    await vault.store.delete(snapshotKey(idOld));
    const underIt = new Date(clock.t);
    const underItCommit = await startBackup(reopen(), new Map([['y', data(72)]]));
    clock.t += 1000;
    expect((await prune(reopen(), clock, { graceMs: 0 })).packsCondemned).toBeGreaterThan(0);
    clock.t += 1000;
    expect((await prune(reopen(), clock, { graceMs: 0 })).packsDeleted).toBeGreaterThan(0);
    // The swept batch stays as a tombstone.
    expect((await loadCondemnedBatches(vault.store, vault.keys)).map((b) => b.sweptAt !== undefined)).toEqual([true]);
    // The backup the prune ran under may have reused what was just deleted: refused.
    await expect(underItCommit(underIt)).rejects.toThrow(/a prune with grace 0 s condemned unreferenced objects at .*, during it, and has deleted them since/);
    // A backup that starts after it runs for hours and commits: the grace-0 policy and tombstone
    // bind only a backup that a prune ran during (until 2026-12-04 it refused every later backup).
    const later = new Date(clock.t + 61_000);
    clock.t = later.getTime() + 3 * HOUR;
    const source = new Map([['y', data(72)], ['z', data(73)]]);
    const id = await backup(reopen(), source, later);
    await expectRestores(reopen(), new Map([[id, source]]));
    await expectVerifies(reopen());
    // A prune that starts while the next backup runs binds it again, with that prune's grace.
    const next = new Date(clock.t);
    const nextCommit = await startBackup(reopen(), new Map([['w', data(74)]]));
    clock.t += 1000;
    await prune(reopen(), clock, { graceMs: HOUR });
    clock.t += 2 * HOUR;
    await expect(nextCommit(next)).rejects.toThrow(/a prune with grace 60(\.0)? min (started|condemned unreferenced objects) at .*, during it/);
  });

  it('skips a delete Object Lock refuses, reports it, and deletes it in a later run', async () => {
    const memory = new MemoryVaultStore();
    let locked = true;
    const lockedPacks = requiredMethodsStore(memory, {
      delete: async (key) => {
        if (locked && key.startsWith(DATA_PREFIX)) throw new ObjectLockedError(memory.location, key, 'retention until tomorrow');
        return memory.delete(key);
      },
    });
    const { vault, clock, reopen } = await newVault(memory);
    const id = await backup(vault, new Map([['x', data(51)]]));
    const keep = await backup(vault, new Map([['y', data(52)]]));
    await memory.delete(snapshotKey(id));
    await prune(reopen(lockedPacks), clock);
    clock.t += GRACE;
    const refused = await prune(reopen(lockedPacks), clock);
    expect(refused.locked.length).toBeGreaterThan(0);
    expect(refused.packsDeleted).toBe(0);
    await expectVerifies(reopen());
    locked = false;
    const later = await prune(reopen(lockedPacks), clock);
    expect(later.packsDeleted).toBe(refused.locked.length);
    expect(later.locked).toEqual([]);
    await expectRestores(reopen(), new Map([[keep, new Map([['y', data(52)]])]]));
    await expectVerifies(reopen());
  });

  /**
   * Audit i7: day after day, a backup whose commit extends what it references (as commitBackup does), keep the last 3,
   * prune. Prune condemns the index object listing both the forgotten snapshot's packs and the live one; the
   * commits went on extending it (it lists a referenced pack), so its delete and the garbage it lists were
   * refused for ever; and each run wrote a new batch of what the lock kept per due batch, whose own delete
   * the bucket's default retention refused, so the pending batches doubled run after run.
   */
  it('on an Object Lock vault, frees the garbage sharing an index object with a live pack once its retention passes, with a bounded number of batches', async () => {
    const days = 3;
    const memory = new MemoryVaultStore();
    const clock = { t: Date.parse('2026-01-01T00:00:00Z') };
    const { vault, reopen } = await newVault(objectLockStore(memory, clock, days), clock);
    const lockedBackup = async (source: Source): Promise<string> => {
      const id = await backup(reopen(), source);
      const { until, extendTo } = retentionWindow(new Date(clock.t), days);
      await extendSnapshotRetention(reopen(), [id], until, extendTo);
      return id;
    };
    const kept = new Map([['keep', data(71)]]);
    const ids = [await lockedBackup(new Map([...kept, ['gone', data(72, 48 * 1024)]]))];
    const garbageFreedBy = 3 * days;
    for (let day = 1; day <= 20 * days; day++) {
      clock.t += DAY;
      ids.push(await lockedBackup(kept));
      // keep the last 3; a forget within the snapshot's retention is refused and tried again the next day
      while (ids.length > 3) {
        const refused = await vault.store.delete(snapshotKey(ids[0] ?? '')).then(
          () => false,
          (err: unknown) => err instanceof ObjectLockedError,
        );
        if (refused) break;
        ids.shift();
      }
      // No repack: the index object listing the garbage is condemned with it, the live packs it lists carried into a new one.
      await prune(reopen(), clock, { repackThreshold: 0.99 });
      const pending = (await loadCondemnedBatches(memory, vault.keys)).filter((b) => !isTombstone(b));
      // Each day's forgotten manifest objects wait out their retention in their batch: a few, and at most the batch and one of what the lock kept per lineage.
      expect({ day, pending: Math.min(pending.length, days + 3) }).toEqual({ day, pending: pending.length });
      const perLineage = new Map<string, number>();
      for (const b of pending) perLineage.set(batchLineage(b), (perLineage.get(batchLineage(b)) ?? 0) + 1);
      expect(Math.max(0, ...perLineage.values())).toBeLessThanOrEqual(2);
      if (day >= garbageFreedBy) {
        const live = (await snapshotObjectKeys(reopen(), ids)).filter((k) => k.startsWith(DATA_PREFIX));
        expect({ day, packs: await listedKeys(memory, DATA_PREFIX) }).toEqual({ day, packs: live });
      }
    }
    await expectRestores(reopen(), new Map(ids.map((id) => [id, kept])));
    await expectVerifies(reopen());
  });

  it('with a deadline returns a cursor, and the next call resumes and finishes', async () => {
    const { vault, clock, reopen } = await newVault();
    const a = new Map([['a', data(61, 6000)], ['b', data(62, 6000)], ['c', data(63, 6000)], ['d', data(64, 6000)]]);
    const id = await backup(vault, a);
    const keep = new Map([['a', data(61, 6000)], ['c', data(63, 6000)]]);
    const idKeep = await backup(vault, keep);
    await vault.store.delete(snapshotKey(id));
    // A clock that passes the deadline after the first step.
    let ticks = 0;
    const first = await pruneVault(reopen(), { graceMs: GRACE, now: () => clock.t + ticks++ * 1000, deadline: clock.t + 1500, repackThreshold: 0 });
    expect(first.done).toBe(false);
    expect(first.cursor).toBeDefined();
    const second = await pruneVault(reopen(), { graceMs: GRACE, now: () => clock.t, cursor: first.cursor, repackThreshold: 0 });
    expect(second.done).toBe(true);
    await expectRestores(reopen(), new Map([[idKeep, keep]]));
    await expectVerifies(reopen());
  });
});

describe('pruneVault after a crash', () => {
  /** A store that dies (every later write throws) at the first write `when` picks. */
  function dyingAt(inner: VaultStore, when: (op: 'put' | 'delete', key: string) => boolean): VaultStore {
    let dead = false;
    const check = (op: 'put' | 'delete', key: string): void => {
      if (!dead && when(op, key)) dead = true;
      if (dead) throw new Error('crashed');
    };
    return requiredMethodsStore(inner, {
      put: async (k, b) => {
        check('put', k);
        return inner.put(k, b);
      },
      delete: async (k) => {
        check('delete', k);
        return inner.delete(k);
      },
    });
  }

  async function history(): Promise<{ memory: MemoryVaultStore; clock: { t: number }; reopen: (s?: VaultStore) => Vault; kept: Map<string, Source> }> {
    const memory = new MemoryVaultStore();
    const { clock, reopen } = await newVault(memory);
    const first = new Map([['a', data(71, 3000)], ['b', data(72, 9000)], ['c', data(73, 20000)]]);
    const second = new Map([['a', data(71, 3000)], ['c', data(73, 20000)]]);
    const idFirst = await backup(reopen(), first);
    const idSecond = await backup(reopen(), second);
    await memory.delete(snapshotKey(idFirst));
    return { memory, clock, reopen, kept: new Map([[idSecond, second]]) };
  }

  it('crashed between mark and sweep (at its first delete): the vault verifies, and the next run finishes', async () => {
    const { memory, clock, reopen, kept } = await history();
    await prune(reopen(), clock);
    clock.t += GRACE;
    await expect(pruneVault(reopen(dyingAt(memory, (op) => op === 'delete')), { graceMs: GRACE, now: () => clock.t })).rejects.toThrow('crashed');
    await expectVerifies(reopen());
    // The dead run's lease stays until it expires: a prune before then is refused, one after goes on.
    await expect(prune(reopen(), clock)).rejects.toThrow(PruneAlreadyRunningError);
    clock.t += PRUNE_LEASE_TTL_MS + CONDEMNATION_CLOCK_MARGIN_MS;
    const next = await prune(reopen(), clock);
    expect(next.packsDeleted).toBeGreaterThan(0);
    // What is left is tombstones only (their packs are gone): nothing is pending any more.
    expect((await loadCondemnedBatches(memory, reopen().keys)).filter((b) => b.sweptAt === undefined)).toEqual([]);
    await expectRestores(reopen(), kept);
    await expectVerifies(reopen());
  });

  it('crashed between repack and delete (new packs stored, their index not yet): the next runs fold the copies and finish', async () => {
    const { memory, clock, reopen, kept } = await history();
    await expect(pruneVault(reopen(dyingAt(memory, (op, key) => op === 'put' && key.startsWith('index/'))), { graceMs: GRACE, now: () => clock.t })).rejects.toThrow('crashed');
    await expectRestores(reopen(), kept);
    await expectVerifies(reopen());
    clock.t += PRUNE_LEASE_TTL_MS + CONDEMNATION_CLOCK_MARGIN_MS;
    await prune(reopen(), clock);
    clock.t += GRACE;
    await prune(reopen(), clock);
    clock.t += GRACE;
    await prune(reopen(), clock);
    await expectRestores(reopen(), kept);
    const report = await verifyVault(reopen(), { readData: true });
    expect(report.problems).toEqual([]);
    expect(report.unreferenced).toEqual([]);
  });
});

/** A store whose every put and delete after the n-th throws, as if the process died there. */
function crashingAfter(inner: VaultStore, writes: number): VaultStore {
  let n = 0;
  const step = (): void => {
    if (++n > writes) throw new Error('crashed');
  };
  return requiredMethodsStore(inner, {
    put: async (k, b) => {
      step();
      return inner.put(k, b);
    },
    delete: async (k) => {
      step();
      return inner.delete(k);
    },
  });
}

describe('pruneVault under random histories with crashes', () => {
  it('after every step, every kept snapshot restores equal to its source and the vault verifies with read-data', async () => {
    const step = fc.oneof(
      fc.record({ op: fc.constant('backup' as const), seed: fc.integer({ min: 1, max: 1000 }) }),
      fc.record({ op: fc.constant('forget' as const), pick: fc.nat() }),
      fc.record({ op: fc.constant('prune' as const), crashAfter: fc.option(fc.integer({ min: 0, max: 12 })), advance: fc.boolean() }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 3, maxLength: 6 }), async (steps) => {
        const memory = new MemoryVaultStore();
        const { clock, reopen } = await newVault(memory);
        const kept = new Map<string, Source>();
        let source: Source = new Map([['f1', data(1, 8000)], ['f2', data(2, 8000)], ['f3', data(3, 8000)]]);
        for (const s of steps) {
          if (s.op === 'backup') {
            // Change one file, keep the others (dedup against earlier packs).
            source = new Map(source);
            source.set(`f${(s.seed % 3) + 1}`, data(s.seed, 4000 + (s.seed % 5) * 1000));
            kept.set(await backup(reopen(), source), source);
          } else if (s.op === 'forget' && kept.size > 0) {
            const id = [...kept.keys()][s.pick % kept.size] as string;
            kept.delete(id);
            await memory.delete(snapshotKey(id));
          } else if (s.op === 'prune') {
            if (s.advance) clock.t += GRACE;
            const store = s.crashAfter === null ? memory : crashingAfter(memory, s.crashAfter);
            await pruneVault(reopen(store), { graceMs: GRACE, now: () => clock.t, repackThreshold: 0.2 }).catch((err: unknown) => {
              if (!(err instanceof Error && err.message === 'crashed')) throw err;
            });
          }
          await expectRestores(reopen(), kept);
          // A backup only adds; what prune and forget take away is what must keep verifying.
          if (s.op !== 'backup') await expectVerifies(reopen());
        }
        // A clean run after the grace finishes whatever a crash left.
        clock.t += GRACE;
        await prune(reopen(), clock);
        clock.t += GRACE;
        await prune(reopen(), clock);
        await expectRestores(reopen(), kept);
        const report = await verifyVault(reopen(), { readData: true });
        expect(report.problems).toEqual([]);
        expect(report.unreferenced.filter((u) => u.kind === 'pack')).toEqual([]);
      }),
      { numRuns: 3, seed: 14 },
    );
  });
});

describe('pruneVault under a Lambda deadline (audit aT3)', () => {
  /** One S3 request (a GET, PUT, DELETE, HEAD, or a listing page of 1,000 keys), on the clock these tests advance per request. */
  const OP_MS = 40;

  /**
   * A store whose every request advances `clock` by OP_MS, and that fails every request after `killAt`
   * as the Lambda's timeout would end the invocation. No real waiting: the clock is the model.
   */
  function timedStore(inner: VaultStore, clock: { t: number }, killAt: { t: number }): VaultStore {
    const tick = (): void => {
      if (clock.t > killAt.t) throw new Error('Sandbox.Timedout: the Lambda was killed');
      clock.t += OP_MS;
    };
    return requiredMethodsStore(inner, {
      put: async (k, b) => (tick(), inner.put(k, b)),
      get: async (k, r) => (tick(), inner.get(k, r)),
      has: async (k) => (tick(), inner.has(k)),
      delete: async (k) => (tick(), inner.delete(k)),
      list: async function* (p) {
        let n = 0;
        tick();
        for await (const key of inner.list(p)) {
          if (++n % 1000 === 0) tick();
          yield key;
        }
      },
    });
  }

  /** `count` one-file snapshots (a pack, an index object and manifest objects each); the first `forgotten` deleted. */
  async function manySnapshots(count: number, forgotten: number): Promise<{ memory: MemoryVaultStore; clock: { t: number }; reopen: (s?: VaultStore) => Vault; kept: Map<string, Source> }> {
    const memory = new MemoryVaultStore();
    const { vault, clock, reopen } = await newVault(memory);
    const kept = new Map<string, Source>();
    for (let i = 0; i < count; i++) {
      const source = new Map([[`f${i}`, data(1000 + i, 200)]]);
      const id = await backup(vault, source);
      if (i < forgotten) await memory.delete(snapshotKey(id));
      else kept.set(id, source);
    }
    return { memory, clock, reopen, kept };
  }

  /** The modelled time one full mark takes (a fresh process: every snapshot object, root, node and page read). */
  async function markCost(store: VaultStore, clock: { t: number }, reopen: (s?: VaultStore) => Vault): Promise<number> {
    const before = clock.t;
    await markVault(reopen(timedStore(store, clock, { t: Number.POSITIVE_INFINITY })));
    const cost = clock.t - before;
    clock.t = before;
    return cost;
  }

  it('a vault whose one mark fits the call but two do not: the call condemns and ends before the Lambda is killed', async () => {
    const { memory, clock, reopen, kept } = await manySnapshots(120, 20);
    const mark = await markCost(memory, clock, reopen);
    // The Lambda's time: 1.7 marks. One call needs a mark and the index load, listings and writes (about 0.45 of a
    // mark here); a second full mark (every snapshot object and root read again: about 0.66 of a mark) does not fit.
    const killAt = { t: clock.t + 1.7 * mark };
    const deadline = killAt.t - 20 * OP_MS;
    const result = await pruneVault(reopen(timedStore(memory, clock, killAt)), { graceMs: GRACE, now: () => clock.t, deadline, lease: { renewEveryMs: 0 } });
    expect(clock.t).toBeLessThanOrEqual(killAt.t);
    expect(result.report.packsCondemned).toBeGreaterThanOrEqual(20);
    expect((await loadCondemnedBatches(memory, reopen().keys)).filter((b) => !isTombstone(b))).toHaveLength(1);
    await expectRestores(reopen(), kept);
  });

  it('a first mark that cannot end before the deadline throws PruneMarkOutOfTimeError (not done: false, which the next call would repeat), and releases the lease', async () => {
    const { memory, clock, reopen } = await manySnapshots(60, 10);
    const mark = await markCost(memory, clock, reopen);
    const killAt = { t: clock.t + mark * 2 };
    const deadline = clock.t + mark / 2;
    const run = pruneVault(reopen(timedStore(memory, clock, killAt)), { graceMs: GRACE, now: () => clock.t, deadline, lease: { renewEveryMs: 0 } });
    await expect(run).rejects.toThrow(PruneMarkOutOfTimeError);
    await expect(run).rejects.toThrow(/of 50 snapshots marked in .*Run `lifeboat prune` from a machine/);
    expect(clock.t).toBeLessThanOrEqual(killAt.t);
    expect(await loadCondemnedBatches(memory, reopen().keys)).toEqual([]);
    // The lease is released: a prune right after runs (and, with no deadline, finishes).
    expect((await pruneVault(reopen(), { graceMs: GRACE, now: () => clock.t })).done).toBe(true);
  });

  it('PruneMarkOutOfTimeError of a dry run advises a dry run, and both out-of-time errors name the command the caller gives (review aU2-2)', async () => {
    const { memory, clock, reopen } = await manySnapshots(30, 5);
    const mark = await markCost(memory, clock, reopen);
    const command = 'lifeboat prune --vault dr --env prod --aws';
    // Before, a dry run was told to run `lifeboat prune` (a real prune), and the DR stack's run to prune the primary vault.
    const dry = pruneVault(reopen(timedStore(memory, clock, { t: Number.POSITIVE_INFINITY })), { dryRun: true, graceMs: GRACE, now: () => clock.t, deadline: clock.t + mark / 2, command });
    await expect(dry).rejects.toThrow(PruneMarkOutOfTimeError);
    await expect(dry).rejects.toThrow(/This dry run counted nothing\. Run `lifeboat prune --vault dr --env prod --aws --dry-run` from a machine/);
    const real = pruneVault(reopen(timedStore(memory, clock, { t: Number.POSITIVE_INFINITY })), { graceMs: GRACE, now: () => clock.t, deadline: clock.t + mark / 2, lease: { renewEveryMs: 0 }, command });
    await expect(real).rejects.toThrow(/Run `lifeboat prune --vault dr --env prod --aws` from a machine/);
    // The same with the error after the mark: the listing of data/ is where the deadline comes.
    const deadline = clock.t + 10 * mark;
    const store = requiredMethodsStore(memory, {
      list: async function* (p) {
        yield* memory.list(p);
        if (p === DATA_PREFIX) clock.t = deadline;
      },
    });
    const after = pruneVault(reopen(store), { dryRun: true, graceMs: GRACE, now: () => clock.t, deadline, command });
    await expect(after).rejects.toThrow(PruneOutOfTimeError);
    await expect(after).rejects.toThrow(/Run `lifeboat prune --vault dr --env prod --aws --dry-run` from a machine/);
  });

  it('a first mark that ends right at the deadline, leaving no time for a step, throws PruneMarkOutOfTimeError too', async () => {
    const { memory, clock, reopen } = await manySnapshots(30, 5);
    const mark = await markCost(memory, clock, reopen);
    // The lease, the policy and the batches' listing come before the mark: a few requests; the last snapshot's walk ends past this.
    const deadline = clock.t + mark + 3.5 * OP_MS;
    const run = pruneVault(reopen(timedStore(memory, clock, { t: Number.POSITIVE_INFINITY })), { graceMs: GRACE, now: () => clock.t, deadline, lease: { renewEveryMs: 0 } });
    await expect(run).rejects.toThrow(/all 25 snapshots marked, in .*leaving no time before the deadline/);
    expect(await loadCondemnedBatches(memory, reopen().keys)).toEqual([]);
  });

  it('a mark that ends before the deadline is not blamed for the time the index load then takes (review rP F2)', async () => {
    const { memory, clock, reopen } = await manySnapshots(30, 5);
    const mark = await markCost(memory, clock, reopen);
    // The mark ends a few requests before the deadline; loading the 30 index objects, one GET each, passes it.
    const deadline = clock.t + mark + 10 * OP_MS;
    const run = pruneVault(reopen(timedStore(memory, clock, { t: Number.POSITIVE_INFINITY })), { graceMs: GRACE, now: () => clock.t, deadline, lease: { renewEveryMs: 0 } });
    await expect(run).rejects.toThrow(PruneOutOfTimeError);
    await expect(run).rejects.toThrow(/deadline came while loading the index objects \(found .* after the mark of 25 snapshots, which took/);
    expect(await loadCondemnedBatches(memory, reopen().keys)).toEqual([]);
  });

  it('a call that reaches the deadline in the condemn phase\'s listings having done nothing throws PruneOutOfTimeError, every call (not done: false until the workflow times out, review rP F1)', async () => {
    const { memory, clock, reopen, kept } = await manySnapshots(30, 10);
    for (let call = 1; call <= 2; call++) {
      clock.t += 60_000;
      const deadline = clock.t + 10_000;
      let snapshotListings = 0;
      // The second listing of snapshots/ (markSnapshotsSince's: thousands of keys, several pages) is where the deadline falls.
      const store = requiredMethodsStore(memory, {
        list: async function* (p) {
          yield* memory.list(p);
          if (p === 'snapshots/' && ++snapshotListings === 2) clock.t = deadline;
        },
      });
      const run = pruneVault(reopen(store), { graceMs: GRACE, now: () => clock.t, deadline, lease: { renewEveryMs: 0 } });
      // The time went to that mark (review rP2 F4: it was blamed on the listings, which had not started).
      await expect(run).rejects.toThrow(/deadline came while marking the snapshots committed since the first mark.*Run `lifeboat prune` from a machine/);
    }
    expect(await loadCondemnedBatches(memory, reopen().keys)).toEqual([]);
    // Without a deadline the same vault prunes: the lease was released each time.
    expect((await prune(reopen(), clock)).packsCondemned).toBeGreaterThanOrEqual(10);
    await expectRestores(reopen(), kept);
  });

  it('a call with only a repack to do, whose deadline comes during the listing of data/, throws PruneOutOfTimeError (review rP F1)', async () => {
    const { memory, clock, reopen } = await manySnapshots(0, 0);
    const a = data(1, 4000);
    const first = await backup(reopen(), new Map([['a', a], ['b', data(2, 4000)]]));
    const second = await backup(reopen(), new Map([['a', a]]));
    await memory.delete(snapshotKey(first));
    const dry = await pruneVault(reopen(), { dryRun: true, graceMs: GRACE, now: () => clock.t });
    expect([dry.report.packsRepacked, dry.report.packsCondemned]).toEqual([1, 1]);
    clock.t += 60_000;
    const deadline = clock.t + 10_000;
    const store = requiredMethodsStore(memory, {
      list: async function* (p) {
        yield* memory.list(p);
        if (p === DATA_PREFIX) clock.t = deadline;
      },
    });
    const run = pruneVault(reopen(store), { graceMs: GRACE, now: () => clock.t, deadline, lease: { renewEveryMs: 0 } });
    await expect(run).rejects.toThrow(/deadline came while listing data\/ and manifest\//);
    expect(await loadCondemnedBatches(memory, reopen().keys)).toEqual([]);
    await expectRestores(reopen(), new Map([[second, new Map([['a', a]])]]));
  });

  it('the listing of data/ stops at the first page boundary past the deadline, not at its end', async () => {
    const { memory, clock, reopen } = await manySnapshots(3, 1);
    const deadline = clock.t + 10_000;
    let yielded = 0;
    // A data/ of 5,000 keys (stand-ins past the real packs: no pack id, so no pack), the deadline passing at the 500th.
    const store = requiredMethodsStore(memory, {
      list: async function* (p) {
        yield* memory.list(p);
        if (p !== DATA_PREFIX) return;
        for (let k = 0; k < 5000; k++) {
          if (++yielded === 500) clock.t = deadline;
          yield `${DATA_PREFIX}zz/not-a-pack-${k}`;
        }
      },
    });
    await expect(pruneVault(reopen(store), { graceMs: GRACE, now: () => clock.t, deadline, lease: { renewEveryMs: 0 } })).rejects.toThrow(/deadline came while listing data\/ and manifest\//);
    expect(yielded).toBeLessThanOrEqual(1000);
  });

  /** Counts the keys under `prefix`. */
  async function keysUnder(store: VaultStore, prefix: string): Promise<number> {
    let n = 0;
    for await (const _key of store.list(prefix)) n++;
    return n;
  }

  it.each([
    ['packs', DATA_PREFIX],
    ['manifest objects', 'manifest/'],
  ])('a sweep the deadline cuts after 2 deletes of %s a call finishes in as many calls as it takes, each deleting more (review rP2 F1)', async (_what, prefix) => {
    const { memory, clock, reopen, kept } = await manySnapshots(16, 10);
    await prune(reopen(), clock);
    const condemned = (await loadCondemnedBatches(memory, reopen().keys)).flatMap((b) => (prefix === DATA_PREFIX ? b.packs.map((p) => p.id) : b.manifests));
    expect(condemned.length).toBeGreaterThanOrEqual(10);
    clock.t += GRACE + HOUR;
    let left = await keysUnder(memory, prefix);
    let report: PruneReport | undefined;
    let calls = 0;
    for (let done = false; !done; ) {
      expect(++calls).toBeLessThanOrEqual(Math.ceil(condemned.length / 2) + 1);
      clock.t += 60_000;
      const deadline = clock.t + 10_000;
      let deletes = 0;
      // Each delete under `prefix` that is not the call's first two comes after the deadline: the sweep stops there.
      const store = requiredMethodsStore(memory, {
        delete: async (key, o) => {
          if (key.startsWith(prefix) && ++deletes >= 2) clock.t = deadline;
          return memory.delete(key, o);
        },
      });
      const result = await pruneVault(reopen(store), { graceMs: GRACE, now: () => clock.t, deadline, lease: { renewEveryMs: 0 }, ...(report ? { cursor: { phase: 'sweep', report } } : {}) });
      ({ done, report } = result);
      const now = await keysUnder(memory, prefix);
      // Before, every call deleted again what the last one had (an absent key's delete succeeds) and was cut at the same place.
      if (!done) expect(now).toBe(left - 2);
      left = now;
    }
    expect(report?.[prefix === DATA_PREFIX ? 'packsDeleted' : 'manifestsDeleted']).toBe(condemned.length);
    expect((await loadCondemnedBatches(memory, reopen().keys)).filter((b) => !isTombstone(b))).toEqual([]);
    await expectRestores(reopen(), kept);
    await expectVerifies(reopen());
  });

  it('a sweep spread over several calls reports each pack Object Lock kept once, not once a call (review rP3 F1)', async () => {
    const { memory, clock, reopen, kept } = await manySnapshots(16, 10);
    await prune(reopen(), clock);
    const condemned = (await loadCondemnedBatches(memory, reopen().keys)).flatMap((b) => b.packs.map((p) => p.id));
    expect(condemned.length).toBeGreaterThanOrEqual(10);
    const lockedIds = condemned.slice(0, 3);
    const isLocked = (key: string): boolean => key.startsWith(DATA_PREFIX) && lockedIds.some((id) => key.includes(id));
    clock.t += GRACE + HOUR;
    let report: PruneReport | undefined;
    let calls = 0;
    for (let done = false; !done; ) {
      expect(++calls).toBeLessThanOrEqual(condemned.length);
      clock.t += 60_000;
      const deadline = clock.t + 10_000;
      let deletes = 0;
      // The locked packs refuse every delete; of the others, each call deletes two and is cut.
      const store = requiredMethodsStore(memory, {
        delete: async (key, o) => {
          if (isLocked(key)) throw new ObjectLockedError(memory.location, key, 'retention until next year');
          if (key.startsWith(DATA_PREFIX) && ++deletes >= 2) clock.t = deadline;
          return memory.delete(key, o);
        },
      });
      ({ done, report } = await pruneVault(reopen(store), { graceMs: GRACE, now: () => clock.t, deadline, lease: { renewEveryMs: 0 }, ...(report ? { cursor: { phase: 'sweep', report } } : {}) }));
    }
    expect(calls).toBeGreaterThan(2);
    const lockedPacks = (report?.locked ?? []).filter((key) => key.startsWith(DATA_PREFIX));
    expect(lockedPacks).toHaveLength(lockedIds.length);
    expect(lockedPacks.every(isLocked)).toBe(true);
    expect(report?.packsDeleted).toBe(condemned.length - lockedIds.length);
    await expectRestores(reopen(), kept);
  });

  it('a sweep spread over several calls counts what it spares once, as the uncut sweep does, not once a call (review rZ2 F3)', async () => {
    // A backup running across the condemning prune dedups against a pack that prune condemns: the sweep spares it.
    const scenario = async (): Promise<Awaited<ReturnType<typeof manySnapshots>>> => {
      const s = await manySnapshots(16, 10);
      const running = s.reopen();
      const startedAt = new Date(s.clock.t);
      const writer = await running.newSnapshotWriter({ inline: true });
      await prune(s.reopen(), s.clock);
      await writer.add({ path: 'again', kind: 'object', meta: {}, content: data(1003, 200) });
      const id = (await running.commitSnapshot({ source: { kind: 'directory', id: '/src' }, parts: [await writer.finish()], startedAt })).id;
      s.kept.set(id, new Map([['again', data(1003, 200)]]));
      s.clock.t += GRACE + HOUR;
      return s;
    };
    const whole = await scenario();
    const uncut = await prune(whole.reopen(), whole.clock);
    expect(uncut.spared).toBeGreaterThan(0);
    const { memory, clock, reopen, kept } = await scenario();
    let report: PruneReport | undefined;
    let sweepSpared: number | undefined;
    let calls = 0;
    for (let done = false; !done; ) {
      expect(++calls).toBeLessThanOrEqual(20);
      clock.t += 60_000;
      const deadline = clock.t + 10_000;
      let deletes = 0;
      const store = requiredMethodsStore(memory, {
        delete: async (key, o) => {
          if (key.startsWith(DATA_PREFIX) && ++deletes >= 2) clock.t = deadline;
          return memory.delete(key, o);
        },
      });
      const cursor = report ? { cursor: { phase: 'sweep' as const, report, ...(sweepSpared !== undefined ? { sweepSpared } : {}) } } : {};
      const result = await pruneVault(reopen(store), { graceMs: GRACE, now: () => clock.t, deadline, lease: { renewEveryMs: 0 }, ...cursor });
      ({ done, report } = result);
      sweepSpared = result.cursor?.sweepSpared;
    }
    expect(calls).toBeGreaterThan(2);
    // Before, each call added the spared pack again: 1 became one per call.
    expect(report?.spared).toBe(uncut.spared);
    await expectRestores(reopen(), kept);
  });

  it('a call whose only sweep leaves packs under Object Lock as they were throws PruneOutOfTimeError when cut, and keeps the batch (review rP2 F2)', async () => {
    const { memory, clock, reopen, kept } = await manySnapshots(12, 6);
    const lockedPacks = (cut: { deadline: number } | null): VaultStore =>
      requiredMethodsStore(memory, {
        delete: async (key, o) => {
          if (key.startsWith(DATA_PREFIX)) throw new ObjectLockedError(memory.location, key, 'retention until next year');
          return memory.delete(key, o);
        },
        list: async function* (p) {
          yield* memory.list(p);
          if (p === DATA_PREFIX && cut) clock.t = cut.deadline;
        },
      });
    await prune(reopen(), clock);
    clock.t += GRACE + HOUR;
    // The first sweep deletes the index and manifest objects and leaves the locked packs in a batch of their own.
    const first = await prune(reopen(lockedPacks(null)), clock);
    expect(first.locked.length).toBeGreaterThanOrEqual(6);
    const pending = (await loadCondemnedBatches(memory, reopen().keys)).filter((b) => !isTombstone(b));
    expect(pending).toHaveLength(1);
    clock.t += 60_000;
    const deadline = clock.t + 10_000;
    // Before, this call replaced that batch by one of the same packs, took it for progress and answered done: false, every call.
    await expect(pruneVault(reopen(lockedPacks({ deadline })), { graceMs: GRACE, now: () => clock.t, deadline, lease: { renewEveryMs: 0 } })).rejects.toThrow(PruneOutOfTimeError);
    expect((await loadCondemnedBatches(memory, reopen().keys)).filter((b) => !isTombstone(b)).map((b) => b.id)).toEqual(pending.map((b) => b.id));
    await expectRestores(reopen(), kept);
  });

  it('a dry run cut by its deadline throws PruneOutOfTimeError, whatever it counted: it keeps nothing for its next call (review rP2 F3)', async () => {
    const { memory, clock, reopen } = await manySnapshots(12, 6);
    await prune(reopen(), clock);
    clock.t += GRACE + HOUR;
    const deadline = clock.t + 10_000;
    const store = requiredMethodsStore(memory, {
      list: async function* (p) {
        yield* memory.list(p);
        if (p === DATA_PREFIX) clock.t = deadline;
      },
    });
    const run = pruneVault(reopen(store), { dryRun: true, graceMs: GRACE, now: () => clock.t, deadline });
    await expect(run).rejects.toThrow(PruneOutOfTimeError);
    await expect(run).rejects.toThrow(/in a dry run, which keeps nothing between calls.*Run `lifeboat prune --dry-run` from a machine/);
  });

  it('a snapshot committed between the first mark and the condemn phase keeps its packs and manifest objects', async () => {
    const { memory, clock, reopen, kept } = await manySnapshots(12, 4);
    const late = new Map([['late', data(77, 3000)]]);
    let lateId: string | undefined;
    // Committed when the run lists index/ right after its first mark: before the sweep and the condemn phase.
    let marks = 0;
    const store = requiredMethodsStore(memory, {
      list: async function* (p) {
        if (p === 'index/' && marks++ === 0 && lateId === undefined) lateId = await backup(reopen(), late);
        yield* memory.list(p);
      },
    });
    const report = await prune(reopen(store), clock);
    expect(lateId).toBeDefined();
    expect(report.packsCondemned).toBeGreaterThanOrEqual(4);
    clock.t += GRACE + HOUR;
    const sweep = await prune(reopen(), clock);
    expect(sweep.packsDeleted).toBeGreaterThanOrEqual(4);
    await expectRestores(reopen(), new Map([...kept, [lateId as string, late]]));
    await expectVerifies(reopen());
  });
});
