import * as path from 'node:path';
import { scrubVaults } from '../../../../lambdas/replication/scrub-vaults';
import { type ScrubReport } from '../../../../lambdas/replication/scrub-report';
import { COPY_BACK_RESERVE_MS } from '../../../../lambdas/replication/scrub-time-reserves';
import { type VaultStore } from '../../../../vault/backend/vault-store';
import { FIRST_SCRUB_CURSOR } from '../../../../vault/checker/scrub-slice';
import { verifyVault } from '../../../../vault/checker/verify';
import { PassphraseKeyProvider } from '../../../../vault/keys/passphrase-key-provider';
import { PRUNE_LEASE_TTL_MS, PruneLease } from '../../../../vault/prune/prune-lease';
import { pruneVault } from '../../../../vault/prune/prune-vault';
import { openVault } from '../../../../vault/repository/vault';
import { snapshotKey } from '../../../../vault/repository/vault-layout';
import { VaultObjectArchivedError } from '../../../../vault/vault-errors';
import { restoreSnapshot } from '../../../../vault/restorer/restore';
import { listKeys, scrubVaultPair, type VaultPair } from '../../../support/scrub-vault-pair';
import { readTree, removeDir, tempDir } from '../../../support/vault-test-helpers';
import { pausedAtFirstDelete } from '../../../support/paused-at-first-delete';

/**
 * docs/FORMAT.md §11, "Manifest objects and pending batches", the scrub's repair: the DR vault lost a snapshot object
 * (`lifeboat vault forget` there, which its catalog does not know), its prune condemned what only that snapshot
 * referenced, and the scrub copies the snapshot back from the primary while the next prune of the DR vault is between
 * its sweep's mark and its deletes. The sweep's second look spares the manifest objects, not the packs.
 */

const FAST_SCRYPT = { N: 1024, r: 8, p: 1 };
const drKeys = new PassphraseKeyProvider('dr region key', FAST_SCRYPT);
const everything = { scope: 'both', fraction: 1, cursor: FIRST_SCRUB_CURSOR, repair: true } as const;

let dir: string;
let src: string;
let pair: VaultPair;

beforeEach(async () => {
  dir = await tempDir('scrub-during-prune');
  src = path.join(dir, 'src');
  pair = await scrubVaultPair(src);
  // Forgotten in the DR vault behind its catalog's back; the primary keeps it. The DR prune condemns its packs.
  await pair.dr.store.delete(snapshotKey(pair.snapshot.id));
  const condemn = await pruneVault(pair.dr, { graceMs: 0 });
  expect(condemn.report.packsCondemned).toBeGreaterThan(0);
  await new Promise((resolve) => setTimeout(resolve, 20));
});
afterEach(async () => removeDir(dir));


/** The DR vault as a reader opens it afresh: the snapshot restores from it byte for byte, and it verifies. */
async function expectDrRestores(): Promise<void> {
  const dr = await openVault(pair.dr.store, drKeys);
  const out = path.join(dir, 'out');
  await restoreSnapshot(dr, await dr.loadSnapshot(pair.snapshot.id), out);
  expect(await readTree(out)).toEqual(await readTree(src));
  expect((await verifyVault(dr, { readData: true })).problems).toEqual([]);
}

