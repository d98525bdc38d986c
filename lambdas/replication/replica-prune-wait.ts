import { livePruneLeases, pruneLeaseKey, PruneLeaseUnreadableError } from '../../vault';
import { type VaultKeys, type VaultStore } from '../../vault';

/** How often a pass that found the DR vault's prune running looks again. A lease lives 5 minutes after its last renewal. */
export const REPLICA_PRUNE_POLL_MS = 30_000;

/** A prune of the replica that was running when replication last looked (docs/FORMAT.md §11, "One prune at a time"). */
export type ReplicaPruneRunning = {
  /** `prune/running/<id>` */
  readonly leaseKey: string;
  /** Who runs it, as its lease says ("a newer Lifeboat's prune" for a lease this version cannot read). */
  readonly holder: string;
  /** When its lease ends unless renewed (the holder's clock); absent for a lease this version cannot read. */
  readonly expiresAt?: string;
};

export type ReplicaPruneWaitOptions = {
  readonly now: () => number;
  /** Epoch ms by which waiting must be over; absent: look once, never wait. */
  readonly waitUntil?: number;
  /** @default REPLICA_PRUNE_POLL_MS */
  readonly pollMs?: number;
  /** @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
};

/**
 * Waits, until `waitUntil` at most, for no prune of the replica to be running; returns undefined once none
 * is, or the one still running when the time is up. Read-only towards prune state (livePruneLeases): with
 * the DR vault in another account the primary account's roles may not write under prune/ there.
 *
 * Why replication asks (lambdas/replication/replicate-vault.ts), and the scrub's repair of a snapshot object in
 * either vault (look-after-copy.ts, lookAfterPrunes): a prune's sweep marks the vault and then deletes; a snapshot
 * copied between the two relies on objects the mark did not see it reference. A prune takes its lease before it
 * marks, and holds it until its last delete is done, so once no lease is live, every prune that may have marked
 * before the snapshots landed has finished deleting.
 */
export async function awaitNoReplicaPrune(store: VaultStore, keys: VaultKeys, options: ReplicaPruneWaitOptions): Promise<ReplicaPruneRunning | undefined> {
  const pollMs = options.pollMs ?? REPLICA_PRUNE_POLL_MS;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  for (;;) {
    const running = await runningPrune(store, keys, options.now);
    if (!running) return undefined;
    if (options.waitUntil === undefined || options.now() + pollMs > options.waitUntil) return running;
    await sleep(pollMs);
  }
}

async function runningPrune(store: VaultStore, keys: VaultKeys, now: () => number): Promise<ReplicaPruneRunning | undefined> {
  try {
    const first = (await livePruneLeases(store, keys, now))[0];
    return first ? { leaseKey: pruneLeaseKey(first.id), holder: first.lease.holder, expiresAt: first.lease.expiresAt } : undefined;
  } catch (err) {
    // A newer Lifeboat's lease: its prune may be running, and may delete what the new snapshots rely on. It is deleted
    // when that prune ends (or by the next prune of that version), so the pass waits as for any other.
    if (err instanceof PruneLeaseUnreadableError) return { leaseKey: err.leaseKey, holder: 'a prune of a newer Lifeboat' };
    throw err;
  }
}
