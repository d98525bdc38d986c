import { setTimeout as sleep } from 'node:timers/promises';
import { TransientError } from '../runtime/errors';

/** Time as the bucket sees it: milliseconds, and a way to wait. Tests pass a fake one that advances on sleep. */
export type BucketClock = { now(): number; sleep(ms: number): Promise<void> };

export const systemClock: BucketClock = { now: () => performance.now(), sleep: (ms) => sleep(ms) };

export type CapacityTokenBucketOptions = {
  /** The budget: capacity units a second, never exceeded on average (see CapacityTokenBucket). */
  unitsPerSecond: number;
  /** Most units the bucket saves up while idle (a burst). @default one second of the budget, and at least `minBurstUnits` */
  burstUnits?: number;
  /** A request's estimate must fit in the bucket, or it would wait for ever: the burst is at least this. @default 1 */
  minBurstUnits?: number;
  clock?: BucketClock;
  /** [0, 1): the jitter of backoffs (tests fix it). @default Math.random */
  random?: () => number;
  /** Throttled attempts in a row before the caller gets a TransientError (the workflow's retry then takes over). @default 30 */
  maxThrottledInARow?: number;
  /**
   * Units an earlier bucket of the same scan ended owing (debtUnits): this one starts that far below empty, so a
   * scan that stops without waiting out its debt and resumes in another invocation stays within the budget. @default 0
   */
  initialDebtUnits?: number;
};

/** What a bucket did, for logs, metrics and tests. */
export type CapacityStats = {
  /** Units the service reported consumed (or, where it reported none, the caller's measure or the estimate charged instead). */
  consumedUnits: number;
  requests: number;
  /** Requests the service refused as throttled and that the bucket backed off from. */
  throttles: number;
  /** Attempts the SDK's own retry strategy made beyond the first (throttles or transient errors it hid). */
  sdkRetries: number;
  /** Requests whose response carried no ConsumedCapacity (the caller's measure, or else the estimate, was charged). */
  unreported: number;
  /** Time spent waiting for tokens or backing off, in the clock's milliseconds. */
  waitedMs: number;
};

/** Backoff after a throttle: full jitter over an exponential ceiling (AWS's "exponential backoff and jitter"). */
const BACKOFF_BASE_MS = 100;
const BACKOFF_CAP_MS = 20_000;
/**
 * After a throttle the refill rate is halved (down to this share of the budget) and climbs back by RECOVERY per good request.
 * Exported for worst-case bounds: a paced reader's slowest rate is its budget × MIN_RATE_SHARE.
 */
export const MIN_RATE_SHARE = 1 / 16;
const RECOVERY = 0.05;

/**
 * A token bucket of capacity units (DynamoDB RCU or WCU) fed by what the service says a request
 * consumed. A caller reserves its request's *estimated* units (waiting until the bucket holds them),
 * sends the request, then settles the reservation with the *consumed* units the response reports:
 * an underestimate leaves the bucket in debt, which the next reservation waits out.
 *
 * Guarantees, with B the burst and r the budget: the units of requests started in any window of
 * length t are at most B + r·t + (the last request's consumed − estimated units); and since the bucket
 * starts empty, a caller that `settleDebt()`s before it ends has consumed at most r × its own duration.
 * That second property is why it starts empty: a shard that ends and the next shard that starts in
 * another Lambda (each with its own bucket) never add up to more than the budget either.
 *
 * Throttles slow it down rather than fail it: `throttled()` backs off with jitter and halves the refill
 * rate (recovering step by step), so a table busy with its application's traffic gets room.
 */
export class CapacityTokenBucket {
  readonly unitsPerSecond: number;
  readonly burstUnits: number;
  readonly stats: CapacityStats = { consumedUnits: 0, requests: 0, throttles: 0, sdkRetries: 0, unreported: 0, waitedMs: 0 };
  private readonly clock: BucketClock;
  private readonly random: () => number;
  private readonly maxThrottledInARow: number;
  private tokens = 0;
  private last: number;
  private rateShare = 1;
  private throttledInARow = 0;
  /** Reservations are served one at a time, in order (restore writes share one bucket between concurrent batches). */
  private queue: Promise<void> = Promise.resolve();

  constructor(options: CapacityTokenBucketOptions) {
    if (!(options.unitsPerSecond > 0) || !Number.isFinite(options.unitsPerSecond)) {
      throw new RangeError(`A capacity budget must be a positive number of units a second, not ${options.unitsPerSecond}.`);
    }
    this.unitsPerSecond = options.unitsPerSecond;
    this.burstUnits = Math.max(options.burstUnits ?? options.unitsPerSecond, options.minBurstUnits ?? 1);
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.maxThrottledInARow = options.maxThrottledInARow ?? 30;
    this.tokens = -Math.max(0, options.initialDebtUnits ?? 0);
    this.last = this.clock.now();
  }

  /** The refill rate now: the budget, or less for a while after throttles. */
  get currentUnitsPerSecond(): number {
    return this.unitsPerSecond * this.rateShare;
  }

  /** Waits until the bucket holds `units` (capped at the burst), then takes them. Returns what was reserved, for `settle`. */
  reserve(units: number): Promise<number> {
    const reserved = this.capped(units);
    return this.inTurn(reserved, Number.POSITIVE_INFINITY).then(() => reserved);
  }

