import { type BackupRecord } from '../catalog/backup-record';
import { backupIdOfTags, readBackupSnapshotTags } from '../catalog/backup-snapshot-tags';
import { comparedInstant } from '../catalog/compared-instant';
import { recordInstant } from '../catalog/record-instant';
import { shownItemKeyPart } from '../catalog/shown-item-key';

/**
 * Why a snapshot with these tags is not the record's to forget, or undefined when it is. The record's id, plan and start
 * are any strings (backupRecordSchema), and so are the tags' words: shown escaped in the reason the report's `left in
 * place` lines print, once (f62T), cut at 40, a start as the instant it was compared as: to 200, one spelled another
 * record's delete beside the report's real `delete:` lines (review r63U F2).
 */
export function ownershipDispute(record: BackupRecord, tags: readonly string[]): string | undefined {
  const owner = backupIdOfTags(tags);
  if (owner === undefined) return undefined;
  const shown = shownItemKeyPart;
  if (owner !== record.backupId) return `the snapshot belongs to backup ${shown(owner)}, not ${shown(record.backupId)}`;
  const read = readBackupSnapshotTags(tags);
  const told = read !== undefined && 'tags' in read ? read.tags : undefined;
  // The plan too: a record moved to a plan with a shorter policy would be forgotten by that policy.
  if (told !== undefined && told.plan !== record.plan) return `the snapshot says its backup is of plan ${shown(told.plan)}, the record ${shown(record.plan)}`;
  // Both starts as recordInstant reads them (a zoneless one as UTC): Date.parse read a hand-written zoneless start in the
  // process's zone, so under Asia/Kolkata a record of another start was taken for the snapshot's own, and a record of
  // the same start was left in place as disputed (review r65N F2).
  if (told?.startedAt !== undefined && recordInstant(told.startedAt) !== recordInstant(record.startedAt)) {
    return `the snapshot says its backup started ${startOf(told.startedAt)}, the record ${startOf(record.startedAt)}`;
  }
  return undefined;
}

/** A start as a `left in place` reason says it: the instant it was compared as (comparedInstant), or that it is none, never the text. */
function startOf(startedAt: string): string {
  return comparedInstant(startedAt) ?? 'at a startedAt that is not a time';
}
