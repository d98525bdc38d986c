import { type Stats } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { type VaultStore } from '../vault-store';

/**
 * What only a vault in a directory has: one object's size for the price of a stat, and the `.tmp-*`
 * files a killed writer leaves (FileVaultStore writes every object to one and renames it into place). On
 * S3 one object's size costs a request and an object appears whole or not at all, so these answer
 * "unknown" (null) and "none" there; the sizes of many objects come with a listing on every store that
 * has VaultStore.listWithSizes. Recognised by `localPath`, which only a directory store has.
 */

/** The prefix of every temporary file FileVaultStore writes; `list` never yields such names. */
export const TEMP_FILE_PREFIX = '.tmp-';

/** The vault's root directory when its store keeps objects as files, else null. */
export function vaultDirectory(store: VaultStore): string | null {
  // `config` is at the root of every vault: the directory of its file is the vault's.
  return store.localPath ? path.dirname(store.localPath('config')) : null;
}

/** The size of an object of a directory store; null where sizes are not cheap (S3) or the object is gone. */
export async function localObjectSize(store: VaultStore, key: string): Promise<number | null> {
  const file = store.localPath?.(key);
  return file === undefined ? null : fileSize(file);
}

/** A `.tmp-*` file under a vault directory, by its '/'-separated key. */
export type TemporaryFile = { readonly key: string; readonly bytes: number; readonly modifiedMs: number };

/** Every `.tmp-*` file under the vault's directory (none for other stores); a file gone meanwhile is skipped. */
export async function* temporaryFiles(store: VaultStore): AsyncGenerator<TemporaryFile> {
  const root = vaultDirectory(store);
  if (root === null) return;
  for await (const key of temporaryKeys(root, '')) {
    const stats = await statOrNull(path.join(root, ...key.split('/')));
    if (stats) yield { key, bytes: stats.size, modifiedMs: stats.mtimeMs };
  }
}

/**
 * Removes a `.tmp-*` file if it was last written before `cutoffMs` (checked again right before the
 * unlink, so a file a writer touched since the listing stays); its size when removed, else null. A
 * writer whose file is removed under it anyway fails loudly at its rename (ENOENT): nothing is lost.
 */
export async function removeTemporaryFileOlderThan(store: VaultStore, key: string, cutoffMs: number): Promise<number | null> {
  const root = vaultDirectory(store);
  const name = key.slice(key.lastIndexOf('/') + 1);
  if (root === null || !name.startsWith(TEMP_FILE_PREFIX) || key.split('/').some((s) => s === '' || s === '.' || s === '..')) return null;
  const file = path.join(root, ...key.split('/'));
  const stats = await statOrNull(file);
  if (!stats?.isFile() || stats.mtimeMs >= cutoffMs) return null;
  await fs.rm(file, { force: true });
  return stats.size;
}

async function* temporaryKeys(dir: string, keyPrefix: string): AsyncGenerator<string> {
  let entries;
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch (err) {
    // A directory removed while walking (nothing else does that to a vault, but a walk must not fail on it).
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  for (const d of entries) {
    if (d.isDirectory()) yield* temporaryKeys(path.join(dir, d.name), `${keyPrefix}${d.name}/`);
    else if (d.isFile() && d.name.startsWith(TEMP_FILE_PREFIX)) yield `${keyPrefix}${d.name}`;
  }
}

/** A file's size, or null when there is no such file (any more). */
export async function fileSize(file: string): Promise<number | null> {
  return (await statOrNull(file))?.size ?? null;
}

/** A file's stat, or null when it went away (a writer renamed or removed its temp file, a prune swept a pack). */
async function statOrNull(file: string): Promise<Stats | null> {
  try {
    return await fs.stat(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}
