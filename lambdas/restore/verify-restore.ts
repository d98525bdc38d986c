import { paginateScan } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, GetObjectTaggingCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { type Stats } from 'node:fs';
import { lstat, readlink } from 'node:fs/promises';
import { decodeItemLines, encodeItemText } from '../sources/dynamodb-item-codec';
import { type ManifestEntry, type NotRestored, platformCalls } from '../../vault';
import { mapBounded, SET_ID_BITS } from '../../vault';
import { readEntryContent } from '../../vault';
import { type Vault } from '../../vault';
import { restoredContentMatches, streamReader, withFileReader } from './content-check';
import { finishDirectories, openDirectoryRestorer } from './directory-writer';
import { finishSplitFiles } from './split-file-pieces';
import { getRestorePlan } from './restore-plan-document';
import { completeSplitUploads } from './split-object-upload';
import { type RestoreIo } from './restore-io';
import { RestoreVerificationError } from './restore-errors';
import { selectedEntries } from './restore-selection';
import { resolveInsideTarget } from '../../vault';
import { directoryEntry, s3Attributes, s3TargetKey } from './restored-entry';
import { describeTarget, type ResolvedRestore } from './resolved-restore';
import { mountRootOf, openTargetDirectory } from './target-directory';

export type VerifyRestoreDeps = RestoreIo & { now?: () => Date };

/** The runbook's result: what was restored where, verified against the manifest. */
export type RestoreReport = {
  restoreId: string;
  backupId: string;
  source: string;
  snapshotId: string;
  vault: 'primary' | 'dr';
  target: ResolvedRestore['target'];
  targetDescription: string;
  entries: number;
  bytes: number;
  items?: number;
  /** Items in an overwritten table that the backup does not have (a restore does not delete). */
  extraItems?: number;
  verified: { entries: number; mismatches: number };
  /**
   * File-system targets: entries or attributes the restore was not allowed to recreate (sockets,
   * devices when not root, extended attributes of directories it may not write), the first 20 and
   * the count; absent when there are none. The shards' results list those of files and links.
   */
  notRestored?: { count: number; first: NotRestored[] };
  durationMs: number;
};

/** Entries of notRestored carried in the report. */
const NOT_RESTORED_LISTED = 20;

/**
 * Last step of a restore: puts large entries restored in pieces in place (split-object-upload.ts,
 * split-file-pieces.ts), gives restored directories their modes and mtimes, then reads the target
 * back and checks it against the manifest. S3: every object's size, content (the vault's chunk ids
 * of the bytes read back, content-check.ts), content type, user metadata and tags. DynamoDB: the target's
 * items, canonically encoded, equal the backup's items one for one. Directories: every entry's
 * kind, mode, size, content and link target. Any difference fails with RestoreVerificationError.
 */
