import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { type BackupRecord } from '../../../../lambdas/catalog/backup-record';
import { type ForgetCatalog } from '../../../../lambdas/retention/forget-backups';
import { forgetLostBackup, type ForgetLostBackupDeps } from '../../../../lambdas/retention/forget-lost-backup';
import { LostBackupRefusedError } from '../../../../lambdas/retention/lost-backup-refused-error';
import { scrubVaults } from '../../../../lambdas/replication/scrub-vaults';
import { scrubRunSummary } from '../../../../lambdas/replication/scrub-run-summary';
import { planStatus } from '../../../../cli/status/plan-status';
import { FIRST_SCRUB_CURSOR } from '../../../../vault/checker/scrub-slice';
import { manifestKey } from '../../../../vault/repository/vault-layout';
import { encodeJson, ObjectLockedError, putSealedObject, snapshotKey, type VaultStore } from '../../../../vault';
import { readEntry } from '../../../../vault/restorer/restore';
import { pruneVault } from '../../../../vault/prune/prune-vault';
import { corrupt, listKeys, scrubVaultPair, type VaultPair } from '../../../support/scrub-vault-pair';
import { removeDir, tempDir } from '../../../support/vault-test-helpers';
import { memoryForgetClaims } from '../../../support/memory-forget-claims';

/**
 * `lifeboat backups forget --lost` (review r58F F1, F2): a backup none of whose snapshots reads in either vault is
 * forgotten from one vault whatever its policy keeps, which retention never did for a corrupt snapshot object (it cannot
 * tell whose it is, so it leaves it in place): the object stopped every prune, the scrub kept it outstanding and status
 * its plan ✗, for good. Anything that might still restore refuses it.
 */

const NOW = new Date('2026-11-28T04:00:00.000Z');

/** One region's catalog in memory, with the conditions of its claims. */
class MemoryCatalog implements Pick<ForgetCatalog, 'getBackup' | 'claimForgetting' | 'markForgotten'> {
  readonly records = new Map<string, BackupRecord>();
  private readonly claims = memoryForgetClaims(this.records);
  claimForgetting: ForgetCatalog['claimForgetting'] = (...args) => this.claims.claimForgetting(...args);
  getBackup(backupId: string): Promise<BackupRecord | undefined> {
    return Promise.resolve(this.records.get(backupId));
  }
  markForgotten(backupId: string, at: string): Promise<boolean> {
    const record = this.records.get(backupId);
    if (record?.status !== 'COMMITTED' || record.forgottenAt !== undefined) return Promise.resolve(false);
    this.records.set(backupId, { ...record, forgottenAt: at });
    return Promise.resolve(true);
  }
}

let dir: string;
let pair: VaultPair;
let key: string;
const catalogs = { primary: new MemoryCatalog(), dr: new MemoryCatalog() };

beforeEach(async () => {
  dir = await tempDir('forget-lost');
  pair = await scrubVaultPair(path.join(dir, 'src'));
  key = snapshotKey(pair.snapshot.id);
  for (const catalog of Object.values(catalogs)) {
    catalog.records.clear();
    catalog.records.set(pair.backupId, record());
  }
});
afterEach(() => removeDir(dir));

function record(extra: Partial<BackupRecord> = {}): BackupRecord {
  return {
    backupId: pair.backupId, plan: 'files', environment: 'dev', sourceNames: ['src'], strategy: 'incremental', status: 'COMMITTED', startedAt: '2026-03-01T10:00:00.000Z', endedAt: '2026-03-01T10:05:00.000Z', shardCount: 1, copies: { primary: 'COMMITTED', dr: 'COMMITTED' },
    sources: [{ name: 'src', type: 'filesystem', snapshotId: pair.snapshot.id, rootHash: pair.snapshot.manifest, entries: 3, bytes: 1, bytesScanned: 1, bytesNew: 1, bytesStored: 1, blobsNew: 1 }],
    ...extra,
  };
}

