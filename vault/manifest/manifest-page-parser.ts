import { ENTRY_KINDS, type EntryKind, type EntryMeta, type ManifestEntry } from './manifest-entry';

/** A manifest page's JSON does not have the structure of docs/FORMAT.md §7; `path` says where. */
export class ManifestShapeError extends Error {
  override name = 'ManifestShapeError';
  constructor(
    readonly path: string,
    detail: string,
  ) {
    super(`${path}: ${detail}`);
  }
}

const KINDS: ReadonlySet<string> = new Set(ENTRY_KINDS);
const BLOB_ID = /^[0-9a-f]{64}$/;

/**
 * The entries of a decoded manifest page (`{"v":1,"entries":[…]}`), checked entry by entry against
 * the format (the same rules as manifestEntrySchema), with plain loops. A page is read for every
 * backup with a parent and for every restore, 1,000 entries at a time; a generic schema library
 * (its lazy JSON-value union for `meta` above all) cost a quarter of an unchanged-tree backup.
 * `meta` is only checked to be an object: what JSON.parse made of it can hold JSON values only.
 */
export function parseManifestPage(raw: unknown): ManifestEntry[] {
  if (!isRecord(raw)) throw new ManifestShapeError('(root)', 'expected an object');
  if (raw['v'] !== 1) throw new ManifestShapeError('v', `expected 1, got ${JSON.stringify(raw['v'])}`);
  const entries = raw['entries'];
  if (!Array.isArray(entries) || entries.length === 0) throw new ManifestShapeError('entries', 'expected a non-empty array');
  return entries.map((entry: unknown, i) => parseEntry(entry, `entries.${i}`));
}

function parseEntry(raw: unknown, at: string): ManifestEntry {
  if (!isRecord(raw)) throw new ManifestShapeError(at, 'expected an object');
  const { path, kind, meta, size, content, changeToken } = raw;
  if (typeof path !== 'string' || path.length === 0) throw new ManifestShapeError(`${at}.path`, 'expected a non-empty string');
  if (typeof kind !== 'string' || !KINDS.has(kind)) throw new ManifestShapeError(`${at}.kind`, `expected one of ${ENTRY_KINDS.join(', ')}`);
  if (!isRecord(meta)) throw new ManifestShapeError(`${at}.meta`, 'expected an object');
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) throw new ManifestShapeError(`${at}.size`, 'expected a non-negative integer');
  if (!Array.isArray(content)) throw new ManifestShapeError(`${at}.content`, 'expected an array');
  for (let i = 0; i < content.length; i++) {
    const id: unknown = content[i];
    if (typeof id !== 'string' || !BLOB_ID.test(id)) throw new ManifestShapeError(`${at}.content.${i}`, 'expected a blob id (64 hex digits)');
  }
  if (changeToken !== undefined && typeof changeToken !== 'string') throw new ManifestShapeError(`${at}.changeToken`, 'expected a string');
  return {
    path,
    kind: kind as EntryKind,
    meta: meta as EntryMeta,
    size,
    content: content as string[],
    ...(changeToken !== undefined ? { changeToken } : {}),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