export async function verifyRestore(input: { planKey: string }, deps: VerifyRestoreDeps): Promise<RestoreReport> {
  const plan = await getRestorePlan(deps.planS3, deps.planBucket, input.planKey);
  const restore = plan.restore;
  const vault = await deps.openVault(restore.vault);
  const snapshot = await vault.loadSnapshot(restore.snapshotId);
  const mismatches: string[] = [];
  let checked = 0;
  let items: number | undefined;
  let extraItems: number | undefined;
  const notRestored: NotRestored[] = [];
  const target = restore.target;

  if (target.type === 'dynamodb') {
    const expected = new Map<string, number>();
    let count = 0;
    for await (const entry of selectedEntries(vault, snapshot, restore)) {
      const chunks: Buffer[] = [];
      for await (const chunk of readEntryContent(vault, entry)) chunks.push(chunk);
      for (const item of decodeItemLines(Buffer.concat(chunks))) {
        const text = encodeItemText(item);
        expected.set(text, (expected.get(text) ?? 0) + 1);
        count++;
      }
      checked++;
    }
    let extra = 0;
    for await (const page of paginateScan({ client: deps.dynamodb }, { TableName: target.table, ConsistentRead: true })) {
      for (const item of page.Items ?? []) {
        const text = encodeItemText(item);
        const left = expected.get(text);
        if (left === undefined) extra++;
        else if (left === 1) expected.delete(text);
        else expected.set(text, left - 1);
      }
    }
    // Named by their attribute names, never their values: this message reaches the execution's error and its logs.
    const missingByShape = new Map<string, number>();
    for (const [text, n] of expected) {
      const shape = itemShape(text);
      missingByShape.set(shape, (missingByShape.get(shape) ?? 0) + n);
    }
    for (const [shape, n] of missingByShape) mismatches.push(`${n === 1 ? 'an item' : `${n} items`} with attributes ${shape} missing or different in ${target.table}`);
    // A new table holds nothing but the restore; an overwritten one may keep items the backup lacks.
    if (extra > 0 && !restore.overwrite) mismatches.push(`${extra} items in ${target.table} are not in the backup`);
    items = count;
    extraItems = extra;
  } else {
    const entries: ManifestEntry[] = [];
    for await (const entry of selectedEntries(vault, snapshot, restore)) entries.push(entry);
    // Read and finished through the directory opened without following links, as the shards wrote it (target-directory.ts).
    const targetDir = target.type === 'filesystem' ? await openTargetDirectory(mountRootOf(deps.mountPath, deps.directory), target.path, { create: false }) : null;
    try {
      const root = targetDir?.path ?? (target.type === 'filesystem' ? deps.directory(target.path) : '');
      if (plan.shards.some((s) => s.piece)) {
        // Large entries restored in pieces are put in place first: a file's rename changes its directory's mtime.
        const byPath = new Map(entries.map((e) => [e.path, e]));
        const store = { planS3: deps.planS3, planBucket: deps.planBucket };
        if (target.type === 's3') await completeSplitUploads(plan, (p) => byPath.get(p), { ...store, targetS3: deps.targetS3 });
        else if (targetDir) await finishSplitFiles(plan, (p) => byPath.get(p), await openDirectoryRestorer(vault, root, () => true, { overwrite: restore.overwrite, keepSetIdBits: restore.keepSetIdBits }), store);
      }
      if (target.type === 'filesystem' && targetDir) notRestored.push(...(await finishDirectories(root, entries, { keepSetIdBits: restore.keepSetIdBits })));
      await mapBounded(entries, 8, async (entry) => {
        const problem = target.type === 's3' ? await checkObject(vault, deps.targetS3, target.bucket, s3TargetKey(target, entry), entry) : await checkFile(vault, root, entry, restore.keepSetIdBits);
        if (typeof problem === 'object') notRestored.push(problem);
        else if (problem) mismatches.push(`${JSON.stringify(entry.path)}: ${problem}`);
        checked++;
      });
    } finally {
      await targetDir?.close();
    }
  }
  if (mismatches.length > 0) throw new RestoreVerificationError(mismatches.sort(), checked);
  return {
    restoreId: restore.restoreId,
    backupId: restore.backupId,
    source: restore.source.name,
    snapshotId: restore.snapshotId,
    vault: restore.vault,
    target,
    targetDescription: describeTarget(target),
    entries: plan.entries,
    bytes: plan.bytes,
    ...(items !== undefined ? { items } : {}),
    ...(extraItems !== undefined && extraItems > 0 ? { extraItems } : {}),
    verified: { entries: checked, mismatches: 0 },
    ...(notRestored.length > 0 ? { notRestored: { count: notRestored.length, first: notRestored.sort((a, b) => (a.path < b.path ? -1 : 1)).slice(0, NOT_RESTORED_LISTED) } } : {}),
    durationMs: (deps.now ?? (() => new Date()))().getTime() - Date.parse(restore.startedAt),
  };
}

