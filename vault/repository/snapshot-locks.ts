import { decodeIndexObject } from '../blob-index/index-object';
import { type BlobLocation } from '../blob-index/vault-index';
import { getSealedObject } from '../crypto/sealed-object';
import { DamagedPruneStateError } from '../prune/prune-errors';
import { isTombstone, loadCondemnedBatches } from '../prune/prune-state';
import { VaultCorruptionError } from '../vault-errors';
import { mapBounded } from '../workers/bounded-concurrency';
import { type VaultStore } from '../backend/vault-store';
import { type Vault } from './vault';
import { listIndexObjectIds } from './index-objects-listed';
import { CONFIG_KEY, idFromKey, indexKey, KEYS_PREFIX, manifestKey, packKey, snapshotKey } from './vault-layout';

/**
 * Object Lock of what backups reference (docs/ARCHITECTURE.md, "Object Lock"). A pack written by one
 * backup is referenced by every later backup that deduplicates against it, so its retention must last
 * as long as the newest backup that needs it: commit extends the retention of everything a new
 * snapshot references (kopia's "extend object locks"), and a legal hold is set on all of it.
 */

/** Requests in flight while extending or holding: HEAD + PutObjectRetention per object, small and latency-bound. */
const LOCK_CONCURRENCY = 16;

/**
 * Every object a snapshot needs to be restored: the vault's config and key objects (without them no
 * object of the vault can be opened), the snapshot object, its manifest root, nodes and pages, the
 * packs holding its blobs (every copy's, for a blob stored twice, less those a pending prune condemned: packsToLock), and the index objects listing those
 * packs (the snapshot's own and older ones; an index object a pending prune condemned only when no other lists
 * one of those packs: indexObjectsToKeep). With `includeCondemned` (legal holds: a release must reach every object a hold set,
 * whatever a prune condemned in between), every copy's pack and every listing index object.
 * Sorted by key. Reads the manifest, the pending prune batches and every index object of the vault. The config and keys
 * are written when the vault is made (a key object `lifeboat vault key add` writes later is locked with the next
 * locked snapshot): until 2026-12-04 they were left out, so their retention
 * ran out `days` after that, and a delete plus the noncurrent-version expiry could then take every
 * backup of an immutable vault with them.
 */
export async function snapshotObjectKeys(vault: Vault, snapshotIds: readonly string[], options: { includeCondemned?: boolean } = {}): Promise<string[]> {
  const keys = await objectKeysOf(vault, snapshotIds, options.includeCondemned === true, () => false);
  if (!keys) throw new Error('snapshotObjectKeys: stopped with no deadline');
  return keys;
}

/**
 * snapshotObjectKeys, stopped at a deadline (epoch ms on `now`'s clock): undefined when it passes before every key is
 * found. It checks between reads (a snapshot, a manifest page, an index object; the vault's index is one load), so it
 * ends at most one read, or one index load, after the deadline, having changed nothing. For a caller that must end in
 * time with many snapshots (the Replicate step's DR retention extension): it finds the keys of fewer at a time.
 */
export async function snapshotObjectKeysBefore(vault: Vault, snapshotIds: readonly string[], deadline: number, now: () => number = Date.now): Promise<string[] | undefined> {
  return objectKeysOf(vault, snapshotIds, false, () => now() >= deadline);
}

async function objectKeysOf(vault: Vault, snapshotIds: readonly string[], includeCondemned: boolean, pastDeadline: () => boolean): Promise<string[] | undefined> {
  // The snapshots first: an index loaded after them covers them (Vault.index()).
  const snapshots: Array<{ id: string; snapshot: Awaited<ReturnType<Vault['loadSnapshot']>> }> = [];
  for (const id of snapshotIds) {
    if (pastDeadline()) return undefined;
    snapshots.push({ id, snapshot: await vault.loadSnapshot(id) });
  }
  // Read before index/ is loaded and listed, so the index objects a prune writes before its batch (listing the copies it
  // made) are in both; an index loaded earlier only makes a condemned pack look like a blob's last copy, which keeps it.
  const condemned = includeCondemned ? NONE_CONDEMNED : await pendingCondemnations(vault);
  if (pastDeadline()) return undefined;
  const index = await vault.index();
  const keys = new Set<string>();
  const packs = new Set<string>();
  for (const { id, snapshot } of snapshots) {
    keys.add(snapshotKey(id));
    if (pastDeadline()) return undefined;
    // One walk of the manifest gives its object ids and its entries: each node and page is read once.
    const manifest = await vault.manifest(snapshot);
    for (const structure of manifest.structureIds()) keys.add(manifestKey(structure));
    for await (const page of manifest.pages()) {
      if (pastDeadline()) return undefined;
      keys.add(manifestKey(page.id));
      // Not `snapshot.indexes`: a prune may have rewritten those index objects since; the index objects that
      // list the snapshot's packs now (indexObjectsListing, below) are what a restore reads.
      for (const entry of page.entries) {
        for (const blob of entry.content) {
          const blobId = Buffer.from(blob, 'hex');
          const location = index.lookup(blobId);
          if (!location) throw new VaultCorruptionError(vault.location, snapshotKey(id), `entry ${JSON.stringify(entry.path)} has blob ${blob}, which no index lists`);
          if (!index.hasCopies(blobId)) packs.add(location.packId);
          else for (const pack of packsToLock(index.locations(blobId), condemned.packs)) packs.add(pack);
        }
      }
    }
  }
  for (const pack of packs) keys.add(packKey(pack));
  const indexKeys = await indexObjectsToKeep(vault, packs, condemned.indexes, pastDeadline);
  if (!indexKeys) return undefined;
  for (const key of indexKeys) keys.add(key);
  keys.add(CONFIG_KEY);
  for await (const key of vault.store.list(KEYS_PREFIX)) if (idFromKey(KEYS_PREFIX, key)) keys.add(key);
  return [...keys].sort();
}

