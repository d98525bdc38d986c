import * as z from 'zod/mini';
import { decodeJson, encodeJson, getSealedObject, putSealedObject } from '../crypto/sealed-object';
import { objectContext, seal } from '../crypto/sealed-codec';
import { type VaultKeys } from '../crypto/vault-keys';
import { type VaultStore } from '../backend/vault-store';
import { CONDEMNED_PREFIX, condemnedKey, idFromKey, indexKey, PRUNE_POLICY_KEY } from '../repository/vault-layout';
import { VaultCorruptionError, VaultObjectNotFoundError } from '../vault-errors';
import { DamagedPruneStateError } from './prune-errors';
import { mapBounded } from '../workers/bounded-concurrency';
import { countSchema as count, hexIdSchema as hexId, parseSchema } from '../repository/vault-schema';

/**
 * Prune's state in the vault (docs/FORMAT.md "Prune"). A condemnation batch `prune/condemned/<id>`
 * (sealed, kind `prune-condemned`, content-addressed, written once) names the objects one prune run
 * found unreferenced, with the time it found them; a later run deletes those still unreferenced
 * once the batch's grace has passed, and then replaces the batch by its *tombstone*: a batch object
 * with `sweptAt`, naming the packs that sweep deleted. A tombstone stays at least TOMBSTONE_MIN_KEEP_MS
 * (and the graces involved) after its sweep: while it exists, a backup's dedup index leaves out those
 * packs (an index object written by a backup the prune ran under may still list them) and the commit
 * check counts it as it counts a pending batch. `prune/policy` (sealed, kind `prune-policy`,
 * overwritten by each run before it condemns anything) carries the grace of the latest run.
 */

export const condemnedBatchSchema = z.object({
  v: z.literal(1),
  condemnedAt: z.iso.datetime(),
  graceMs: count,
  /** Packs with their length (0 when unknown: a pack no index lists, in a store where a size costs a request: S3). In a tombstone: the packs its sweep deleted. */
  packs: z.array(z.object({ id: hexId, bytes: count })),
  /**
   * Index objects the batch condemns. In a tombstone (empty in a prune's): index objects `vault repair
   * index` replaced that Object Lock kept although damaged (supersededIndexKeysOf).
   */
  indexes: z.array(hexId),
  manifests: z.array(hexId),
  /**
   * Present on a tombstone only (since 2026-12-05; a batch without it is pending, as every batch
   * before): when the sweep of this batch ended. A Lifeboat from before reads a tombstone as a
   * pending batch: it leaves its packs out of backups' dedup and counts it at commit, as this one does.
   */
  sweptAt: z.optional(z.iso.datetime()),
  /** A tombstone's least keep after `sweptAt`: max(the batch's grace, the sweeping run's, TOMBSTONE_MIN_KEEP_MS). */
  keepMs: z.optional(count),
  /**
   * The batch this object carries on (a tombstone, or what Object Lock kept of a batch): its first
   * batch's id. A backup that saw that batch when it started is not held to it (PruneStateSeen).
   */
  from: z.optional(hexId),
});
export type CondemnedBatch = z.infer<typeof condemnedBatchSchema>;
export type StoredCondemnedBatch = CondemnedBatch & { readonly id: string };

/** A swept batch kept as a tombstone (see the module comment), not a pending one. */
export function isTombstone(batch: CondemnedBatch): boolean {
  return batch.sweptAt !== undefined;
}

/** The id a batch is known by to the backups that saw it: its first batch's (`from`), else its own. */
export function batchLineage(batch: StoredCondemnedBatch): string {
  return batch.from ?? batch.id;
}

/**
 * The least time a tombstone stays after its sweep: the longest a backup may run (the backup lease,
 * 24 h 15 min, config/backup-lease.ts) plus a margin, as the default grace. A backup that started
 * before the sweep and may still commit sees the tombstone at its commit (backupDurationLimit), and
 * one that loads its index while the tombstone exists leaves its packs out.
 */
export const TOMBSTONE_MIN_KEEP_MS = 25 * 60 * 60 * 1000;

