import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { type BigIntStats } from 'node:fs';
import { lstat, readlink } from 'node:fs/promises';
import { type CheckedWrites, countsEveryEntryLacking, entryAttributes, isNameTooLong, type ManifestEntry, type NotRestored, NotRestoredLog, platformCalls, type RestoredContentTags, type WriteCheckFinding, xattrsPlatformLoss } from '../../vault';
import { mapBounded, SET_ID_BITS } from '../../vault';
import { resolveInsideTarget } from '../../vault';
import { type Vault } from '../../vault';
import { readS3ObjectTags } from '../sources/s3-bucket-source';
import { differingS3Headers, s3HeadersOfMeta, s3HeadersOfResponse } from '../sources/s3-object-headers';
import { MISFILED, restoredContentMatches, restoredFileMatches, streamReader } from './content-check';
import { type ResolvedRestore } from './resolved-restore';
import { directoryEntry, s3Attributes, s3TargetKey } from './restored-entry';
import { TooLongNotMade } from './too-long-not-made';

/**
 * A restored entry read back and compared with its manifest entry. The restore shards check the
 * entries they wrote, right after writing them (restore-shard.ts), so the reading back is spread
 * over the shards as the writing is; the verify step checks what only it finishes: directories
 * (their modes are set at the end) and entries restored in pieces (verify-restore.ts).
 */

/**
 * What checking a set of restored entries found. `checked`: the entries read back (equal, or in
 * `mismatches`); an entry in `notRestored` is not among them, so a report's "verified N entries
 * equal to the backup" never counts a socket that is not there or a file without its extended
 * attributes (audit R41 F2).
 */
export type EntryCheckOutcome = { checked: number; mismatches: string[]; notRestored: NotRestored[] };

/** Entries read back at once. */
const CHECKS_AT_ONCE = 8;

/**
 * An entry the target's file system refuses to look up because a name on its path is too long (ENAMETOOLONG): no
 * restorer could have made it, and the one handed it says so (name-too-long.ts), the entry by its own name or once for
 * everything below a directory so refused, each entry counted (review r58K F4). Without such a line it is a mismatch:
 * the lookup can fail so for an entry that was made (a longer spelling of the root, review r59E F3).
 */
const NAME_REFUSED: unique symbol = Symbol('a name on its path is refused as too long');

/** No entry at the entry's path. */
const MISSING = 'missing in the target';

/**
 * Checks each entry in the target: S3: size, content, content type, the other recorded headers
 * (Content-Encoding, Cache-Control, Content-Disposition, Content-Language, Expires, website
 * redirect: each present exactly when recorded), user metadata and tags;
 * directories: kind, mode, size, content and link target. A file's content is proved by `checkedWrites`
 * when it holds the file, unchanged since it was placed (checked-writes.ts), else read back in full
 * and compared by blob ids. A special file the restore was not
 * allowed to make is a NotRestored, not a mismatch. `root` is the target directory's path as opened
 * by the caller (file-system targets). `reported`: what the restorer that wrote these entries said
 * it could not recreate (an extended attribute of a namespace it may not write, a device); an entry
 * it names is a NotRestored with the restorer's own reasons, however equal the rest of it reads
 * back, and what it names of other entries is carried into the outcome as it is. The loss of the
 * platform calls (extended attributes not set: xattrsPlatformLoss), however the restorer said it (once
 * for many entries with their number, `entries`, or for the one it struck), is said once again for
 * every entry found lacking it, hard-link names included, with their number: they are not verified,
 * nor listed one by one (audit f58E, review r58D F2). An entry absent, or whose path the target's file system refuses
 * as too long, that a restorer's line says it could not make for a name too long (its own, or said once for a directory
 * above it) is neither verified nor a mismatch, and only what the restorer told of it is kept (NAME_REFUSED); without
 * such a line it is a mismatch. `counted`: such lines another step already counted (the shards' records, for the verify
 * step's directories, built once for its walk: too-long-not-made.ts), which excuse an entry so but are not carried into
 * the outcome; an entry refused as too long that no line covers, in the range of a shard whose list was cut, is taken as
 * one of the lines it left out.
 */
