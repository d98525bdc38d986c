import * as z from 'zod/mini';
import { decodeJson, encodeJson, getSealedObject, putSealedObject } from '../crypto/sealed-object';
import { objectContext, seal } from '../crypto/sealed-codec';
import { type VaultKeys } from '../crypto/vault-keys';
import { type VaultStore } from '../backend/vault-store';
import { CONDEMNED_PREFIX, condemnedKey, idFromKey, PRUNE_POLICY_KEY } from '../repository/vault-layout';
import { VaultObjectNotFoundError } from '../vault-errors';
import { mapBounded } from '../workers/bounded-concurrency';
import { countSchema as count, hexIdSchema as hexId, parseSchema } from '../repository/vault-schema';

/**
 * Prune's state in the vault (docs/FORMAT.md "Prune"). A condemnation batch `prune/condemned/<id>`
 * (sealed, kind `prune-condemned`, content-addressed, written once) names the objects one prune run
 * found unreferenced, with the time it found them; a later run deletes those still unreferenced
 * once the batch's grace has passed, then removes the batch. `prune/policy` (sealed, kind
 * `prune-policy`, overwritten by each run before it condemns anything) carries the grace that
 * every backup's duration is held to at commit.
 */

export const condemnedBatchSchema = z.object({
  v: z.literal(1),
  condemnedAt: z.iso.datetime(),
  graceMs: count,
  /** Packs with their length (0 when unknown: a pack no index lists, in a store where a size costs a request: S3). */
  packs: z.array(z.object({ id: hexId, bytes: count })),
  indexes: z.array(hexId),
  manifests: z.array(hexId),
});
export type CondemnedBatch = z.infer<typeof condemnedBatchSchema>;
export type StoredCondemnedBatch = CondemnedBatch & { readonly id: string };

export const prunePolicySchema = z.object({ v: z.literal(1), graceMs: count, updatedAt: z.iso.datetime() });
export type PrunePolicy = z.infer<typeof prunePolicySchema>;

/** Every condemnation batch of the vault (unreadable ones are an error: prune must not guess what they held). */
export async function loadCondemnedBatches(store: VaultStore, keys: VaultKeys): Promise<StoredCondemnedBatch[]> {
  const ids: string[] = [];
  for await (const key of store.list(CONDEMNED_PREFIX)) {
    const id = idFromKey(CONDEMNED_PREFIX, key);
    if (id) ids.push(id);
  }
  const loaded = await mapBounded(ids, 8, async (id): Promise<StoredCondemnedBatch | null> => {
    const key = condemnedKey(id);
    try {
      return { ...decodeJson(condemnedBatchSchema, await getSealedObject(store, keys, key, id, 'prune-condemned'), { location: store.location, key }), id };
    } catch (err) {
      // Swept by a concurrent prune between the listing and the read: it condemns nothing any more.
      if (err instanceof VaultObjectNotFoundError) return null;
      throw err;
    }
  });
  return loaded.filter((b): b is StoredCondemnedBatch => b !== null).sort((a, b) => a.condemnedAt.localeCompare(b.condemnedAt) || a.id.localeCompare(b.id));
}

export function writeCondemnedBatch(store: VaultStore, keys: VaultKeys, batch: CondemnedBatch): Promise<string> {
  return putSealedObject(store, keys, condemnedKey, 'prune-condemned', encodeJson(parseSchema(condemnedBatchSchema, batch, 'a condemnation batch')), 3);
}

/** The packs some batch condemns: a backup's dedup index leaves their blobs out, so it stores them again. */
export async function loadCondemnedPacks(store: VaultStore, keys: VaultKeys): Promise<Set<string>> {
  const packs = new Set<string>();
  for (const b of await loadCondemnedBatches(store, keys)) for (const p of b.packs) packs.add(p.id);
  return packs;
}

export async function readPrunePolicy(store: VaultStore, keys: VaultKeys): Promise<PrunePolicy | null> {
  try {
    return decodeJson(prunePolicySchema, await getSealedObject(store, keys, PRUNE_POLICY_KEY, null, 'prune-policy'), { location: store.location, key: PRUNE_POLICY_KEY });
  } catch (err) {
    if (err instanceof VaultObjectNotFoundError) return null;
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
 * The longest a backup that started at `startedAt` may run and still commit: the smallest grace of a
 * prune that started while the backup ran (`prune/policy`, written at the start of every run, when its
 * `updatedAt` is after the backup's start) and of a pending batch condemned while it ran. A batch
 * condemned before the backup started does not count: the backup leaves that batch's packs out of
 * what it deduplicates against (loadCondemnedPacks), so its sweep cannot take anything the backup
 * relies on — otherwise one `prune --grace 0` would refuse every backup until its batch is swept. Nor
 * does a prune that started before the backup: what it condemns after the backup's start is in a
 * batch that counts, and a later run that could sweep that batch writes the policy again first.
 * (Until 2026-12-04 the policy counted whenever it existed, so after one `prune --grace 0` every
 * backup refused to commit until a prune with a grace ran.) Both times are taken a minute early
 * (CONDEMNATION_CLOCK_MARGIN_MS). Without `startedAt`, the policy and every pending batch count.
 * Null when no prune ran while the backup did: nothing can be swept from under it then.
 */
export async function backupDurationLimit(store: VaultStore, keys: VaultKeys, startedAt?: Date): Promise<number | null> {
  const policy = await readPrunePolicy(store, keys);
  const since = startedAt ? startedAt.getTime() - CONDEMNATION_CLOCK_MARGIN_MS : -Infinity;
  const batches = (await loadCondemnedBatches(store, keys)).filter((b) => Date.parse(b.condemnedAt) >= since);
  const prunedSince = policy !== null && Date.parse(policy.updatedAt) >= since;
  const graces = [...(prunedSince ? [policy.graceMs] : []), ...batches.map((b) => b.graceMs)];
  return graces.length === 0 ? null : Math.min(...graces);
}