/** When a tombstone may go, for a run with grace `graceMs`: after its keep, the run's grace and the clocks' margin have passed since its sweep. */
export function tombstoneExpiresAt(tombstone: CondemnedBatch, graceMs: number): number {
  const keep = Math.max(tombstone.keepMs ?? 0, tombstone.graceMs, graceMs, TOMBSTONE_MIN_KEEP_MS);
  return Date.parse(tombstone.sweptAt ?? tombstone.condemnedAt) + keep + CONDEMNATION_CLOCK_MARGIN_MS;
}

export const prunePolicySchema = z.object({ v: z.literal(1), graceMs: count, updatedAt: z.iso.datetime() });
export type PrunePolicy = z.infer<typeof prunePolicySchema>;

/**
 * Every condemnation batch of the vault (unreadable ones are an error, DamagedPruneStateError: prune
 * must not guess what they held, nor may a backup, whose dedup must leave their packs out). A batch that vanished between the listing and its read was swept meanwhile: the listing is
 * taken again, since the sweep wrote what replaces it (its tombstone, and what Object Lock kept) before
 * it deleted the batch, and a writer that saw neither would trust records of its packs.
 */
export async function loadCondemnedBatches(store: VaultStore, keys: VaultKeys): Promise<StoredCondemnedBatch[]> {
  for (let attempt = 1; ; attempt++) {
    const { batches, vanished } = await listAndReadBatches(store, keys);
    // A prune sweeping batch after batch may keep one vanishing: after a few listings, what was read stands (its tombstones included).
    if (vanished === 0 || attempt >= BATCH_LISTINGS) return batches;
  }
}

const BATCH_LISTINGS = 5;

async function listAndReadBatches(store: VaultStore, keys: VaultKeys): Promise<{ batches: StoredCondemnedBatch[]; vanished: number }> {
  const ids: string[] = [];
  for await (const key of store.list(CONDEMNED_PREFIX)) {
    const id = idFromKey(CONDEMNED_PREFIX, key);
    if (id) ids.push(id);
  }
  const loaded = await mapBounded(ids, 8, async (id): Promise<StoredCondemnedBatch | null> => {
    try {
      return await readCondemnedBatch(store, keys, id);
    } catch (err) {
      // Swept by a concurrent prune between the listing and the read: it condemns nothing any more.
      if (err instanceof VaultObjectNotFoundError) return null;
      throw err;
    }
  });
  const batches = loaded.filter((b): b is StoredCondemnedBatch => b !== null).sort((a, b) => a.condemnedAt.localeCompare(b.condemnedAt) || a.id.localeCompare(b.id));
  return { batches, vanished: loaded.length - batches.length };
}

/** One batch or tombstone; a damaged one is a DamagedPruneStateError, which says what it blocks and what to do. */
async function readCondemnedBatch(store: VaultStore, keys: VaultKeys, id: string): Promise<StoredCondemnedBatch> {
  const key = condemnedKey(id);
  try {
    return { ...decodeJson(condemnedBatchSchema, await getSealedObject(store, keys, key, id, 'prune-condemned'), { location: store.location, key }), id };
  } catch (err) {
    if (err instanceof VaultCorruptionError && !(err instanceof DamagedPruneStateError)) throw new DamagedPruneStateError(err);
    throw err;
  }
}

/**
 * The objects of prune's state that fail their integrity check (the policy, batches, tombstones), each
 * read on its own: what `vault verify` reports and `vault repair prune-state` replaces. Objects that
 * vanish while read (a prune's sweep) are not damaged.
 */
export async function damagedPruneStateObjects(store: VaultStore, keys: VaultKeys): Promise<DamagedPruneStateError[]> {
  const damaged: DamagedPruneStateError[] = [];
  const collect = async (read: () => Promise<unknown>): Promise<void> => {
    try {
      await read();
    } catch (err) {
      if (err instanceof DamagedPruneStateError) damaged.push(err);
      else if (!(err instanceof VaultObjectNotFoundError)) throw err;
    }
  };
  await collect(() => readPrunePolicy(store, keys));
  const ids: string[] = [];
  for await (const key of store.list(CONDEMNED_PREFIX)) {
    const id = idFromKey(CONDEMNED_PREFIX, key);
    if (id) ids.push(id);
  }
  await mapBounded(ids, 8, (id) => collect(() => readCondemnedBatch(store, keys, id)));
  return damaged.sort((a, b) => a.key.localeCompare(b.key));
}

