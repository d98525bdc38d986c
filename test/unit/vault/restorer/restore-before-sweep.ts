import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { backupDirectory } from '../../../../vault/archiver/directory-source';
import { MemoryVaultStore } from '../../../../vault/backend/memory/memory-vault-store';
import { type VaultStore } from '../../../../vault/backend/vault-store';
import { PassphraseKeyProvider } from '../../../../vault/keys/passphrase-key-provider';
import { type Snapshot } from '../../../../vault/manifest/snapshot-record';
import { pruneVault } from '../../../../vault/prune/prune-vault';
import { initVault, Vault } from '../../../../vault/repository/vault';
import { INDEX_PREFIX, snapshotKey } from '../../../../vault/repository/vault-layout';
import { newTestVault, pseudoRandomBytes, SMALL_TUNING } from '../../../support/vault-test-helpers';

/**
 * A restore of a backup whose packs a prune repacks and sweeps while the restore runs: keep.bin (KEEP) is backed up
 * twice, the first time beside drop.bin (DROP), so its blobs share packs with blobs only the forgotten older backup
 * used. The restore loaded the kept snapshot before the prune; each suite loads the index it holds at that moment.
 */
export const KEEP = pseudoRandomBytes(200_000, 7);
export const DROP = pseudoRandomBytes(400_000, 8);

/** The vault the restore reads: `open` gives each of the writer, the restore and the prune a Vault of its own over `store`. */
export type SweptVault = { store: VaultStore; open: () => Vault; inline: boolean };

/** The two vaults a restore meets, for `describe.each`: the pack reads of codec threads, and of the in-thread codec. */
export const SWEPT_VAULT_KINDS: Array<[string, (dir: string) => Promise<SweptVault>]> = [
  [
    'a file vault, codec threads reading the pack files',
    async (dir) => {
      const { vault, store } = await newTestVault(dir);
      return { store, open: () => new Vault(store, vault.keys, vault.config), inline: false };
    },
  ],
  [
    'a memory vault, in-thread codec',
    async () => {
      const store = new MemoryVaultStore();
      const made = await initVault(store, new PassphraseKeyProvider('restore before sweep', { N: 1024, r: 8, p: 1 }), SMALL_TUNING);
      return { store, open: () => new Vault(store, made.keys, made.config), inline: true };
    },
  ],
];

/** Backs up `dir`/src twice as above, forgets the older backup as retention does, and opens the restore of the kept one. */
export async function restoreBeforeSweep(dir: string, vault: SweptVault): Promise<{ kept: Snapshot; restoring: Vault }> {
  const src = path.join(dir, 'src');
  await fs.mkdir(src);
  await fs.writeFile(path.join(src, 'keep.bin'), KEEP);
  await fs.writeFile(path.join(src, 'drop.bin'), DROP);
  const writer = vault.open();
  const old = (await backupDirectory(writer, src)).snapshot;
  await fs.rm(path.join(src, 'drop.bin'));
  const kept = (await backupDirectory(writer, src)).snapshot;
  await vault.store.delete(snapshotKey(old.id));
  const restoring = vault.open();
  return { kept: await restoring.loadSnapshot(kept.id), restoring };
}

/** Repacks the mixed packs and sweeps the old ones at once, as `lifeboat vault prune --grace 0` does in its two passes. */
export async function repackAndSweepNow(vault: SweptVault): Promise<void> {
  const pruner = vault.open();
  expect((await pruneVault(pruner, { graceMs: 0 })).report.packsRepacked).toBeGreaterThan(0);
  expect((await pruneVault(pruner, { graceMs: 0 })).report.packsDeleted).toBeGreaterThan(0);
}

/** Counts the listings of index/ (each a load of the index, whole or scoped) made through `store` from now on. */
export function countIndexLoads(store: VaultStore): () => number {
  const list = store.list.bind(store);
  let loads = 0;
  store.list = (prefix: string): AsyncIterable<string> => {
    if (prefix === INDEX_PREFIX) loads++;
    return list(prefix);
  };
  return () => loads;
}
