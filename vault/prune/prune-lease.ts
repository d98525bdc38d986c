import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import * as z from 'zod/mini';
import { decodeJson, encodeJson } from '../crypto/sealed-object';
import { EnvelopeError, objectContext, open, seal } from '../crypto/sealed-codec';
import { type VaultKeys } from '../crypto/vault-keys';
import { listWithFreeSizes } from '../backend/free-sizes-listing';
import { type VaultStore } from '../backend/vault-store';
import { idFromKey, PRUNE_LEASE_PREFIX, pruneLeaseKey } from '../repository/vault-layout';
import { ObjectLockedError, VaultError, VaultObjectArchivedError, VaultObjectNotFoundError } from '../vault-errors';
import { mapBounded } from '../workers/bounded-concurrency';
import { parseSchema } from '../repository/vault-schema';
import { CONDEMNATION_CLOCK_MARGIN_MS } from './prune-state';
import { formatDuration, PruneAlreadyRunningError, PruneLeaseLostError, PruneLeaseUnreadableError } from './prune-errors';

/**
 * The lease that keeps prunes of one vault from running at once (docs/FORMAT.md §11, "One prune at a
 * time"). Two sweeps of one batch with different marks (a forget between them) could spare a pack and
 * then delete it under a backup that started between them; two condemn phases could heal and condemn
 * each other's index objects. So every prune that writes anything holds a lease for as long as it runs.
 *
 * A lease is a sealed object `prune/running/<random id>` (kind `prune-lease`): who holds it, since
 * when, and until when it holds unless renewed. To take one, a prune writes its own and then lists
 * the others: if any other is live it withdraws its own and refuses. S3 lists what was written before
 * the listing began (strong consistency), so of two prunes that start together at least the later
 * lister sees the other's lease: never both go on; at worst both refuse, and the next run goes alone.
 * No compare-and-swap is needed, which neither every S3 endpoint nor a directory offers.
 *
 * A lease lives PRUNE_LEASE_TTL_MS after its last renewal; its holder renews it every
 * PRUNE_LEASE_RENEW_MS and stops before its next step (PruneLeaseLostError) once it cannot be sure the
 * lease still holds: a prune that died (a killed CLI, a Lambda timeout) blocks others for at most the
 * TTL and the clocks' margin, with nobody having to clear it. An expired or released lease is deleted
 * by the next prune that takes one. Where Object Lock's default retention keeps a lease object past its
 * release (a versioned vault bucket with a default retention applies it to every object), the holder
 * overwrites it with `released: true` (a new version: Object Lock keeps versions, it does not stop new
 * ones), and it counts as released until its retention passes and a later prune deletes it.
 */

/** How long a lease holds after its last renewal. */
export const PRUNE_LEASE_TTL_MS = 5 * 60_000;
/** How often a holder renews its lease: four renewals may fail in a row before it lapses. */
export const PRUNE_LEASE_RENEW_MS = 60_000;
/**
 * A holder stops this long before its lease's end: the step in flight (one delete) must not outlast
 * it, as another prune whose clock runs CONDEMNATION_CLOCK_MARGIN_MS ahead takes it for ended then.
 */
const STOP_BEFORE_END_MS = 30_000;
/** A lease is a few hundred bytes: anything much larger is no lease of ours. */
const MAX_LEASE_BYTES = 64 * 1024;

export const pruneLeaseSchema = z.object({
  v: z.literal(1),
  /** Who runs the prune, for the refusal's message: `user@host (pid N)`, or the workflow's function and request. */
  holder: z.string(),
  startedAt: z.iso.datetime(),
  renewedAt: z.iso.datetime(),
  /** The lease holds until then (the holder's clock), unless renewed. */
  expiresAt: z.iso.datetime(),
  /** Set when the holder ended but could not delete the object (Object Lock): no prune is held by it. */
  released: z.optional(z.boolean()),
});
export type PruneLeaseRecord = z.infer<typeof pruneLeaseSchema>;

export type PruneLeaseOptions = {
  /** Who runs the prune. @default `a process on <host> (pid <pid>)` */
  readonly holder?: string;
  /** Milliseconds since the epoch. @default Date.now */
  readonly now?: () => number;
  /** @default PRUNE_LEASE_TTL_MS */
  readonly ttlMs?: number;
  /** How often the lease is renewed in the background; 0: never (tests renew by hand). @default PRUNE_LEASE_RENEW_MS */
  readonly renewEveryMs?: number;
};

export class PruneLease {
  private record: PruneLeaseRecord;
  private timer: NodeJS.Timeout | undefined;
  private renewing: Promise<void> | undefined;
  private lastRenewalError: unknown;
  private ended = false;

  private constructor(
    private readonly store: VaultStore,
    private readonly keys: VaultKeys,
    readonly id: string,
    record: PruneLeaseRecord,
    private readonly now: () => number,
    private readonly ttlMs: number,
  ) {
    this.record = record;
  }

