import { type InvalidBackupItem, logInvalidBackupItem } from '../catalog/backup-catalog';
import { catalogItemDeleteCommand, INVALID_ITEM_LINES, UNKNOWN_REGION } from '../catalog/catalog-item-delete-command';
import { localCloudAwsCli } from '../catalog/local-cloud-aws-cli';
import { shownItemKey, shownItemKeyPart } from '../catalog/shown-item-key';
import { comparedInstant } from '../catalog/compared-instant';
import { recordInstant } from '../catalog/record-instant';

/**
 * A runbook that chooses "the newest backup" (at or before a time) from listBackupsOfPlan must not choose an older one
 * in the place of a record it passed over unseen: the rule restore --at follows (backup-catalog.ts, getChoosable).
 * The failover refuses and the drill fails instead (review 43c F2); a backup named by id is chosen by nobody's rule, so
 * it is never held up by another record.
 */

/** The backup a runbook chose by time; absent when it found none it could read. */
export type ChosenBackup = { readonly backupId: string; readonly startedAt: string };

/** An `onInvalid` for listBackupsOfPlan that keeps every record passed over, still logging each as by default. */
export function unreadableRecords(): { readonly onInvalid: (invalid: InvalidBackupItem) => void; readonly items: InvalidBackupItem[] } {
  const items: InvalidBackupItem[] = [];
  return {
    items,
    onInvalid: (invalid) => {
      logInvalidBackupItem(invalid);
      items.push(invalid);
    },
  };
}

/**
 * The records passed over that may be a backup started after `after` (the chosen backup's start; absent: none was
 * chosen) and at or before `upTo` (absent: no bound). Not a record from before the vault (the vault holds nothing of
 * it) nor one retention forgot (`forgottenAt`: never chosen). Any other may be a committed backup the runbook would
 * have chosen: its status and copies are not relied on, as the damage may be there. One whose `startedAt` is not a
 * time may have started at any time. A bound that is no time bounds nothing: an `after` of NaN made `started > after`
 * false for every record, so a chosen backup whose start is no time let any newer damaged record by (review r64G F2).
 * Times naming no zone are read as UTC, as the runbooks choose by them (recordInstant).
 */
export function unreadableMaybeNewer(items: readonly InvalidBackupItem[], bounds: { after?: string | undefined; upTo?: string | undefined }): InvalidBackupItem[] {
  const after = instantOr(bounds.after, -Infinity);
  const upTo = instantOr(bounds.upTo, Infinity);
  return items.filter((item) => {
    if (item.preVault || item.forgotten) return false;
    const started = item.startedAt !== undefined ? recordInstant(item.startedAt) : NaN;
    return Number.isNaN(started) || (started > after && started <= upTo);
  });
}

/** The instant of a bound's text; `none` when it is absent or no time. */
function instantOr(text: string | undefined, none: number): number {
  const at = text !== undefined ? recordInstant(text) : NaN;
  return Number.isNaN(at) ? none : at;
}

/** Records named one by one in the message at most; the function's log has a line for every record passed over. */
const NAMED = 3;

/**
 * Where the records are: the region of the catalog and the vault whose snapshots can write them again; in the local
 * cloud, its DynamoDB endpoint of that region, which the deletes are named against (review r62H F1).
 */
export type UnreadableRecordsPlace = { readonly region?: string | undefined; readonly vault: 'primary' | 'dr'; readonly localDynamoDb?: string | undefined };

/**
 * A failover or drill that would have chosen an older backup in the place of a record it cannot read: names each such
 * record with why it is invalid and the AWS CLI command that deletes it, and says what to do then (rebuild the record
 * from the vault, run again, or name a backup by id). Never retried: the record stays as it is until someone changes it.
 * The command is given here too: the record may have been damaged since `lifeboat doctor` last named it (the doctor
 * scans the primary catalog, and the DR one a failover reads when it reaches the DR stack).
 */
export class UnreadableNewerBackupError extends Error {
  override readonly name = 'UnreadableNewerBackupError';
  readonly chosen: ChosenBackup | undefined;
  constructor(
    readonly runbook: 'failover' | 'drill',
    readonly plan: string,
    place: UnreadableRecordsPlace,
    chosen: ChosenBackup | undefined,
    readonly unreadable: readonly InvalidBackupItem[],
  ) {
    super(refusalMessage(runbook, plan, place, chosen, unreadable));
    this.chosen = chosen !== undefined ? { backupId: chosen.backupId, startedAt: chosen.startedAt } : undefined;
  }
}

/**
 * Room for the message, JSON-quoted: Step Functions keeps 32,768 characters of a failure's cause, and a Lambda's error
 * carries the message twice there (`errorMessage`, and the `trace`'s first line) with up to a dozen stack frames.
 * Keys of pathological records (\uXXXX-escaped, each thrice) took 39,875 characters for three (review r62C F4).
 */
const MESSAGE_ROOM = 14_000;

