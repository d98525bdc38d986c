/** Errors of the vault engine. Every message names the vault location and the object concerned. */

export class VaultError extends Error {
  override name = 'VaultError';
}

/** An object the vault needs is missing. */
export class VaultObjectNotFoundError extends VaultError {
  override name = 'VaultObjectNotFoundError';
  constructor(
    readonly location: string,
    readonly key: string,
  ) {
    super(`${location}: object ${key} does not exist`);
  }
}

/**
 * An object is in an archive storage class (S3 Glacier Flexible Retrieval or Deep Archive) and has not been
 * thawed: S3 answers a GET with 403 InvalidObjectState until a RestoreObject has completed. Not damage: the
 * restore workflow thaws what it needs first (docs/ARCHITECTURE.md, "Storage tiers"); the scrub and prune skip it.
 */
export class VaultObjectArchivedError extends VaultError {
  override name = 'VaultObjectArchivedError';
  constructor(
    readonly location: string,
    readonly key: string,
    readonly storageClass: string | undefined,
  ) {
    super(`${location}: object ${key} is archived (${storageClass ?? 'an archive storage class'}) and not thawed: restore it (S3 RestoreObject; the restore workflow's Thaw step does) before reading it`);
  }
}

/** An object failed its integrity check (authentication tag, hash or structure): it was changed or damaged. */
export class VaultCorruptionError extends VaultError {
  override name = 'VaultCorruptionError';
  constructor(
    readonly location: string,
    readonly key: string,
    /** What is wrong, without the location and key (the message has them). */
    readonly detail: string,
  ) {
    super(`${location}: object ${key} is corrupt: ${detail}`);
  }
}

/** One blob of a pack that failed its check: its id (hex) and what is wrong with it. */
export type DamagedBlob = { readonly id: string; readonly detail: string };

/** Blobs named in a message; the rest are counted. */
const DAMAGED_BLOBS_NAMED = 3;

/**
 * Some blobs of a pack failed their check, every blob having been checked: the others are intact and
 * still restore. `damaged` lists them all (a verify names the snapshot entries that reference them).
 */
export class DamagedBlobsError extends VaultCorruptionError {
  override name = 'DamagedBlobsError';
  constructor(
    location: string,
    key: string,
    readonly damaged: readonly DamagedBlob[],
    /** Blobs the check read, the damaged ones included. */
    readonly checked: number,
  ) {
    const named = damaged.slice(0, DAMAGED_BLOBS_NAMED).map((b) => `blob ${b.id}: ${b.detail}`);
    const more = damaged.length > DAMAGED_BLOBS_NAMED ? `; and ${damaged.length - DAMAGED_BLOBS_NAMED} more` : '';
    super(location, key, `${damaged.length} of its ${checked} blobs are damaged (the others are intact): ${named.join('; ')}${more}`);
  }
}

/** The master key could not be unwrapped: wrong key file, wrong passphrase, or no access to the KMS key. */
export class KeyUnwrapError extends VaultError {
  override name = 'KeyUnwrapError';
  /** The kinds of the vault's key objects that the given provider does not open (a passphrase vault opened with a key file): what to give instead. */
  readonly otherKeyKinds: readonly string[];
  /** Whether the vault has intact key objects of the given provider's kind, none of which it opened (a wrong or retired key file among several credentials). */
  readonly ownKindTried: boolean;
  /** Whether damaged key objects were skipped: of unknown kind, any of them may have been the given provider's. */
  readonly damagedSkipped: boolean;
  constructor(message: string, options?: { cause?: unknown; otherKeyKinds?: readonly string[]; ownKindTried?: boolean; damagedSkipped?: boolean }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.otherKeyKinds = options?.otherKeyKinds ?? [];
    this.ownKindTried = options?.ownKindTried ?? false;
    this.damagedSkipped = options?.damagedSkipped ?? false;
  }
}

/** A store that holds no vault at all (no `config` object). */
export class VaultNotFoundError extends VaultError {
  override name = 'VaultNotFoundError';
}

/**
 * A store that holds a vault's objects but not its `config` (orphaned-vault-objects.ts): opening it
 * fails, and so does `init`, which would put a new key over data no longer readable under it.
 */
export class VaultConfigMissingError extends VaultError {
  override name = 'VaultConfigMissingError';
}

/**
 * The store refused to delete or overwrite an object because S3 Object Lock retains it (a retention
 * date not yet passed, or a legal hold). Prune treats it as "try again in a later run", never as a failure.
 */
export class ObjectLockedError extends VaultError {
  override name = 'ObjectLockedError';
  constructor(
    readonly location: string,
    readonly key: string,
    detail: string,
  ) {
    super(`${location}: object ${key} is locked (${detail}); it can be deleted once its retention has passed and no legal hold is set`);
  }
}