  /**
   * Takes the vault's prune lease, or throws PruneAlreadyRunningError naming the prune that holds one
   * (PruneLeaseUnreadableError for a lease this version cannot read). Leases that ended, and objects
   * the vault's keys do not open, are deleted on the way, where Object Lock lets them go.
   */
  static async acquire(store: VaultStore, keys: VaultKeys, options: PruneLeaseOptions = {}): Promise<PruneLease> {
    const now = options.now ?? Date.now;
    const ttlMs = options.ttlMs ?? PRUNE_LEASE_TTL_MS;
    const id = randomBytes(32).toString('hex');
    const at = now();
    const record: PruneLeaseRecord = { v: 1, holder: options.holder ?? defaultHolder(), startedAt: iso(at), renewedAt: iso(at), expiresAt: iso(at + ttlMs) };
    const lease = new PruneLease(store, keys, id, record, now, ttlMs);
    await writeLease(store, keys, id, record);
    let others: Array<{ id: string; lease: PruneLeaseRecord }>;
    let foreign: string[];
    try {
      ({ leases: others, foreign } = await readOtherLeases(store, keys, id));
    } catch (err) {
      // Its own lease must not outlive a refusal: the next run (the workflow's retry) would find it live.
      await lease.withdraw().catch(() => undefined);
      throw err;
    }
    const listedAt = now();
    const first = others.filter((o) => isLive(o.lease, listedAt))[0];
    if (first) {
      await lease.withdraw().catch(() => undefined);
      throw new PruneAlreadyRunningError(store.location, pruneLeaseKey(first.id), first.lease);
    }
    // Ended leases: a dead prune's, or a released one Object Lock kept, and objects that are no lease. Best effort:
    // what stays (locked, or a delete that failed) is read as ended again by the next prune.
    await mapBounded([...others.map((o) => o.id), ...foreign], 8, async (other) => {
      await store.delete(pruneLeaseKey(other)).catch(() => undefined);
    });
    const every = options.renewEveryMs ?? PRUNE_LEASE_RENEW_MS;
    if (every > 0) {
      lease.timer = setInterval(() => void lease.renew(), every);
      // A CLI prune that ended without release (a crash) must not be kept alive by the timer.
      lease.timer.unref();
    }
    return lease;
  }

  /** When the lease ends unless renewed, on this process's clock. */
  get expiresAt(): number {
    return Date.parse(this.record.expiresAt);
  }

  /**
   * Throws PruneLeaseLostError once the lease may have ended for another prune: called before every
   * step that deletes or condemns, so that a prune whose renewals failed (or whose process slept past
   * the TTL) stops before it acts on a mark that another prune may be sweeping against.
   */
  assertHeld(): void {
    if (this.ended) throw new PruneLeaseLostError(this.store.location, pruneLeaseKey(this.id), 'it was released');
    if (this.now() < this.expiresAt - STOP_BEFORE_END_MS) return;
    const why = this.lastRenewalError instanceof Error ? `its renewal failed: ${this.lastRenewalError.message}` : `it was not renewed for ${formatDuration(this.now() - Date.parse(this.record.renewedAt))}`;
    throw new PruneLeaseLostError(this.store.location, pruneLeaseKey(this.id), why);
  }

  /** Extends the lease by the TTL from now; a lease already lapsed is not renewed (assertHeld stops its holder). */
  renew(): Promise<void> {
    if (this.ended || this.renewing) return this.renewing ?? Promise.resolve();
    const at = this.now();
    if (at >= this.expiresAt - STOP_BEFORE_END_MS) return Promise.resolve();
    const next: PruneLeaseRecord = { ...this.record, renewedAt: iso(at), expiresAt: iso(at + this.ttlMs) };
    this.renewing = writeLease(this.store, this.keys, this.id, next)
      .then(() => {
        // Released meanwhile: release() withdraws the object once this write is done.
        if (this.ended) return;
        // Landed after the old lease could have looked ended to another prune, which may have deleted
        // it and gone on: the renewal does not count, and assertHeld stops this prune.
        if (this.now() >= this.expiresAt - STOP_BEFORE_END_MS) {
          this.lastRenewalError = new Error(`it landed at ${iso(this.now())}, after the lease could have ended`);
          return;
        }
        this.record = next;
        this.lastRenewalError = undefined;
      })
      .catch((err: unknown) => {
        this.lastRenewalError = err;
      })
      .finally(() => {
        this.renewing = undefined;
      });
    return this.renewing;
  }

  /**
   * Ends the lease: deletes its object, or, where Object Lock keeps it, overwrites it as released.
   * Failing that too, the lease simply ends at its expiry (the next prune may wait until then).
   */
  async release(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    if (this.timer) clearInterval(this.timer);
    await this.renewing;
    await this.withdraw();
  }

  private async withdraw(): Promise<void> {
    this.ended = true;
    if (this.timer) clearInterval(this.timer);
    const key = pruneLeaseKey(this.id);
    try {
      await this.store.delete(key);
    } catch (err) {
      if (!(err instanceof ObjectLockedError)) throw err;
      await writeLease(this.store, this.keys, this.id, { ...this.record, released: true });
    }
  }
}