/**
 * The packs to lock for a blob stored more than once: every copy's (a restore reads the next one when the first fails its
 * check or is gone), less those in packs a pending prune batch condemned when a copy lives in a pack no batch condemned.
 * A repack copies a pack's live blobs into a new pack and condemns the old one; locking the old one as well would keep
 * it for ever (every commit extends it, as a copy of a referenced blob), with the condemned index objects listing it
 * (review r17 F2). When every copy is in a condemned pack (a late backup reused a blob the prune found garbage, which the
 * sweep spares), all stay locked: no referenced blob may be left only in packs whose retention lapses.
 */
function packsToLock(copies: readonly BlobLocation[], condemnedPacks: ReadonlySet<string>): string[] {
  const all = copies.map((c) => c.packId);
  const surviving = all.filter((pack) => !condemnedPacks.has(pack));
  return surviving.length > 0 ? surviving : all;
}

/**
 * The index objects to lock with `packs`: those listing one of them, less those a pending prune batch
 * condemned (`condemned`) whose listed `packs` another index object lists too. The condemn phase writes an index
 * object carrying a condemned one's live packs before its batch; locking the condemned one as well
 * would keep it for ever (every commit extends it), and with it every garbage pack it lists, which the
 * sweep keeps while an index object names them (audit i7-1). One that alone lists one of `packs` (a
 * pack a late backup reused, which the sweep spares) stays locked: no referenced pack may be listed only
 * by an object whose retention lapses.
 */
async function indexObjectsToKeep(vault: Vault, packs: ReadonlySet<string>, condemned: ReadonlySet<string>, pastDeadline: () => boolean): Promise<string[] | undefined> {
  const listing = await indexObjectsListing(vault, packs, pastDeadline);
  if (!listing) return undefined;
  const listedElsewhere = new Set<string>();
  for (const o of listing) if (!condemned.has(o.id)) for (const p of o.lists) listedElsewhere.add(p);
  return listing.filter((o) => !condemned.has(o.id) || o.lists.some((p) => !listedElsewhere.has(p))).map((o) => indexKey(o.id));
}

/** What pending prune batches condemn: pack ids and index object ids. */
type PendingCondemnations = { readonly packs: ReadonlySet<string>; readonly indexes: ReadonlySet<string> };

const NONE_CONDEMNED: PendingCondemnations = { packs: new Set(), indexes: new Set() };

/** What the vault's pending batches condemn; nothing when a batch is damaged (locking more is always safe, and prune refuses such a vault anyway). */
async function pendingCondemnations(vault: Vault): Promise<PendingCondemnations> {
  try {
    const pending = (await loadCondemnedBatches(vault.store, vault.keys)).filter((b) => !isTombstone(b));
    return { packs: new Set(pending.flatMap((b) => b.packs.map((p) => p.id))), indexes: new Set(pending.flatMap((b) => b.indexes)) };
  } catch (err) {
    if (err instanceof DamagedPruneStateError) return NONE_CONDEMNED;
    throw err;
  }
}

/** The index objects that list at least one of `packs`, each with those of `packs` it lists (undefined: stopped at the deadline). */
async function indexObjectsListing(vault: Vault, packs: ReadonlySet<string>, pastDeadline: () => boolean): Promise<Array<{ id: string; lists: string[] }> | undefined> {
  const ids = await listIndexObjectIds(vault.store);
  const listing: Array<{ id: string; lists: string[] }> = [];
  let stopped = false;
  await mapBounded(ids, 8, async (id) => {
    // Once one read is not started every later one is not either: nothing is read past the deadline.
    if (stopped || pastDeadline()) {
      stopped = true;
      return;
    }
    const key = indexKey(id);
    const lists: string[] = [];
    decodeIndexObject(await getSealedObject(vault.store, vault.keys, key, id, 'index'), { location: vault.location, key }, (packId) => {
      if (packs.has(packId)) lists.push(packId);
    });
    if (lists.length > 0) listing.push({ id, lists });
  });
  return stopped ? undefined : listing;
}

