import { comparePaths, type ManifestEntry } from './manifest-entry';
import { PAGE_MAX_ENTRIES, PAGE_MAX_JSON_BYTES, type PageRef } from './manifest-format';
import { decodeJsonWith, getSealedObject, putSealedObject } from '../crypto/sealed-object';
import { parseManifestPage } from './manifest-page-parser';
import { VaultCorruptionError } from '../vault-errors';
import { type VaultKeys } from '../crypto/vault-keys';
import { manifestKey } from '../repository/vault-layout';
import { type VaultStore } from '../backend/vault-store';

/** Compression of manifest pages: JSON with repeated keys and hex ids shrinks well. */
const PAGE_COMPRESSION_LEVEL = 3;

/** Two snapshots may not list one path twice; a commit merging overlapping parts stops on it. */
export class DuplicateEntryError extends Error {
  override name = 'DuplicateEntryError';
  constructor(readonly path: string) {
    super(`the entry ${JSON.stringify(path)} was added more than once (by one writer or by two shards); each path must be written once per snapshot`);
  }
}

/** Writes already-sorted entries as pages; `add` must be called in manifest order. */
export class PageRunWriter {
  private buffer: ManifestEntry[] = [];
  private bufferBytes = 0;
  private lastPath: string | null = null;
  readonly pages: PageRef[] = [];

  constructor(
    private readonly store: VaultStore,
    private readonly keys: VaultKeys,
  ) {}

  async add(entry: ManifestEntry): Promise<void> {
    if (this.lastPath !== null) {
      const c = comparePaths(this.lastPath, entry.path);
      if (c === 0) throw new DuplicateEntryError(entry.path);
      if (c > 0) throw new Error(`manifest entries out of order: ${JSON.stringify(entry.path)} after ${JSON.stringify(this.lastPath)}`);
    }
    this.lastPath = entry.path;
    this.buffer.push(entry);
    this.bufferBytes += estimateJsonBytes(entry);
    if (this.buffer.length >= PAGE_MAX_ENTRIES || this.bufferBytes >= PAGE_MAX_JSON_BYTES) await this.flush();
  }

  async flush(): Promise<void> {
    const entries = this.buffer;
    if (entries.length === 0) return;
    this.buffer = [];
    this.bufferBytes = 0;
    const body = Buffer.from(JSON.stringify({ v: 1, entries }), 'utf8');
    const id = await putSealedObject(this.store, this.keys, manifestKey, 'manifest-page', body, PAGE_COMPRESSION_LEVEL);
    this.pages.push({ id, first: (entries[0] as ManifestEntry).path, last: (entries[entries.length - 1] as ManifestEntry).path, count: entries.length, bytes: entries.reduce((n, e) => n + e.size, 0) });
  }
}

/** The characters JSON.stringify writes as a 6-byte `\u00XX` (besides \b \t \n \f \r, 2 bytes: still more than 1). */
// eslint-disable-next-line no-control-regex -- control characters are what it looks for
const JSON_ESCAPED_CONTROL = /[\u0000-\u001f]/;

/**
 * An entry's UTF-8 JSON bytes, at least: pages close on it (PAGE_MAX_JSON_BYTES), and the prune mark weighs a page in
 * flight on that bound (mark-concurrency.ts MARK_PAGE_FLOOR_BYTES). Counted in bytes, not UTF-16 characters: counted in
 * characters, a page of CJK tags or paths (3 bytes a character) closed at up to ~3 MiB (review rM F1). The path is
 * counted twice its bytes, as it was in characters, so ASCII pages close where they did; the margin covers JSON's
 * escapes of quotes, backslashes and lone surrogates and the change token left out. It does not cover a control
 * character (U+0000–U+001F), which JSON writes as `\u00XX`, 6 bytes for 1: a page of such paths closed at ~3 MiB
 * (review r57D F1), so a path holding one is counted twice its JSON bytes. JSON.stringify of every path would be
 * exact, but cost 0.70 µs an entry against 0.54 (0.42 before; 1 M ASCII entries, 2026-12-07); the test for a control
 * character keeps other paths at that cost.
 */
function estimateJsonBytes(e: ManifestEntry): number {
  const pathBytes = JSON_ESCAPED_CONTROL.test(e.path) ? Buffer.byteLength(JSON.stringify(e.path), 'utf8') : Buffer.byteLength(e.path, 'utf8');
  return 120 + pathBytes * 2 + e.content.length * 67 + Buffer.byteLength(JSON.stringify(e.meta), 'utf8');
}

/** Loads one page, checking its content address, its structure and that it matches its reference. */
export async function loadPage(store: VaultStore, keys: VaultKeys, ref: PageRef): Promise<ManifestEntry[]> {
  const key = manifestKey(ref.id);
  const plain = await getSealedObject(store, keys, key, ref.id, 'manifest-page');
  const entries = decodeJsonWith(parseManifestPage, plain, { location: store.location, key });
  const fail = (detail: string): never => {
    throw new VaultCorruptionError(store.location, key, detail);
  };
  if (entries.length !== ref.count) fail(`page holds ${entries.length} entries, its reference says ${ref.count}`);
  if (entries.reduce((n, e) => n + e.size, 0) !== ref.bytes) fail('page byte total differs from its reference');
  if (entries[0]?.path !== ref.first || entries[entries.length - 1]?.path !== ref.last) fail('page bounds differ from its reference');
  for (let i = 1; i < entries.length; i++) {
    if (comparePaths((entries[i - 1] as ManifestEntry).path, (entries[i] as ManifestEntry).path) >= 0) fail(`entries out of order at ${i}`);
  }
  return entries;
}
