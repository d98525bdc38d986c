import { type InvalidLiveBackupItem } from '../catalog/backup-catalog';
import { backupStatusSchema } from '../catalog/backup-record';
import { quotedItemKeyPart, shownItemKey, shownItemKeyPart } from '../catalog/shown-item-key';
import { unseenJsonEscaped } from '../runtime/quoted-service-words';
import { type VaultSide } from '../runtime/runtime-config';

/**
 * The prune of a vault stops before it lists, sweeps or condemns anything: its region's catalog holds a backup record,
 * not forgotten, whose `status` this version does not know (review r60B F3: it may be committed), or a committed one,
 * not forgotten, that does not validate and names no snapshot id this version can read (review r59H F1), or none for
 * one of its sources, those its `sourceNames` names included (review r59M F1, r60B F1: the ids the others name protect
 * nothing of it). Which snapshots that backup needs cannot be told, so neither can whether the vault still holds them:
 * pruning on could condemn its data while the record still stands.
 */
export class RecordedBackupUnreadableError extends Error {
  override name = 'RecordedBackupUnreadableError';
  constructor(
    readonly vault: VaultSide,
    readonly plan: string,
    readonly invalid: InvalidLiveBackupItem,
  ) {
    super(recordedBackupUnreadableMessage(vault, plan, invalid));
  }
}

function recordedBackupUnreadableMessage(vault: VaultSide, plan: string, invalid: InvalidLiveBackupItem): string {
  const label = vault === 'primary' ? 'primary' : 'DR';
  // A damaged item's key, plan, source names and problems are any strings: shown raw, a newline or ESC would forge
  // lines of the prune's output (review r61AE F2). The problems are cut as the catalog's own refusal cuts them: whole,
  // a pins key or a value zod quotes filled the stop with the item's text (f63D). Its pk and sk are cut at 40 each
  // (shownItemKey): cut at 200, a pk spelled another record's delete (review r63K F3). Its plan, source names and
  // status too: cut at 200, they spelled one (review r63U F1).
  const item = shownItemKey(invalid.key);
  const shownPlan = shownItemKeyPart(plan);
  const problems = invalid.error.shownProblems.join('; ');
  if (invalid.committed === undefined) {
    const status = invalid.status === undefined ? 'no `status`' : `\`status\` ${shownStatus(invalid.status)}, which this version does not know`;
    return (
      `prune of the ${label} vault stops before it deletes or condemns anything: catalog item ${item} in table ${invalid.error.table} ` +
      `(plan ${shownPlan}) records a backup, not forgotten, with ${status} (${problems}), ` +
      "so prune cannot tell whether it is committed, nor which of the vault's data it needs. " +
      `If a newer Lifeboat wrote the record, upgrade Lifeboat and prune with it. Otherwise fix the item: its \`status\` is one of ${backupStatusSchema.options.join(', ')}; ` +
      "if its backup is gone, set the item's `forgottenAt` (an ISO time) instead. Until then, every prune of this vault stops here."
    );
  }
  const without = invalid.sourcesWithoutSnapshotId ?? [];
  const names =
    without.length === 0
      ? 'names no snapshot this version can read in its `sources`'
      : `names no snapshot this version can read for ${without.length === 1 ? 'source' : 'sources'} ${without.map(quotedItemKeyPart).join(', ')} ` +
        `of the ${invalid.snapshotIds.length + without.length} its \`sourceNames\` and \`sources\` name`;
  return (
    `prune of the ${label} vault stops before it deletes or condemns anything: catalog item ${item} in table ${invalid.error.table} ` +
    `(plan ${shownPlan}) records a committed backup, not forgotten, but does not validate (${problems}) and ${names}, ` +
    "so prune cannot tell which of the vault's data that backup needs. " +
    'If a newer Lifeboat wrote the record, upgrade Lifeboat and prune with it. Otherwise fix the item: each name of its `sourceNames` needs its source in ' +
    '`sources`, and each of its `sources` its `snapshotId`; ' +
    "if its backup is gone, set the item's `forgottenAt` (an ISO time) instead. Until then, every prune of this vault stops here."
  );
}

/**
 * A `status` as the item holds it: a string JSON-quoted; any other DynamoDB type named with its value, as JSON alone
 * shows a string set as `{}` (review r62C F5): `a string set ["COMMITTED"]`, `the number 3`, `a map {…}`.
 */
function shownStatus(status: unknown): string {
  if (typeof status === 'string') return quotedItemKeyPart(status);
  if (status instanceof Set) {
    const members: unknown[] = [...status];
    if (members.every((m) => typeof m === 'string')) return `a string set ${shownJson(members)}`;
    if (members.every((m) => typeof m === 'number')) return `a number set ${shownJson(members)}`;
    return `a binary set of ${members.length} value(s)`;
  }
  if (status instanceof Uint8Array) return `a binary value of ${status.length} byte(s)`;
  if (status === null) return 'null';
  if (Array.isArray(status)) return `a list ${shownJson(status)}`;
  if (typeof status === 'object') return `a map ${shownJson(status)}`;
  return `the ${typeof status} ${String(status)}`;
}

/**
 * `value` as JSON (a set within it as a list), its unseen characters as \uXXXX, cut past 40 as the item's keys
 * (shownItemKeyPart: first 28, last 12, the digest of the whole): the item may be 400 KB, and 200 characters of it
 * spelled another record's delete (review r63U F1); cut at its first 40 alone, two values alike there read the same
 * (review r64G F7).
 */
function shownJson(value: unknown): string {
  const json = JSON.stringify(value, (_key, v: unknown) => (v instanceof Set ? [...(v as Set<unknown>)] : v)) ?? String(value);
  return shownItemKeyPart(json, unseenJsonEscaped);
}