export function writeCondemnedBatch(store: VaultStore, keys: VaultKeys, batch: CondemnedBatch): Promise<string> {
  return putSealedObject(store, keys, condemnedKey, 'prune-condemned', encodeJson(parseSchema(condemnedBatchSchema, batch, 'a condemnation batch')), 3);
}

/** The packs some batch condemns or some tombstone names: a backup's dedup index leaves their blobs out, so it stores them again. */
export function condemnedPacksOf(batches: readonly CondemnedBatch[]): Set<string> {
  const packs = new Set<string>();
  for (const b of batches) for (const p of b.packs) packs.add(p.id);
  return packs;
}

/**
 * The keys of the damaged index objects a repair of the index replaced but could not delete (Object
 * Lock), which tombstones name: a writer's load skips them rather than refuse as for any damaged index
 * object (DamagedIndexError), since the repair's index covers every pack stored and the tombstone names
 * every pack it left out.
 */
export function supersededIndexKeysOf(batches: readonly CondemnedBatch[]): Set<string> {
  const keys = new Set<string>();
  for (const b of batches) if (isTombstone(b)) for (const id of b.indexes) keys.add(indexKey(id));
  return keys;
}

export async function readPrunePolicy(store: VaultStore, keys: VaultKeys): Promise<PrunePolicy | null> {
  try {
    return decodeJson(prunePolicySchema, await getSealedObject(store, keys, PRUNE_POLICY_KEY, null, 'prune-policy'), { location: store.location, key: PRUNE_POLICY_KEY });
  } catch (err) {
    if (err instanceof VaultObjectNotFoundError) return null;
    if (err instanceof VaultCorruptionError && !(err instanceof DamagedPruneStateError)) throw new DamagedPruneStateError(err);
    throw err;
  }
}

export async function writePrunePolicy(store: VaultStore, keys: VaultKeys, policy: PrunePolicy): Promise<void> {
  const { stored } = await seal(keys, objectContext('prune-policy'), encodeJson(parseSchema(prunePolicySchema, policy, 'the prune policy')), { compressionLevel: null });
  await store.put(PRUNE_POLICY_KEY, stored);
}

/**
 * How far before a backup's start a condemnation still counts as made while it ran: the clocks of
 * the prune and the backup may differ a little, and a batch's `condemnedAt` is taken just before
 * its object is written, which (with the SDK's retries) may take some seconds.
 */
export const CONDEMNATION_CLOCK_MARGIN_MS = 60_000;

/**
 * What a backup's writers saw of prune's state when they started, before they loaded their index:
 * the policy's `updatedAt` and the batches and tombstones there were (by lineage, batchLineage). A
 * batch every writer saw does not hold the backup (its packs were left out of their dedup, and their
 * own packs did not exist when it was written), nor does a policy that is still the one they saw (no
 * prune has started since). The intersection over every writer of one snapshot is what counts
 * (mergePruneStatesSeen). Plain JSON, so a workflow can carry it from its shards to its commit.
 */
export const pruneStateSeenSchema = z.object({ policyUpdatedAt: z.nullable(z.iso.datetime()), batches: z.array(hexId) });
export type PruneStateSeen = z.infer<typeof pruneStateSeenSchema>;

