import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { repairAdviceLines, vaultBackup, vaultInit, vaultPrune, vaultRepairIndex, vaultRestore, vaultVerify } from '../../../cli/commands/vault-commands';
import { type CliIo } from '../../../cli/cli-io';
import { KeyFileKeyProvider, openLocalVaultStore, openVault, packKey, type RepairIndexReport } from '../../../vault';
import { PruneLease } from '../../../vault/prune/prune-lease';
import { objectContext, seal } from '../../../vault/crypto/sealed-codec';
import { pruneLeaseKey } from '../../../vault/repository/vault-layout';
import { runVaultCli } from '../../support/vault-cli-process';
import { pseudoRandomBytes, removeDir, tempDir } from '../../support/vault-test-helpers';

/**
 * `lifeboat vault repair index` on a file vault, as a user heals one: a pack damaged on disk, or an
 * index object lost; then backup, verify, restore and prune as the user runs them next. The commands
 * run in this process (their functions are the CLI's actions), so each step's output and exit code are
 * what the user sees.
 */

type Run = { code: number; out: string[]; err: string[] };

function capture(): { io: CliIo; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (l) => out.push(...l.split('\n')), err: (l) => err.push(l) } };
}

async function run(command: (io: CliIo) => Promise<number>): Promise<Run> {
  const c = capture();
  const code = await command(c.io);
  return { code, out: c.out, err: c.err };
}

