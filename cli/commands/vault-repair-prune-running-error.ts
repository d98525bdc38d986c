import { type ReplicaPruneRunning } from '../../lambdas/replication/replica-prune-wait';
import { VaultError } from '../../vault';

/**
 * `vault repair index` found a prune of the vault holding its lease (docs/FORMAT.md §11, "One prune at a time"),
 * as the repair-index runbook refuses (RepairIndexPruneRunningError): the repair takes no lease and is safe beside
 * a prune with a grace, but not beside `vault prune --grace 0`, which deletes what it condemns at once; a lease
 * does not say its prune's grace, so the repair refuses beside any prune. Refused before anything is written.
 */
export class VaultRepairPruneRunningError extends VaultError {
  override name = 'VaultRepairPruneRunningError';
  constructor(
    readonly location: string,
    readonly running: ReplicaPruneRunning,
  ) {
    // No expiresAt: a lease this version cannot read (PruneLeaseUnreadableError), which never ends by itself as far as
    // this version can tell, so "when it ends" would leave the user waiting for ever: give that error's advice instead.
    const advice =
      running.expiresAt === undefined
        ? `This version cannot read that lease (a newer Lifeboat's?), so it cannot tell whether that prune still runs or when its lease ends: ` +
          `run the repair with the newer Lifeboat, or, if no prune of this vault runs now, delete that object (${running.leaseKey}) and run the repair again`
        : `Run the repair when it ends; if it died, its lease ends by itself at ${running.expiresAt} (plus a minute for the clocks)`;
    super(
      `a prune is running on ${location} (${running.holder}, lease ${running.leaseKey}): nothing was changed. ` +
        `A prune with grace 0 deletes what it condemns at once, which the repair cannot run beside. ${advice}`,
    );
  }
}
