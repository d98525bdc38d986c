import { shownItemKeyPart } from './shown-item-key';

/** A snapshot id as the vault names its objects: 64 lowercase hex digits, no space, so no command spelled. */
const VAULT_SNAPSHOT_ID = /^[0-9a-f]{64}$/;

/**
 * A snapshot id a record names, as prose beside a printed delete or forget shows it: a vault's own id whole, as the
 * operator looks its object up by it; any other string (a record's is any: backupRecordSchema) as one of a damaged
 * item's keys, escaped and cut at 40 (shownItemKeyPart): cut at 200, one spelled another record's delete (review r63U).
 */
export function shownSnapshotId(snapshotId: string): string {
  return VAULT_SNAPSHOT_ID.test(snapshotId) ? snapshotId : shownItemKeyPart(snapshotId);
}