describe('lifeboat vault repair index', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir('vault-repair-index');
  });
  afterAll(async () => removeDir(dir));

  async function newVault(label: string): Promise<{ vault: string; keyFile: string; src: string }> {
    const vault = path.join(dir, `${label}-vault`);
    const keyFile = path.join(dir, `${label}-key`);
    const src = path.join(dir, `${label}-src`);
    await fs.mkdir(src);
    expect((await run((io) => vaultInit({ vault, keyFile }, { io }))).code).toBe(0);
    return { vault, keyFile, src };
  }

  async function backup(src: string, vault: string, keyFile: string): Promise<string> {
    const r = await run((io) => vaultBackup(src, { vault, keyFile }, { io }));
    expect(r).toMatchObject({ code: 0, err: [] });
    return r.out[0] as string;
  }

  /** Flips one byte inside the stored blob of `file` (of the snapshot) in its pack; returns the blob id and the pack's id. */
  async function damageBlobOf(vault: string, keyFile: string, snapshotId: string, file: string): Promise<{ blob: string; pack: string }> {
    const opened = await openVault(openLocalVaultStore(vault), await KeyFileKeyProvider.load(keyFile));
    const snapshot = await opened.loadSnapshot(snapshotId);
    let blob: string | undefined;
    for await (const e of opened.entries(snapshot)) if (e.path === file) blob = e.content[0];
    if (blob === undefined) throw new Error(`no ${file} in ${snapshotId}`);
    const location = (await opened.index()).lookup(Buffer.from(blob, 'hex'));
    if (!location) throw new Error(`blob ${blob} is in no index`);
    const packFile = path.join(vault, ...packKey(location.packId).split('/'));
    const bytes = await fs.readFile(packFile);
    const at = location.offset + 40; // past the envelope's flags and nonce: a ciphertext byte
    bytes[at] = (bytes[at] as number) ^ 0x20;
    await fs.writeFile(packFile, bytes);
    return { blob, pack: location.packId };
  }

  async function restoresEqual(vault: string, keyFile: string, snapshot: string, files: Record<string, Buffer>, label: string): Promise<void> {
    const target = path.join(dir, label);
    const r = await run((io) => vaultRestore(snapshot, { vault, keyFile, target }, { io }));
    expect(r.code).toBe(0);
    for (const [name, bytes] of Object.entries(files)) expect(await fs.readFile(path.join(target, name))).toEqual(bytes);
  }

  it('heals a damaged blob: verify names it, repair --read-data drops it (exit 3), the next backup stores it again, and everything restores byte for byte', async () => {
    const { vault, keyFile, src } = await newVault('heal');
    const files = { 'kept.bin': pseudoRandomBytes(120_000, 11), 'hit.bin': pseudoRandomBytes(90_000, 12) };
    for (const [name, bytes] of Object.entries(files)) await fs.writeFile(path.join(src, name), bytes);
    const first = await backup(src, vault, keyFile);
    const { blob, pack } = await damageBlobOf(vault, keyFile, first, 'hit.bin');

    const damaged = await run((io) => vaultVerify({ vault, keyFile, readData: true }, { io }));
    expect(damaged.code).toBe(1);
    expect(damaged.out).toContainEqual(expect.stringMatching(new RegExp(`^CORRUPT ${packKey(pack)}: .* is corrupt: 1 of its 2 blobs are damaged \\(the others are intact\\): blob ${blob}: authentication failed`)));
    expect(damaged.out).toContainEqual(expect.stringMatching(new RegExp(`^CORRUPT snapshots/${first}: 1 entries reference 1 blob\\(s\\) whose data is damaged`)));

    // A backup before the repair reuses the damaged blob: the index still lists it.
    const repaired = await run((io) => vaultRepairIndex({ vault, keyFile, readData: true }, { io }));
    expect(repaired.code).toBe(3);
    expect(repaired.out[0]).toBe(`Repaired the index of ${vault}: 1 pack(s) read whole, every blob decrypted and its id checked; 1 pack(s) with 1 blob(s) indexed.`);
    expect(repaired.out[1]).toMatch(/^Index objects: 1 written, then 1 old one\(s\) removed\.$/);
    expect(repaired.out).toContain(`Salvaged: 1 intact blob(s) of ${packKey(pack)} copied into a new pack; the damaged pack is left unindexed, for prune to delete.`);
    expect(repaired.out).toContainEqual(expect.stringMatching(new RegExp(`^LEFT OUT blob ${blob} of ${packKey(pack)}: decrypt failure: `)));
    expect(repaired.err).toEqual([expect.stringMatching(/^lifeboat vault: the index was rebuilt, but 0 pack\(s\) and 1 blob\(s\) were left out of it: a snapshot that references them is damaged until a backup stores those blobs again/)]);

    // The first snapshot now references a blob no index lists (and the index object it names, which
    // the repair replaced, is reported gone with it). The damaged pack no index lists holds that blob
    // only damaged: verify reads it and says a repair would not find it, and calls the pack garbage,
    // not one to index first, which the repair run again would leave out again (review r58H F4).
    const afterRepair = await run((io) => vaultVerify({ vault, keyFile, readData: true }, { io }));
    expect(afterRepair.code).toBe(1);
    expect(afterRepair.out.filter((l) => l.startsWith('CORRUPT'))).toEqual([
      expect.stringMatching(
        new RegExp(`^CORRUPT index/[0-9a-f]{64}: does not exist, but snapshot\\(s\\) ${first} list it, and blobs of theirs are in no index; the 1 pack\\(s\\) no index lists hold none of them intact .*, so a repair of the index would not find them: .* back up the source again .* or forget the snapshot$`),
      ),
      expect.stringMatching(new RegExp(`^CORRUPT snapshots/${first}: 1 entries reference 1 blob\\(s\\) that no index lists \\(e\\.g\\. entry "hit\\.bin", blob ${blob}\\)`)),
    ]);
    expect(afterRepair.out).toContainEqual(expect.stringMatching(new RegExp(`^UNREFERENCED pack ${packKey(pack)} \\(\\d+ bytes\\)$`)));
    expect(afterRepair.out.filter((l) => l.startsWith('UNINDEXED'))).toEqual([]);

    // The intact source again: the blob no index lists is read and stored anew (same content, same id).
    const second = await backup(src, vault, keyFile);
    await restoresEqual(vault, keyFile, second, files, 'heal-second');
    const healed = await run((io) => vaultVerify({ vault, keyFile, readData: true }, { io }));
    expect(healed.code).toBe(0);
    expect(healed.out[0]).toBe('OK: 2 snapshots, 4 manifest entries, 2 indexes, 2 packs, 2 blobs (2 read), 0 problems');
    // Blob ids are content addresses: the first snapshot references the same id, so it is whole again too.
    await restoresEqual(vault, keyFile, first, files, 'heal-first');

    // The damaged pack is garbage now: prune reclaims it, and takes nothing a snapshot needs.
    expect((await run((io) => vaultPrune({ vault, keyFile, grace: '0' }, { io }))).code).toBe(0);
    await expect(fs.stat(path.join(vault, ...packKey(pack).split('/')))).rejects.toThrow(/ENOENT/);
    const clean = await run((io) => vaultVerify({ vault, keyFile, readData: true }, { io }));
    expect(clean).toMatchObject({ code: 0, out: ['OK: 2 snapshots, 4 manifest entries, 2 indexes, 2 packs, 2 blobs (2 read), 0 problems'] });
  });

  it('a snapshot whose lost blob no backup can store again stays damaged, and prune refuses naming repair index until it is forgotten', async () => {
    const { vault, keyFile, src } = await newVault('lost');
    await fs.writeFile(path.join(src, 'stays.bin'), pseudoRandomBytes(70_000, 21));
    await fs.writeFile(path.join(src, 'changes.bin'), pseudoRandomBytes(80_000, 22));
    const first = await backup(src, vault, keyFile);
    const { blob } = await damageBlobOf(vault, keyFile, first, 'changes.bin');
    expect((await run((io) => vaultRepairIndex({ vault, keyFile, readData: true }, { io }))).code).toBe(3);
    // The source no longer has the old content: nothing can store that blob again.
    const now = { 'stays.bin': pseudoRandomBytes(70_000, 21), 'changes.bin': pseudoRandomBytes(80_000, 23) };
    await fs.writeFile(path.join(src, 'changes.bin'), now['changes.bin']);
    const second = await backup(src, vault, keyFile);
    await restoresEqual(vault, keyFile, second, now, 'lost-second');

    const verify = await run((io) => vaultVerify({ vault, keyFile, readData: true }, { io }));
    expect(verify.code).toBe(1);
    // Only the first snapshot is named (with the index object it lists, which the repair replaced); the second is whole.
    expect(verify.out.filter((l) => l.startsWith('CORRUPT'))).toEqual([
      expect.stringMatching(new RegExp(`^CORRUPT index/[0-9a-f]{64}: does not exist, but snapshot\\(s\\) ${first} list it`)),
      expect.stringMatching(new RegExp(`^CORRUPT snapshots/${first}: 1 entries reference 1 blob\\(s\\) that no index lists \\(e\\.g\\. entry "changes\\.bin", blob ${blob}\\)`)),
    ]);
    expect(verify.out.join('\n')).not.toContain(second);

    const refused = await run((io) => vaultPrune({ vault, keyFile, grace: '0' }, { io }));
    expect(refused.code).toBe(1);
    expect(refused.err.join('\n')).toMatch(/1 blob\(s\) that snapshots reference are listed by no index object/);
    expect(refused.err.join('\n')).toMatch(/run `lifeboat vault repair index`/);
    expect(refused.err.join('\n')).toMatch(/stays damaged until it is forgotten/);

    await fs.rm(path.join(vault, 'snapshots', first));
    expect((await run((io) => vaultPrune({ vault, keyFile, grace: '0' }, { io }))).code).toBe(0);
    const clean = await run((io) => vaultVerify({ vault, keyFile, readData: true }, { io }));
    expect(clean).toMatchObject({ code: 0, out: ['OK: 1 snapshots, 2 manifest entries, 2 indexes, 2 packs, 2 blobs (2 read), 0 problems'] });
    await restoresEqual(vault, keyFile, second, now, 'lost-second-after-prune');
  });

  it('restores full coverage after an index object is deleted (exit 0), and prune then runs and deletes nothing a snapshot references', async () => {
    const { vault, keyFile, src } = await newVault('lost-index');
    const one = { 'a.bin': pseudoRandomBytes(60_000, 31) };
    await fs.writeFile(path.join(src, 'a.bin'), one['a.bin']);
    const first = await backup(src, vault, keyFile);
    const [firstIndex] = await fs.readdir(path.join(vault, 'index'));
    const two = { ...one, 'b.bin': pseudoRandomBytes(50_000, 32) };
    await fs.writeFile(path.join(src, 'b.bin'), two['b.bin']);
    const second = await backup(src, vault, keyFile);
    await fs.rm(path.join(vault, 'index', firstIndex as string));

    const refused = await run((io) => vaultPrune({ vault, keyFile, grace: '0' }, { io }));
    expect(refused.code).toBe(1);
    expect(refused.err.join('\n')).toMatch(/run `lifeboat vault repair index`/);

    const repaired = await run((io) => vaultRepairIndex({ vault, keyFile }, { io }));
    expect(repaired).toMatchObject({ code: 0, err: [] });
    expect(repaired.out).toEqual([`Repaired the index of ${vault}: 2 pack(s) their headers read; 2 pack(s) with 2 blob(s) indexed.`, 'Index objects: 1 written, then 1 old one(s) removed.']);
    const verify = await run((io) => vaultVerify({ vault, keyFile }, { io }));
    expect(verify).toMatchObject({ code: 0, out: ['OK: 2 snapshots, 3 manifest entries, 1 indexes, 2 packs, 2 blobs, 0 problems'] });

    const pruned = await run((io) => vaultPrune({ vault, keyFile, grace: '0' }, { io }));
    expect(pruned.code).toBe(0);
    expect(pruned.out[1]).toBe('Deleted: 0 pack(s), 0 index object(s), 0 manifest object(s); 0 bytes freed.');
    expect((await run((io) => vaultVerify({ vault, keyFile, readData: true }, { io }))).code).toBe(0);
    await restoresEqual(vault, keyFile, first, one, 'lost-index-first');
    await restoresEqual(vault, keyFile, second, two, 'lost-index-second');
  });

  it('vault prune reports the real bytes of a pack no index lists, and deletes .tmp-* files older than its grace but not younger ones', async () => {
    const { vault, keyFile, src } = await newVault('prune-garbage');
    await fs.writeFile(path.join(src, 'a.bin'), pseudoRandomBytes(30_000, 51));
    await backup(src, vault, keyFile);
    const orphan = path.join(vault, ...packKey('ef'.repeat(32)).split('/'));
    await fs.mkdir(path.dirname(orphan), { recursive: true });
    await fs.writeFile(orphan, pseudoRandomBytes(20_480, 52));
    const oldTemp = path.join(vault, 'data', 'ef', '.tmp-00000000000000aa');
    const freshTemp = path.join(vault, 'index', '.tmp-00000000000000bb');
    await fs.writeFile(oldTemp, Buffer.alloc(700));
    await fs.writeFile(freshTemp, Buffer.alloc(300));
    const twoDaysAgo = new Date(Date.now() - 48 * 3_600_000);
    await fs.utimes(oldTemp, twoDaysAgo, twoDaysAgo);

    const pruned = await run((io) => vaultPrune({ vault, keyFile }, { io }));
    expect(pruned.code).toBe(0);
    expect(pruned.out).toContain('Condemned: 1 pack(s) (20.0 KiB), 0 index object(s), 0 manifest object(s) deleted by a run after the grace period.');
    expect(pruned.out).toContain('Temporary files: 1 .tmp-* file(s) of killed writers older than 25 h deleted (700 bytes); 1 younger one(s) kept (a running write may own them).');
    await expect(fs.stat(oldTemp)).rejects.toThrow(/ENOENT/);
    expect((await fs.stat(freshTemp)).size).toBe(300);
  });

  it('as a process: a pack whose header is damaged is indexed from the old index (exit 3, named), and left out when no index lists it (exit 3)', async () => {
    const { vault, keyFile, src } = await newVault('bad-header');
    await fs.writeFile(path.join(src, 'a.bin'), pseudoRandomBytes(40_000, 41));
    await backup(src, vault, keyFile);
    const [packDir] = await fs.readdir(path.join(vault, 'data'));
    const [pack] = await fs.readdir(path.join(vault, 'data', packDir as string));
    const packFile = path.join(vault, 'data', packDir as string, pack as string);
    const bytes = await fs.readFile(packFile);
    bytes[bytes.length - 20] = (bytes[bytes.length - 20] as number) ^ 1; // inside the sealed header
    await fs.writeFile(packFile, bytes);

    // As a user runs it: its own process, the exit code a script sees.
    const repaired = runVaultCli(['repair', 'index', '--vault', vault, '--key-file', keyFile, '--json']);
    expect(repaired.status).toBe(3);
    expect(repaired.stderr).toMatch(/^lifeboat vault: 1 pack\(s\) have an unreadable header: their blobs were indexed from the old index and restore/);
    const report = JSON.parse(repaired.stdout) as Record<string, unknown>;
    expect(report).toMatchObject({ vault, readData: false, packsRead: 1, packsIndexed: 1, packsLeftOut: [], packsHeaderUnreadable: [{ pack, reason: 'header unreadable, indexed from the old index' }], blobsLeftOut: [] });
    expect(report['indexesWritten']).toHaveLength(1);
    expect(report['indexesRemoved']).toHaveLength(1);

    // With no index object left that lists it, nothing tells where its blobs are: the pack is left out.
    await fs.rm(path.join(vault, 'index'), { recursive: true, force: true });
    const again = runVaultCli(['repair', 'index', '--vault', vault, '--key-file', keyFile, '--json']);
    expect(again.status).toBe(3);
    expect(again.stderr).toMatch(/^lifeboat vault: the index was rebuilt, but 1 pack\(s\) and 0 blob\(s\) were left out of it/);
    expect(JSON.parse(again.stdout)).toMatchObject({ packsRead: 1, packsIndexed: 0, blobsIndexed: 0, packsLeftOut: [{ pack, reason: 'bad header' }], packsHeaderUnreadable: [], indexesWritten: [] });
  });

  /** Review r10-F3: the command ran beside a prune, which the repair is not safe beside with grace 0; the runbook already refused. */
  it('refuses, changing nothing (exit 1), while a prune holds the vault\'s lease, and repairs once it ended', async () => {
    const { vault, keyFile, src } = await newVault('prune-running');
    await fs.writeFile(path.join(src, 'a.bin'), pseudoRandomBytes(30_000, 61));
    await backup(src, vault, keyFile);
    const opened = await openVault(openLocalVaultStore(vault), await KeyFileKeyProvider.load(keyFile));
    const indexBefore = await fs.readdir(path.join(vault, 'index'));
    const lease = await PruneLease.acquire(opened.store, opened.keys, { holder: 'lifeboat vault prune (pid 1)', renewEveryMs: 0 });
    try {
      const refused = await run((io) => vaultRepairIndex({ vault, keyFile }, { io }));
      expect(refused.code).toBe(1);
      expect(refused.err).toEqual([expect.stringMatching(/^lifeboat vault: a prune is running on .* \(lifeboat vault prune \(pid 1\), lease prune\/running\/[0-9a-f]+\): nothing was changed\. .*Run the repair when it ends; if it died, its lease ends by itself at /)]);
      expect(await fs.readdir(path.join(vault, 'index'))).toEqual(indexBefore);
    } finally {
      await lease.release();
    }
    expect((await run((io) => vaultRepairIndex({ vault, keyFile }, { io }))).code).toBe(0);
  });

  /** Review r14-F1: a lease this version cannot read never ends by itself, yet the refusal said to run the repair when it ends. */
  it('refuses beside a prune lease this version cannot read, advising the newer Lifeboat or deleting that lease', async () => {
    const { vault, keyFile, src } = await newVault('prune-unreadable');
    await fs.writeFile(path.join(src, 'a.bin'), pseudoRandomBytes(30_000, 63));
    await backup(src, vault, keyFile);
    const opened = await openVault(openLocalVaultStore(vault), await KeyFileKeyProvider.load(keyFile));
    const leaseKey = pruneLeaseKey('ab'.repeat(32));
    const { stored } = await seal(opened.keys, objectContext('prune-lease'), Buffer.from(JSON.stringify({ v: 2, holder: 'newer' })), { compressionLevel: null });
    await opened.store.put(leaseKey, stored);
    const refused = await run((io) => vaultRepairIndex({ vault, keyFile }, { io }));
    expect(refused.code).toBe(1);
    expect(refused.err).toEqual([expect.not.stringMatching(/when it ends/)]);
    expect(refused.err[0]).toContain(`run the repair with the newer Lifeboat, or, if no prune of this vault runs now, delete that object (${leaseKey}) and run the repair again`);
    await opened.store.delete(leaseKey);
    expect((await run((io) => vaultRepairIndex({ vault, keyFile }, { io }))).code).toBe(0);
  });

  /** Review r10-F4: a healthy archived pack no index object lists was reported with the advice for damaged ones (back up again, or forget). */
  it('advises a thaw and another run for archived, unlisted packs, counted apart from damaged ones', async () => {
    const { vault, keyFile, src } = await newVault('archived-advice');
    await fs.writeFile(path.join(src, 'a.bin'), pseudoRandomBytes(30_000, 71));
    await backup(src, vault, keyFile);
    const clean = await run((io) => vaultRepairIndex({ vault, keyFile, json: true }, { io }));
    const report = JSON.parse(clean.out.join('\n')) as RepairIndexReport;
    expect(repairAdviceLines(report)).toEqual([]);
    const archived = { pack: 'ab12', reason: 'archived, unlisted' as const, detail: 'thaw it' };
    const lines = repairAdviceLines({ ...report, packsLeftOut: [archived] });
    expect(lines).toEqual([expect.stringMatching(/^lifeboat vault: 1 pack\(s\) in an archive storage class were left out of the index: .*thaw them .* and run `lifeboat vault repair index` again/)]);
    const both = repairAdviceLines({ ...report, packsLeftOut: [archived, { pack: 'cd34', reason: 'missing', detail: 'gone' }] });
    expect(both[1]).toMatch(/^lifeboat vault: the index was rebuilt, but 1 pack\(s\) and 0 blob\(s\) were left out of it/);
  });
});
