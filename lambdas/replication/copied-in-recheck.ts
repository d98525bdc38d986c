import { idFromKey, SNAPSHOTS_PREFIX, type Vault } from '../../vault';
import { type VaultSide } from '../runtime/runtime-config';
import { type LookMemory } from './replicate-vault';
import { readabilityInTarget } from './copied-snapshot-readability';
import { noCopyRestores, readsOnlyThrough } from './copied-snapshot-reasons';
import { compareByCodeUnit, hasSortedKey } from './sorted-keys';
import { otherSide } from './other-side';
import { type ScrubFinding } from './scrub-report';
import { DISCARDED_READS_MARGIN_MS } from './scrub-time-reserves';

/**
 * An outstanding entry an earlier run left of a snapshot object a scrub copied into `vault` (scrub-record.ts, `copiedIn`):
 * one the record lists (`copiedInObjects`) or keeps by id past them (`copiedInIds`, read back by listedOutstanding with
 * their group's `since` and `lastChecked`), all taken in the same turn (review r57W F2).
 */
export type CarriedCopiedIn = {
  readonly vault: VaultSide;
  readonly key: string;
  readonly problem: 'corrupt' | 'missing';
  readonly since: string;
  /** When a run last checked it again (scrub-record.ts, `lastChecked`); absent: never. */
  readonly lastChecked?: string;
  /** Lost (no good copy, none unverified) with its backups worked out: checking it again would tell little new. */
  readonly lostAndNamed?: boolean;
};

/**
 * Carried copied-in snapshots whose tree is read again per vault and run, the least recently checked first. Each check
 * marks the snapshot's whole manifest tree (one read per manifest object, reading through to the other vault): a
 * handful a day clears what one bad night copies in, and the rest are carried to the next runs, which take them in turn.
 */
export const COPIED_IN_RECHECKED_PER_RUN = 5;

/**
 * How long a lost entry whose backups are named waits between two checks again: found lost again, it says nothing new,
 * and checked every run such entries took every slot, so the others were never checked (review r57P F1). A week: the
 * scheduled scrub's cycle, in which every other object is read again too.
 */
export const LOST_RECHECK_INTERVAL_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * Time kept before the deadline in which the check again starts no read: the damage mapping that follows (its reads
 * stop at the deadline less DAMAGE_MAPPING_MARGIN_MS) maps this run's own findings with what is left. Stopping at the
 * mapping's own cutoff, a check that ran long left it nothing, and this run's lost objects were recorded without their
 * backups (review r57P F2). The same as DISCARDED_READS_MARGIN_MS, for the same reason: the mapping gets the 20 s it
 * takes in a vault of a few thousand snapshots. Its findings are mapped in the same walk as the run's own, so a found-again
 * lost snapshot costs the mapping no second walk of the manifests.
 */
export const COPIED_IN_RECHECK_MARGIN_MS = DISCARDED_READS_MARGIN_MS;

/**
 * What the check of carried copied-in snapshots found: findings for those still not readable alone, every key it
 * settled (`rechecked`), and every key whose tree it read again, whatever came of it (`checked`: its `lastChecked`),
 * or started to read and was cut, but a lost entry whose backups are named (it then keeps its lastChecked).
 */
export type CopiedInRecheck = { readonly findings: readonly ScrubFinding[]; readonly rechecked: readonly string[]; readonly checked: readonly string[] };

/**
 * Which carried entries of `side`, held there, get this run's checks: the least recently checked first (never checked
 * first, then the oldest), so that entries found lost or unverified again take their turn with the others (review r57P
 * F1); a lost entry whose backups are named only with the slots the others leave, and not within
 * LOST_RECHECK_INTERVAL_MS of its last check.
 */
function dueForCheck(held: readonly CarriedCopiedIn[], now: number): CarriedCopiedIn[] {
  const resting = (c: CarriedCopiedIn): boolean => c.lostAndNamed === true && c.lastChecked !== undefined && Date.parse(c.lastChecked) > now - LOST_RECHECK_INTERVAL_MS;
  const tier = (c: CarriedCopiedIn): number => (c.lostAndNamed === true ? 1 : 0);
  return held
    .filter((c) => !resting(c))
    .sort((a, b) => tier(a) - tier(b) || compareByCodeUnit(a.lastChecked ?? '', b.lastChecked ?? '') || compareByCodeUnit(a.since, b.since) || compareByCodeUnit(a.key, b.key))
    .slice(0, COPIED_IN_RECHECKED_PER_RUN);
}

