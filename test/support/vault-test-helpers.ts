import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { FileVaultStore } from '../../vault/backend/file/file-vault-store';
import { type VaultStore } from '../../vault/backend/vault-store';
import { KeyFileKeyProvider } from '../../vault/keys/key-file-key-provider';
import { initVault, type Vault } from '../../vault/repository/vault';
import { packKey } from '../../vault/repository/vault-layout';

/** Small chunks and packs so that tests exercise many chunks and packs with little data. */
export const SMALL_TUNING = { chunker: { minSize: 1024, avgSize: 4096, maxSize: 16384 }, packSize: 64 * 1024 } as const;

export async function tempDir(label: string): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), `lifeboat-${label}-`));
}

export async function removeDir(dir: string): Promise<void> {
  await fs.rm(dir, { recursive: true, force: true });
}

export async function newTestVault(dir: string): Promise<{ vault: Vault; store: FileVaultStore; keyFile: string }> {
  const keyFile = path.join(dir, 'key');
  const store = new FileVaultStore(path.join(dir, 'vault'), { durable: false });
  const vault = await initVault(store, await KeyFileKeyProvider.create(keyFile), SMALL_TUNING);
  return { vault, store, keyFile };
}

/** Deterministic pseudo-random bytes (xorshift), so failures reproduce. */
export function pseudoRandomBytes(n: number, seed: number): Buffer {
  const out = Buffer.allocUnsafe(n);
  let x = seed | 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** A directory tree as a flat map: relative path → file bytes, symlink target, or 'dir'. */
export type TreeSpec = Map<string, { file: Buffer } | { link: string } | 'dir'>;

export async function readTree(root: string): Promise<TreeSpec> {
  const out: TreeSpec = new Map();
  const walk = async (dir: string, rel: string): Promise<void> => {
    for (const d of await fs.readdir(dir, { withFileTypes: true })) {
      const r = rel ? `${rel}/${d.name}` : d.name;
      const abs = path.join(dir, d.name);
      if (d.isSymbolicLink()) out.set(r, { link: await fs.readlink(abs) });
      else if (d.isDirectory()) {
        out.set(r, 'dir');
        await walk(abs, r);
      } else out.set(r, { file: await fs.readFile(abs) });
    }
  };
  await walk(root, '');
  return out;
}

/** The keys `store` lists under `prefix`, sorted. */
export async function listedKeys(store: VaultStore, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const key of store.list(prefix)) keys.push(key);
  return keys.sort();
}

/** A store with only the required VaultStore methods of `inner` (like S3: no local paths, no gathered writes), `overrides` added or replacing some. */
export function requiredMethodsStore(inner: VaultStore, overrides: Partial<VaultStore> = {}): VaultStore {
  return {
    location: inner.location,
    put: (k, b) => inner.put(k, b),
    get: (k, r) => inner.get(k, r),
    has: (k) => inner.has(k),
    list: (p) => inner.list(p),
    delete: (k) => inner.delete(k),
    ...overrides,
  };
}

/** Flips one byte inside a blob's stored bytes in its pack (a file vault): reading the blob then fails authentication. */
export async function damageStoredBlob(vault: Vault, store: FileVaultStore, blobIdHex: string): Promise<void> {
  const loc = (await vault.index()).lookup(Buffer.from(blobIdHex, 'hex'));
  if (!loc) throw new Error(`blob ${blobIdHex} is in no index of the test vault`);
  const packFile = store.localPath(packKey(loc.packId));
  const pack = await fs.readFile(packFile);
  const at = loc.offset + 30;
  pack[at] = (pack[at] as number) ^ 1;
  await fs.writeFile(packFile, pack);
}