async function checkObject(vault: Vault, s3: S3Client, bucket: string, key: string, entry: ManifestEntry): Promise<string | undefined> {
  const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })).catch((err: Error) => err);
  if (head instanceof Error) return `not readable in the target (${head.name})`;
  if ((head.ContentLength ?? -1) !== entry.size) return `size ${head.ContentLength} instead of ${entry.size}`;
  const want = s3Attributes(entry);
  if (want.contentType !== undefined && head.ContentType !== want.contentType) return `content type ${head.ContentType} instead of ${want.contentType}`;
  if (!sameRecord(head.Metadata ?? {}, want.metadata)) return `user metadata differs in ${differingNames(head.Metadata ?? {}, want.metadata)}`;
  const tagging = await s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: key }));
  const tags = Object.fromEntries((tagging.TagSet ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
  if (!sameRecord(tags, want.tags)) return `tags differ in ${differingNames(tags, want.tags)}`;
  if (entry.size === 0) return undefined;
  const { Body } = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  if (!Body) return 'no body';
  return restoredContentMatches(vault, entry, streamReader(Body as AsyncIterable<Uint8Array>));
}

/**
 * A restored file-system entry against its manifest entry: undefined when equal, a mismatch, or a
 * NotRestored for a special file the restore was not allowed to make (a socket; a device when the
 * restore may not make devices), which is reported, not failed.
 */
async function checkFile(vault: Vault, root: string, entry: ManifestEntry, keepSetIdBits: boolean): Promise<string | NotRestored | undefined> {
  const file = resolveInsideTarget(root, entry.path);
  const stats = await lstat(file).catch(() => undefined);
  if (entry.kind === 'special') return checkSpecial(entry, stats);
  if (!stats) return 'missing in the target';
  const want = directoryEntry(entry);
  if (want.type === 'directory') return stats.isDirectory() ? checkMode(stats.mode, want.mode, keepSetIdBits) : 'not a directory';
  if (want.type === 'symlink') {
    if (!stats.isSymbolicLink()) return 'not a symlink';
    const link = await readlink(file, { encoding: 'buffer' });
    const wanted = typeof entry.meta['targetBytes'] === 'string' ? Buffer.from(entry.meta['targetBytes'], 'base64') : Buffer.from(want.linkTarget ?? '', 'utf8');
    return link.equals(wanted) ? undefined : `links to ${link.toString('utf8')} instead of ${wanted.toString('utf8')}`;
  }
  if (!stats.isFile()) return 'not a regular file';
  if (stats.size !== entry.size) return `size ${stats.size} instead of ${entry.size}`;
  const modeProblem = checkMode(stats.mode, want.mode, keepSetIdBits);
  if (modeProblem) return modeProblem;
  if (entry.size === 0) return undefined;
  return withFileReader(file, (read) => restoredContentMatches(vault, entry, read));
}

function checkSpecial(entry: ManifestEntry, stats: Stats | undefined): string | NotRestored | undefined {
  const type = entry.meta['type'];
  const made = stats && (type === 'fifo' ? stats.isFIFO() : type === 'char' ? stats.isCharacterDevice() : type === 'block' ? stats.isBlockDevice() : false);
  if (made) return undefined;
  if (stats) return `not a ${String(type)}`;
  // Sockets are never made; devices need root (and FIFOs the platform calls): the shard reported why.
  if (type === 'socket' || type === 'char' || type === 'block' || !platformCalls()) return { path: entry.path, what: `${String(type)} not recreated` };
  return 'missing in the target';
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

/** An item's attribute names, sorted and JSON-quoted, from its text form (encodeItemText: a JSON object of DynamoDB attribute values). */
export function itemShape(text: string): string {
  const parsed: unknown = JSON.parse(text);
  const names = typeof parsed === 'object' && parsed !== null ? Object.keys(parsed).sort() : [];
  return names.map((n) => JSON.stringify(n)).join(', ') || '(none)';
}

function sameRecord(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a[k] === b[k]);
}
