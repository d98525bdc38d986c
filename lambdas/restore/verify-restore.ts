import { paginateScan } from '@aws-sdk/client-dynamodb';
import { decodeItemLines, encodeItemText } from '../sources/dynamodb-item-codec';
import { type ManifestEntry, type NotRestored } from '../../vault';
import { readEntryContent } from '../../vault';
import { finishDirectories, openDirectoryRestorer } from './directory-writer';
import { finishSplitFiles } from './split-file-pieces';
import { getRestorePlan, type RestorePlanDocument } from './restore-plan-document';
import { checkRestoredEntries } from './restored-entry-check';
import { readShardChecks, shardCheckKey, type ShardCheckStore } from './shard-checks';
import { completeSplitUploads } from './split-object-upload';
import { type RestoreIo } from './restore-io';
import { RestoreVerificationError } from './restore-errors';
import { selectedEntries } from './restore-selection';
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
 * split-file-pieces.ts), gives restored directories their modes and mtimes, and establishes that
 * the target equals the manifest. S3 and directories: every object or file was read back by the
 * shard that wrote it (size, content as the vault's chunk ids of the bytes read back, content type,
 * user metadata and tags; kind, mode and link target), and each shard's record is read here; the
 * directories and the entries restored in pieces are read back here. DynamoDB: the target's items,
 * canonically encoded, equal the backup's items one for one. Any difference, or a shard without a
 * record, fails with RestoreVerificationError.
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
  let unlistedNotRestored = 0;
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
    // Only what this step finishes is held: the directories and the entries restored in pieces. The
    // shards read back everything else as they wrote it, and recorded what they found (shard-checks.ts).
    const pieceEntries = new Set(plan.shards.filter((s) => s.piece).map((s) => s.first));
    const finished: ManifestEntry[] = [];
    for await (const entry of selectedEntries(vault, snapshot, restore)) if (entry.kind === 'dir' || pieceEntries.has(entry.path)) finished.push(entry);
    // Read and finished through the directory opened without following links, as the shards wrote it (target-directory.ts).
    const targetDir = target.type === 'filesystem' ? await openTargetDirectory(mountRootOf(deps.mountPath, deps.directory), target.path, { create: false }) : null;
    try {
      const root = targetDir?.path ?? (target.type === 'filesystem' ? deps.directory(target.path) : '');
      if (pieceEntries.size > 0) {
        // Large entries restored in pieces are put in place first: a file's rename changes its directory's mtime.
        const byPath = new Map(finished.map((e) => [e.path, e]));
        const store = { planS3: deps.planS3, planBucket: deps.planBucket };
        if (target.type === 's3') await completeSplitUploads(plan, (p) => byPath.get(p), { ...store, targetS3: deps.targetS3 });
        else if (targetDir) await finishSplitFiles(plan, (p) => byPath.get(p), await openDirectoryRestorer(vault, root, () => true, { overwrite: restore.overwrite, keepSetIdBits: restore.keepSetIdBits }), store);
      }
      if (target.type === 'filesystem' && targetDir) notRestored.push(...(await finishDirectories(root, finished, { keepSetIdBits: restore.keepSetIdBits })));
      const own = await checkRestoredEntries(vault, target, { targetS3: deps.targetS3, root, keepSetIdBits: restore.keepSetIdBits }, finished);
      const shards = await shardOutcomes(plan, deps);
      checked = own.checked + shards.checked;
      mismatches.push(...own.mismatches, ...shards.mismatches);
      notRestored.push(...own.notRestored, ...shards.notRestored);
      unlistedNotRestored = shards.unlistedNotRestored;
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
    ...(notRestored.length > 0 ? { notRestored: { count: notRestored.length + unlistedNotRestored, first: notRestored.sort((a, b) => (a.path < b.path ? -1 : 1)).slice(0, NOT_RESTORED_LISTED) } } : {}),
    durationMs: (deps.now ?? (() => new Date()))().getTime() - Date.parse(restore.startedAt),
  };
}

/**
 * What the shards of the plan that restored whole entries found when they read them back: a shard
 * without a record for this restore never finished, which fails the restore as a mismatch would.
 */
async function shardOutcomes(plan: RestorePlanDocument, store: ShardCheckStore): Promise<{ checked: number; mismatches: string[]; notRestored: NotRestored[]; unlistedNotRestored: number }> {
  const whole = plan.shards.filter((s) => !s.piece);
  const records = await readShardChecks(store, plan.restore.restoreId, whole.map((s) => s.index));
  const outcome = { checked: 0, mismatches: [] as string[], notRestored: [] as NotRestored[], unlistedNotRestored: 0 };
  whole.forEach((shard, i) => {
    const record = records[i];
    if (!record) {
      outcome.mismatches.push(`restore shard ${shard.index} (${JSON.stringify(shard.first)} to ${JSON.stringify(shard.last)}) left no check record (${shardCheckKey(plan.restore.restoreId, shard.index)}): it did not finish; run the restore again`);
      return;
    }
    outcome.checked += record.checked;
    outcome.mismatches.push(...record.mismatches);
    if (record.mismatchCount > record.mismatches.length) outcome.mismatches.push(`restore shard ${shard.index}: ${record.mismatchCount - record.mismatches.length} more entries differ than its record lists`);
    outcome.notRestored.push(...record.notRestored);
    outcome.unlistedNotRestored += record.notRestoredCount - record.notRestored.length;
  });
  return outcome;
}

/** An item's attribute names, sorted and JSON-quoted, from its text form (encodeItemText: a JSON object of DynamoDB attribute values). */
export function itemShape(text: string): string {
  const parsed: unknown = JSON.parse(text);
  const names = typeof parsed === 'object' && parsed !== null ? Object.keys(parsed).sort() : [];
  return names.map((n) => JSON.stringify(n)).join(', ') || '(none)';
}