function deps(side: 'primary' | 'dr', overrides: Partial<ForgetLostBackupDeps> = {}): ForgetLostBackupDeps {
  const other = side === 'primary' ? 'dr' : 'primary';
  return { vault: side, catalog: catalogs[side], openVault: () => Promise.resolve(pair[side]), openOtherVault: () => Promise.resolve(pair[other]), now: NOW, ...overrides };
}

const statusOf = (latest: ReturnType<typeof scrubRunSummary>) =>
  planStatus({ plan: { name: 'files', objectives: { rpoMinutes: 1e7, rtoMinutes: 60 } }, backups: [...catalogs.primary.records.values()], drills: [], latestScrub: latest, nextRun: { state: 'disabled', schedule: 'x' }, now: NOW });

/** Damages the snapshot object and its manifest root in both vaults: nothing of the backup reads anywhere. */
async function loseEverywhere(): Promise<void> {
  for (const side of ['primary', 'dr'] as const) {
    await corrupt(pair[side].store, key);
    await corrupt(pair[side].store, manifestKey(pair.snapshot.manifest));
  }
}

it('forgets a backup whose snapshot object and tree are corrupt in both vaults from each vault in turn: the scrub drops it, status is ✓ and prune runs again', async () => {
  await loseEverywhere();
  const vaults = { primary: pair.primary, dr: pair.dr };
  const found = scrubRunSummary(await scrubVaults({ scope: 'both', fraction: 1, cursor: FIRST_SCRUB_CURSOR, vaults, repair: true }), { environment: 'dev', startedAt: '2026-11-27T03:00:00.000Z', endedAt: '2026-11-27T03:00:01.000Z' });
  expect(statusOf(found)).toMatchObject({ withinObjectives: false, scrub: { affectedBackupsOfPlan: [pair.backupId] } });
  // Retention leaves it in place and prune stops on it: there was no way out but deleting the object by hand.
  await expect(pruneVault(pair.primary, { dryRun: true })).rejects.toThrow(`${key} cannot be read`);

  const dry = await forgetLostBackup(pair.backupId, deps('primary'), { dryRun: true });
  expect(dry).toEqual({ vault: 'primary', backupId: pair.backupId, dryRun: true, snapshots: [{ snapshotId: pair.snapshot.id, here: 'corrupt', other: 'corrupt' }], deletedObjects: 0, forgotten: false });
  expect(await listKeys(pair.primary.store, 'snapshots/')).toEqual([key]);
  expect(catalogs.primary.records.get(pair.backupId)?.forgettingAt).toBeUndefined();

  const primary = await forgetLostBackup(pair.backupId, deps('primary'));
  expect(primary).toMatchObject({ snapshots: [{ here: 'corrupt', other: 'corrupt' }], deletedObjects: 1, forgotten: true });
  expect(await listKeys(pair.primary.store, 'snapshots/')).toEqual([]);
  expect(catalogs.primary.records.get(pair.backupId)).toMatchObject({ forgettingAt: NOW.toISOString(), forgottenAt: NOW.toISOString() });
  // The other vault's catalog is its own: forgotten there by the run there (missing here now, corrupt there).
  expect(catalogs.dr.records.get(pair.backupId)?.forgottenAt).toBeUndefined();
  expect(await forgetLostBackup(pair.backupId, deps('dr'))).toMatchObject({ snapshots: [{ here: 'corrupt', other: 'missing' }], deletedObjects: 1, forgotten: true });
  expect(await forgetLostBackup(pair.backupId, deps('dr'))).toMatchObject({ forgottenBefore: NOW.toISOString(), deletedObjects: 0, forgotten: false });

  const after = scrubRunSummary(await scrubVaults({ scope: 'both', fraction: 1, cursor: FIRST_SCRUB_CURSOR, vaults, repair: false }), { environment: 'dev', startedAt: '2026-11-28T03:00:00.000Z', endedAt: '2026-11-28T03:00:01.000Z' }, { previous: found });
  expect([...(after.outstanding?.objects ?? []), ...(after.outstanding?.copiedInObjects ?? [])].filter((o) => o.key === key)).toEqual([]);
  expect(statusOf(after).withinObjectives).toBe(true);
  await expect(pruneVault(pair.primary, { dryRun: true })).resolves.toBeDefined();
});

