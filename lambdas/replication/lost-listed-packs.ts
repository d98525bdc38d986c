import { condemnedPacksOf, DamagedPruneStateError, isS3PermissionRefusal, loadCondemnedBatches, mapBounded, packKey, type ScrubObjectResult, type Vault } from '../../vault';
import { type VaultSide } from '../runtime/runtime-config';
import { otherSide } from './other-side';
import { type Bad } from './scrub-repairs';
import { compareByCodeUnit } from './sorted-keys';

/** Packs looked for again at once (one HEAD in each vault). */
const LOOKS_AT_ONCE = 8;

/** What the check of the slice's index objects goes by (lostListedPacks). */
export type LostListedPacksScope = {
  /** The vaults in scope; one whose other vault is not open is not judged (nothing tells lost from missing there). */
  readonly sides: readonly VaultSide[];
  readonly vaults: Partial<Record<VaultSide, Vault>>;
  /** Each vault's results of the slice's reads: an index object's `packsLacked` are the packs it lists that neither listing holds. */
  readonly results: ReadonlyMap<VaultSide, readonly ScrubObjectResult[]>;
  /** Epoch ms after which no pack is looked for again (the repairs' cutoff); undefined: every one is. */
  readonly until: number | undefined;
  readonly now: () => number;
};

/** Of a vault, the packs both listings lack that `until` left not looked for again, and the least key of the index objects listing them. */
export type PacksNotLookedFor = { readonly packs: number; readonly from: string };

/** The packs judged lost, and per vault those not looked for again (not judged this run). */
export type LostListedPacks = { readonly lost: Bad[]; readonly notLookedFor: Partial<Record<VaultSide, PacksNotLookedFor>> };

/**
 * The packs an index object of the slice lists that neither vault holds, as missing objects of the vault whose index
 * lists them (fix f58R). The listings compare the vaults with each other, so a pack deleted from both was no finding:
 * the scrub said `ok` while a backup deduplicating against that index stored none of the pack's blobs again and
 * committed a snapshot no vault restores. `listedBy` is the greatest key of the index objects listing it: the record
 * keeps the entry till the slice reads that object again (scrub-outstanding.ts).
 *
 * Not judged: a pack present when looked for again (one HEAD in each vault, after the index object was read: a backup
 * stores a pack before the index object naming it, so one that lands between the listing of `data/` and that of
 * `index/` is found then), and one a condemnation batch or tombstone of that vault names (a prune's sweep deleted it —
 * a sweep stopped between its deletes and its tombstone leaves the batch pending, review r58M F2 — or `vault repair
 * index` left it out, and Object Lock keeps an index object listing it: every backup's load leaves its records out
 * already, and `vault verify` names the snapshots, if any, needing a blob only it held). A pack not looked for again by
 * `until` is not judged this run (review r58M F3: judged lost unseen, a pack a backup was writing raised a false ✗ and
 * the scrub-damage alarm for a cycle); it is counted in `notLookedFor`, with the least key of the index objects listing
 * such a pack, where the scrub keeps its cursor so that the next run reads that object again and judges it (review r59C
 * F5: they were in no count, and the cursor moved past, so none was judged for a cycle). The packs of the least index
 * keys are looked for first, so a run cut there still moves its cursor on as far as it can.
 *
 * Costs: the listings are held already; each listed pack of an index object the slice verifies is two binary searches
 * in them (ScrubReadVault.lacksPack), and only the packs they lack are kept. In a vault that lost nothing, no request;
 * otherwise two HEADs a pack both listings lack and one read of the vault's tombstones.
 */
export async function lostListedPacks(scope: LostListedPacksScope): Promise<LostListedPacks> {
  const { vaults, results, until, now } = scope;
  const lost: Bad[] = [];
  const notLookedFor: Partial<Record<VaultSide, PacksNotLookedFor>> = {};
  for (const side of scope.sides) {
    const vault = vaults[side];
    const other = vaults[otherSide(side)];
    if (!vault || !other) continue;
    const listedBy = new Map<string, string>();
    for (const r of results.get(side) ?? []) {
      for (const id of r.packsLacked ?? []) {
        const key = packKey(id);
        const was = listedBy.get(key);
        if (was === undefined || r.key > was) listedBy.set(key, r.key);
      }
    }
    if (listedBy.size === 0) continue;
    const notLooked = new Set<string>();
    const present = new Set<string>();
    const byIndex = [...listedBy].sort(([a, ia], [b, ib]) => compareByCodeUnit(ia, ib) || compareByCodeUnit(a, b)).map(([key]) => key);
    await mapBounded(byIndex, LOOKS_AT_ONCE, async (key) => {
      if (until !== undefined && now() >= until) {
        notLooked.add(key);
        return;
      }
      if ((await vault.store.has(key)) || (await other.store.has(key))) present.add(key);
    });
    const firstNotLooked = [...notLooked].map((key) => listedBy.get(key) as string).sort(compareByCodeUnit)[0];
    if (firstNotLooked !== undefined) notLookedFor[side] = { packs: notLooked.size, from: firstNotLooked };
    const candidates = [...listedBy].filter(([key]) => !present.has(key) && !notLooked.has(key));
    const condemned = candidates.length > 0 ? await condemnedPacks(vault) : new Set<string>();
    for (const [key, index] of candidates) {
      if (condemned.has(key)) continue;
      lost.push({
        vault: side,
        key,
        problem: 'missing',
        detail: `${vault.location} lacks ${key}, which its index object ${index} lists, and the ${otherSide(side)} vault lacks it too: lost in every vault while the index still names it, so a backup deduplicating against that index stores none of its blobs again and references data no vault holds`,
        listedBy: index,
      });
    }
  }
  return { lost: lost.sort((a, b) => compareByCodeUnit(a.vault, b.vault) || compareByCodeUnit(a.key, b.key)), notLookedFor };
}

/**
 * The keys of the packs the vault's condemnation batches name, pending or tombstones (condemnedPacksOf: the packs every
 * backup's load leaves out). Empty when the scrub may not read prune's state (a stack from before it was granted, a DR
 * vault in another account) or a batch is damaged: every pack both listings lack is then judged.
 */
async function condemnedPacks(vault: Vault): Promise<ReadonlySet<string>> {
  try {
    return new Set([...condemnedPacksOf(await loadCondemnedBatches(vault.store, vault.keys))].map(packKey));
  } catch (err) {
    // Only a want of the permission: a 403 for the clock or the credentials is no sign the scrub may not read it (review r65M F5).
    if (!isS3PermissionRefusal(err) && !(err instanceof DamagedPruneStateError)) throw err;
    return new Set();
  }
}
