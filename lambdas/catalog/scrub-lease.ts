import { randomBytes } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { CatalogItemInvalidError } from './catalog-errors';
import { ScrubInProgressError } from './scrub-in-progress-error';
import { ScrubLeaseLostError } from './scrub-lease-lost-error';

/**
 * The scrub lease (review rY F1). A run carries the damage of the latest SCRUB#RUNS record it read when it started
 * (scrub-outstanding.ts), and records are keyed by start time: of two runs at once, the one that started later is the
 * latest record, and it carried only the record before both, so the other run's damage was gone from `lifeboat status`
 * for good. So runs are serialised, not merged: every scrub that records (the runbook and `lifeboat scrub`) takes this
 * lease before it reads the latest record and releases it once it has recorded, whichever way it ends; a second one is
 * refused (ScrubInProgressError). One item, its own partition (SCRUB#RUNS is read newest-first, and a lease there
 * would sort after every run), so the scrub role's LeadingKeys grant adds this key alone (lib/constructs/scrub-workflow.ts).
 *
 * `until` says when the lease lapses (for the holder and a refused run's message); `expiresAt` is the same instant in
 * epoch seconds, the table's TTL attribute, which removes a dead run's lease some time after. A lease is taken over
 * SCRUB_LEASE_CLOCK_MARGIN_MS after its expiresAt on the taker's clock, TTL or not: a run that died (a Lambda timeout, a
 * killed CLI) blocks no one for long, and a taker whose clock runs ahead of the holder's (by less than the margin) does
 * not take a lease its holder still counts as held (review rEE F2).
 *
 * A lease can still be lost (a CLI suspended, or its renewals failing, for longer than the lease and the margin), so
 * holding it at the start is not enough: a run confirms it still holds it right before it records (ScrubLeaseHold.confirm)
 * and records nothing when it does not (ScrubLeaseLostError, review rEE F1).
 */
export const SCRUB_LEASE_PK = 'SCRUB#LEASE';
const SCRUB_LEASE_SK = 'LEASE';

/**
 * How far past a lease's end another scrub waits before taking it over: the clocks of a Lambda and of a laptop may
 * differ by this much, as prune's CONDEMNATION_CLOCK_MARGIN_MS (vault/prune/prune-state.ts) allows for.
 */
export const SCRUB_LEASE_CLOCK_MARGIN_MS = 5 * 60_000;

export const scrubLeaseItemSchema = z.object({
  /** Random per run: only the run that took the lease renews or releases it. */
  holder: z.string().min(1),
  /** Who holds it, for the refusal's message: the runbook's Lambda request, or the CLI's user, host and pid. */
  by: z.string().min(1),
  startedAt: z.string().min(1),
  until: z.string().min(1),
  expiresAt: z.number().int(),
  /** The Step Functions execution that holds it ($$.Execution.Id): a retry of that execution takes it again (review rEE F3). */
  execution: z.string().min(1).optional(),
});
export type ScrubLeaseItem = z.infer<typeof scrubLeaseItemSchema>;

/** The lease as its holder has it. */
export type HeldScrubLease = { readonly holder: string; readonly until: string };

/** What a scrub does with the lease (ScrubLease; tests pass fakes). */
export type ScrubLeaseStore = {
  /**
   * Takes the lease for `seconds`, or throws ScrubInProgressError naming the run that holds it. `execution`: the Step
   * Functions execution taking it, which takes a lease its own earlier attempt left (a failed release) at once.
   */
  take(by: string, now: Date, seconds: number, execution?: string): Promise<HeldScrubLease>;
  /** Extends a held lease to `seconds` from now; undefined when it is no longer this holder's (it lapsed and was taken over). */
  renew(lease: HeldScrubLease, now: Date, seconds: number): Promise<HeldScrubLease | undefined>;
  /** Gives the lease back if `lease` still holds it; returns whether it did. */
  release(lease: HeldScrubLease): Promise<boolean>;
};

export class ScrubLease implements ScrubLeaseStore {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async take(by: string, now: Date, seconds: number, execution?: string): Promise<HeldScrubLease> {
    const holder = randomBytes(16).toString('hex');
    const until = new Date(now.getTime() + seconds * 1000);
    const item: ScrubLeaseItem = { holder, by, startedAt: now.toISOString(), until: until.toISOString(), expiresAt: Math.ceil(until.getTime() / 1000), ...(execution !== undefined ? { execution } : {}) };
    // Taken over only once it ended by the margin on this clock; by its own execution at once (a retry, a redrive).
    const lapsedBefore = Math.floor((now.getTime() - SCRUB_LEASE_CLOCK_MARGIN_MS) / 1000);
    // Twice: a lease released between the refused write and the read of its holder is free again.
    for (let attempt = 0; ; attempt++) {
      try {
        await this.ddb.send(
          new PutCommand({
            TableName: this.table,
            Item: { pk: SCRUB_LEASE_PK, sk: SCRUB_LEASE_SK, ...item },
            ConditionExpression: `attribute_not_exists(pk) OR expiresAt < :lapsedBefore${execution !== undefined ? ' OR execution = :execution' : ''}`,
            ExpressionAttributeValues: { ':lapsedBefore': lapsedBefore, ...(execution !== undefined ? { ':execution': execution } : {}) },
          }),
        );
        return { holder, until: item.until };
      } catch (err) {
        if (!(err instanceof ConditionalCheckFailedException)) throw err;
        const other = await this.read();
        if (other || attempt > 0) throw new ScrubInProgressError(other, other ? new Date(Date.parse(other.until) + SCRUB_LEASE_CLOCK_MARGIN_MS).toISOString() : undefined);
      }
    }
  }