describe('refuses, changing nothing', () => {
  async function refused(side: 'primary' | 'dr', message: string, overrides: Partial<ForgetLostBackupDeps> = {}): Promise<void> {
    const before = await listKeys(pair[side].store, 'snapshots/');
    const recorded = catalogs[side].records.get(pair.backupId);
    const err = await forgetLostBackup(pair.backupId, deps(side, overrides)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LostBackupRefusedError);
    expect((err as Error).message).toContain(`backup ${pair.backupId} was not forgotten: ${message}`);
    expect(await listKeys(pair[side].store, 'snapshots/')).toEqual(before);
    expect(catalogs[side].records.get(pair.backupId)).toEqual(recorded);
  }

  // Review r60C F5: the lines were bare, so pasted after `--env prod --aws` they acted on the local cloud of env dev.
  it('the command lines a refusal prints carry the run\'s target options, and verify the vault the snapshot reads in', async () => {
    const prod = { targetOptions: ' --env prod --aws' };
    await corrupt(pair.primary.store, key);
    await refused(
      'primary',
      `its snapshot ${pair.snapshot.id} reads in the dr vault, so it may still restore: it is not lost (\`lifeboat scrub --fraction 1 --repair --env prod --aws\` copies a good copy over a damaged one, ` +
        `and \`lifeboat verify --backup ${pair.backupId} --from dr --env prod --aws\` tells whether it restores)`,
      prod,
    );
    await corrupt(pair.dr.store, key);
    catalogs.primary.records.set(pair.backupId, record({ hold: { reason: 'case 42', by: 'ops', at: '2026-11-01T00:00:00.000Z' } }));
    await refused('primary', `it is on legal hold ("case 42", by ops): release it first (\`lifeboat backups release ${pair.backupId} --env prod --aws\`)`, prod);
    catalogs.primary.records.delete(pair.backupId);
    await expect(forgetLostBackup(pair.backupId, deps('primary', prod))).rejects.toThrow('the primary catalog holds no such backup (`lifeboat backups list --env prod --aws` lists them)');
  });

  it('a snapshot that reads in the other vault, or in this one', async () => {
    await corrupt(pair.primary.store, key);
    await refused('primary', `its snapshot ${pair.snapshot.id} reads in the dr vault, so it may still restore`);
    await refused('dr', `its snapshot ${pair.snapshot.id} reads in the dr vault`);
  });

  it('a snapshot object that reads whose tree reads nowhere: its other paths may still restore', async () => {
    const root = manifestKey(pair.snapshot.manifest);
    await corrupt(pair.primary.store, root);
    await corrupt(pair.dr.store, root);
    await refused('primary', `its snapshot ${pair.snapshot.id} reads in the primary vault`);
  });

  it('a snapshot object lost in both vaults whose tree still reads: its data still reads, and forgetting it would let a prune delete that (review r58L F1)', async () => {
    const root = pair.snapshot.manifest;
    const original = await fs.readFile(path.join(dir, 'src', 'a.bin'));
    await fs.rm(path.join(dir, 'src', 'a.bin'));
    await corrupt(pair.primary.store, key);
    await corrupt(pair.dr.store, key);
    const tree = `its tree ${root} (source src, snapshot ${pair.snapshot.id}) still reads in the`;
    await refused('primary', `${tree} primary vault: its data may still restore, and once the backup is forgotten a prune may delete it. No lifeboat command restores a tree without its snapshot object`);
    // Review r59C F2: it said "back its source up again … and leave the backup (a prune … stops on it until then)",
    // until nothing: it says what stays stopped, for how long, the ways out and what deleting the object by hand costs.
    await refused(
      'dr',
      `${tree} dr vault: its data may still restore, and once the backup is forgotten a prune may delete it. No lifeboat command restores a tree without its snapshot object, so the backup is kept; ` +
        `while snapshots/${pair.snapshot.id} is corrupt in the dr and primary vaults, every prune there stops on it, and nothing ends that by itself: retention never forgets a backup one of whose snapshots it cannot read, and this command refuses while the tree reads. ` +
        `Ways out: an older intact version of the object in the vault bucket (docs/RUNBOOKS.md, "A backup lost in both vaults"); or the data read from the tree by hand (docs/FORMAT.md §9, from manifest/${root}); ` +
        `or, once a newer committed backup of the source holds what you need (\`lifeboat verify --backup <newer id>\`), delete the corrupt object by hand (\`aws s3 rm s3://<vault bucket>/snapshots/${pair.snapshot.id}\`, in the dr and primary vaults): ` +
        "the prune then stops on this backup as one whose snapshot object is missing until its plan's retention forgets it, and the prune after that condemns what only this tree references, deleted after the grace: that data is then gone for good",
    );
    // Damaged in this vault, it still reads in the other: refused all the same.
    await corrupt(pair.primary.store, manifestKey(root));
    await refused('primary', `${tree} dr vault`);
    // The data the source no longer has still reads through the tree the record names, in the vault that holds it.
    const parts: Buffer[] = [];
    for await (const chunk of readEntry(pair.dr, pair.snapshot, 'a.bin')) parts.push(chunk);
    expect(Buffer.concat(parts).equals(original)).toBe(true);
  });

  it('a snapshot object missing in both vaults whose tree still reads: the prune stops, naming the backup, until retention forgets it (review r59C F2)', async () => {
    for (const side of ['primary', 'dr'] as const) await pair[side].store.delete(key);
    await refused(
      'primary',
      `its tree ${pair.snapshot.manifest} (source src, snapshot ${pair.snapshot.id}) still reads in the primary vault: its data may still restore, and once the backup is forgotten a prune may delete it. ` +
        `No lifeboat command restores a tree without its snapshot object, so the backup is kept; where it is missing (the primary and dr vaults), the prune workflow and \`lifeboat prune\` stop, naming this backup, until its plan's retention forgets it, and the prune after that condemns what only this tree references. ` +
        `Ways out: an older intact version of the object in the vault bucket (docs/RUNBOOKS.md, "A backup lost in both vaults"); or the data read from the tree by hand (docs/FORMAT.md §9, from manifest/${pair.snapshot.manifest})`,
    );
    const err = await forgetLostBackup(pair.backupId, deps('primary')).catch((e: unknown) => e);
    expect((err as Error).message).not.toContain('aws s3 rm');
  });

  it('a backup of several sources one of which reads: the refusal names the snapshots lost in both vaults too', async () => {
    const lostId = 'f'.repeat(64);
    const [source] = record().sources;
    if (!source) throw new Error('the record names a source');
    catalogs.primary.records.set(pair.backupId, record({ sources: [{ ...source, name: 'gone', snapshotId: lostId, rootHash: 'e'.repeat(64) }, source] }));
    await refused(
      'primary',
      `its snapshot ${pair.snapshot.id} reads in the primary vault, so it may still restore: it is not lost (\`lifeboat scrub --fraction 1 --repair\` copies a good copy over a damaged one, and \`lifeboat verify --backup ${pair.backupId}\` tells whether it restores); ` +
        `lost in both vaults: snapshot ${lostId} (missing in the primary vault, missing in the dr vault), but a backup is forgotten whole, and its other snapshots still restore, so it is kept: ` +
        "its plan's retention forgets it when the policy lets it go; until then the prune workflow and `lifeboat prune` of a vault whose catalog records it stop, naming it (its snapshot object is missing), unless an older version of the object is brought back",
    );
  });

  // Review r59C F3: the refusal told the operator to let retention forget it, but retention leaves a backup one of whose
  // snapshots it cannot read in place for good (forget-backups.ts, disputeOf).
  it('a backup of several sources one of which reads, another corrupt in both vaults: retention will not forget it, and the refusal says so', async () => {
    const lostId = 'f'.repeat(64);
    const [source] = record().sources;
    if (!source) throw new Error('the record names a source');
    // Any bytes at the lost snapshot's name fail its address: corrupt in both vaults.
    for (const side of ['primary', 'dr'] as const) await pair[side].store.put(snapshotKey(lostId), Buffer.from('damaged'));
    catalogs.primary.records.set(pair.backupId, record({ sources: [{ ...source, name: 'gone', snapshotId: lostId, rootHash: 'e'.repeat(64) }, source] }));
    await refused(
      'primary',
      `its snapshot ${pair.snapshot.id} reads in the primary vault, so it may still restore: it is not lost (\`lifeboat scrub --fraction 1 --repair\` copies a good copy over a damaged one, and \`lifeboat verify --backup ${pair.backupId}\` tells whether it restores); ` +
        `lost in both vaults: snapshot ${lostId} (corrupt in the primary vault, corrupt in the dr vault), but a backup is forgotten whole, and its other snapshots still restore, so it is kept: ` +
        `the retention of the primary and dr vaults will not forget it while snapshots/${lostId} is corrupt there (it cannot tell whose that snapshot is: "left in place"), and every prune there stops on that object: ` +
        `bring an older intact version back, or, once a newer committed backup of the source holds what you need (\`lifeboat verify --backup <newer id>\`), delete the corrupt object by hand (\`aws s3 rm s3://<vault bucket>/snapshots/${lostId}\`, in the primary and dr vaults): ` +
        "the prune then stops on this backup as one whose snapshot object is missing until retention forgets it, when its plan's policy lets it go, and the prune after that condemns what only its sources reference, the ones that read included",
    );
  });

  // Review r59C F4: an object whose bytes match its name and authenticate, in a format this Lifeboat does not parse,
  // was classed corrupt and deleted.
  it('a snapshot object or tree that authenticates but does not parse: written by a newer Lifeboat, not lost', async () => {
    const [source] = record().sources;
    if (!source) throw new Error('the record names a source');
    // What a newer Lifeboat might write: a v2 snapshot record naming a v3 root, sealed with the vault's key; the DR
    // vault holds the same bytes under the same names, as replication copies them.
    const root = await putSealedObject(pair.primary.store, pair.primary.keys, manifestKey, 'manifest', encodeJson({ v: 3, chunks: [] }), null);
    const newer = { v: 2, time: '2026-03-01T10:05:00.000Z', hostname: 'h', source: { kind: 'directory', path: '/x' }, parent: null, tags: [`backupId:${pair.backupId}`], manifest: root, indexes: [], stats: {} };
    const snapshotId = await putSealedObject(pair.primary.store, pair.primary.keys, snapshotKey, 'snapshot', encodeJson(newer), null);
    for (const copied of [snapshotKey(snapshotId), manifestKey(root)]) await pair.dr.store.put(copied, await pair.primary.store.get(copied));
    catalogs.primary.records.set(pair.backupId, record({ sources: [{ ...source, snapshotId, rootHash: root }] }));
    const cannotParse = "(its bytes match its name and authenticate with the vault's key), but this Lifeboat cannot parse it (unexpected structure at";
    await refused('primary', `its snapshot ${snapshotId} reads in the primary vault ${cannotParse}`);
    await expect(forgetLostBackup(pair.backupId, deps('primary'), { dryRun: true })).rejects.toThrow('written by a newer version of Lifeboat? Upgrade the CLI and run the command again; it is not lost');
    // Its snapshot object damaged in both vaults, its tree still the newer format: refused too.
    for (const side of ['primary', 'dr'] as const) await corrupt(pair[side].store, snapshotKey(snapshotId));
    await refused('primary', `its tree ${root} (source src, snapshot ${snapshotId}) reads in the primary vault ${cannotParse}`);
    expect(await pair.primary.store.has(snapshotKey(snapshotId))).toBe(true);
  });

  it('a vault that cannot be read for another reason than damage: a copy there may be good', async () => {
    await corrupt(pair.primary.store, key);
    const denied = { store: pair.dr.store, keys: pair.dr.keys, loadSnapshot: () => Promise.reject(new Error('AccessDenied: not authorized to perform kms:Decrypt')) };
    await refused('primary', `the dr vault could not be read to show snapshot ${pair.snapshot.id} is lost there (AccessDenied: not authorized to perform kms:Decrypt); a copy there may be good`, { openOtherVault: () => Promise.resolve(denied) });
  });

  it('a legal hold, a live restore pin, a record not committed or unknown', async () => {
    await corrupt(pair.primary.store, key);
    await corrupt(pair.dr.store, key);
    catalogs.primary.records.set(pair.backupId, record({ hold: { reason: 'case 42', by: 'ops', at: '2026-11-01T00:00:00.000Z' } }));
    await refused('primary', 'it is on legal hold ("case 42", by ops): release it first (`lifeboat backups release');
    catalogs.primary.records.set(pair.backupId, record({ pins: { r1: { by: 'restore r1', at: '2026-11-28T03:00:00.000Z', until: '2026-11-28T09:00:00.000Z' } }, pinVersion: 1 }));
    await refused('primary', 'it is pinned by restore r1 until 2026-11-28T09:00:00.000Z: run the command again after that');
    // Review r65T F1: a pin whose until is no time kept nothing, and the lost backup it pinned was forgotten.
    catalogs.primary.records.set(pair.backupId, record({ pins: { r1: { by: 'restore r1', at: '2026-11-28T03:00:00.000Z', until: 'forever' } }, pinVersion: 1 }));
    await refused('primary', "it is pinned by restore r1 until forever (not a time): fix the pin's until, or remove the pin, in the backup's catalog record (its pins map; docs/RUNBOOKS.md, Running restores): run the command again once each pin has a time and it has passed");
    catalogs.primary.records.set(pair.backupId, record({ status: 'FAILED' }));
    await refused('primary', 'it is FAILED, not committed');
    catalogs.primary.records.delete(pair.backupId);
    await expect(forgetLostBackup(pair.backupId, deps('primary'))).rejects.toThrow(`backup ${pair.backupId} was not forgotten: the primary catalog holds no such backup`);
  });

  // The hold's reason and by, a pin's by and until were printed raw: a newline forged a line of the refusal ("… was
  // forgotten: OK"), an ESC coloured the terminal, a U+202E showed the rest reversed (review r62J F1). Date.parse
  // reads a parenthesised comment past a date as nothing: an `until` with a newline in one is a live pin.
  it('a hold or pin whose record text holds a newline, ESC or bidi override: one line, each shown escaped', async () => {
    await corrupt(pair.primary.store, key);
    await corrupt(pair.dr.store, key);
    catalogs.primary.records.set(pair.backupId, record({ hold: { reason: 'case 7"\nbackup b-1 was forgotten: OK\u001b[2K', by: 'x\u202eevil', at: '2026-11-01T00:00:00.000Z' } }));
    await refused('primary', 'it is on legal hold ("case 7\\"\\nbackup b-1 was forgotten: OK\\u001b[2K", by x\\u202eevil): release it first (`lifeboat backups release');
    catalogs.primary.records.set(pair.backupId, record({ pins: { r1: { by: 'restore r\n1', at: '2026-11-28T03:00:00.000Z', until: 'Jan 1 2099 (\n\u009b31m)' } }, pinVersion: 1 }));
    await refused('primary', `it is pinned by restore r\\u000a1 until 2099-01-01T00:00:00.000Z (its text names no zone: read as UTC): run the command again after that`);
  });

  // With --vault dr it pointed at `lifeboat backups list` as the list of the DR catalog's backups: it lists the
  // primary catalog's, the refused backup among them (review r60G F6).
  it('a backup the DR catalog lacks: the refusal says the list it names is the primary catalog\'s', async () => {
    catalogs.dr.records.delete(pair.backupId);
    await expect(forgetLostBackup(pair.backupId, deps('dr', { targetOptions: ' --env prod --aws' }))).rejects.toThrow(
      `backup ${pair.backupId} was not forgotten: the dr catalog holds no such backup (\`lifeboat backups list --env prod --aws\` lists the primary catalog's backups, not the DR catalog's; its DR COPY column says whether each was copied to the DR vault)`,
    );
  });
});

