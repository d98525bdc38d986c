import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { replicateVault } from '../../lambdas/replication/replicate-vault';
import { backupDirectory } from '../../vault/archiver/directory-source';
import { MemoryVaultStore } from '../../vault/backend/memory/memory-vault-store';
import { type VaultStore } from '../../vault/backend/vault-store';
import { PassphraseKeyProvider } from '../../vault/keys/passphrase-key-provider';
import { type Snapshot } from '../../vault/manifest/snapshot-record';
import { initVault, openVault, type Vault } from '../../vault/repository/vault';
import { pseudoRandomBytes, SMALL_TUNING } from './vault-test-helpers';

// Cheap scrypt; the two keys differ, as the primary and DR regions' KMS keys do.
const FAST_SCRYPT = { N: 1024, r: 8, p: 1 };

/** An environment's two vaults in memory: a primary holding one tagged backup of `src`, and its replica opened with its own key. */
export type VaultPair = { primary: Vault; dr: Vault; snapshot: Snapshot; backupId: string };

/** Writes a small tree under `src` (several packs with SMALL_TUNING), backs it up into a new primary vault and replicates it. */
export async function scrubVaultPair(src: string, backupId = '20260301T100000Z-00000001'): Promise<VaultPair> {
  await fs.mkdir(path.join(src, 'sub'), { recursive: true });
  await fs.writeFile(path.join(src, 'a.bin'), pseudoRandomBytes(150_000, 1));
  await fs.writeFile(path.join(src, 'sub', 'b.bin'), pseudoRandomBytes(90_000, 2));
  await fs.writeFile(path.join(src, 'sub', 'c.txt'), 'hello '.repeat(2_000));
  const primaryKeys = new PassphraseKeyProvider('primary region key', FAST_SCRYPT);
  const drKeys = new PassphraseKeyProvider('dr region key', FAST_SCRYPT);
  const primary = await initVault(new MemoryVaultStore('primary'), primaryKeys, SMALL_TUNING);
  const { snapshot } = await backupDirectory(primary, src, { tags: [`backupId:${backupId}`, 'plan:files'] });
  const drStore = new MemoryVaultStore('dr');
  await replicateVault({ source: primary, target: drStore, targetKeys: drKeys });
  return { primary, dr: await openVault(drStore, drKeys), snapshot, backupId };
}

/** Flips one byte in the middle of an object. */
export async function corrupt(store: VaultStore, key: string): Promise<void> {
  const body = await store.get(key);
  const at = body.length >> 1;
  body.writeUInt8((body.readUInt8(at) ^ 0x40) & 0xff, at);
  await store.put(key, body);
}

export async function listKeys(store: VaultStore, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const key of store.list(prefix)) keys.push(key);
  return keys.sort();
}