export async function checkRestoredEntries(
  vault: Vault,
  target: Exclude<ResolvedRestore['target'], { type: 'dynamodb' }>,
  where: { targetS3: S3Client; root: string; keepSetIdBits: boolean; contentTags?: RestoredContentTags; checkedWrites?: CheckedWrites },
  entries: readonly ManifestEntry[],
  reported: readonly NotRestored[] = [],
  counted: TooLongNotMade = new TooLongNotMade([]),
): Promise<EntryCheckOutcome> {
  const outcome: EntryCheckOutcome = { checked: 0, mismatches: [], notRestored: [] };
  const told = new TooLongNotMade(reported);
  const notMade = (entryPath: string): boolean => told.says(entryPath) || counted.says(entryPath);
  const loss = platformCalls() ? undefined : xattrsPlatformLoss();
  const saysLoss = (item: NotRestored): boolean => loss !== undefined && (item.what === loss || countsEveryEntryLacking(item, loss));
  // The restorer's lines of the loss stand for the entries it struck: replaced by the line said for those found here.
  const lossLines = reported.filter(saysLoss);
  const found = new NotRestoredLog();
  const reportedFor = new Map<string, NotRestored[]>();
  for (const item of reported) if (!saysLoss(item)) reportedFor.set(item.path, [...(reportedFor.get(item.path) ?? []), item]);
  await mapBounded(entries, CHECKS_AT_ONCE, async (entry) => {
    const problem = target.type === 's3' ? await checkObject(vault, where.targetS3, target.bucket, s3TargetKey(target, entry), entry, where.contentTags) : await checkFile(vault, where.root, entry, where.keepSetIdBits, where.checkedWrites);
    const told = reportedFor.get(entry.path);
    reportedFor.delete(entry.path);
    // Not restored, not restored wrong: a mismatch here counted every entry below a directory whose name was refused a second
    // time, as data that differs, and failed a restore whose report already said it lacks them. Nor is it added to
    // `notRestored`: the restorer's line for it (its own, or said once for its directory's entries) counts it already.
    // Absent too (a symlink whose target was refused: review r59E F1). Only when a line says so: an entry made but looked
    // up here under a longer path, or one its restorer said nothing of, is not let through unread (review r59E F3).
    if ((problem === NAME_REFUSED || problem === MISSING) && (notMade(entry.path) || (problem === NAME_REFUSED && counted.mayBeLeftOut(entry.path)))) {
      if (told) outcome.notRestored.push(...told);
      return;
    }
    if (problem === NAME_REFUSED) {
      outcome.mismatches.push(`${JSON.stringify(entry.path)}: cannot be looked up in the target, its path refused as too long (ENAMETOOLONG), and its restore did not say it left it out for that`);
      outcome.checked++;
      if (told) outcome.notRestored.push(...told);
      return;
    }
    if (typeof problem === 'string') {
      outcome.mismatches.push(`${JSON.stringify(entry.path)}: ${problem}`);
      outcome.checked++;
      if (told) outcome.notRestored.push(...told);
      return;
    }
    if (told) outcome.notRestored.push(...told);
    // The loss is counted beside what the restorer told of the entry (its owner, say), as the restorer counted it.
    if (problem && problem.what === loss) found.addPlatformLoss(entry.path, problem.what);
    // Otherwise the restorer's reasons say more than the check's ("socket not recreated: a socket belongs to …").
    else if (problem && !told) outcome.notRestored.push(problem);
    if (!problem && !told) outcome.checked++;
  });
  for (const items of reportedFor.values()) outcome.notRestored.push(...items);
  outcome.notRestored.push(...(found.size > 0 ? found.list() : lossLines));
  return outcome;
}

/**
 * One GetObject answers size, content type and the other headers, user metadata and the number of
 * tags with the body, so an object is read back in one request; GetObjectTagging is sent only when
 * the object has tags or should have some (S3 answers TagCount to a caller allowed to read tags,
 * which the verifying role is). Until 2026-12-03 every object cost a HeadObject, a
 * GetObjectTagging and a GetObject.
 */
async function checkObject(vault: Vault, s3: S3Client, bucket: string, key: string, entry: ManifestEntry, contentTags: RestoredContentTags | undefined): Promise<string | undefined> {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key })).catch((err: Error) => err);
  if (object instanceof Error) return `not readable in the target (${object.name})`;
  const body = object.Body as (AsyncIterable<Uint8Array> & { destroy?: () => void }) | undefined;
  try {
    if ((object.ContentLength ?? -1) !== entry.size) return `size ${object.ContentLength} instead of ${entry.size}`;
    const want = s3Attributes(entry);
    if (want.contentType !== undefined && object.ContentType !== want.contentType) return `content type ${object.ContentType} instead of ${want.contentType}`;
    // An entry of a backup that did not record the headers says nothing of them: not compared then.
    const headers = s3HeadersOfMeta(entry.meta);
    const differing = headers === undefined ? [] : differingS3Headers(s3HeadersOfResponse(object), headers);
    if (differing.length > 0) return `headers differ from the backup: ${differing.join(', ')}`;
    if (!sameRecord(object.Metadata ?? {}, want.metadata)) return `user metadata differs in ${differingNames(object.Metadata ?? {}, want.metadata)}`;
    if ((object.TagCount ?? 0) > 0 || Object.keys(want.tags).length > 0) {
      const tags = await readS3ObjectTags(s3, bucket, key);
      if (!sameRecord(tags, want.tags)) return `tags differ in ${differingNames(tags, want.tags)}`;
    }
    if (entry.size === 0) return undefined;
    if (!body) return 'no body';
    return await restoredContentMatches(vault, entry, streamReader(body), contentTags);
  } finally {
    // A body not read to its end holds its connection until destroyed (one read to its end is not harmed).
    body?.destroy?.();
  }
}