it('an object Object Lock keeps stops it with the backup claimed, and a run once the lock has passed finishes it', async () => {
  await loseEverywhere();
  const store = pair.primary.store;
  let locked = true;
  const lockedStore: VaultStore = Object.create(store);
  lockedStore.delete = (k: string) => (locked ? Promise.reject(new ObjectLockedError(store.location, k, 'GOVERNANCE until 2026-12-01T00:00:00.000Z')) : store.delete(k));
  const lockedVault = { loadSnapshot: (id: string) => pair.primary.loadSnapshot(id), keys: pair.primary.keys, store: lockedStore };
  const err = await forgetLostBackup(pair.backupId, deps('primary', { openVault: () => Promise.resolve(lockedVault) })).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(LostBackupRefusedError);
  expect((err as Error).message).toContain(`S3 Object Lock keeps snapshot ${pair.snapshot.id} in the primary vault`);
  expect(catalogs.primary.records.get(pair.backupId)).toMatchObject({ forgettingAt: NOW.toISOString() });
  expect(catalogs.primary.records.get(pair.backupId)?.forgottenAt).toBeUndefined();
  locked = false;
  expect(await forgetLostBackup(pair.backupId, deps('primary', { openVault: () => Promise.resolve(lockedVault) }))).toMatchObject({ deletedObjects: 1, forgotten: true });
});

