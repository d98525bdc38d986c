import { authenticateBlob } from '../pack/pack-reader';
import { type Vault } from '../repository/vault';
import { packKey } from '../repository/vault-layout';
import { VaultCorruptionError, VaultObjectArchivedError } from '../vault-errors';
import { mapBounded } from '../workers/bounded-concurrency';
import { type PrunePlan, type PrunePlanInput, planPrune, type ReliedOnCopy } from './prune-plan';

/** Ranged reads in flight at once: each is one blob, so a few dozen KiB to a few MiB. */
const CHECK_CONCURRENCY = 8;

export type CheckedPrunePlan = {
  /** The plan after every kept copy its dropped packs rely on was authenticated or found archived (or, cut short, without the packs that rely on one not checked). */
  readonly plan: PrunePlan;
  /** Copies that failed authentication, for the report (the pack holding each, and what became of it). */
  readonly damaged: Array<{ pack: string; problem: string }>;
  /** The deadline came before every copy was checked: the packs relying on an unchecked one stay for the next call. */
  readonly cut: boolean;
};

type Outcome = 'intact' | 'damaged' | 'archived' | 'unchecked';

/**
 * Plans a prune whose dropped copies are safe to drop. The plan keeps one copy of each blob a pack
 * holds twice (parallel shards, concurrent writers: docs/FORMAT.md §5) and drops the others, choosing
 * without reading any pack; a damaged kept copy would then outlive the intact one. So each kept copy
 * that a pack about to be condemned or repacked relies on is authenticated first (one ranged read of
 * that blob alone: only duplicated referenced blobs of dropped packs are read). A copy that fails goes
 * into the plan's `damagedCopies` and the plan is made again: another copy is kept (and checked in
 * turn), and the pack holding the damaged one is repacked without it, so the damaged copy leaves the
 * index.
 *
 * A kept copy whose read answers that its pack is archived cannot be checked without a thaw: the plan is made again
 * with that pack in `archivedPacks`, so a readable copy is kept instead (and checked), and the archived pack is dropped
 * unread. When every copy not known damaged is archived, one of them is kept unauthenticated and the others dropped, as
 * before 2026-12-06: holding them would keep the duplicates forever and read the archived pack again every run (an
 * archive tier leaves parallel shards' duplicates archived), while a thaw to check one copy costs more than the copy.
 *
 * With the deadline reached, checks stop and the packs relying on an unchecked copy stay out of this
 * call's plan (`cut`): what was checked is condemned, and the next call plans again without it.
 */
export async function planWithCheckedKeptCopies(vault: Vault, input: PrunePlanInput, options: { readonly outOfTime: () => boolean }): Promise<CheckedPrunePlan> {
  const outcomes = new Map<string, Outcome>();
  const problems = new Map<string, { pack: string; blob: string; detail: string }>();
  const damagedCopies = new Map<string, Set<string>>();
  const archivedPacks = new Set<string>();
  let plan: PrunePlan;
  for (;;) {
    plan = planPrune({ ...input, damagedCopies, archivedPacks });
    // A copy in a pack known archived is not read again: its outcome is set when its pack is found archived.
    const toCheck = plan.reliedOn.filter((c) => !outcomes.has(copyKey(c)) && !archivedPacks.has(c.packId));
    if (toCheck.length === 0) break;
    let foundChange = false;
    await mapBounded(toCheck, CHECK_CONCURRENCY, async (c) => {
      const key = copyKey(c);
      if (options.outOfTime()) {
        outcomes.set(key, 'unchecked');
        return;
      }
      try {
        const stored = await vault.store.get(packKey(c.packId), { offset: c.entry.offset, length: c.entry.storedLength });
        if (stored.length !== c.entry.storedLength) throw new VaultCorruptionError(vault.location, packKey(c.packId), `blob ${c.entry.id.toString('hex')}: the pack ends before the ${c.entry.storedLength} bytes the index records at ${c.entry.offset}`);
        await authenticateBlob(vault.keys, c.entry.id, stored, { location: vault.location, key: packKey(c.packId) });
        outcomes.set(key, 'intact');
      } catch (err) {
        if (err instanceof VaultObjectArchivedError) {
          outcomes.set(key, 'archived');
          archivedPacks.add(c.packId);
          foundChange = true;
          return;
        }
        if (!(err instanceof VaultCorruptionError)) throw err;
        outcomes.set(key, 'damaged');
        const blob = c.entry.id.toString('hex');
        problems.set(key, { pack: c.packId, blob, detail: err.message });
        let ids = damagedCopies.get(c.packId);
        if (!ids) damagedCopies.set(c.packId, (ids = new Set()));
        ids.add(blob);
        foundChange = true;
      }
    });
    // Damage or an archived pack changes which copies are kept: plan again (and check the new keepers). Otherwise the rest is settled.
    if (!foundChange) break;
  }
  // Packs that rely on a copy not checked (the deadline came first) stay as they are this run. One that relies on an
  // archived copy goes: the plan keeps an archived copy only when no readable one is left that is not known damaged.
  const held = new Set<string>();
  let cut = false;
  for (const c of plan.reliedOn) {
    const outcome = archivedPacks.has(c.packId) ? 'archived' : (outcomes.get(copyKey(c)) ?? 'unchecked');
    if (outcome === 'intact' || outcome === 'archived') continue;
    if (outcome === 'unchecked') cut = true;
    for (const d of c.dependents) held.add(d);
  }
  const checked: PrunePlan = held.size === 0 ? plan : { ...plan, garbagePacks: plan.garbagePacks.filter((p) => !held.has(p.id)), repack: plan.repack.filter((p) => !held.has(p.id)) };
  return { plan: checked, damaged: [...problems.values()].map((p) => damageReport(p, checked, held)), cut };
}

function copyKey(c: ReliedOnCopy): string {
  return `${c.packId}:${c.entry.offset}`;
}

/** What the report says of a damaged copy: whether an intact one is kept instead, and what to run. */
function damageReport(p: { pack: string; blob: string; detail: string }, plan: PrunePlan, held: ReadonlySet<string>): { pack: string; problem: string } {
  const repacked = plan.repack.find((r) => r.id === p.pack);
  const dropped = plan.garbagePacks.some((g) => g.id === p.pack) || (repacked !== undefined && !repacked.live.some((e) => e.id.toString('hex') === p.blob));
  const fate = dropped
    ? `prune keeps an intact copy of blob ${p.blob} from another pack instead, and ${repacked ? 'repacks this pack without it' : 'condemns this pack'}, so the damaged copy leaves the index`
    : held.has(p.pack)
      ? `this pack stays until a later run has checked another copy of blob ${p.blob} (this one ran out of time)`
      : `prune found no intact copy of blob ${p.blob} and keeps every copy; run \`lifeboat vault verify --read-data\` to see which snapshots lose data, then \`lifeboat vault repair index --read-data\` (an environment's vault: \`lifeboat repair-index --env <env> --vault <primary|dr> --read-data\`; or a scrub from the other vault) docs/FORMAT.md §12, "Healing a damaged pack"`;
  return { pack: p.pack, problem: `${p.detail}; ${fate}` };
}