/**
 * A restored file-system entry against its manifest entry: undefined when equal, a mismatch, or a
 * NotRestored for a special file the restore was not allowed to make (a socket; a device when the
 * restore may not make devices), which is reported, not failed.
 */
async function checkFile(vault: Vault, root: string, entry: ManifestEntry, keepSetIdBits: boolean, checkedWrites: CheckedWrites | undefined): Promise<string | NotRestored | typeof NAME_REFUSED | undefined> {
  const problem = await compareFile(vault, root, entry, keepSetIdBits, checkedWrites);
  if (problem !== undefined) return problem;
  // Without the platform calls (in AWS: docs/ARCHITECTURE.md, "Platform calls") no extended attribute is set; the
  // restorer says so once for all entries, naming the first: each entry that recorded some is found here, not verified.
  if (entryAttributes(entry).xattrs !== null && !platformCalls()) return { path: entry.path, what: xattrsPlatformLoss() };
  return undefined;
}

/** The entry's kind, mode, size, content and link target against the manifest's; extended attributes are not read back. */
async function compareFile(vault: Vault, root: string, entry: ManifestEntry, keepSetIdBits: boolean, checkedWrites: CheckedWrites | undefined): Promise<string | NotRestored | typeof NAME_REFUSED | undefined> {
  const file = resolveInsideTarget(root, entry.path);
  // bigint: a file's identity (device, inode: 64-bit on NFS and EFS) and change time to the nanosecond, for checkedWrites.
  const stats = await lstat(file, { bigint: true }).catch((err: unknown) => (isNameTooLong(err) ? NAME_REFUSED : undefined));
  if (stats === NAME_REFUSED) return NAME_REFUSED;
  if (entry.kind === 'special') return checkSpecial(entry, stats);
  if (!stats) return MISSING;
  const want = directoryEntry(entry);
  const mode = Number(stats.mode);
  if (want.type === 'directory') return stats.isDirectory() ? checkMode(mode, want.mode, keepSetIdBits) : 'not a directory';
  if (want.type === 'symlink') {
    if (!stats.isSymbolicLink()) return 'not a symlink';
    const link = await readlink(file, { encoding: 'buffer' });
    const wanted = typeof entry.meta['targetBytes'] === 'string' ? Buffer.from(entry.meta['targetBytes'], 'base64') : Buffer.from(want.linkTarget ?? '', 'utf8');
    return link.equals(wanted) ? undefined : `links to ${link.toString('utf8')} instead of ${wanted.toString('utf8')}`;
  }
  if (!stats.isFile()) return 'not a regular file';
  if (stats.size !== BigInt(entry.size)) return `size ${stats.size} instead of ${entry.size}`;
  const modeProblem = checkMode(mode, want.mode, keepSetIdBits);
  if (modeProblem) return modeProblem;
  if (entry.size === 0) return undefined;
  const found = checkedWrites?.foundFor(entry.path, stats);
  if (found !== undefined) return WRITE_CHECK_PROBLEMS[found];
  return restoredFileMatches(vault, entry, file);
}

/** A file's checked writes, as the check reports them. */
const WRITE_CHECK_PROBLEMS: Record<WriteCheckFinding, string | undefined> = {
  equal: undefined,
  differs: 'content differs from the backup (read back as it was written)',
  misfiled: MISFILED,
  incomplete: 'its blobs do not cover its length exactly once (a restore fault)',
};

function checkSpecial(entry: ManifestEntry, stats: BigIntStats | undefined): string | NotRestored | undefined {
  const type = entry.meta['type'];
  const made = stats && (type === 'fifo' ? stats.isFIFO() : type === 'char' ? stats.isCharacterDevice() : type === 'block' ? stats.isBlockDevice() : false);
  if (made) return undefined;
  if (stats) return `not a ${String(type)}`;
  // Sockets are never made; devices need root (and FIFOs the platform calls): the shard reported why.
  if (type === 'socket' || type === 'char' || type === 'block' || !platformCalls()) return { path: entry.path, what: `${String(type)} not recreated` };
  return MISSING;
}

function checkMode(actual: number, recorded: number, keepSetIdBits: boolean): string | undefined {
  // The workflow drops setuid/setgid unless the request kept them (directory-writer.ts); the rest must be as recorded.
  const expected = keepSetIdBits ? recorded : recorded & ~SET_ID_BITS;
  return (actual & 0o7777) === expected ? undefined : `mode ${(actual & 0o7777).toString(8)} instead of ${expected.toString(8)}`;
}

/** The names whose values differ between two records (absent on one side counts), JSON-quoted: names only, never values. */
export function differingNames(actual: Record<string, string>, wanted: Record<string, string>): string {
  const names = [...new Set([...Object.keys(actual), ...Object.keys(wanted)])].filter((k) => actual[k] !== wanted[k]).sort();
  return names.map((n) => JSON.stringify(n)).join(', ');
}


function sameRecord(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a[k] === b[k]);
}
