import { livePruneLeases, PruneAlreadyRunningError, pruneLeaseKey, pruneVault, stopsEveryPrune, type Vault, VaultError } from '../../vault';

/**
 * `vault forget --prune` refused before it deleted a snapshot: the prune it ends with would refuse now.
 * Forgetting first would leave the operator with snapshots gone and a prune error saying "nothing was
 * changed" (the prune's own refusals say so, of the prune), so the forget refuses as a whole instead.
 * "Forget now without --prune and prune later" is offered only when the reason is this run's (another
 * prune's lease): one that stops every prune until it is resolved (stopsEveryPrune) would stop that later
 * prune alike (review r58H F5).
 */
export class ForgetPruneRefusedError extends VaultError {
  override name = 'ForgetPruneRefusedError';
  constructor(readonly reason: unknown) {
    const said = reason instanceof Error ? reason.message : String(reason);
    const later = stopsEveryPrune(reason) ? '' : '; or forget now without --prune and run `lifeboat vault prune` later';
    super(
      `forget --prune forgot nothing: the prune it ends with cannot run now, so no snapshot was deleted. The prune's reason: ${said}${/[.!?]$/.test(said) ? '' : '.'} ` +
        `Once that is resolved, run this forget again${later}.`,
      { cause: reason },
    );
  }
}

/**
 * Before `vault forget --prune` deletes anything: what would make its prune refuse, found by the prune's
 * own reads, which write nothing. First the lease read (livePruneLeases, as replication reads it: a
 * live lease, or one this version cannot read), then a dry-run prune that counts `forgetting` as gone,
 * as the real prune will find them, whose deadline has passed already: it reads prune's state (a damaged
 * batch), marks (an unreadable snapshot object) and checks the index's coverage (IncompleteIndexError),
 * then starts no step. What can still fail after the deletes (a lease taken meanwhile, a store error) is
 * the caller's to report. Throws ForgetPruneRefusedError.
 */
export async function checkPruneWouldRun(vault: Vault, forgetting: ReadonlySet<string>, settings: { graceMs?: number; repackThreshold?: number }): Promise<void> {
  try {
    const [live] = await livePruneLeases(vault.store, vault.keys);
    if (live) throw new PruneAlreadyRunningError(vault.store.location, pruneLeaseKey(live.id), live.lease);
    await pruneVault(vault, { ...settings, dryRun: true, assumeForgotten: forgetting, deadline: 0 });
  } catch (err) {
    throw new ForgetPruneRefusedError(err);
  }
}
