import { PRUNE_POLICY_KEY } from '../repository/vault-layout';
import { VaultCorruptionError, VaultError } from '../vault-errors';

/** Why a backup was held to a grace: a prune's policy or a condemnation batch (or its tombstone), with its time. */
export type OutlivedGraceCause = { readonly kind: 'policy'; readonly at: string } | { readonly kind: 'batch'; readonly at: string; readonly swept: boolean };

/**
 * A backup ran longer than the grace of a prune that ran during it and may not commit: that prune
 * may have condemned (and, once the grace passed, deleted) blobs the backup deduplicated against or
 * packs it had just uploaded, so its snapshot could reference data that is gone (docs/FORMAT.md
 * "Prune"). The message names the cause; a re-run is safe: its dedup index leaves out every pack a
 * batch or tombstone names, so what a prune deleted is stored again.
 */
export class BackupOutlivedGraceError extends VaultError {
  override name = 'BackupOutlivedGraceError';
  constructor(
    readonly location: string,
    readonly durationMs: number,
    readonly graceMs: number,
    readonly heldBy?: OutlivedGraceCause,
  ) {
    super(`${location}: this backup is not committed: ${causeText(heldBy, graceMs)}, and this backup ran ${formatDuration(durationMs)}, not less than that grace, so blobs it relies on may be gone. ${advice(graceMs)}`);
  }
}

function causeText(cause: OutlivedGraceCause | undefined, graceMs: number): string {
  const grace = `grace ${formatDuration(graceMs)}`;
  if (!cause) return `a prune with ${grace} ran during it`;
  if (cause.kind === 'policy') return `a prune with ${grace} started at ${cause.at}, during it`;
  return `a prune with ${grace} condemned unreferenced objects at ${cause.at}, during it${cause.swept ? ', and has deleted them since' : ''}`;
}

function advice(graceMs: number): string {
  const rerun = 'Run the backup again: it reuses what it uploaded that is still stored, and stores again what a prune deleted.';
  // A grace below the longest backup is what makes a running backup refuse; at the default it only happens to backups longer than a day.
  return graceMs === 0
    ? `${rerun} A prune with --grace 0 refuses every backup running meanwhile: use it only when none runs.`
    : `${rerun} If backups often run this long, raise prune's grace (environment.prune.graceHours, lifeboat prune --grace) above the longest backup.`;
}

/** A duration for people: seconds under two minutes, minutes under two hours, else hours. */
export function formatDuration(ms: number): string {
  if (ms < 120_000) return `${Number((ms / 1000).toFixed(1))} s`;
  if (ms < 2 * 3_600_000) return `${Number((ms / 60_000).toFixed(1))} min`;
  return `${(ms / 3_600_000).toFixed(2)} h`;
}

/**
 * A pack this backup stored is gone before the index object that would list it was written: a prune
 * whose grace is shorter than this backup (`--grace 0`, or a writer stalled longer than the grace)
 * found it unindexed, condemned and deleted it. Listing it would leave index records of a pack that
 * does not exist, which a later backup would deduplicate against (docs/FORMAT.md §11), so the writer
 * stops instead.
 */
export class BackupPackPrunedError extends VaultError {
  override name = 'BackupPackPrunedError';
  constructor(
    readonly location: string,
    readonly packIds: readonly string[],
  ) {
    super(
      `${location}: ${packIds.length} pack(s) this backup uploaded were deleted by a prune that ran meanwhile (e.g. data/${(packIds[0] ?? '').slice(0, 2)}/${packIds[0] ?? ''}), so the backup stops without listing them. ` +
        `Run the backup again: it reuses what it uploaded that is still stored, and stores again what the prune deleted. A prune with a grace shorter than a running backup (--grace 0) deletes the packs that backup has not indexed yet: use it only when no backup runs.`,
    );
  }
}

