import { type PutCommand } from '@aws-sdk/lib-dynamodb';
import { pruneVaultHandler } from '../../../../lambdas/handlers/prune-vault';
import { type LambdaRuntime } from '../../../../lambdas/runtime/lambda-runtime';
import { MemoryVaultStore } from '../../../../vault/backend/memory/memory-vault-store';
import { writeIndexObject } from '../../../../vault/blob-index/index-writer';
import { PassphraseKeyProvider } from '../../../../vault/keys/passphrase-key-provider';
import { loadIndexObjects } from '../../../../vault/prune/index-objects';
import { initVault, Vault } from '../../../../vault/repository/vault';
import { packKey } from '../../../../vault/repository/vault-layout';
import { capturedStdout, jsonLines } from '../../../support/captured-stdout';
import { pseudoRandomBytes } from '../../../support/vault-test-helpers';

/** 1–16 KiB chunks, 16 KiB packs: 12 KiB of data make a pack of a few blobs. */
const TUNING = { chunker: { minSize: 1024, avgSize: 4096, maxSize: 16384 }, packSize: 16 * 1024, compressionLevel: null } as const;

/**
 * A vault whose one data pack is stored twice, the copy the prune keeps (the larger pack id) cut short: every blob in it
 * fails, so the prune reports a damaged copy per blob, of one pack.
 */
async function vaultWithATruncatedPack(): Promise<{ vault: () => Vault; truncated: string }> {
  const store = new MemoryVaultStore();
  const { keys, config } = await initVault(store, new PassphraseKeyProvider('prune handler test', { N: 1024, r: 8, p: 1 }), TUNING);
  const vault = new Vault(store, keys, config);
  const writer = await vault.newSnapshotWriter({ inline: true });
  await writer.add({ path: 'x', kind: 'object', meta: {}, content: pseudoRandomBytes(12 * 1024, 41) });
  await vault.commitSnapshot({ source: { kind: 'directory', id: '/src' }, parts: [await writer.finish()] });
  const [original] = (await loadIndexObjects(vault)).flatMap((o) => o.packs).filter((p) => p.entries.length > 1);
  if (!original) throw new Error('the backup stored no pack of several blobs');
  const truncated = 'f'.repeat(64);
  await store.put(packKey(truncated), (await store.get(packKey(original.packId))).subarray(0, 10));
  await writeIndexObject(store, vault.keys, [{ packId: truncated, length: original.length, entries: original.entries }]);
  return { vault: () => new Vault(store, keys, config), truncated };
}

/** The Prune step's runtime: the vault, and a catalog client that keeps what it is sent. */
function runtime(vault: () => Vault, sent: PutCommand['input'][]): () => LambdaRuntime {
  const fake = {
    config: { homeVault: 'primary', catalogTable: 'catalog' },
    environment: 'prod',
    plans: [],
    clients: { documentClient: () => ({ send: async (command: PutCommand) => void sent.push(command.input) }) },
    openVault: async () => vault(),
  };
  return () => fake as unknown as LambdaRuntime;
}

// Review R4-4: PruneDamagedPacks and the status line's "N damaged pack(s)" counted report.damaged, an entry per damaged blob copy.
it('publishes PruneDamagedPacks and records damagedPacks as the packs damaged, not the blob copies in them', async () => {
  const { vault, truncated } = await vaultWithATruncatedPack();
  const sent: PutCommand['input'][] = [];
  let output: Awaited<ReturnType<ReturnType<typeof pruneVaultHandler>>> | undefined;
  const lines = await capturedStdout(async () => {
    output = await pruneVaultHandler(runtime(vault, sent))({});
  });
  expect(output?.done).toBe(true);
  expect(new Set(output?.report.damaged.map((d) => d.pack))).toEqual(new Set([truncated]));
  expect(output?.report.damaged.length).toBeGreaterThan(1);

  const metrics = jsonLines(lines).filter((line) => '_aws' in line);
  expect(metrics).toEqual([expect.objectContaining({ Environment: 'prod', PruneDamagedPacks: 1 })]);
  expect(sent).toEqual([expect.objectContaining({ TableName: 'catalog', Item: expect.objectContaining({ vault: 'primary', damagedPacks: 1 }) })]);
});
