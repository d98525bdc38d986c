import { type CatalogItemKey } from '../catalog/backup-catalog';
import { type CatalogItemInvalidError } from '../catalog/catalog-errors';
import { type VaultSide } from '../runtime/runtime-config';
import { RESOURCE_NAME_PATTERN } from '../../config/lifeboat-config';
import { shownItemKey, shownItemKeyPart } from '../catalog/shown-item-key';
import { shownSnapshotId } from '../catalog/shown-snapshot-id';
import { pastedIdWord } from '../catalog/pasted-id-word';

/**
 * One snapshot a committed backup's record names that the vault's `snapshots/` listing lacks. `key`: the item it was
 * read from, which the second look reads again (its `backupId` may not be its key's: review r59M F2). `recordInvalid`:
 * the record does not validate, its snapshot id read from its item as it stands (recorded-snapshots.ts, salvagedSnapshots).
 */
export type MissingRecordedSnapshot = {
  readonly backupId: string;
  readonly plan: string;
  readonly snapshotId: string;
  readonly key: CatalogItemKey;
  readonly recordInvalid?: true;
  /**
   * With `recordInvalid`: the catalog's refusal of the record. Its `problems` (`<field>: <why>`, whole) tell which fix to
   * give, its `shownProblems` (escaped, cut as the refusal cuts them) are what the message shows.
   */
  readonly invalid?: Pick<CatalogItemInvalidError, 'problems' | 'shownProblems'>;
};

/**
 * The target options, each with a leading space, that the message's command lines end with: the workflow's
 * `--env <env> --aws` in AWS (scrub-command-options.ts), `lifeboat prune`'s own from the CLI. `backups forget` takes no
 * --vault-key, so its options may differ from the scrub's. Until review r59H F3 the lines were bare, and pasted from
 * a failed Prune step in AWS they acted on the local cloud of env dev.
 */
export type RecordedSnapshotWayOutOptions = { readonly scrub: string; readonly forget: string };

/** Backups the message names one by one; the rest are counted. */
const NAMED = 5;

/**
 * The prune of a vault stops before it sweeps or condemns anything: its region's catalog records committed backups
 * stored in that vault, not forgotten, whose snapshot object the vault does not hold (review r59C F1). Prune marks from
 * the snapshot objects alone, so it would condemn the data of such a backup (its tree may still read) while the catalog
 * still offers it for restore. The message names the backups (the first few, and how many), their snapshots and the
 * ways out; nothing was changed.
 */
export class RecordedSnapshotMissingError extends Error {
  override name = 'RecordedSnapshotMissingError';
  constructor(
    readonly vault: VaultSide,
    readonly missing: readonly MissingRecordedSnapshot[],
    wayOut: RecordedSnapshotWayOutOptions = { scrub: '', forget: '' },
    configured?: readonly string[],
  ) {
    super(recordedSnapshotMissingMessage(vault, missing, wayOut, configured));
  }
}

function recordedSnapshotMissingMessage(vault: VaultSide, missing: readonly MissingRecordedSnapshot[], wayOut: RecordedSnapshotWayOutOptions, configured: readonly string[] | undefined): string {
  const label = vault === 'primary' ? 'primary' : 'DR';
  // Counted by the item each was read from: two items naming one backupId are two records (review r60B F4).
  const backups = new Set(missing.map((m) => `${m.key.pk} / ${m.key.sk}`));
  // Every name is a damaged item's maybe: shown escaped, a newline or ESC in it would forge the operator's lines (review r61U F1).
  // Its backup id and key are cut at 40 (shownItemKey): cut at 200, one spelled another record's delete beside the
  // printed `backups forget` (review r63K F3); only that command holds the id whole, when it pastes as printed (pastedIdWord). Its plan and
  // snapshot id too, a valid record's any strings: cut at 200, they spelled one (review r63U F1); a vault's own
  // snapshot id (64 hex digits) stays whole, as the object to bring back is looked up by it.
  const named = missing
    .slice(0, NAMED)
    .map((m) => `backup ${shownItemKeyPart(m.backupId)} (plan ${shownItemKeyPart(m.plan)}${itemNamed(m)}${m.recordInvalid ? ', its record does not validate' : ''}): snapshots/${shownSnapshotId(m.snapshotId)}`);
  const invalid = missing.find((m) => m.recordInvalid);
  const more = missing.length > NAMED ? `, and ${missing.length - NAMED} more` : '';
  const vaultFlag = vault === 'dr' ? ' --vault dr' : '';
  // A damaged item's backupId (or key) is any string, and the line is pasted into a shell (review r60F F6): pastedIdWord.
  const forget = (backupId: string, where: string): string => {
    const id = pastedIdWord(backupId, where, 'option value');
    return `\`lifeboat backups forget --lost ${id.word}${vaultFlag}${wayOut.forget}\`${id.fillIn}`;
  };
  return (
    `prune of the ${label} vault stops before it deletes or condemns anything: the ${label} catalog records ${backups.size} committed backup(s) ` +
    `stored in this vault whose snapshot object it does not hold (${missing.length} snapshot(s)): ${named.join('; ')}${more}. ` +
    "Prune marks only from the snapshot objects, so it would condemn such a backup's data (its tree may still read) while the catalog still offers it for restore. " +
    `Bring the object back: if the ${vault === 'primary' ? 'DR' : 'primary'} vault holds it intact, \`lifeboat scrub --repair${wayOut.scrub}\` copies it in; ` +
    'in AWS the vault bucket may keep an older version of it (docs/RUNBOOKS.md, "A backup lost in both vaults"). ' +
    `If it is lost for good: ${forgetWayOut(missing[0], forget)} forgets the backup from this vault when its tree is lost too ` +
    `(it refuses while the tree still reads; --dry-run shows what is left of it), and ${retentionWayOut(missing[0], configured, vaultFlag, wayOut.forget)}. ` +
    (invalid === undefined
      ? ''
      : `A record that does not validate (${recordNamed(invalid)}${invalidFields(invalid)}) was read for its snapshot ids alone, and neither forget reads it: ` +
        `${invalidRecordFix(invalid)}, first. `) +
    'Until one of these, every prune of this vault stops here.'
  );
}