// The release line cut an id over 40 characters (`manual-2026-…-of-orders (cut from 55 characters, …)`): pasted, it
// released nothing (review r64Q F5). Whole as one shell word; an id with a control character or a backtick names no command.
it("a held backup: the release line names the whole id as one shell word, or '<backup id>' and where the id is when it would not paste as printed", async () => {
  const releaseLine = async (backupId: string): Promise<string> => {
    const held = { ...record({ hold: { reason: 'r', by: 'b', at: '2026-11-01T00:00:00.000Z' } }), backupId };
    const err = await forgetLostBackup(backupId, deps('primary', { catalog: { getBackup: () => Promise.resolve(held), claimForgetting: () => Promise.reject(new Error('a held backup is never claimed')), markForgotten: () => Promise.reject(new Error('a held backup is never marked')) }, targetOptions: ' --aws' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LostBackupRefusedError);
    return /release it first \((.*)\)$/.exec((err as Error).message)?.[1] ?? '';
  };
  expect(await releaseLine('manual-2026-11-30-before-the-schema-migration-of-orders')).toBe('`lifeboat backups release manual-2026-11-30-before-the-schema-migration-of-orders --aws`');
  expect(await releaseLine("before the 'migration'")).toBe("`lifeboat backups release 'before the '\\''migration'\\''' --aws`");
  // f65O: the placeholder was `<backupId>` bare, a shell redirect when pasted unfilled.
  const placeholder = "`lifeboat backups release '<backup id>' --aws` (for '<backup id>' put the backup id: the id given to --lost; it is not printed as a word to paste)";
  expect(await releaseLine('b-1\u001b[2K')).toBe(placeholder);
  expect(await releaseLine('b-1`lifeboat backups forget --plan prod --keep-last 1`')).toBe(placeholder);
});