  async renew(lease: HeldScrubLease, now: Date, seconds: number): Promise<HeldScrubLease | undefined> {
    const until = new Date(now.getTime() + seconds * 1000);
    try {
      await this.ddb.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: SCRUB_LEASE_PK, sk: SCRUB_LEASE_SK },
          UpdateExpression: 'SET #until = :until, expiresAt = :expiresAt',
          ConditionExpression: 'holder = :holder',
          ExpressionAttributeNames: { '#until': 'until' },
          ExpressionAttributeValues: { ':until': until.toISOString(), ':expiresAt': Math.ceil(until.getTime() / 1000), ':holder': lease.holder },
        }),
      );
      return { holder: lease.holder, until: until.toISOString() };
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return undefined;
      throw err;
    }
  }

  async release(lease: HeldScrubLease): Promise<boolean> {
    try {
      await this.ddb.send(
        new DeleteCommand({ TableName: this.table, Key: { pk: SCRUB_LEASE_PK, sk: SCRUB_LEASE_SK }, ConditionExpression: 'holder = :holder', ExpressionAttributeValues: { ':holder': lease.holder } }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  }

  private async read(): Promise<ScrubLeaseItem | undefined> {
    const { Item } = await this.ddb.send(new GetCommand({ TableName: this.table, Key: { pk: SCRUB_LEASE_PK, sk: SCRUB_LEASE_SK }, ConsistentRead: true }));
    if (!Item) return undefined;
    const { pk: _pk, sk: _sk, ...rest } = Item;
    const parsed = scrubLeaseItemSchema.safeParse(rest);
    if (parsed.success) return parsed.data;
    throw new CatalogItemInvalidError(this.table, `${SCRUB_LEASE_PK} / ${SCRUB_LEASE_SK}`, parsed.error.issues);
  }
}

/**
 * A lease being held. `confirm()`: right before a run records, checks that it still holds the lease, or throws
 * ScrubLeaseLostError and the run records nothing: lost when a renewal found it taken over, or when (on this clock) its
 * last successful renewal is older than the lease lasts, as another scrub may then have taken it (renewals that threw, a
 * process suspended); else a renewal conditional on its holder, which fails once another took it. `release()` never
 * throws; a failed one lapses at its until, and it says so (ScrubLeaseUnreleased): a run that stopped cannot then say
 * "run it again in a minute", which the lease would refuse (review r65K F2).
 */
export type ScrubLeaseHold = { confirm(): Promise<void>; release(): Promise<ScrubLeaseUnreleased | undefined> };

/**
 * A release that failed (a DynamoDB throttle, the catalog out of reach): the lease is held until `until`, and another
 * run can take it over from `takeoverAt` (its until and the clocks' margin, as ScrubInProgressError says).
 */
export type ScrubLeaseUnreleased = { readonly until: string; readonly takeoverAt: string; readonly error: unknown };

/** The lease's holder as taken: for renewals, and for the error that says it was lost. */
type LeaseHolding = { readonly by: string; readonly seconds: number; readonly now: () => Date; readonly renewEveryMs?: number; readonly execution?: string };

/**
 * Takes the scrub lease (ScrubInProgressError while another run holds it). `renewEveryMs`: a run with no bound on its
 * length (the CLI) renews it in the background, as a prune renews its lease (vault/prune/prune-lease.ts), so that a
 * killed one blocks others for `seconds` (and the clocks' margin) at most.
 */
export async function holdScrubLease(store: ScrubLeaseStore, lease: LeaseHolding): Promise<ScrubLeaseHold> {
  let held: HeldScrubLease | undefined = await store.take(lease.by, lease.now(), lease.seconds, lease.execution);
  let takenOver = false;
  let renewing: Promise<void> | undefined;
  const renew = async (at: HeldScrubLease): Promise<void> => {
    const next = await store.renew(at, lease.now(), lease.seconds);
    if (next) held = next;
    else takenOver = true;
  };
  const timer =
    lease.renewEveryMs !== undefined && lease.renewEveryMs > 0
      ? setInterval(() => {
          if (renewing || !held || takenOver) return;
          renewing = renew(held)
            // A failed renewal is tried again at the next tick; the lease holds until its until meanwhile, and confirm() counts it lost after.
            .catch(() => undefined)
            .finally(() => {
              renewing = undefined;
            });
        }, lease.renewEveryMs)
      : undefined;
  // A CLI that ended without release (a crash) must not be kept alive by the timer.
  timer?.unref();
  const lapsed = (at: HeldScrubLease) => lease.now().getTime() >= Date.parse(at.until);
  return {
    confirm: async () => {
      await renewing;
      if (!held) throw new ScrubLeaseLostError('released', undefined);
      // Lapsed on this clock: another scrub whose clock runs ahead may have taken it and read the latest record already.
      if (!takenOver && lapsed(held)) throw new ScrubLeaseLostError('lapsed', held.until);
      if (!takenOver) await renew(held);
      if (takenOver) throw new ScrubLeaseLostError('taken over', held.until);
    },
    release: async () => {
      if (timer) clearInterval(timer);
      await renewing;
      const release = held;
      held = undefined;
      if (!release) return undefined;
      try {
        await store.release(release);
        return undefined;
      } catch (error) {
        return { until: release.until, takeoverAt: new Date(Date.parse(release.until) + SCRUB_LEASE_CLOCK_MARGIN_MS).toISOString(), error };
      }
    },
  };
}

/** Runs `fn` holding the scrub lease, released when it ends, whichever way: the run's own error is what the caller sees. */
export async function withScrubLease<T>(store: ScrubLeaseStore, lease: Parameters<typeof holdScrubLease>[1], fn: (hold: ScrubLeaseHold) => Promise<T>): Promise<T> {
  const hold = await holdScrubLease(store, lease);
  try {
    return await fn(hold);
  } finally {
    await hold.release();
  }
}
