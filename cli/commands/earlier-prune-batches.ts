import { DEFAULT_PRUNE_GRACE_MS, isTombstone, loadCondemnedBatches, type Vault } from '../../vault';

/**
 * The condemnation batches earlier prunes wrote that a run left waiting (docs/FORMAT.md "Prune"):
 * each is due at its `condemnedAt` + max(its own grace, the run's grace), so a run with a shorter
 * grace (`--grace 0`) does not delete them. `bytesUnknown`: packs the batches recorded 0 bytes for
 * (a pack no index lists in a store where its size costs a request), so `bytes` is a lower bound.
 */
export type EarlierBatchesWaiting = {
  readonly batches: number;
  readonly packs: number;
  readonly bytes: number;
  readonly bytesUnknown: number;
  /** When the first of them is due (ISO) for a prune whose grace is at most `earliestGraceMs`. */
  readonly earliestDueAt: string;
  /** The grace the first due time counts: the longer of that batch's own and this run's. A prune with a longer grace waits longer. */
  readonly earliestGraceMs: number;
};

/**
 * Reads the vault's pending batches after a prune and keeps those condemned before the run started
 * (`startedAt`) that are not due at `now` under the run's grace: what a real run did not sweep, or a
 * dry run would not. Batches this run wrote are dated after `startedAt`; what Object Lock kept of a
 * due batch is due, and the report's "Locked" line names it. Undefined when none waits.
 */
export async function earlierBatchesWaiting(vault: Vault, run: { graceMs?: number; startedAt: Date; now: Date }): Promise<EarlierBatchesWaiting | undefined> {
  const graceMs = run.graceMs ?? DEFAULT_PRUNE_GRACE_MS;
  const waiting = (await loadCondemnedBatches(vault.store, vault.keys))
    .filter((b) => !isTombstone(b) && Date.parse(b.condemnedAt) < run.startedAt.getTime())
    .map((b) => ({ batch: b, graceMs: Math.max(b.graceMs, graceMs), dueAt: Date.parse(b.condemnedAt) + Math.max(b.graceMs, graceMs) }))
    .filter((w) => w.dueAt > run.now.getTime());
  if (waiting.length === 0) return undefined;
  const packs = waiting.flatMap((w) => w.batch.packs);
  const first = waiting.reduce((a, b) => (b.dueAt < a.dueAt ? b : a));
  return {
    batches: waiting.length,
    packs: packs.length,
    bytes: packs.reduce((n, p) => n + p.bytes, 0),
    bytesUnknown: packs.filter((p) => p.bytes === 0).length,
    earliestDueAt: new Date(first.dueAt).toISOString(),
    earliestGraceMs: first.graceMs,
  };
}