/**
 * The live leases of the vault's prunes, oldest first, without writing or deleting anything: for a
 * process that must know whether a prune runs but may not write under prune/ (replication into a DR
 * vault of another account, lambdas/replication/replicate-vault.ts). What is no lease is ignored, as
 * PruneLease.acquire ignores it; a lease this version cannot read throws PruneLeaseUnreadableError.
 */
export async function livePruneLeases(store: VaultStore, keys: VaultKeys, now: () => number = Date.now): Promise<Array<{ id: string; lease: PruneLeaseRecord }>> {
  const { leases } = await readOtherLeases(store, keys);
  const listedAt = now();
  return leases.filter((o) => isLive(o.lease, listedAt));
}

/** Not released, and its end (plus the clocks' margin: the holder's clock may run behind) not yet passed. */
function isLive(lease: PruneLeaseRecord, at: number): boolean {
  return !lease.released && Date.parse(lease.expiresAt) + CONDEMNATION_CLOCK_MARGIN_MS > at;
}

/** Runs `fn` holding the vault's prune lease, released when it ends, whichever way. */
export async function withPruneLease<T>(store: VaultStore, keys: VaultKeys, options: PruneLeaseOptions, fn: (lease: PruneLease) => Promise<T>): Promise<T> {
  const lease = await PruneLease.acquire(store, keys, options);
  let result: T;
  try {
    result = await fn(lease);
  } catch (err) {
    // The run's own error is what the caller must see; a lease left behind ends at its expiry.
    await lease.release().catch(() => undefined);
    throw err;
  }
  // The run is done and its report stands: a failed release only leaves the lease to end at its expiry.
  await lease.release().catch(() => undefined);
  return result;
}

async function writeLease(store: VaultStore, keys: VaultKeys, id: string, record: PruneLeaseRecord): Promise<void> {
  const { stored } = await seal(keys, objectContext('prune-lease'), encodeJson(parseSchema(pruneLeaseSchema, record, 'a prune lease')), { compressionLevel: null });
  await store.put(pruneLeaseKey(id), stored);
}

/**
 * The leases but `ownId`'s, oldest first; `foreign` are objects under prune/running/ that the vault's keys do
 * not open. Every prune of this vault has those keys, so such an object is no prune's lease (a stray
 * write, or someone who may add objects to the bucket without the keys): PruneLease.acquire deletes it, and it blocks
 * nothing. A lease that opens but whose content this version does not understand (a newer Lifeboat's)
 * stops the prune: it may be a running prune's.
 */
async function readOtherLeases(store: VaultStore, keys: VaultKeys, ownId?: string): Promise<{ leases: Array<{ id: string; lease: PruneLeaseRecord }>; foreign: string[] }> {
  const ids: string[] = [];
  const foreign: string[] = [];
  // With sizes where the listing has them for free (S3): an object larger than any lease is not read at all. In a
  // directory the read's length decides.
  for await (const { key, size } of listWithFreeSizes(store, PRUNE_LEASE_PREFIX)) {
    const id = idFromKey(PRUNE_LEASE_PREFIX, key);
    if (!id || id === ownId) continue;
    if (size !== undefined && size > MAX_LEASE_BYTES) foreign.push(id);
    else ids.push(id);
  }
  const read = await mapBounded(ids, 8, async (id) => {
    const key = pruneLeaseKey(id);
    let plain: Buffer;
    try {
      const stored = await store.get(key);
      if (stored.length > MAX_LEASE_BYTES) throw new EnvelopeError(`${stored.length} bytes, more than any lease`);
      plain = await open(keys, objectContext('prune-lease'), stored, { maxPlaintext: MAX_LEASE_BYTES });
    } catch (err) {
      // Released (deleted) between the listing and the read.
      if (err instanceof VaultObjectNotFoundError) return null;
      // Not a lease: sealed without the vault's keys, too large, or archived (a lease is written to the default
      // storage class and lives minutes; only someone adding objects to the bucket puts one in an archive class).
      if (err instanceof EnvelopeError || err instanceof VaultObjectArchivedError) {
        foreign.push(id);
        return null;
      }
      throw err;
    }
    try {
      return { id, lease: decodeJson(pruneLeaseSchema, plain, { location: store.location, key }) };
    } catch (err) {
      if (err instanceof VaultError) throw new PruneLeaseUnreadableError(store.location, key, err.message);
      throw err;
    }
  });
  const leases = read.filter((r): r is { id: string; lease: PruneLeaseRecord } => r !== null).sort((a, b) => a.lease.startedAt.localeCompare(b.lease.startedAt));
  return { leases, foreign };
}

/** For callers that name none: the host and process tell prunes apart (the CLI names its user, the workflow its request). */
function defaultHolder(): string {
  return `a process on ${hostname()} (pid ${process.pid})`;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