it('copies a snapshot in during a sweep, waits for that prune to end, copies back what it deleted, and the DR vault restores it byte for byte', async () => {
  const clock = { t: Date.now() };
  const sleeps: number[] = [];
  let sweepEnded!: () => void;
  const ended = new Promise<void>((resolve) => (sweepEnded = resolve));
  let scrubbing: Promise<ScrubReport> | undefined;
  const sweepingStore = pausedAtFirstDelete(pair.dr.store, async () => {
    let slept!: () => void;
    const sleeping = new Promise<void>((resolve) => (slept = resolve));
    scrubbing = scrubVaults({
      ...everything,
      vaults: { primary: pair.primary, dr: pair.dr },
      now: () => clock.t,
      deadline: clock.t + 10 * 60_000,
      // The sweep goes on once the scrub waits for it; the scrub's next look comes after the sweep ended.
      pruneWait: {
        pollMs: 30_000,
        sleep: async (ms) => {
          sleeps.push(ms);
          clock.t += ms;
          slept();
          await ended;
        },
      },
    });
    await Promise.race([scrubbing, sleeping]);
  });
  const sweep = await pruneVault(await openVault(sweepingStore, drKeys), { graceMs: 0, lease: { holder: 'dr prune' } });
  sweepEnded();
  const report = await (scrubbing as Promise<ScrubReport>);

  // The sweep deleted the packs (it had marked without the snapshot) and spared the manifest objects (its second look).
  expect(sweep.report.packsDeleted).toBeGreaterThan(0);
  expect(sweep.report.manifestsDeleted).toBe(0);
  await expectDrRestores();
  expect(sleeps).toEqual([30_000]);
  expect(report.ok).toBe(true);
  expect(report.findings).toContainEqual(expect.objectContaining({ vault: 'dr', key: snapshotKey(pair.snapshot.id), outcome: 'repaired' }));
  const copiedBack = report.findings.filter((f) => f.key.startsWith('data/'));
  expect(copiedBack.length).toBe(sweep.report.packsDeleted);
  for (const f of copiedBack) expect(f).toMatchObject({ vault: 'dr', problem: 'missing', outcome: 'repaired', detail: expect.stringContaining('by a prune of the dr vault that ran meanwhile') });
  expect(await listKeys(pair.dr.store, 'data/')).toEqual(await listKeys(pair.primary.store, 'data/'));
  // The DR vault's next prune keeps it all, and a scrub after it finds nothing.
  await expect(pruneVault(pair.dr, { graceMs: 0 })).resolves.toMatchObject({ done: true, report: { packsCondemned: 0 } });
  expect(await scrubVaults({ ...everything, vaults: { primary: pair.primary, dr: pair.dr } })).toMatchObject({ ok: true, findings: [] });
});

it('without a deadline it looks once: a prune still running leaves the copied snapshot unrepaired, naming the prune; the next scrub copies back what the sweep deleted', async () => {
  let overlapping: ScrubReport | undefined;
  const sweepingStore = pausedAtFirstDelete(pair.dr.store, async () => {
    overlapping = await scrubVaults({ ...everything, vaults: { primary: pair.primary, dr: pair.dr } });
  });
  const sweep = await pruneVault(await openVault(sweepingStore, drKeys), { graceMs: 0, lease: { holder: 'dr prune' } });
  expect(sweep.report.packsDeleted).toBeGreaterThan(0);
  expect(overlapping?.ok).toBe(false);
  expect(overlapping?.findings).toEqual([
    expect.objectContaining({
      vault: 'dr',
      key: snapshotKey(pair.snapshot.id),
      outcome: 'unrepaired',
      reason: expect.stringMatching(/^copied from the primary vault, but a prune of the dr vault was still running when the scrub last looked \(prune\/running\/\S+, held by dr prune; its lease ends \S+ unless renewed\)/),
    }),
  ]);
  // What the sweep deleted under the snapshot is missing there now, and the next scrub with repair copies it back.
  const next = await scrubVaults({ ...everything, vaults: { primary: pair.primary, dr: pair.dr } });
  expect(next.ok).toBe(true);
  expect(next.findings.filter((f) => f.key.startsWith('data/')).length).toBe(sweep.report.packsDeleted);
  await expectDrRestores();
});