/**
 * Prune found blobs the snapshots reference that no index object lists (index-coverage.ts): it
 * cannot tell which packs hold them, and the packs that do would look unlisted and be condemned.
 * Nothing is condemned or deleted. The way out is `vault repair index` (vault/repair/), a backup of
 * the sources, and forgetting the snapshots whose blobs are gone for good.
 */
export class IncompleteIndexError extends VaultError {
  override name = 'IncompleteIndexError';
  constructor(
    readonly location: string,
    readonly unindexedBlobs: number,
  ) {
    super(
      `${location}: ${unindexedBlobs} blob(s) that snapshots reference are listed by no index object (an index object is missing or damaged, or a repair left damaged blobs out), so prune cannot tell which packs hold them and deletes nothing. ` +
        'To go on: (1) run `lifeboat vault repair index` (add --read-data to also drop damaged blobs; an environment\'s vault: its repair-index runbook, `lifeboat repair-index --env <env> --vault <primary|dr> [--read-data]`): it rebuilds the index from the packs themselves; ' +
        '(2) back up the affected sources again: a blob that is still in no index is stored anew where the source still has it; ' +
        '(3) run `lifeboat vault verify`: a snapshot that still references a blob no index lists stays damaged until it is forgotten (`lifeboat vault forget <id>`, or the retention of its backup); then prune again.',
    );
  }
}
/**
 * Another prune of this vault is running: it holds the vault's prune lease (vault/prune/prune-lease.ts).
 * Two prunes at once could sweep one batch against different marks and delete a pack a backup relies on.
 */
export class PruneAlreadyRunningError extends VaultError {
  override name = 'PruneAlreadyRunningError';
  constructor(
    readonly location: string,
    readonly leaseKey: string,
    readonly other: { readonly holder: string; readonly startedAt: string; readonly renewedAt: string; readonly expiresAt: string },
  ) {
    super(
      `${location}: another prune of this vault is running (${other.holder}, since ${other.startedAt}; its lease ${leaseKey} was renewed at ${other.renewedAt}), and two at once could delete data a backup relies on: nothing was changed. Wait for it to end and run this prune again. If that prune died, its lease ends by itself at ${other.expiresAt} (plus a minute for the clocks).`,
    );
  }
}

/**
 * This prune can no longer be sure it holds the vault's prune lease (its renewals failed, or its
 * process was stopped longer than the lease lasts), so another prune may have started: it stops before
 * its next step. What it did so far is consistent (every step leaves a vault that verifies); run it again.
 */
export class PruneLeaseLostError extends VaultError {
  override name = 'PruneLeaseLostError';
  constructor(
    readonly location: string,
    readonly leaseKey: string,
    why: string,
  ) {
    super(`${location}: this prune stopped: it may no longer hold its lease ${leaseKey} (${why}), and another prune may be running. Every step it finished left the vault consistent; run the prune again.`);
  }
}

/** A prune lease that opens with the vault's keys but that this version cannot read (a newer Lifeboat's?): it may be a running prune's. */
export class PruneLeaseUnreadableError extends VaultError {
  override name = 'PruneLeaseUnreadableError';
  constructor(
    readonly location: string,
    readonly leaseKey: string,
    problem: string,
  ) {
    super(`${location}: the prune lease ${leaseKey} cannot be read (${problem}; a newer Lifeboat's?), so this prune cannot tell whether another one is running: nothing was changed. Prune with the newer Lifeboat, or, if no prune of this vault runs now, delete that object and run the prune again.`);
  }
}

/**
 * An object of prune's state (`prune/policy`, a `prune/condemned/<id>` batch or tombstone) fails its
 * integrity check. Backups read that state before they load their index (it tells which packs they
 * must not deduplicate against) and prunes before they sweep, so neither can run until it is repaired.
 */
