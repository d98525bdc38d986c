import { type DamagedBlob, VaultCorruptionError, VaultError } from '../../vault';

/** The replica bucket already holds another vault (other config or master key): replication never mixes two vaults. */
export class ReplicaMismatchError extends VaultError {
  override name = 'ReplicaMismatchError';
}

/** A damaged blob of a pack replication checked, and whether the snapshots being copied reference it. */
export type DamagedIndexedBlob = DamagedBlob & { readonly usedBySnapshots: boolean };

/**
 * A pack of the primary vault failed its check as replication read it (its length against the index object, or the
 * authentication tag of a blob the primary's index lists in it): copied, the DR vault would hold a copy no restore can
 * read, and the backup be recorded copied. The pack is not copied and the pass fails. The DR vault lacks that pack (only
 * missing objects are copied), so the scrub cannot repair it from there. The remedy depends on what is damaged:
 * - blobs the snapshots being copied use, or the pack as a whole: the scrub names what the damage costs, and the
 *   primary is healed as docs/FORMAT.md says ("Healing a damaged pack");
 * - only blobs no snapshot being copied uses (a forgotten snapshot's, awaiting prune): nothing is lost, but a backup can
 *   still reuse them through the index, so they must leave it (the repair-index runbook with readData) before the pack goes.
 * An environment's vault opens only with its KMS key, which `lifeboat vault` refuses: the remedy is its runbook (docs/RUNBOOKS.md, "Repair index").
 */
export class DamagedPrimaryPackError extends VaultCorruptionError {
  override name = 'DamagedPrimaryPackError';
  /** Whether the snapshots being copied use what is damaged (true when the pack as a whole failed: its length, a truncation). */
  readonly usedBySnapshots: boolean;
  constructor(
    readonly damage: VaultCorruptionError,
    /** The damaged blobs the primary's index lists in the pack; empty when the pack as a whole failed. */
    readonly damagedBlobs: readonly DamagedIndexedBlob[] = [],
  ) {
    const usedBySnapshots = damagedBlobs.length === 0 || damagedBlobs.some((b) => b.usedBySnapshots);
    super(
      damage.location,
      damage.key,
      usedBySnapshots
        ? `${damage.detail}. The primary vault's copy of this pack is damaged, so it is not replicated (the DR vault lacks it and would get a copy no restore can read): ` +
            'run `lifeboat scrub --vault primary --env <env> --aws` (docs/RUNBOOKS.md, "Scrub") to name the backups and paths it affects, then heal the primary vault ' +
            '(docs/FORMAT.md, "Healing a damaged pack": the repair-index runbook, `lifeboat repair-index --env <env> --vault primary --read-data --aws`, then a backup of the source); the next Replicate pass copies the healed data'
        : `${damage.detail}. No snapshot being copied uses ${damagedBlobs.length === 1 ? 'it' : 'them'}, but the primary vault's index lists ${damagedBlobs.length === 1 ? 'it' : 'them'}, ` +
            'so a later backup of the same content would reuse the damaged data and the DR vault get a snapshot no restore can read: the pack is not replicated. ' +
            'Run the repair-index runbook on the primary vault, `lifeboat repair-index --env <env> --vault primary --read-data --aws` (docs/RUNBOOKS.md, "Repair index"; docs/FORMAT.md §12, "Healing a damaged pack", step 1): it drops the damaged blobs from the index ' +
            "and moves the pack's intact blobs to a new pack, so no backup can reuse them; the next Replicate pass then copies what the snapshots need",
    );
    this.usedBySnapshots = usedBySnapshots;
  }
}

/**
 * A vault's bucket does not exist (S3 NoSuchBucket) during a replication pass: the DR stack not deployed or deleted, the
 * primary bucket deleted since the function opened it, or a function configured with another bucket's name. Names the
 * side, the bucket and its region, which S3's own message does not.
 */
export class VaultBucketMissingError extends VaultError {
  override name = 'VaultBucketMissingError';
  constructor(
    readonly side: 'primary' | 'dr',
    /** The store's location (`s3://<bucket>`). */
    readonly location: string,
    readonly region: string | undefined,
    options?: { cause?: unknown },
  ) {
    const where = `${region ?? 'its region'} (the ${side === 'dr' ? 'DR' : 'primary'} region)`;
    super(
      side === 'dr'
        ? `The DR vault's bucket ${location} does not exist in ${where}: deploy the DR stack, which creates it (it was never deployed, or it was deleted), ` +
            "or correct the function's DR_VAULT_BUCKET if it names another bucket; no backup is copied until it exists, and the first Replicate pass after that copies everything the DR vault lacks"
        : `The primary vault's bucket ${location} does not exist in ${where}: it was deleted since the function opened the vault, ` +
            "or the function's VAULT_BUCKET names another bucket; nothing can be replicated from it (the DR vault keeps what earlier passes copied: restore with \"vault\": \"dr\")",
      options,
    );
  }
}

/** A vault the scrub was asked to read could not be opened. */
export class ScrubVaultUnavailableError extends VaultError {
  override name = 'ScrubVaultUnavailableError';
}

/**
 * A scrub left objects damaged or missing: with no good copy in either vault, or with a good copy not
 * copied (a run without repair, or a repair something stood in the way of: a prune, a lock, another
 * account, an archived copy to thaw first). The scrub runbook fails with it so that an alarm on failed
 * executions sees the damage; the message names the objects and the backups they affect.
 */
export class VaultDamageError extends VaultError {
  override name = 'VaultDamageError';
}
