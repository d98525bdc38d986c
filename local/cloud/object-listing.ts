import { type Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { compareKeys } from '../../lambdas/sources/s3-key-order';
import { chainedPieceOf, segmentOfDirectory, segmentOfObjectFile } from './object-key-paths';

/**
 * The keys of a bucket as ListObjects answers them, read from the directory layout of
 * object-key-paths.ts. It replaces s3rver's listing, which undid no key encoding, walked the
 * directories in file-name order rather than key order (so a page after a continuation token
 * skipped or repeated keys: `a.b` sorts before `a/b`, its files after) and missed the common prefix
 * of a directory holding only directories.
 *
 * Keys come in S3's order, by UTF-8 bytes. A directory is read only when its keys can be on the page:
 * one whose keys all sort at or before `startAfter`, or all lie outside `prefix`, is skipped, and one
 * whose keys all roll up into a common prefix is searched for a single object only.
 *
 * MaxKeys counts keys only, as in s3rver (S3 counts common prefixes too). A page that is full stops
 * collecting common prefixes: the next page starts after its last key and finds them there, so no
 * common prefix is answered twice.
 */
export type KeyListingOptions = {
  readonly prefix?: string;
  readonly delimiter?: string;
  readonly startAfter?: string;
  readonly maxKeys?: number;
};

export type KeyListing = { keys: string[]; commonPrefixes: string[]; isTruncated: boolean };

type Entry = { readonly key: string } | { readonly commonPrefix: string };

type Scope = { readonly prefix: string; readonly delimiter: string; readonly startAfter: string };

export async function listKeys(bucketDir: string, options: KeyListingOptions): Promise<KeyListing> {
  const scope: Scope = { prefix: options.prefix ?? '', delimiter: options.delimiter ?? '', startAfter: options.startAfter ?? '' };
  const maxKeys = options.maxKeys ?? Number.POSITIVE_INFINITY;
  const listing: KeyListing = { keys: [], commonPrefixes: [], isTruncated: false };
  for await (const entry of entries(bucketDir, '', scope)) {
    // The keys rolled into one common prefix come one after another: the prefix is answered once.
    if ('commonPrefix' in entry && entry.commonPrefix === listing.commonPrefixes.at(-1)) continue;
    if (listing.keys.length >= maxKeys) {
      listing.isTruncated = true;
      break;
    }
    if ('key' in entry) listing.keys.push(entry.key);
    else listing.commonPrefixes.push(entry.commonPrefix);
  }
  return listing;
}

/** The common prefix `key` (or every key starting with it) rolls up into; undefined when it is listed on its own. */
function commonPrefixOf(key: string, scope: Scope): string | undefined {
  if (scope.delimiter === '' || !key.startsWith(scope.prefix)) return undefined;
  const at = key.indexOf(scope.delimiter, scope.prefix.length);
  return at < 0 ? undefined : key.slice(0, at + scope.delimiter.length);
}

type Child = { readonly order: string; readonly path: string; readonly isDirectory: boolean };

/**
 * A directory's object keys and sub-directories (by the key prefix each stands for), in key order.
 * The pieces of a long segment (object-key-paths.ts) are read through: what lies below them is a
 * child of this directory, under the segment they spell.
 */
async function children(dir: string, dirKey: string): Promise<Child[]> {
  const found: Child[] = [];
  await collectChildren(dir, dirKey, found);
  // A file's key never starts with a sibling directory's prefix (its last segment has no `/`), so
  // sorting files by key and directories by prefix puts every key of the directory in order.
  return found.sort((a, b) => compareKeys(a.order, b.order));
}

/** Adds the children `dir` holds to `found`; `keyStart` is what each child's key starts with (the directory's key, and the pieces read so far). */
async function collectChildren(dir: string, keyStart: string, found: Child[]): Promise<void> {
  let dirents: Dirent[];
  try {
    dirents = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    // A directory removed by a delete racing the listing holds no keys.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  for (const dirent of dirents) {
    if (dirent.isDirectory()) {
      const piece = chainedPieceOf(dirent.name);
      if (piece !== undefined) {
        await collectChildren(join(dir, dirent.name), keyStart + piece, found);
        continue;
      }
      const segment = segmentOfDirectory(dirent.name);
      if (segment !== undefined) found.push({ order: `${keyStart}${segment}/`, path: join(dir, dirent.name), isDirectory: true });
    } else {
      const last = segmentOfObjectFile(dirent.name);
      if (last !== undefined) found.push({ order: keyStart + last, path: join(dir, dirent.name), isDirectory: false });
    }
  }
}

async function* entries(dir: string, dirKey: string, scope: Scope): AsyncGenerator<Entry> {
  for (const child of await children(dir, dirKey)) {
    const keyOrPrefix = child.order;
    if (!child.isDirectory) {
      if (!keyOrPrefix.startsWith(scope.prefix) || compareKeys(keyOrPrefix, scope.startAfter) <= 0) continue;
      const commonPrefix = commonPrefixOf(keyOrPrefix, scope);
      yield commonPrefix === undefined ? { key: keyOrPrefix } : { commonPrefix };
      continue;
    }
    if (!keyOrPrefix.startsWith(scope.prefix) && !scope.prefix.startsWith(keyOrPrefix)) continue;
    // Every key below sorts at or before startAfter when the directory's prefix does and is no prefix of it.
    if (compareKeys(keyOrPrefix, scope.startAfter) <= 0 && !scope.startAfter.startsWith(keyOrPrefix)) continue;
    const commonPrefix = commonPrefixOf(keyOrPrefix, scope);
    if (commonPrefix !== undefined && compareKeys(commonPrefix, scope.startAfter) > 0) {
      if (await holdsObject(child.path)) yield { commonPrefix };
      continue;
    }
    yield* entries(child.path, keyOrPrefix, scope);
  }
}

/** Whether a directory holds an object at any depth (a delete leaves no empty directory, an interrupted write may). */
async function holdsObject(dir: string): Promise<boolean> {
  for (const child of await children(dir, '')) {
    if (!child.isDirectory || (await holdsObject(child.path))) return true;
  }
  return false;
}
