import { pruneCommand } from '../../../cli/commands/prune-command';
import { pruneToEnd } from '../../../cli/commands/prune-to-end';
import { vaultPrune } from '../../../cli/commands/vault-commands';
import { MemoryVaultStore } from '../../../vault/backend/memory/memory-vault-store';
import { PassphraseKeyProvider } from '../../../vault/keys/passphrase-key-provider';
import { DEFAULT_PRUNE_GRACE_MS } from '../../../vault/prune/prune-vault';
import { isTombstone, loadCondemnedBatches } from '../../../vault/prune/prune-state';
import { initVault, type Vault } from '../../../vault/repository/vault';
import { snapshotKey } from '../../../vault/repository/vault-layout';
import { capturedCliIo } from '../../support/captured-cli-io';
import { pseudoRandomBytes, removeDir, tempDir } from '../../support/vault-test-helpers';
import { vaultWithForgottenSnapshot } from '../../support/vault-with-forgotten-snapshot';

/**
 * `prune --grace 0` after a prune with the default grace deleted nothing and did not say why. A batch is due
 * at condemnedAt + max(its grace, the run's), so the earlier batch waits: the report says so, with how many,
 * their packs, bytes, and when the first is due for a prune of which grace.
 */

const TUNING = { chunker: { minSize: 1024, avgSize: 4096, maxSize: 16384 }, packSize: 16 * 1024, compressionLevel: null } as const;

async function backup(vault: Vault, files: ReadonlyArray<[string, Buffer]>): Promise<string> {
  const writer = await vault.newSnapshotWriter({ inline: true });
  for (const [name, content] of files) await writer.add({ path: name, kind: 'object', meta: {}, content });
  const part = await writer.finish();
  return (await vault.commitSnapshot({ source: { kind: 'directory', id: '/src' }, parts: [part] })).id;
}