export class DamagedPruneStateError extends VaultCorruptionError {
  override name = 'DamagedPruneStateError';
  constructor(cause: VaultCorruptionError) {
    super(
      cause.location,
      cause.key,
      `${cause.detail}; ${cause.key === PRUNE_POLICY_KEY ? 'every backup of this vault stops on this prune policy' : 'every backup and every prune of this vault stops on this condemnation batch'} until it is repaired: ` +
        'run `lifeboat vault repair prune-state` (it needs write access to the vault and refuses while a prune runs; a backup running meanwhile may refuse to commit and must be run again)' +
        (cause.key === PRUNE_POLICY_KEY ? ', or run `lifeboat vault prune`, which writes the policy anew' : '') +
        '; docs/FORMAT.md §11, "A damaged prune state"',
    );
  }
}

/**
 * A manifest object (root, node or page) a remaining snapshot needs is missing or fails its integrity check: what the
 * snapshot references is unknown, so the prune condemns nothing (a pack only that snapshot needs would look unreferenced).
 * Named with the snapshot whose walk met it (others sharing the object are named by `lifeboat vault verify`) and the two
 * ways out: the object copied back, or the snapshot forgotten. Every later prune stops here too until then.
 */
export class PruneManifestUnreadableError extends VaultError {
  override name = 'PruneManifestUnreadableError';
  constructor(
    readonly location: string,
    readonly snapshotId: string,
    readonly key: string,
    /** What is wrong with it: `does not exist`, or `is corrupt (…)`. */
    problem: string,
    /** How far the prune got: `prune stops`, or `prune stops before condemning` after a sweep. */
    stops: string,
    options?: ErrorOptions,
  ) {
    super(
      `${location}: ${stops}: ${key} ${problem}, and snapshot ${snapshotId} needs it (a manifest object of its, which other snapshots may share), so what that snapshot references is unknown and this prune condemns nothing. ` +
        `Copy the object again from the DR vault (the same name holds the same bytes there) or, if it is lost, forget the snapshot (\`lifeboat vault forget ${snapshotId}\`; an environment's backup: \`lifeboat backups forget\`); \`lifeboat vault verify\` names every snapshot that needs it. Then prune again.`,
      options,
    );
  }
}

/**
 * A snapshot object prune must read (in its mark, or one that appeared since) cannot be read: what it references is
 * unknown, so the prune condemns nothing, and every later prune stops on it too until it is repaired or deleted (review
 * r59B F5: a plain VaultError here let `vault forget --prune` offer "prune later", which failed alike). The message is
 * the caller's: it names the object, what is wrong with it and how far the prune got.
 */
export class PruneSnapshotUnreadableError extends VaultError {
  override name = 'PruneSnapshotUnreadableError';
  constructor(
    readonly location: string,
    /** The snapshot objects that cannot be read. */
    readonly keys: readonly string[],
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * An index object fails its integrity check: prune cannot tell which packs it lists, and those would look unlisted to
 * its plan, so it stops before it plans anything. The repair rebuilds the index from the packs themselves.
 */
export class PruneIndexDamagedError extends VaultError {
  override name = 'PruneIndexDamagedError';
  constructor(
    readonly location: string,
    readonly key: string,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(
      `${location}: prune stops: index object ${key} fails its integrity check (${detail}), so prune cannot tell which packs it lists and condemns nothing. ` +
        "Run `lifeboat vault repair index` (it rewrites the index from the packs themselves; an environment's vault: its repair-index runbook, `lifeboat repair-index --env <env> --vault <primary|dr>`), or copy the object again from the other vault (primary or DR: the same name holds the same bytes there); then prune again.",
      options,
    );
  }
}

/**
 * Whether `err` stops every prune of the vault until the operator resolves what it names (a damaged or missing object
 * prune must read), rather than this run only (a lease taken meanwhile, a store error): "prune again later" is then no
 * advice, and a caller says to resolve it first.
 */
export function stopsEveryPrune(err: unknown): boolean {
  return err instanceof PruneManifestUnreadableError || err instanceof PruneSnapshotUnreadableError || err instanceof PruneIndexDamagedError || err instanceof IncompleteIndexError || err instanceof DamagedPruneStateError;
}
