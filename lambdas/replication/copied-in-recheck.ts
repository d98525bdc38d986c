import { idFromKey, SNAPSHOTS_PREFIX, type Vault } from '../../vault';
import { type VaultSide } from '../runtime/runtime-config';
import { type LookMemory } from './replicate-vault';
import { readabilityInTarget } from './copied-snapshot-readability';
import { hasSortedKey } from './sorted-keys';
import { otherSide } from './other-side';
import { type ScrubFinding } from './scrub-report';

/** An outstanding entry an earlier run left of a snapshot object a scrub copied into `vault` (scrub-record.ts, `copiedIn`). */
export type CarriedCopiedIn = { readonly vault: VaultSide; readonly key: string; readonly problem: 'corrupt' | 'missing'; readonly since: string };

/**
 * Carried copied-in snapshots checked again per vault and run, the oldest first. Each check marks the snapshot's whole
 * manifest tree (one read per manifest object, reading through to the other vault), in the time before the damage
 * mapping's cutoff that this run's own findings need too: a handful a day clears what one bad night copies in, and the
 * rest are carried, as before, to the next runs.
 */
export const COPIED_IN_RECHECKED_PER_RUN = 5;

/** What the check of carried copied-in snapshots found: findings for those still not readable alone, and every key it settled. */
export type CopiedInRecheck = { readonly findings: readonly ScrubFinding[]; readonly rechecked: readonly string[] };

/**
 * Checks again, in the `side` vault (reading through to `other`: readabilityInTarget), the snapshots earlier scrubs
 * copied in without showing their tree reads there (reviews r57G R2, r57K F1): copied in, such a snapshot is never
 * missing again, so no comparison finds it, and its outstanding entry is settled only here. Readable in `side` alone:
 * settled, no finding. Readable only across both vaults: a finding with `goodCopy` (REPAIRABLE; a scrub with repair
 * mends the objects read from the other vault). Readable in neither: a finding with no good copy (lost), which the run's
 * damage mapping maps to its backups. Gone from both vaults (its backup forgotten): settled. Lacking in `side` while the
 * other holds it, or a check that could not finish (deadline, memory, a read error): not settled, the entry is carried.
 * `found`: keys this run already has a finding of in `side` (that finding speaks for them). `until`: as for the check
 * after a copy (the deadline less DAMAGE_MAPPING_MARGIN_MS).
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
}): Promise<CopiedInRecheck> {
  const { side, vault, other, listingOf, until } = options;
  const due = options.carried
    .filter((c) => c.vault === side && !options.found.has(c.key) && idFromKey(SNAPSHOTS_PREFIX, c.key) !== null)
    .sort((a, b) => (a.since < b.since ? -1 : a.since > b.since ? 1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .slice(0, COPIED_IN_RECHECKED_PER_RUN);
  const findings: ScrubFinding[] = [];
  const rechecked: string[] = [];
  for (const c of due) {
    const id = idFromKey(SNAPSHOTS_PREFIX, c.key) as string;
    if (!hasSortedKey(listingOf(side), c.key)) {
      // Lacking here while the other vault holds it, the comparison's finding (or its forgotten or discarded record) speaks.
      if (!hasSortedKey(listingOf(otherSide(side)), c.key)) rechecked.push(c.key);
      continue;
    }
    // A memory stop, like the deadline, leaves it unchecked: carried, neither settled nor a good copy (review r57M M1).
    const inTarget = await readabilityInTarget(side, vault, other, [id], options.memory, until);
    if (inTarget.unchecked.has(id)) continue;
    rechecked.push(c.key);
    const detail = `copied into the ${side} vault by an earlier scrub (outstanding since ${c.since}) without its tree shown to read there; checked again by this run`;
    if (inTarget.unreadable.has(id)) {
      const reason = `copied in by an earlier scrub, and its snapshot object or a manifest object it references reads in neither vault, so no vault holds a copy that restores: find its backup in the catalog (the record whose sources list snapshot ${id}) and back that source up again`;
      findings.push({ vault: side, key: c.key, problem: c.problem, detail, outcome: 'unrepaired', reason, copiedIn: true });
      continue;
    }
    const fellBack = inTarget.readThrough.get(id);
    if (fellBack === undefined) continue;
    const { count, first } = fellBack;
    const named = `${first.join(', ')}${count > first.length ? ', …' : ''}`;
    const reason = `copied in by an earlier scrub; the ${side} vault reads it only with ${count} object(s) it lacks a readable copy of read from the ${otherSide(side)} vault (${named}), so it is restorable once those are repaired: \`lifeboat scrub --fraction 1 --repair\` repairs them now`;
    findings.push({ vault: side, key: c.key, problem: c.problem, detail, outcome: 'unrepaired', reason, goodCopy: true, copiedIn: true });
  }
  return { findings, rechecked };
}
