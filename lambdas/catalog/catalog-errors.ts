import { parsedInstant } from './parsed-instant';
import { shownItemKeyPart, shownItemName } from './shown-item-key';
import { type ItemProblem, itemProblemText, shownItemProblem } from './shown-item-problem';

/** Another run holds the lease on this plan: its backup is still running (or died less than a lease ago). */
export class BackupInProgressError extends Error {
  override readonly name = 'BackupInProgressError';
  constructor(
    readonly plan: string,
    readonly holder: string,
    readonly expiresAt: string,
  ) {
    super(
      `Plan "${plan}" is locked by backup ${holder}, which is still running (its lease lasts until ${expiresAt}). ` +
        `Wait for it to finish. If it is known to be dead (no RUNNING execution of the backup state machine) and its lease was not released, delete the lease item, pk "LOCK#${plan}" and sk "LOCK", from the catalog table (docs/RUNBOOKS.md, "An execution ended FAILED, TIMED_OUT or ABORTED").`,
    );
  }
}

/**
 * A backup id that the catalog does not know. The id is often the operator's own text (`backups hold <id>`, `verify
 * --backup`), never checked against a form, as a hand-written record's id is looked up too: its message shows it as
 * shownItemKeyPart does (escaped, a long one cut), since raw, an ESC in it reached the terminal (review r64H F1).
 */
export class UnknownBackupError extends Error {
  override readonly name = 'UnknownBackupError';
  constructor(
    readonly backupId: string,
    /** Which catalog was asked, when it matters to the reader (the DR catalog holds replicated backups only). */
    readonly catalog?: 'DR',
  ) {
    super(
      catalog === 'DR'
        ? `No backup with id ${shownItemKeyPart(backupId)} exists in the DR catalog: it holds only the backups replicated to the DR vault (a backup whose Replicate step has not run or failed is not there). ` +
          // Replicate writes the DR catalog after the copy (replicate-backup.ts): a run cut between the two leaves a restorable copy the catalog lacks.
          'List them with `lifeboat backups list`. If the DR vault holds its copy (a replication cut after copying, before it wrote the DR catalog, or a lost DR catalog), ' +
          '`lifeboat catalog rebuild --vault dr --region dr` records it in the DR catalog from the DR vault alone, with the primary region up or down; otherwise restore it from the primary region while that is up.'
        : `No backup with id ${shownItemKeyPart(backupId)} exists in the catalog. List them with \`lifeboat backups list\`.`,
    );
  }
}

/**
 * No committed backup of a source at or before the requested time. `partialCatalog`: why the catalog may lack it and what
 * to do, when its rebuild is unfinished (point-in-time-in-rebuild-gap-error.ts): then none listed does not mean none exists.
 */
export class NoBackupAtTimeError extends Error {
  override readonly name = 'NoBackupAtTimeError';
  constructor(
    readonly source: string,
    readonly at: string,
    readonly partialCatalog?: string,
    /** Committed backups of the source passed over as starting at no time, which only a backupId can restore. */
    readonly untimed: readonly string[] = [],
  ) {
    super(`Source "${source}" has no committed backup at or before ${at}${partialCatalog !== undefined ? ` in the catalog, which may lack it: ${partialCatalog}` : '.'}${untimedNote(untimed)}`);
  }
}

/**
 * What a point in time passed over as starting at no time: without it, "no committed backup" hid records the catalog
 * holds (as the failover says, failover-start.ts untimedNote).
 */
function untimedNote(untimed: readonly string[]): string {
  if (untimed.length === 0) return '';
  const first = shownItemKeyPart(untimed[0] ?? '');
  return untimed.length === 1
    ? ` Backup ${first}, whose startedAt is not a time, was passed over: give its backupId to restore it (lifeboat restore --backup ${first}).`
    : ` ${untimed.length} backups whose startedAt is not a time were passed over (${first} and others; lifeboat backups list shows them): give one's backupId to restore it (lifeboat restore --backup <backup id>).`;
}

/** A backup id whose catalog record is not RUNNING where a running backup was expected (a commit after the run was marked FAILED). */
export class BackupNotCommittableError extends Error {
  override readonly name = 'BackupNotCommittableError';
  constructor(
    readonly backupId: string,
    readonly status: string | undefined,
  ) {
    super(
      `Backup ${backupId} cannot be committed or re-planned: the catalog has it ${status ? `as ${status}` : 'not at all'}. ` +
        'Start a new backup; what this run uploaded is reused.',
    );
  }
}

/**
 * Problems of a damaged item its refusal names, the rest counted: each is up to some 200 characters, and the doctor
 * prints up to 10 such refusals, a failover's or drill's up to 3 (review r63B F2).
 */
const PROBLEMS_SHOWN = 10;

/**
 * An item of the catalog table that does not have the shape this version reads (hand-edited, written
 * by an incompatible version, or damaged). Names the item and its bad fields (PROBLEMS_SHOWN, then how many more); never retried.
 * `preVault`: a backup record of the versions before the vault (backup-record.ts, isPreVaultBackupItem), whose
 * backup the vault never held: the usual advice ("the vault keeps the backup itself") would be wrong for it.
 */
