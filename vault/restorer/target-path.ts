import { isUtf8 } from 'node:buffer';
import { createHash, randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { type FsPath } from '../platform/posix-calls';

/**
 * Path arithmetic on restore target paths, which are strings, or Buffers when a name on the way is
 * not UTF-8 (resolveInsideTarget). A path is a string exactly when its bytes are valid UTF-8, so one
 * directory always has one form (and one key in RestoreTarget's maps).
 */
const SLASH = 0x2f;

/** The directory holding `p`. */
export function parentOf(p: FsPath): FsPath {
  if (typeof p === 'string') return path.dirname(p);
  const cut = p.lastIndexOf(SLASH);
  return canonical(cut <= 0 ? p.subarray(0, 1) : p.subarray(0, cut));
}

/** Bytes of the entry's name kept in its temporary name: with the rest, at most 124 of the 255 bytes a name may have. */
const TEMP_NAME_BYTES = 100;

/** Random bytes in a temporary name: 12 lowercase hex digits there. */
const TEMP_RANDOM_BYTES = 6;

/**
 * Exactly the names tempPathFor makes, read as latin1 (one character per byte, so names that are
 * not UTF-8 match too): a dot, 1 to 100 bytes of a name (no `/`), `.lifeboat-`, 12 lowercase hex
 * digits, `.tmp`. A user's `.notes.lifeboat-old.tmp` or `.x.lifeboat-0123456789AB.tmp` does not match.
 */
const TEMP_NAME = new RegExp(`^\\.[^/\\0]{1,${TEMP_NAME_BYTES}}\\.lifeboat-[0-9a-f]{${TEMP_RANDOM_BYTES * 2}}\\.tmp$`);

/** Whether `name` (one name, as its bytes) is a temporary name tempPathFor could have made. */
export function isTempName(name: Buffer): boolean {
  return TEMP_NAME.test(name.toString('latin1'));
}

/** `name` (one name, as its bytes) in directory `dir`. */
export function childOf(dir: FsPath, name: Buffer): FsPath {
  if (typeof dir === 'string' && isUtf8(name)) return path.join(dir, name.toString('utf8'));
  const base = typeof dir === 'string' ? Buffer.from(dir) : dir;
  return canonical(Buffer.concat([base, base[base.length - 1] === SLASH ? Buffer.alloc(0) : Buffer.from('/'), name]));
}

/** A fresh temporary name beside `p` (`.<name>.lifeboat-<random>.tmp`, the name cut to 100 bytes). */
export function tempPathFor(p: FsPath): FsPath {
  const suffix = `.lifeboat-${randomBytes(TEMP_RANDOM_BYTES).toString('hex')}.tmp`;
  if (typeof p === 'string') {
    // Cut by bytes, not characters: 100 characters of a non-Latin name can be 400 bytes.
    let name = path.basename(p).slice(0, TEMP_NAME_BYTES);
    while (Buffer.byteLength(name) > TEMP_NAME_BYTES) name = name.slice(0, -1);
    return path.join(path.dirname(p), `.${name}${suffix}`);
  }
  const cut = p.lastIndexOf(SLASH);
  const name = p.subarray(cut + 1, cut + 1 + TEMP_NAME_BYTES);
  return canonical(Buffer.concat([p.subarray(0, cut + 1), Buffer.from('.'), name, Buffer.from(suffix)]));
}

/**
 * The name beside `p` that every shard writing a piece of the same entry opens (`.<name>.lifeboat-<restoreId>.part`,
 * the name cut as tempPathFor cuts it): fixed by the restore, so the pieces meet in one file. A name longer than the
 * cut gets `~<12 hex of its SHA-256>` after the cut part, so two long names that start alike in one directory get two
 * piece files, not one (review 41d F5: verify then failed for both, and the workflow could not restore that backup).
 */
export function piecePathFor(p: FsPath, restoreId: string): FsPath {
  if (!/^[0-9A-Za-z_-]{1,100}$/.test(restoreId)) throw new TypeError(`a restore id of at most 100 letters, digits, '-' and '_' names a piece file, not ${JSON.stringify(restoreId)}`);
  const temp = tempPathFor(p);
  const full = typeof p === 'string' ? Buffer.from(path.basename(p)) : p.subarray(p.lastIndexOf(SLASH) + 1);
  const distinct = full.length > TEMP_NAME_BYTES ? `~${createHash('sha256').update(full).digest('hex').slice(0, 12)}` : '';
  const fixed = `${distinct}.lifeboat-${restoreId}.part`;
  if (typeof temp === 'string') return temp.replace(/\.lifeboat-[0-9a-f]{12}\.tmp$/, fixed);
  return Buffer.concat([temp.subarray(0, temp.length - '.lifeboat-000000000000.tmp'.length), Buffer.from(fixed)]);
}

/** A Map key for `p` (NUL never occurs in a path, so the two forms cannot collide). */
export function pathKey(p: FsPath): string {
  return typeof p === 'string' ? p : `\0${p.toString('latin1')}`;
}

/** The number of separators in `p` (deeper paths have more). */
export function depthOf(p: FsPath): number {
  if (typeof p === 'string') return p.split(path.sep).length;
  let n = 1;
  for (const b of p) if (b === SLASH) n++;
  return n;
}

/** `p` for messages (names that are not UTF-8 shown with replacement characters). */
export function displayPath(p: FsPath): string {
  return typeof p === 'string' ? p : p.toString('utf8');
}

/** `p` relative to `root` ('/'-separated), for messages. */
export function relativeDisplay(root: string, p: FsPath): string {
  return path.relative(root, displayPath(p)).split(path.sep).join('/');
}

function canonical(bytes: Buffer): FsPath {
  return isUtf8(bytes) ? bytes.toString('utf8') : Buffer.from(bytes);
}