/** The item the record was read from, when its key is not its backup's: the way out's backup id is not where it is. */
function itemNamed(m: MissingRecordedSnapshot): string {
  return isBackupsOwnItem(m) ? '' : `, catalog item ${shownItemKey(m.key)}`;
}

/** Whose record does not validate: its backup's, or, when its `backupId` is another backup's, its item's (review r60F F2). */
function recordNamed(m: MissingRecordedSnapshot): string {
  return isBackupsOwnItem(m) ? `${shownItemKeyPart(m.backupId)}'s` : `that of catalog item ${shownItemKeyPart(m.key.pk)}`;
}

/**
 * What of the record does not validate: without it the operator could not tell which field to fix (review r61U F3).
 * Shown as the catalog's own refusal shows it (the item's keys cut at 40, messages at 78): cut at 200 as a name, a long
 * key or a value zod quotes filled the stop with the item's text (f63H).
 */
function invalidFields(m: MissingRecordedSnapshot): string {
  const shown = m.invalid?.shownProblems ?? [];
  return shown.length === 0 ? '' : `: ${shown.join('; ')}`;
}

/**
 * The fix of a record that does not validate. A `forgottenAt` that is no non-empty string (0, {}, true) is read as a
 * live backup's (marksForget), so the fix says which it is (docs/RUNBOOKS.md, "Prune"); another field, the item's.
 * The fix is chosen from every problem, the stop lists the first 10: one past them is named in the fix, else the fix
 * spoke of a field the list did not name (review r63I F4).
 */
function invalidRecordFix(m: MissingRecordedSnapshot): string {
  const isForgottenAt = (p: string): boolean => /^forgottenAt[.:]/.test(p);
  if (m.invalid?.problems.some(isForgottenAt) !== true) return 'upgrade Lifeboat if a newer version wrote it, or fix the item';
  const unlisted = m.invalid.shownProblems.some(isForgottenAt) ? '' : ' (it does not validate either, among the problems not listed)';
  return `set its \`forgottenAt\`${unlisted} to the ISO time retention forgot it if its backup is gone, else remove the attribute`;
}

/**
 * A plan as a word of a command line to paste: only a name the config could hold (RESOURCE_NAME_PATTERN), else
 * `<plan>`. A record's plan is any string: printed whole (quoted) in the code span, a backtick in it ended the span and
 * spelled `lifeboat backups forget --plan prod --keep-last 1` as a separate, real-looking command (review r64Q F4).
 */
function planWord(plan: string): string {
  return RESOURCE_NAME_PATTERN.test(plan) ? plan : '<plan>';
}

/**
 * What retention does about the first backup named: its plan's policy forgets it in time; a plan no longer in the
 * config has no policy, so the way is a policy given on the command line (review r60F F3; "A plan removed or renamed").
 * The plan is cut at 40 in prose (review r63U F1), whole in the command when the config could name it (planWord).
 */
function retentionWayOut(first: MissingRecordedSnapshot | undefined, configured: readonly string[] | undefined, vaultFlag: string, options: string): string {
  if (first === undefined || configured === undefined || configured.includes(first.plan)) return "retention forgets it when its plan's policy lets it go";
  return (
    `no retention policy forgets it: its plan ${shownItemKeyPart(first.plan)} is not in the config; ` +
    `\`lifeboat backups forget --plan ${planWord(first.plan)}${vaultFlag} --keep-last 1 --dry-run${options}\` gives that plan's backups one on the command line ` +
    '(then run it without --dry-run; docs/RUNBOOKS.md, "A plan removed or renamed")'
  );
}

function isBackupsOwnItem(m: MissingRecordedSnapshot): boolean {
  return m.key.pk === `BACKUP#${m.backupId}`;
}

/**
 * The forget that clears the first backup named. An item whose `backupId` is another backup's gets its `backupId` fixed
 * first: `backups forget --lost <its backupId>` acts on BACKUP#<that id>, the other backup, healthy maybe (review r60B
 * F4); fixed, the item is its key's backup.
 */
function forgetWayOut(first: MissingRecordedSnapshot | undefined, forget: (backupId: string, where: string) => string): string {
  if (first === undefined) return forget('', 'the first backup named');
  if (isBackupsOwnItem(first)) return forget(first.backupId, 'the `backupId` of the first backup named, read whole from its catalog item');
  const pk = shownItemKeyPart(first.key.pk);
  return `fix the \`backupId\` of catalog item ${pk} first (it names ${shownItemKeyPart(first.backupId)}); then ${forget(first.key.pk.replace(/^BACKUP#/, ''), `the part after BACKUP# of catalog item ${pk}'s key`)}`;
}
