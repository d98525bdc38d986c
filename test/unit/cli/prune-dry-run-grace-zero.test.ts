import { pruneReportLines } from '../../../cli/commands/prune-report-lines';
import { pruneToEnd } from '../../../cli/commands/prune-to-end';
import { MemoryVaultStore } from '../../../vault/backend/memory/memory-vault-store';
import { PassphraseKeyProvider } from '../../../vault/keys/passphrase-key-provider';
import { initVault, type Vault } from '../../../vault/repository/vault';
import { snapshotKey } from '../../../vault/repository/vault-layout';
import { pseudoRandomBytes } from '../../support/vault-test-helpers';

/** Audit R2 F3: `--dry-run --grace 0` reports what the real run with the same flags deletes at once. */

const TUNING = { chunker: { minSize: 1024, avgSize: 4096, maxSize: 16384 }, packSize: 16 * 1024, compressionLevel: null } as const;

async function backup(vault: Vault, files: ReadonlyArray<[string, Buffer]>): Promise<string> {
  const writer = await vault.newSnapshotWriter({ inline: true });
  for (const [path, content] of files) await writer.add({ path, kind: 'object', meta: {}, content });
  const part = await writer.finish();
  return (await vault.commitSnapshot({ source: { kind: 'directory', id: '/src' }, parts: [part] })).id;
}

describe('pruneToEnd with --dry-run --grace 0', () => {
  it('reports the packs, index and manifest objects and bytes the real run deletes, as deleted at once', async () => {
    const memory = new MemoryVaultStore();
    const vault = await initVault(memory, new PassphraseKeyProvider('dry run', { N: 1024, r: 8, p: 1 }), TUNING);
    const shared = pseudoRandomBytes(40 * 1024, 1);
    const gone = await backup(vault, [['a', shared], ['b', pseudoRandomBytes(40 * 1024, 2)]]);
    await backup(vault, [['a', shared], ['c', pseudoRandomBytes(20 * 1024, 3)]]);
    await memory.delete(snapshotKey(gone));

    const dry = await pruneToEnd(vault, { graceMs: 0, dryRun: true });
    const real = await pruneToEnd(vault, { graceMs: 0, dryRun: false });
    expect(real.packsDeleted).toBeGreaterThan(0);
    const figures = (r: typeof real): number[] => [r.packsDeleted, r.indexesDeleted, r.manifestsDeleted, r.bytesFreed, r.packsCondemned, r.bytesCondemned, r.packsRepacked];
    expect(figures(dry)).toEqual(figures(real));
    const lines = pruneReportLines(dry, 'the vault', 0);
    expect(lines).toContainEqual(expect.stringMatching(/would be swept at once \(grace 0\): counted in Deleted above/));
    expect(lines.join('\n')).not.toMatch(/after the grace period/);
  });
});
