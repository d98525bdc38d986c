import { getSealedObject, type SealedObjectKind, VaultCorruptionError, type VaultKeys, type VaultStore } from '../../vault';
import { type VaultSide } from '../runtime/runtime-config';
import { LostBackupRefusedError } from './lost-backup-refused-error';

/** One object of a backup that failed to read as `kind`: its key and content address. */
export type UnreadObject = { readonly what: string; readonly key: string; readonly id: string; readonly kind: SealedObjectKind };

/**
 * Refuses to take for lost an object that failed to read (`failure`) although its bytes match its name and authenticate
 * with the vault's key (review r59C F4): only a Lifeboat holding that key wrote it, so what this one cannot parse was
 * most likely written by a newer version, in a format this one does not know, and it may restore with that version.
 * `lifeboat backups forget --lost` classed such an object corrupt and deleted it. Resolves when the object does not
 * authenticate (damage: it is lost); an object that cannot be read again for another reason refuses as elsewhere.
 */
export async function refuseIfAuthentic(side: VaultSide, vault: { store: VaultStore; keys: VaultKeys }, backupId: string, object: UnreadObject, failure: VaultCorruptionError): Promise<void> {
  try {
    await getSealedObject(vault.store, vault.keys, object.key, object.id, object.kind);
  } catch (err) {
    if (err instanceof VaultCorruptionError) return;
    const why = err instanceof Error ? err.message : String(err);
    throw new LostBackupRefusedError(backupId, `the ${side} vault could not be read to show ${object.what} is lost there (${why}); a copy there may be good`, { cause: err });
  }
  throw new LostBackupRefusedError(
    backupId,
    `its ${object.what} reads in the ${side} vault (its bytes match its name and authenticate with the vault's key), but this Lifeboat cannot parse it (${failure.detail}): ` +
      'written by a newer version of Lifeboat? Upgrade the CLI and run the command again; it is not lost',
    { cause: failure },
  );
}
