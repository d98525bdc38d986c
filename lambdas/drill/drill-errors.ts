import { shownItemKeyPart } from '../catalog/shown-item-key';

/**
 * Errors of the drill workflow. Input problems are InvalidInputError (lambdas/runtime/errors.ts:
 * never retried, the message names the field). These keep their names through classifyError, so the
 * drill's record names them as its first error.
 */

/** The plan has no backup the drill may restore: none committed (from the DR vault: none replicated) in the window. */
export class NoBackupToDrillError extends Error {
  override readonly name = 'NoBackupToDrillError';
}

/**
 * The backup the drill picked holds no snapshot of some of the plan's sources (sources added to the plan, or
 * renamed, after it): restoring the others would prove only part of the plan restorable, so the drill is FAILED
 * with the missing sources named, as a failover refuses such a backup (lambdas/failover/failover-start.ts).
 * `advice` says what makes the next drill pass (drill-selection.ts: it depends on the selection and the vault).
 * A backup named in the input is refused instead (InvalidInputError), as every other unusable named backup.
 */
export class BackupLacksPlanSourcesError extends Error {
  override readonly name = 'BackupLacksPlanSourcesError';
  constructor(
    readonly backupId: string,
    readonly plan: string,
    readonly missing: readonly string[],
    advice: string,
  ) {
    super(
      `Backup ${shownItemKeyPart(backupId)} holds no snapshot of ${missing.join(', ')} (sources of plan "${plan}" added or renamed after it?): the drill restores every source of the plan or none; ${advice}`,
    );
  }
}

/** A restored entry differs from the live source's entry although the live one is unchanged since the backup. Reported in the drill's result, not thrown. */
export class LiveSampleMismatchError extends Error {
  override readonly name = 'LiveSampleMismatchError';
  constructor(
    readonly source: string,
    readonly mismatches: readonly string[],
  ) {
    super(
      `Source ${source}: ${mismatches.length} restored ${mismatches.length === 1 ? 'entry differs' : 'entries differ'} from the live source although unchanged since the backup: ${mismatches.slice(0, 5).join('; ')}${mismatches.length > 5 ? '; …' : ''}`,
    );
  }
}

/**
 * Nothing the drill can read tells an undeleted object (its delete marker removed, in a versioned bucket) from one the
 * backup missed: the old version is current again with its old LastModified and no ReplicationStatus. The failure is
 * kept, as it is what catches a backup that really lacks an object, and the message says how to tell the two apart.
 */
const UNDELETE_AFTER_BACKUP =
  'An object restored by removing its delete marker (an undelete in a versioned bucket) after the backup keeps its old LastModified and is reported here although the backup was right: ' +
  'if that is what happened, the next backup holds it and drills of later backups pass';

/**
 * Live objects in the bucket since before the backup started are not in it (live-objects-missing-from-backup.ts): the
 * backup missed them, as far as the drill can tell. Reported in the drill's result, not thrown. Its own wording: no
 * restored entry is involved, and "differs from the live source" would send the operator to the restore.
 */
export class BackupLacksLiveObjectsError extends Error {
  override readonly name = 'BackupLacksLiveObjectsError';
  constructor(
    readonly source: string,
    readonly missing: readonly string[],
  ) {
    super(
      `Source ${source}: ${missing.length} live ${missing.length === 1 ? 'object older than the backup is' : 'objects older than the backup are'} not in it ` +
        `(the backup's listing missed them, or they arrived since in a way that keeps an older LastModified; a key a new backup lacks too is one its listing never reaches): ${missing.slice(0, 5).join('; ')}${missing.length > 5 ? '; …' : ''}. ` +
        UNDELETE_AFTER_BACKUP,
    );
  }
}

/** A scratch target of the drill could not be made (bucket creation refused); names the target and what to check. */
export class DrillScratchError extends Error {
  override readonly name = 'DrillScratchError';
}

/** `drills/<drillId>.json` already exists in the vault with other bytes: a report is written once and never replaced. */
export class DrillReportConflictError extends Error {
  override readonly name = 'DrillReportConflictError';
}