export type RetentionExtension = {
  /** False when the vault's store has no Object Lock (a directory): nothing was done. */
  readonly supported: boolean;
  /** Objects the snapshots reference (each costs a HEAD). */
  readonly objects: number;
  /** Of those, the ones whose retention was extended (each costs a PutObjectRetention). */
  readonly extended: number;
  /**
   * With a `deadline`: how many keys, the last ones, were not started because it passed (absent when every key was done).
   * Keys start in order and every one started is finished, so the keys before these are all done.
   */
  readonly notStarted?: number;
};

/**
 * The retention window commit and replication ask for: at least `days` from now, and when an object
 * must be extended, by a tenth more (at most 30 days), so that with a backup a day an object gets a
 * PutObjectRetention about every days/10 days rather than with every backup.
 */
export function retentionWindow(now: Date, days: number): { until: Date; extendTo: Date } {
  const slackDays = Math.min(30, Math.ceil(days / 10));
  return { until: new Date(now.getTime() + days * DAY_MS), extendTo: new Date(now.getTime() + (days + slackDays) * DAY_MS) };
}

const DAY_MS = 24 * 3600 * 1000;

/**
 * Makes every object the snapshots reference stay retained until at least `until`; objects retained
 * long enough already are left alone, the others are retained until `extendTo` (default `until`).
 * Idempotent: a retried commit extends nothing twice.
 */
export async function extendSnapshotRetention(vault: Vault, snapshotIds: readonly string[], until: Date, extendTo?: Date): Promise<RetentionExtension> {
  if (!vault.store.extendRetention) return { supported: false, objects: 0, extended: 0 };
  return extendObjectsRetention(vault.store, await snapshotObjectKeys(vault, snapshotIds), until, extendTo);
}

/**
 * The same for objects named by key, in any store: the DR vault is an object-for-object copy of the
 * primary, so the keys found in the primary name the same objects there. With a `deadline` (epoch ms on
 * `now`'s clock) no key starts after it: each costs two requests to the store's region, so a replica of
 * a large backup takes longer than a Lambda run, and the caller carries on from `notStarted` in the next.
 */
export async function extendObjectsRetention(
  store: VaultStore,
  keys: readonly string[],
  until: Date,
  extendTo?: Date,
  options: { readonly deadline?: number; readonly now?: () => number } = {},
): Promise<RetentionExtension> {
  const extend = store.extendRetention?.bind(store);
  if (!extend) return { supported: false, objects: 0, extended: 0 };
  const { deadline } = options;
  const now = options.now ?? Date.now;
  let notStarted = 0;
  const changed = await mapBounded(keys, LOCK_CONCURRENCY, (key) => {
    // Once one key is past the deadline every later one is (keys start in order): they form the tail.
    if (deadline !== undefined && (notStarted > 0 || now() >= deadline)) {
      notStarted++;
      return Promise.resolve(false);
    }
    return extend(key, until, extendTo);
  });
  return { supported: true, objects: keys.length, extended: changed.filter(Boolean).length, ...(notStarted > 0 ? { notStarted } : {}) };
}

export type LegalHoldChange = {
  /** False when the vault's store has no Object Lock (a directory): nothing was done. */
  readonly supported: boolean;
  /** Objects whose legal hold was set or released. */
  readonly objects: number;
  /** Objects the snapshots reference that kept their hold because a backup still held references them (release only). */
  readonly keptForOtherHolds: number;
};

/**
 * Sets (`on`) or releases S3 legal holds on every object the snapshots reference. Packs, indexes and
 * manifest pages are shared between backups, so a release leaves the hold on every object that a
 * backup still under a legal hold references: pass those backups' snapshot ids as `stillHeld`.
 * `lifeboat backups hold|release` calls this with the backup's snapshot ids (one per source). `holdError`: what to
 * throw when the store does not set or lift an object's hold, in place of the store's error (by default that error):
 * the reads before are not its concern, so a caller can tell a refused PutObjectLegalHold from a refused read.
 */
export async function setBackupLegalHold(
  vault: Vault,
  snapshotIds: readonly string[],
  on: boolean,
  options: { stillHeld?: readonly string[]; holdError?: (err: unknown) => unknown } = {},
): Promise<LegalHoldChange> {
  const hold = vault.store.setLegalHold?.bind(vault.store);
  if (!hold) return { supported: false, objects: 0, keptForOtherHolds: 0 };
  // Every copy's pack and every index object listing them, condemned or not: a release must lift every hold a hold set,
  // and one that left out what a prune condemned since the hold would leave that held for ever.
  const keys = await snapshotObjectKeys(vault, snapshotIds, { includeCondemned: true });
  const kept = !on && options.stillHeld?.length ? new Set(await snapshotObjectKeys(vault, options.stillHeld, { includeCondemned: true })) : new Set<string>();
  const change = keys.filter((key) => !kept.has(key));
  const holdError = options.holdError;
  await mapBounded(change, LOCK_CONCURRENCY, (key) =>
    holdError
      ? hold(key, on).catch((err: unknown) => {
          throw holdError(err);
        })
      : hold(key, on),
  );
  return { supported: true, objects: change.length, keptForOtherHolds: keys.length - change.length };
}