  /**
   * `reserve`, but waits at most `maxWaitMs`: undefined when the bucket does not hold the units by then
   * (nothing taken). After a response far over its estimate the wait can be minutes; a caller that must
   * be able to stop meanwhile waits in slices and checks between them.
   */
  reserveWithin(units: number, maxWaitMs: number): Promise<number | undefined> {
    const reserved = this.capped(units);
    return this.inTurn(reserved, maxWaitMs).then((taken) => (taken ? reserved : undefined));
  }

  /**
   * `reserve` for a caller with a deadline: undefined, with nothing taken, when `msLeft()` is 0 or less as
   * its turn comes (even if the bucket holds the units) or after a wait that left it short. Unlike
   * `reserveWithin` the time it spends queued behind other reservations counts too, and the limit may
   * shrink while it waits (a restore shard's time left less the read-back it has committed to).
   */
  reserveWhile(units: number, msLeft: () => number): Promise<number | undefined> {
    const reserved = this.capped(units);
    return this.inTurn(reserved, msLeft).then((taken) => (taken ? reserved : undefined));
  }

  /**
   * Settles a reservation with the units the service reports consumed. Undefined: it reported none, and
   * `measured` is charged instead (the caller's own measure of what the request cost), else the reservation.
   */
  settle(reserved: number, consumed: number | undefined, measured?: number): void {
    const actual = consumed ?? measured ?? reserved;
    if (consumed === undefined) this.stats.unreported++;
    this.refill();
    this.tokens += reserved - actual;
    this.stats.consumedUnits += actual;
    this.stats.requests++;
  }

  /** A request went through: `attempts` is the SDK's $metadata.attempts (above 1: its retries hid throttles or errors, so ease off). */
  succeeded(attempts = 1): void {
    this.throttledInARow = 0;
    if (attempts > 1) {
      this.stats.sdkRetries += attempts - 1;
      this.slowDown();
    } else {
      this.refill();
      this.rateShare = Math.min(1, this.rateShare + RECOVERY);
    }
  }

  /**
   * The service throttled a request (after the SDK's own retries): backs off with full jitter over an
   * exponential ceiling and halves the refill rate. Throws a TransientError after too many in a row.
   */
  async throttled(what: string): Promise<void> {
    this.stats.throttles++;
    this.throttledInARow++;
    if (this.throttledInARow > this.maxThrottledInARow) {
      throw new TransientError(`${what} was throttled ${this.throttledInARow - 1} times in a row despite backing off; the table has no capacity to spare now (retry later, or raise its capacity).`);
    }
    this.slowDown();
    const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.min(this.throttledInARow, 20));
    await this.wait(Math.floor(this.random() * ceiling));
  }

  /**
   * The service processed part of a request and handed the rest back (a partly throttled batch): it
   * backs off and slows down as after a throttle, but the request made progress, so the throttles in a
   * row start over; only requests that get nothing through count toward giving up (audit d4-2).
   */
  async partlyThrottled(): Promise<void> {
    this.stats.throttles++;
    this.throttledInARow = 0;
    this.slowDown();
    await this.wait(Math.floor(this.random() * BACKOFF_BASE_MS * 2));
  }

  /** The units the bucket owes now (0 when it is out of debt): what a stretch that stops at once hands to the next one's bucket. */
  debtUnits(): number {
    this.refill();
    return Math.max(0, -this.tokens);
  }

  /** Waits until the bucket is out of debt (consumed ≤ budget × time since it was made). */
  async settleDebt(): Promise<void> {
    await this.settleDebtWithin(Number.POSITIVE_INFINITY);
  }

  /** `settleDebt`, but waits at most `maxWaitMs`: whether the bucket is out of debt. */
  settleDebtWithin(maxWaitMs: number): Promise<boolean> {
    return this.inTurn(0, maxWaitMs);
  }

  /** A request's units as the bucket can hold them: never more than the burst, or it would wait for ever. */
  private capped(units: number): number {
    return Math.min(Math.max(units, 0), this.burstUnits);
  }

  /** `waitFor` after the reservations queued before it (concurrent callers are served in order); a number: the most it waits once its turn comes. */
  private inTurn(units: number, maxWaitMs: number | (() => number)): Promise<boolean> {
    const turn = this.queue.then(() => {
      if (typeof maxWaitMs !== 'number') return maxWaitMs() > 0 ? this.waitFor(units, maxWaitMs) : false;
      const until = this.clock.now() + maxWaitMs;
      return this.waitFor(units, () => until - this.clock.now());
    });
    this.queue = turn.then(
      () => undefined,
      () => undefined,
    );
    return turn;
  }

  private slowDown(): void {
    this.refill();
    this.rateShare = Math.max(MIN_RATE_SHARE, this.rateShare / 2);
  }

  private refill(): void {
    const now = this.clock.now();
    const elapsed = Math.max(0, now - this.last);
    this.last = now;
    this.tokens = Math.min(this.burstUnits, this.tokens + (elapsed / 1000) * this.currentUnitsPerSecond);
  }

  /** Takes `units` once the bucket holds them; false, with nothing taken, once `msLeft()` is 0 or less before then. */
  private async waitFor(units: number, msLeft: () => number): Promise<boolean> {
    for (;;) {
      this.refill();
      if (this.tokens >= units) {
        this.tokens -= units;
        return true;
      }
      const left = msLeft();
      if (left <= 0) return false;
      // Wait for the shortfall at the current rate; round up so a fake clock lands past the mark, not just before it.
      await this.wait(Math.min(left, Math.ceil(((units - this.tokens) / this.currentUnitsPerSecond) * 1000)));
    }
  }

  private async wait(ms: number): Promise<void> {
    if (ms <= 0) return;
    this.stats.waitedMs += ms;
    await this.clock.sleep(ms);
  }
}