describe('a prune that leaves batches earlier prunes condemned to their own grace', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir('prune-earlier-batches');
  });
  afterAll(async () => removeDir(dir));

  it('vault prune --grace 0 says how many earlier batches wait for their grace, and that 0 sweeps only its own', async () => {
    const { vault, keyFile } = await vaultWithForgottenSnapshot(dir, 60_000, 7);

    const condemning = capturedCliIo();
    expect(await vaultPrune({ vault, keyFile }, { io: condemning.io })).toBe(0);
    expect(condemning.out.join('\n')).toMatch(/Condemned: [1-9]\d* pack\(s\)/);
    expect(condemning.out.join('\n')).not.toMatch(/^Waiting:/m);

    const atOnce = capturedCliIo();
    expect(await vaultPrune({ vault, keyFile, grace: '0' }, { io: atOnce.io })).toBe(0);
    expect(atOnce.out).toContainEqual(expect.stringMatching(/^Deleted: 0 pack\(s\), 0 index object\(s\), 0 manifest object\(s\); 0 bytes freed\.$/));
    expect(atOnce.out).toContainEqual(
      expect.stringMatching(
        /^Waiting: 1 batch\(es\) earlier prunes condemned \([1-9]\d* pack\(s\), [\d.]+ (bytes|KiB)\) wait for the longer of their grace and this run's: the first is due at \d{4}-\d\d-\d\dT[\d:.]+Z for a prune with a grace of at most 25 h \(a longer grace waits longer\); --grace 0 deletes at once only what this run condemns\.$/,
      ),
    );
  });

  it('lifeboat prune names the earlier batches\' packs, bytes and when the first is due, for --grace 0, its dry run and a default run', async () => {
    const memory = new MemoryVaultStore();
    const vault = await initVault(memory, new PassphraseKeyProvider('earlier batches', { N: 1024, r: 8, p: 1 }), TUNING);
    const gone = await backup(vault, [['a', pseudoRandomBytes(40 * 1024, 1)]]);
    await backup(vault, [['b', pseudoRandomBytes(20 * 1024, 2)]]);
    await memory.delete(snapshotKey(gone));
    const condemned = await pruneToEnd(vault, {});
    expect(condemned.packsCondemned).toBeGreaterThan(0);
    const [batch] = (await loadCondemnedBatches(memory, vault.keys)).filter((b) => !isTombstone(b));
    if (!batch) throw new Error('the first prune wrote no batch');
    // A batch is an earlier prune's when dated before this run's start: on a fast machine both fell in one
    // millisecond and no batch was "earlier" (a CI run failed so). Let the clock move on.
    await millisecondPassed(Date.parse(batch.condemnedAt));
    const dueAt = new Date(Date.parse(batch.condemnedAt) + DEFAULT_PRUNE_GRACE_MS).toISOString();
    const bytes = batch.packs.reduce((n, p) => n + p.bytes, 0);
    expect(bytes).toBeGreaterThan(1024);
    const size = `${(bytes / 1024).toFixed(1)} KiB`;
    // The access is injected: the target names no config that is read.
    const target = { config: '/nonexistent', env: 'test', dataDir: '/nonexistent' };
    const access = { environment: { name: 'test' }, openVault: () => Promise.resolve(vault), pruneLogIn: () => ({ record: () => Promise.resolve() }) };
    const waiting = `Waiting: 1 batch(es) earlier prunes condemned (${batch.packs.length} pack(s), ${size}) wait for the longer of their grace and this run's: the first is due at ${dueAt} for a prune with a grace of at most 25 h (a longer grace waits longer)`;

    for (const options of [{ grace: '0', dryRun: true }, { grace: '0' }]) {
      const run = capturedCliIo();
      expect(await pruneCommand({ ...target, ...options }, { io: run.io, access })).toBe(0);
      expect(run.out.filter((l) => l.startsWith('Waiting:'))).toEqual([`${waiting}; --grace 0 deletes at once only what this run condemns.`]);
    }
    // A run with the default grace that condemns more: its own batch is not an earlier one.
    await memory.delete(snapshotKey((await vault.listSnapshots()).map((s) => s.id)[0] as string));
    await backup(vault, [['c', pseudoRandomBytes(8 * 1024, 3)]]);
    const later = capturedCliIo();
    expect(await pruneCommand(target, { io: later.io, access })).toBe(0);
    expect(later.out.join('\n')).toMatch(/Condemned: [1-9]\d* pack\(s\)/);
    expect(later.out.filter((l) => l.startsWith('Waiting:'))).toEqual([`${waiting}.`]);
  });

  it('counts the due time with the longer of the batch\'s grace and the run\'s, and says which grace it holds for', async () => {
    const memory = new MemoryVaultStore();
    const vault = await initVault(memory, new PassphraseKeyProvider('grace of the batch', { N: 1024, r: 8, p: 1 }), TUNING);
    const gone = await backup(vault, [['a', pseudoRandomBytes(40 * 1024, 4)]]);
    await backup(vault, [['b', pseudoRandomBytes(20 * 1024, 5)]]);
    await memory.delete(snapshotKey(gone));
    const tenHours = 10 * 3_600_000;
    expect((await pruneToEnd(vault, { graceMs: tenHours })).packsCondemned).toBeGreaterThan(0);
    const [batch] = (await loadCondemnedBatches(memory, vault.keys)).filter((b) => !isTombstone(b));
    if (!batch) throw new Error('the first prune wrote no batch');
    // A batch is an earlier prune's when dated before this run's start: on a fast machine both fell in one
    // millisecond and no batch was "earlier" (a CI run failed so). Let the clock move on.
    await millisecondPassed(Date.parse(batch.condemnedAt));
    const target = { config: '/nonexistent', env: 'test', dataDir: '/nonexistent' };
    const access = { environment: { name: 'test' }, openVault: () => Promise.resolve(vault), pruneLogIn: () => ({ record: () => Promise.resolve() }) };
    const dueAfter = (graceMs: number): string => new Date(Date.parse(batch.condemnedAt) + graceMs).toISOString();

    const atOnce = capturedCliIo();
    expect(await pruneCommand({ ...target, grace: '0', dryRun: true }, { io: atOnce.io, access })).toBe(0);
    expect(atOnce.out.find((l) => l.startsWith('Waiting:'))).toContain(`the first is due at ${dueAfter(tenHours)} for a prune with a grace of at most 10 h`);
    const byDefault = capturedCliIo();
    expect(await pruneCommand({ ...target, dryRun: true }, { io: byDefault.io, access })).toBe(0);
    expect(byDefault.out.find((l) => l.startsWith('Waiting:'))).toContain(`the first is due at ${dueAfter(DEFAULT_PRUNE_GRACE_MS)} for a prune with a grace of at most 25 h`);
  });
});

/** Resolves once Date.now() is past `ms` (a few milliseconds at most). */
async function millisecondPassed(ms: number): Promise<void> {
  while (Date.now() <= ms) await new Promise((resolve) => setTimeout(resolve, 1));
}