/** The message naming as many records as fit MESSAGE_ROOM (NAMED at most), and how many more there are. */
function refusalMessage(runbook: 'failover' | 'drill', plan: string, place: UnreadableRecordsPlace, chosen: ChosenBackup | undefined, unreadable: readonly InvalidBackupItem[]): string {
  for (let count = Math.min(NAMED, unreadable.length); count > 0; count -= 1) {
    const message = messageNaming(count, runbook, plan, place, chosen, unreadable);
    if (JSON.stringify(message).length <= MESSAGE_ROOM) return message;
  }
  return messageNaming(0, runbook, plan, place, chosen, unreadable);
}

function messageNaming(count: number, runbook: 'failover' | 'drill', plan: string, place: UnreadableRecordsPlace, chosen: ChosenBackup | undefined, unreadable: readonly InvalidBackupItem[]): string {
  const catalog = place.vault === 'dr' ? 'the DR catalog' : 'the primary catalog';
  const restores = runbook === 'failover' ? 'restore' : 'test';
  const named = unreadable.slice(0, count);
  // A damaged item's key and start are any strings: shown escaped, a newline or ESC would forge lines (review r61U F1).
  // Its error's message escapes the key itself (CatalogItemInvalidError): escaped again, it would read \\u000a. The key
  // is cut at 40 here: whole, a pk spelled another record's delete beside the real ones (review r63B F1); only the
  // item's own delete below holds it whole. Its start is shown as the instant it parses to, never its text: Date.parse
  // skips a "(comment)", so a startedAt of 200 characters read as a time and spelled a delete (review r63K F2).
  const records = named.map((u) => {
    const started = u.startedAt !== undefined ? comparedInstant(u.startedAt) : undefined;
    return `${shownItemKey(u.key)} (${started !== undefined ? `started ${started}` : 'its startedAt is not a time'})`;
  });
  const more = unreadable.length - named.length;
  // The chosen backup's record validates, but its backupId and startedAt are any non-empty strings: printed raw, a
  // newline or ESC forged lines and 200 characters spelled a delete beside the real ones (review r63K F5).
  const newer = chosen !== undefined ? `a backup newer than ${shownItemKeyPart(chosen.backupId)} (${chosenStart(chosen.startedAt)}), which the ${runbook} would ${restores} in its place` : `the backup the ${runbook} should ${restores}`;
  const rebuild = place.vault === 'dr' ? 'lifeboat catalog rebuild --vault dr --region dr' : 'lifeboat catalog rebuild --vault primary';
  const byId =
    runbook === 'failover'
      ? `give "backupId" to restore a backup by id (lifeboat failover --plan ${plan} --backup <id>), an older one knowingly`
      : `give "backupId" to drill a backup by id (lifeboat drill run --plan ${plan} --backup <id>)`;
  const them = unreadable.length === 1 ? 'it' : 'them';
  // Keys too long to name here: the log has each, the doctor each with its delete.
  const listed =
    count === 0
      ? `, too long to name here (the function's log names each), which may be of ${newer}. \`lifeboat doctor\` names up to ${INVALID_ITEM_LINES} of them, each with the command that deletes it: delete ${them}`
      : `, ${records.join(', ')}${more > 0 ? ` and ${more} more (the function's log names each)` : ''}, which may be of ${newer}. ${named.map((u) => u.error.message).join(' ')} ` +
        `Delete ${them} with ${named.map((u) => deleteCommand(u, place)).join('; ')}${more > 0 ? ' (the others alike)' : ''}`;
  return (
    `${runbook === 'failover' ? 'Failover' : 'Drill'} of plan "${plan}" ${runbook === 'failover' ? 'refused' : 'failed'}: ${catalog} has ` +
    `${unreadable.length === 1 ? 'a backup record' : `${unreadable.length} backup records`} it cannot read${listed}, and \`${rebuild}\` writes the record again from the vault's snapshots (or correct the item by hand). ` +
    `Then ${runbook === 'failover' ? 'start the failover' : 'run the drill'} again; or ${byId}.`
  );
}

/** In the local cloud, against its endpoint: a plain `aws` delete goes to AWS and the local run keeps refusing (review r62C F2). */
function deleteCommand(item: InvalidBackupItem, place: UnreadableRecordsPlace): string {
  const awsCli = place.localDynamoDb !== undefined ? localCloudAwsCli(place.localDynamoDb) : 'aws';
  return catalogItemDeleteCommand({ region: place.region ?? UNKNOWN_REGION, table: item.error.table, key: item.key }, awsCli);
}

/** The chosen backup's start as the refusal says it: the instant it parses to, or that it is none, never its text. */
function chosenStart(startedAt: string): string {
  // As compared (recordInstant), a zoneless start read as UTC (review r64O F2).
  const started = comparedInstant(startedAt);
  return started !== undefined ? `started ${started}` : 'its startedAt is not a time';
}