it('with a deadline, stops waiting in time for a prune that outlasts it; a lease it may not read leaves the snapshot unrepaired, naming the grant', async () => {
  const lease = await PruneLease.acquire(pair.dr.store, pair.dr.keys, { holder: 'long dr prune', renewEveryMs: 0 });
  const clock = { t: Date.now() };
  const deadline = clock.t + PRUNE_LEASE_TTL_MS / 2;
  const report = await scrubVaults({ ...everything, vaults: { primary: pair.primary, dr: pair.dr }, now: () => clock.t, deadline, pruneWait: { pollMs: 30_000, sleep: async (ms) => void (clock.t += ms) } });
  expect(clock.t).toBeLessThanOrEqual(deadline);
  // It stops waiting early enough to look again and copy back what the prune deleted (COPY_BACK_RESERVE_MS).
  expect(clock.t).toBeLessThanOrEqual(deadline - COPY_BACK_RESERVE_MS);
  expect(clock.t).toBeGreaterThan(deadline - COPY_BACK_RESERVE_MS - 60_000);
  expect(report.findings).toEqual([expect.objectContaining({ key: snapshotKey(pair.snapshot.id), outcome: 'unrepaired', reason: expect.stringContaining('held by long dr prune') })]);

  // The scrub's role without s3:GetObject on prune/running/* (as S3 answers it): said so, not taken for no prune.
  await pair.dr.store.delete(snapshotKey(pair.snapshot.id));
  const refusal = Object.assign(new Error('Access Denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
  const store = pair.dr.store as { get: VaultStore['get'] };
  const get = store.get.bind(pair.dr.store);
  store.get = (key, range) => (key.startsWith('prune/running/') ? Promise.reject(refusal) : get(key, range));
  const denied = await scrubVaults({ ...everything, vaults: { primary: pair.primary, dr: pair.dr } });
  expect(denied.findings).toEqual([
    expect.objectContaining({ key: snapshotKey(pair.snapshot.id), outcome: 'unrepaired', reason: expect.stringContaining('could not be read ("AccessDenied: Access Denied"): the scrub needs s3:GetObject on prune/running/* there') }),
  ]);

  // A 403 for the scrub's clock, not a permission (f65M): said as S3 said it, with the clock to set right, not a grant.
  const skew = Object.assign(new Error('The difference between the request time and the current time is too large.'), { name: 'RequestTimeTooSkewed', $metadata: { httpStatusCode: 403 } });
  await pair.dr.store.delete(snapshotKey(pair.snapshot.id)).catch(() => undefined);
  store.get = (key, range) => (key.startsWith('prune/running/') ? Promise.reject(skew) : get(key, range));
  const skewed = await scrubVaults({ ...everything, vaults: { primary: pair.primary, dr: pair.dr } });
  expect(skewed.findings).toEqual([expect.objectContaining({ key: snapshotKey(pair.snapshot.id), outcome: 'unrepaired', reason: expect.stringContaining('could not be read ("RequestTimeTooSkewed: The difference between the request time and the current time is too large."): S3 refused the request for its time, not for a permission') })]);
  expect(skewed.findings[0]?.reason).not.toContain('s3:GetObject');
  await lease.release();
});

/**
 * Runs a scrub that copies the snapshot into the DR vault while a DR prune sits between its sweep's mark and its
 * deletes; the sweep goes on once the scrub waits for it (the clock then at +30 s), and ends before the scrub looks again.
 */
async function scrubDuringSweep(options: { deadline: number; clock: { t: number }; concurrency?: number }): Promise<{ report: ScrubReport; packsDeleted: number }> {
  let sweepEnded!: () => void;
  const ended = new Promise<void>((resolve) => (sweepEnded = resolve));
  let scrubbing: Promise<ScrubReport> | undefined;
  const sweepingStore = pausedAtFirstDelete(pair.dr.store, async () => {
    let slept!: () => void;
    const sleeping = new Promise<void>((resolve) => (slept = resolve));
    scrubbing = scrubVaults({
      ...everything,
      vaults: { primary: pair.primary, dr: pair.dr },
      ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
      now: () => options.clock.t,
      deadline: options.deadline,
      pruneWait: {
        pollMs: 30_000,
        sleep: async (ms) => {
          options.clock.t += ms;
          slept();
          await ended;
        },
      },
    });
    await Promise.race([scrubbing, sleeping]);
  });
  const sweep = await pruneVault(await openVault(sweepingStore, drKeys), { graceMs: 0, lease: { holder: 'dr prune' } });
  sweepEnded();
  expect(sweep.report.packsDeleted).toBeGreaterThan(2);
  return { report: await (scrubbing as Promise<ScrubReport>), packsDeleted: sweep.report.packsDeleted };
}

it('a pack the sweep deleted that cannot be copied back (archived in the primary) leaves the copied snapshot unrepaired, naming it, not repaired', async () => {
  // The primary's packs are in an archive tier: a GET is refused until thawed.
  const primaryStore = pair.primary.store as { get: VaultStore['get'] };
  const get = primaryStore.get.bind(pair.primary.store);
  primaryStore.get = (key, range) => (key.startsWith('data/') ? Promise.reject(new VaultObjectArchivedError('primary', key, 'DEEP_ARCHIVE')) : get(key, range));
  const clock = { t: Date.now() };
  const { report, packsDeleted } = await scrubDuringSweep({ clock, deadline: clock.t + 10 * 60_000 });

  const packs = report.findings.filter((f) => f.key.startsWith('data/'));
  expect(packs).toHaveLength(packsDeleted);
  for (const f of packs) expect(f).toMatchObject({ vault: 'dr', problem: 'missing', outcome: 'unrepaired' });
  expect(report.ok).toBe(false);
  // The index objects listing them are not copied back while the packs are not there (fix f58Q): copied, they told a
  // backup into the DR vault that the packs' blobs were stored.
  const indexes = report.findings.filter((f) => f.key.startsWith('index/'));
  expect(indexes).toEqual([expect.objectContaining({ vault: 'dr', problem: 'missing', outcome: 'unrepaired', goodCopy: true, reason: expect.stringContaining(`held back: it lists ${packsDeleted} pack(s) the dr vault lacks`) })]);
  const snapshot = report.findings.find((f) => f.key === snapshotKey(pair.snapshot.id));
  expect(snapshot).toMatchObject({
    vault: 'dr',
    outcome: 'unrepaired',
    reason: expect.stringContaining(`copied from the primary vault, but ${packsDeleted + indexes.length} object(s) it needs in the dr vault could not be copied back after the prune ended (data/`),
  });
  expect(snapshot?.reason).toContain((packs[0] as { key: string }).key);
});

it('the copy-back after the wait starts no copy after the deadline: the snapshot is unrepaired, the next scrub with repair copies the rest', async () => {
  const clock = { t: Date.now() };
  // The wait ends by the deadline less the look and COPY_BACK_RESERVE_MS; then each pack copy takes 50 s (a scaled-down
  // large copy-back): two start before the deadline, the others would run past it (and past the Lambda's timeout).
  const deadline = clock.t + 30_000 + COPY_BACK_RESERVE_MS + 30_000;
  const drStore = pair.dr.store as { put: VaultStore['put'] };
  const put = drStore.put.bind(pair.dr.store);
  drStore.put = async (key, body, opts) => {
    if (key.startsWith('data/')) clock.t += 50_000;
    return put(key, body, opts);
  };
  const { report, packsDeleted } = await scrubDuringSweep({ clock, deadline, concurrency: 1 });

  expect(clock.t).toBeLessThan(deadline + 50_000);
  const copied = report.findings.filter((f) => f.key.startsWith('data/'));
  expect(copied).toHaveLength(2);
  for (const f of copied) expect(f).toMatchObject({ outcome: 'repaired' });
  expect(report.ok).toBe(false);
  // What the sweep deleted and was not copied back (its packs, and an index object of them) is what the reason counts.
  const drHas = new Set([...(await listKeys(pair.dr.store, 'data/')), ...(await listKeys(pair.dr.store, 'index/'))]);
  const left = [...(await listKeys(pair.primary.store, 'data/')), ...(await listKeys(pair.primary.store, 'index/'))].filter((key) => !drHas.has(key));
  expect(left.length).toBeGreaterThanOrEqual(packsDeleted - 2);
  expect(report.findings.find((f) => f.key === snapshotKey(pair.snapshot.id))).toMatchObject({
    outcome: 'unrepaired',
    reason: expect.stringContaining(`${left.length} object(s) it needs in the dr vault were not copied back after the prune ended: the scrub's deadline came first (`),
  });
  expect(report.findings.find((f) => f.key === snapshotKey(pair.snapshot.id))?.reason).toContain('the next scrub with repair copies the rest');

  drStore.put = put;
  const next = await scrubVaults({ ...everything, vaults: { primary: pair.primary, dr: pair.dr } });
  expect(next.ok).toBe(true);
  expect(next.findings.map((f) => f.key).sort()).toEqual(left.sort());
  await expectDrRestores();
});
