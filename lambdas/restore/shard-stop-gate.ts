/** The least time a restore shard call keeps for stopping: throttling back-offs, a slower call, the answer. */
export const DEFAULT_RESTORE_STOP_MARGIN_MS = 60_000;

/**
 * Whether a restore shard call may start more work (a manifest page, a BatchWriteItem batch, the next
 * shard of its batch) or must stop for its deadline, and how long work already started may still wait
 * (`msLeft`: a batch queued for the write budget gives up then, dynamodb-shard-pages.ts). The first
 * piece of work of a call always starts: a call that stopped before writing anything would be called
 * again with the same cursor and no more time, and loop. Once it says stop it says so for the rest of
 * the call, so the batches a page wrote are always its first ones (a prefix of its items), whatever
 * runs beside it.
 */
export class ShardStopGate {
  private started = false;
  private closed = false;

  /** `left`: milliseconds until the call should start nothing more (its deadline less the stop margin); absent: never stops. */
  constructor(private readonly left: () => number = () => Number.POSITIVE_INFINITY) {}

  /** From `deadline` (milliseconds left) and a margin taken once, at the start of the call, as the backup shards take theirs (snapshot-shard.ts). */
  static forDeadline(deadline: (() => number) | undefined, stopMarginMs: number | undefined): ShardStopGate {
    if (!deadline) return new ShardStopGate();
    const margin = stopMarginMs ?? Math.max(DEFAULT_RESTORE_STOP_MARGIN_MS, deadline() / 10);
    return new ShardStopGate(() => deadline() - margin);
  }

  /** Milliseconds the call's work may still take before the stop margin; 0 or less once past it. */
  msLeft(): number {
    return this.left();
  }

  /** True once the call must start nothing more; never before its first piece of work started. */
  stopping(): boolean {
    if (!this.closed && this.started && this.left() < 0) this.closed = true;
    return this.closed;
  }

  /** Asked before a piece of work starts: false once the call is stopping (and then for the rest of the call). */
  mayStart(): boolean {
    if (this.stopping()) return false;
    this.started = true;
    return true;
  }

  /** Stops the call now (for the rest of it): a piece of work found it has no time left (a batch that could not get its write units in time). */
  close(): void {
    this.closed = true;
  }

  /**
   * The call's first piece of work, which the gate lets start whatever it says: the first BatchWriteItem batch
   * of the cursor's page. Pages after it run beside it, and had one of them taken the free piece near the
   * deadline, the cursor's page would be refused and every call would stop at the same cursor. The batch
   * itself may still give up when even it cannot get its write units before the margin (c183b8ed): the call
   * then answers the same cursor, and MAX_RESTORE_SHARD_ROUNDS bounds a budget too slow for one batch a run.
   */
  startFirst(): true {
    this.started = true;
    return true;
  }
}
