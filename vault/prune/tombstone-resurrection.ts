import { type Vault } from '../repository/vault';
import { condemnedKey } from '../repository/vault-layout';
import { ObjectLockedError } from '../vault-errors';
import { type LoadedIndexObject } from './index-objects';
import { batchLineage, type CondemnedBatch, type StoredCondemnedBatch, writeCondemnedBatch } from './prune-state';

/**
 * Takes out of the tombstones the packs that are stored again and that a live index object lists ("resurrects" them, as
 * kopia resurrects blobs): a copy-back (replication's or a scrub's, docs/ARCHITECTURE.md "A DR prune running meanwhile")
 * put back a pack a sweep had deleted, under its id and with its bytes (writers give packs random ids, so no backup
 * stores another pack under it), and an index object listing it. A tombstone keeps its packs out of backups' dedup
 * because an index object may still name them while they are gone; this one is there, so its records are true. Left in
 * the tombstone it was kept out of dedup, and kept the tombstone (removeExpiredTombstones waits while a pack is listed),
 * for as long as an index object listed it (review rP3 F3).
 *
 * Only a sweep's tombstone (it has `from`): a repair's (`vault repair index`, `vault repair prune-state`, no `from`) may
 * name a pack that was never deleted, one left out for a damaged blob or a bad header that an index object Object Lock
 * kept still lists. Taken out, it was back in backups' dedup: a backup stored nothing of a file whose blob there was
 * damaged and did not restore (review rC F1). So a pack a copy-back stored again that only a repair's tombstone names
 * stays out of dedup, and keeps that tombstone while an index object lists it, as before review rP3 F3: safe, and rare.
 *
 * Only prune deletes packs, and the caller holds the prune lease, so a pack its listing of `data/` found stays. Not a
 * pack a pending batch names: its sweep decides about it (spares it if a snapshot needs it, else deletes it again). A
 * tombstone is rewritten with the same lineage, condemnedAt, grace, sweptAt and keep (so backupDurationLimit and its
 * expiry are as before) before the old one is deleted: a writer listing the batches meanwhile sees both (the pack left
 * out, as before) or the new one. False when out of time.
 */
export async function resurrectStoredPacks(
  vault: Vault,
  tombstones: readonly StoredCondemnedBatch[],
  liveIndexObjects: readonly LoadedIndexObject[],
  storedPacks: ReadonlySet<string>,
  pendingPacks: ReadonlySet<string>,
  ctx: { dryRun: boolean; outOfTime: () => boolean; progress: () => void; noteLocked: (key: string) => void },
): Promise<boolean> {
  if (ctx.dryRun || tombstones.length === 0) return true;
  const listed = new Set<string>();
  for (const o of liveIndexObjects) for (const p of o.packs) listed.add(p.packId);
  const isBack = (id: string): boolean => storedPacks.has(id) && listed.has(id) && !pendingPacks.has(id);
  for (const t of tombstones) {
    if (t.from === undefined || !t.packs.some((p) => isBack(p.id))) continue;
    if (ctx.outOfTime()) return false;
    const rest: CondemnedBatch = { v: 1, condemnedAt: t.condemnedAt, graceMs: t.graceMs, packs: t.packs.filter((p) => !isBack(p.id)), indexes: t.indexes, manifests: t.manifests, ...(t.sweptAt ? { sweptAt: t.sweptAt } : {}), ...(t.keepMs !== undefined ? { keepMs: t.keepMs } : {}), from: batchLineage(t) };
    // Object Lock kept the old one at an earlier run: the rewrite written then stands, and a second one would add nothing.
    if (!tombstones.some((other) => other.id !== t.id && sameTombstone(other, rest))) await writeCondemnedBatch(vault.store, vault.keys, rest);
    try {
      await vault.store.delete(condemnedKey(t.id));
      ctx.progress();
    } catch (err) {
      if (!(err instanceof ObjectLockedError)) throw err;
      ctx.noteLocked(condemnedKey(t.id));
    }
  }
  return true;
}

function sameTombstone(a: StoredCondemnedBatch, b: CondemnedBatch): boolean {
  const same = (x: readonly string[], y: readonly string[]): boolean => x.length === y.length && x.every((v, i) => v === y[i]);
  return (
    batchLineage(a) === b.from &&
    a.sweptAt === b.sweptAt &&
    same(
      a.packs.map((p) => p.id),
      b.packs.map((p) => p.id),
    ) &&
    same(a.indexes, b.indexes) &&
    same(a.manifests, b.manifests)
  );
}