/** Prune's state as a writer about to load its index sees it: the batches (for the packs it leaves out) and what PruneStateSeen records. */
export async function readPruneState(store: VaultStore, keys: VaultKeys): Promise<{ batches: StoredCondemnedBatch[]; seen: PruneStateSeen }> {
  // The policy before and after the batches: a prune writes it before it condemns, sweeps or removes a
  // tombstone, so when both reads agree no prune started while the batches were listed, and the
  // batches are all that the policy's runs left. They may differ while prunes start: read again.
  let policy = await readPrunePolicy(store, keys);
  for (let attempt = 1; ; attempt++) {
    const batches = await loadCondemnedBatches(store, keys);
    const after = await readPrunePolicy(store, keys);
    if ((after?.updatedAt ?? null) === (policy?.updatedAt ?? null) || attempt >= POLICY_READS) {
      // Still moving after a few reads: the older policy is recorded, so the newer one counts at commit.
      return { batches, seen: { policyUpdatedAt: policy?.updatedAt ?? null, batches: [...new Set(batches.map(batchLineage))].sort() } };
    }
    policy = after;
  }
}

const POLICY_READS = 5;

/** What every one of several writers saw: the batches all saw, and the policy only when all saw the same one. */
export function mergePruneStatesSeen(states: readonly PruneStateSeen[]): PruneStateSeen | undefined {
  const [first, ...rest] = states;
  if (!first) return undefined;
  const batches = first.batches.filter((b) => rest.every((s) => s.batches.includes(b)));
  const samePolicy = rest.every((s) => s.policyUpdatedAt === first.policyUpdatedAt);
  return { policyUpdatedAt: samePolicy ? first.policyUpdatedAt : null, batches };
}

/** Why a backup is held to a limit: the prune (by its policy) or the batch or tombstone that sets the smallest grace. */
export type DurationLimit = {
  readonly limitMs: number;
  /** `policy`: a prune that started during the backup; `batch`: a condemnation made during it (`swept`: and already deleted). */
  readonly cause: { readonly kind: 'policy'; readonly at: string } | { readonly kind: 'batch'; readonly at: string; readonly swept: boolean };
};

/**
 * The longest a backup that started at `startedAt` may run and still commit, and why: the smallest
 * grace of a prune that started while the backup ran (`prune/policy`, written at the start of every
 * run, when its `updatedAt` is after the backup's start and it is not the policy the backup's writers
 * saw) and of a pending batch or tombstone condemned while it ran. Tombstones count exactly as pending
 * batches: a swept batch is kept as one for longer than a backup may run, so a second prune (another
 * grace, its own policy) cannot hide that a first one deleted packs under the backup.
 *
 * A batch condemned before the backup started does not count: the backup left that batch's packs out
 * of what it deduplicates against (condemnedPacksOf), so its sweep cannot take anything the backup
 * relies on. Its time is taken a minute early (CONDEMNATION_CLOCK_MARGIN_MS); with `seen` (what the
 * backup's writers saw before loading their index) a batch they saw does not count even within that
 * minute, nor does the policy they saw: a backup right after a finished `prune --grace 0` commits.
 * Without `startedAt`, the policy and every batch count. Null when no prune ran while the backup did.
 */
export async function backupDurationLimit(store: VaultStore, keys: VaultKeys, startedAt?: Date, seen?: PruneStateSeen): Promise<DurationLimit | null> {
  const policy = await readPrunePolicy(store, keys);
  const since = startedAt ? startedAt.getTime() - CONDEMNATION_CLOCK_MARGIN_MS : -Infinity;
  const seenBatches = new Set(seen?.batches ?? []);
  const limits: DurationLimit[] = [];
  if (policy !== null && Date.parse(policy.updatedAt) >= since && !(seen && seen.policyUpdatedAt === policy.updatedAt)) {
    limits.push({ limitMs: policy.graceMs, cause: { kind: 'policy', at: policy.updatedAt } });
  }
  for (const b of await loadCondemnedBatches(store, keys)) {
    if (Date.parse(b.condemnedAt) < since || seenBatches.has(batchLineage(b))) continue;
    limits.push({ limitMs: b.graceMs, cause: { kind: 'batch', at: b.condemnedAt, swept: isTombstone(b) } });
  }
  // The smallest grace; between equal ones a batch, which names the condemnation itself.
  limits.sort((a, b) => a.limitMs - b.limitMs || (a.cause.kind === 'batch' ? -1 : 0) - (b.cause.kind === 'batch' ? -1 : 0));
  return limits[0] ?? null;
}