/**
 * Checks again, in the `side` vault (reading through to `other`: readabilityInTarget), the snapshots earlier scrubs
 * copied in without showing their tree reads there (reviews r57G R2, r57K F1): copied in, such a snapshot is never
 * missing again, so no comparison finds it, and its outstanding entry is settled only here. Readable in `side` alone:
 * settled, no finding. Readable only across both vaults: a finding with `goodCopy` (REPAIRABLE; a scrub with repair
 * mends the objects read from the other vault). Readable in neither: a finding with no good copy (lost), which the run's
 * damage mapping maps to its backups. Gone from both vaults (its backup forgotten): settled. Lacking in `side` while the
 * other holds it, or a check that could not finish (deadline, memory, a read error): not settled, the entry is carried.
 * `found`: keys this run already has a finding of in `side` (that finding speaks for them). Whether a carried entry is
 * held in either vault is told by the listings, without a read, for every entry; the tree of at most
 * COPIED_IN_RECHECKED_PER_RUN is read (dueForCheck). `until`: the deadline less COPIED_IN_RECHECK_MARGIN_MS; none is
 * started past it. `now`: the time a lost entry's last check is weighed against. @default Date.now
 */
export async function recheckCopiedIn(options: {
  readonly side: VaultSide;
  readonly vault: Vault;
  readonly other: Vault;
  readonly carried: readonly CarriedCopiedIn[];
  readonly listingOf: (side: VaultSide) => readonly string[];
  readonly found: ReadonlySet<string>;
  readonly memory: LookMemory | undefined;
  readonly until: { readonly time: number; readonly now: () => number } | undefined;
  readonly now?: () => number;
  /** The run's target options, with a leading space, which the reasons' command lines end with. */
  readonly commandOptions?: string;
}): Promise<CopiedInRecheck> {
  const { side, vault, other, listingOf, until } = options;
  const mine = options.carried.filter((c) => c.vault === side && !options.found.has(c.key) && idFromKey(SNAPSHOTS_PREFIX, c.key) !== null);
  const findings: ScrubFinding[] = [];
  const rechecked: string[] = [];
  const checked: string[] = [];
  // Gone from both vaults (its backup forgotten): settled. Lacking here while the other vault holds it, the comparison's
  // finding (or its forgotten or discarded record) speaks. Neither takes a read, nor one of the checks.
  for (const c of mine) if (!hasSortedKey(listingOf(side), c.key) && !hasSortedKey(listingOf(otherSide(side)), c.key)) rechecked.push(c.key);
  const held = mine.filter((c) => hasSortedKey(listingOf(side), c.key));
  // One mark per snapshot, not one of all of them (readabilityInTarget marks several together): no manifest object of
  // one is another's, since every backup writes its own roots, nodes and pages, each sealed with a random nonce
  // (docs/FORMAT.md §11), so one walk reads what five do; and where a tree reads through to the other vault, telling
  // whose each fallback was (fallbacksBySnapshot) walks the snapshot objects, roots and nodes again. Measured on
  // 2026-12-07 (five snapshots of one source, in-memory vaults): 15 and 20 GETs either way at 400 and 4,000 files; with
  // three manifest objects read through, 18 alone against 30 together, and 23 against 35. Alone, a deadline or memory
  // stop also leaves the one under way unchecked, where marked together it left all five.
  for (const c of dueForCheck(held, (options.now ?? Date.now)())) {
    const id = idFromKey(SNAPSHOTS_PREFIX, c.key) as string;
    // Past the cutoff none is started, so none is counted checked: they keep their turn for the next run.
    if (until !== undefined && until.now() >= until.time) break;
    // A memory stop, like the deadline, leaves it unchecked: carried, neither settled nor a good copy (review r57M M1).
    const inTarget = await readabilityInTarget(side, vault, other, [id], options.memory, until);
    const cut = inTarget.unchecked.has(id);
    // One cut still takes its turn (counted checked), so that the same entry, cut every run, does not take every
    // run's first check; but a lost one whose backups are named then rests a week with nothing read: it keeps its
    // lastChecked, and its place, till a check reads it (review r57U U3).
    if (!(cut && c.lostAndNamed === true)) checked.push(c.key);
    if (cut) continue;
    rechecked.push(c.key);
    const detail = `copied into the ${side} vault by an earlier scrub (outstanding since ${c.since}) without its tree shown to read there; checked again by this run`;
    if (inTarget.unreadable.has(id)) {
      const reason = `copied in by an earlier scrub, and its snapshot object or a manifest object it references reads in neither vault, ${noCopyRestores(id)}`;
      findings.push({ vault: side, key: c.key, problem: c.problem, detail, outcome: 'unrepaired', reason, copiedIn: true });
      continue;
    }
    const fellBack = inTarget.readThrough.get(id);
    if (fellBack === undefined) continue;
    const reason = `copied in by an earlier scrub; ${readsOnlyThrough(side, fellBack, 'it', options.commandOptions)}`;
    findings.push({ vault: side, key: c.key, problem: c.problem, detail, outcome: 'unrepaired', reason, goodCopy: true, copiedIn: true });
  }
  return { findings, rechecked, checked };
}