export class CatalogItemInvalidError extends Error {
  override readonly name = 'CatalogItemInvalidError';
  readonly preVault: boolean;
  /** What does not validate, `<path>: <message>` each, uncut and unescaped: a reader that quotes it escapes and cuts it. */
  readonly problems: string[];
  /**
   * The problems as this refusal shows them (shownItemProblem: escaped, the item's own keys and the messages cut), the
   * first PROBLEMS_SHOWN, then `and N more`: for a refusal of another reader (the prune's stop) that quotes them. Joined
   * uncut, a damaged item's text filled it (f63D); all of them, 2,000 bad pins made 244 KB (review r63B F2).
   */
  readonly shownProblems: readonly string[];
  /** What is wrong, without the advice: a reader whose advice differs (a held record's, UnreadableHeldRecordError) quotes this. */
  readonly finding: string;
  constructor(
    readonly table: string,
    readonly item: string,
    /** Zod's issues as they are (their paths tell the item's own keys from field names), or problems worded as text. */
    problems: readonly ItemProblem[],
    options: { preVault?: boolean } = {},
  ) {
    // A damaged item's key, and the problems quoting its values, are any strings: shown raw, a newline, ESC, CSI (U+009B)
    // or bidi override would forge or reorder the lines of every output that quotes this message (f62F). Its pk and sk
    // are cut at 40 as its own keys in a problem are: the refusals print this beside the real deletes (review r63B F1).
    const shown = shownItemName(item);
    const more = problems.length - PROBLEMS_SHOWN;
    const shownProblems = [...problems.slice(0, PROBLEMS_SHOWN).map(shownItemProblem), ...(more > 0 ? [`and ${more} more`] : [])];
    const finding = `Catalog item ${shown} in table ${table} is not a valid ${item.startsWith('BACKUP#') ? 'backup record' : 'catalog item'}: ${shownProblems.join('; ')}.`;
    super(
      options.preVault === true
        ? `Catalog item ${shown} in table ${table} is a record from before the vault (2026-11-25): the vault holds nothing of it; delete the item ` +
            '(docs/DEPLOYMENT.md, "Upgrades"; `lifeboat doctor` prints the command).'
        : `${finding} Fix or delete the item (the vault keeps the backup itself), or upgrade Lifeboat if a newer version wrote it.`,
    );
    this.finding = finding;
    this.preVault = options.preVault === true;
    this.problems = problems.map(itemProblemText);
    this.shownProblems = shownProblems;
  }
}

/**
 * A legal hold's release in a catalog with a backup record it cannot read (listBackupsOfPlan passes it over) that has
 * a `hold` attribute: which objects that record's snapshots need cannot be told, so releasing the S3 legal holds of
 * the released backup could release objects the other hold still needs. Nothing is released in the vaults until the
 * record is fixed or deleted (object-legal-hold.ts, heldSnapshotsOf). The message speaks of the objects only: whether
 * the catalogs were released already is the caller's to say (`lifeboat backups release` lifts the S3 holds before it
 * writes them; a release given the Object Lock seam, legal-hold.ts, writes them first).
 */
export class UnreadableHeldRecordError extends Error {
  override readonly name = 'UnreadableHeldRecordError';
  constructor(
    readonly released: string,
    readonly unreadable: readonly CatalogItemInvalidError[],
    /**
     * The rebuild of the catalog that holds them, as the doctor prints it (`lifeboat catalog rebuild --vault … --env …`).
     * The usual advice, "delete the item (the vault keeps the backup itself)", lost the hold: a release run after the
     * delete lifts the S3 legal holds the held backup still needs (review r64W F2). The rebuild writes the record again
     * and holds it again from those S3 legal holds (catalog-rebuild.ts, HELD_BY_OBJECT_LOCK), so it comes before any release.
     */
    rebuild?: string,
  ) {
    const one = unreadable.length === 1;
    super(
      `The objects of backup ${released} keep their S3 legal holds: ` +
        `${one ? 'a backup record with a legal hold cannot be read, so which of them it still needs' : `${unreadable.length} backup records with a legal hold cannot be read, so which of them they still need`} ` +
        `is unknown. ${unreadable.map((e) => (e.preVault ? e.message : e.finding)).join(' ')} ` +
        `Fix ${one ? 'the item' : 'each item'}, or upgrade Lifeboat if a newer version wrote ${one ? 'it' : 'them'}. ` +
        `If you delete ${one ? 'it' : 'one'} instead, run ${rebuild !== undefined ? `\`${rebuild}\`` : '`lifeboat catalog rebuild` of this catalog'} before any release: ` +
        'it writes the record again from the vault and holds it again from its objects\' S3 legal holds, which a release run with the item gone would lift. ' +
        'Then run the release again.',
    );
  }
}

/**
 * A restore or drill named a backup that retention forgot from the vault it would read: its snapshots are gone there.
 * Never retried. The id and the time are a record's (any strings): shown as the id cut at 40 and escaped, and the time
 * as the instant it parses to; raw, an ESC in either rewrote the terminal's line (review r64L F4).
 */
export class ForgottenBackupError extends Error {
  override readonly name = 'ForgottenBackupError';
  constructor(
    readonly backupId: string,
    readonly forgottenAt: string,
    vault: 'primary' | 'dr',
  ) {
    super(
      `Backup ${shownItemKeyPart(backupId)} was forgotten by retention at ${parsedInstant(forgottenAt) ?? 'a forgottenAt that is not a time'}: its snapshots are no longer in the ${vault} vault. ` +
        'Choose a kept backup (`lifeboat backups list`), or restore it from the other vault if that one still keeps it.',
    );
  }
}
