import { pruneToEnd } from '../../../cli/commands/prune-to-end';
import { MemoryVaultStore } from '../../../vault/backend/memory/memory-vault-store';
import { PassphraseKeyProvider } from '../../../vault/keys/passphrase-key-provider';
import { initVault, Vault } from '../../../vault/repository/vault';
import { packKey, snapshotKey } from '../../../vault/repository/vault-layout';
import { pseudoRandomBytes } from '../../support/vault-test-helpers';

/** Audit a58B F10: `vault prune --grace 0` runs two passes, and a damaged pack both met was reported twice. */

const TUNING = { chunker: { minSize: 1024, avgSize: 4096, maxSize: 16384 }, packSize: 16 * 1024, compressionLevel: null } as const;

async function backup(vault: Vault, files: ReadonlyArray<[string, Buffer]>): Promise<string> {
  const writer = await vault.newSnapshotWriter({ inline: true });
  for (const [path, content] of files) await writer.add({ path, kind: 'object', meta: {}, content });
  const part = await writer.finish();
  return (await vault.commitSnapshot({ source: { kind: 'directory', id: '/src' }, parts: [part] })).id;
}

describe('pruneToEnd with --grace 0 and a damaged pack to repack', () => {
  it('reports the damaged pack once, though both passes leave it alone', async () => {
    const memory = new MemoryVaultStore();
    const made = await initVault(memory, new PassphraseKeyProvider('damage once', { N: 1024, r: 8, p: 1 }), TUNING);
    const vault = new Vault(memory, made.keys, made.config);
    const keep = pseudoRandomBytes(3000, 21);
    const gone = await backup(vault, [['drop', pseudoRandomBytes(9000, 22)], ['keep', keep]]);
    const kept = await backup(vault, [['keep', keep]]);
    await memory.delete(snapshotKey(gone));
    // A live blob of the pack the prune would repack fails authentication: the pack is left alone, and said so.
    const entry = await (await vault.manifest(await vault.loadSnapshot(kept))).find('keep');
    const at = (await new Vault(memory, made.keys, made.config).index()).lookup(Buffer.from(entry?.content[0] as string, 'hex'));
    if (!at) throw new Error('the kept blob is in no index');
    const pack = await memory.get(packKey(at.packId));
    pack[at.offset + 20] = (pack[at.offset + 20] as number) ^ 1;
    await memory.put(packKey(at.packId), pack);

    const report = await pruneToEnd(new Vault(memory, made.keys, made.config), { graceMs: 0 });
    expect(report.damaged).toEqual([{ pack: at.packId, problem: expect.stringMatching(/blob [0-9a-f]{64}: authentication failed/) }]);
  });
});
