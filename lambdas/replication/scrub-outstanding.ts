import { OUTSTANDING_BACKUPS_LISTED, OUTSTANDING_LISTED, type OutstandingScrub, type OutstandingScrubObject, type ScrubRunRecord } from '../catalog/scrub-record';
import { DATA_PREFIX } from '../../vault';
import { type VaultSide } from '../runtime/runtime-config';
import { type ScrubReport } from './scrub-vaults';

/** How the run went besides its report: the vault it could not open (so it could not tell what is missing in the other). */
export type ScrubRunVaults = { readonly unopened?: readonly VaultSide[] };

/**
 * What is still damaged or missing once this run is done (scrub-record.ts, `outstanding`): the objects it left unrepaired
 * or repairable, and those the previous record held that it did not read again — a scheduled run reads a seventh of the
 * vault, so without this the damage of one day was gone from `lifeboat status` the next (audit aS2-2). An object
 * of an earlier run is dropped only when this run covered it in that vault with the other vault open to compare with: a
 * corrupt one read in its slice and found nothing (good, or gone and not missing), a missing one by the comparison of the
 * full listings, whatever the slice; or when this run repaired it. A run of one vault keeps the other's untouched; an
 * archived pack of the slice was not read; a run whose other vault did not open drops nothing (review rY F4).
 */
export function outstandingAfter(report: ScrubReport, startedAt: string, previous: ScrubRunRecord | undefined, run: ScrubRunVaults = {}): OutstandingScrub {
  const sides: readonly VaultSide[] = report.scope === 'both' ? ['primary', 'dr'] : [report.scope];
  const before = previousOutstanding(previous);
  const id = (o: { vault: VaultSide; key: string }): string => `${o.vault} ${o.key}`;
  const earlier = new Map(before.objects.map((o) => [id(o), o]));
  const backupsOf = new Map(report.damage.map((d) => [d.key, newestBackups(d.affects.flatMap((a) => (a.backupId ? [a.backupId] : [])))]));
  const found = report.findings
    .filter((f) => f.outcome !== 'repaired')
    .map((f): OutstandingScrubObject => {
      const lost = f.outcome === 'unrepaired' && f.goodCopy !== true;
      return { vault: f.vault, key: f.key, problem: f.problem, goodCopy: !lost, since: earlier.get(id(f))?.since ?? startedAt, backups: lost ? (backupsOf.get(f.key) ?? []) : [] };
    });
  const foundNow = new Set(found.map(id));
  const read = readInThisRun(report);
  // A missing object is found by comparing the full listings, whatever the slice: only when the other vault was open.
  const compared = (side: VaultSide): boolean => !(run.unopened ?? []).includes(side === 'primary' ? 'dr' : 'primary');
  // A missing object is in neither listing, so a slice covering its key says nothing of it: only the comparison does. A
  // corrupt one is read when its key is in the slice and still listed; gone since, only the comparison tells whether it is
  // now missing (and found again) or no longer needed, so without the other vault it is kept.
  const resolved = (o: OutstandingScrubObject): boolean => sides.includes(o.vault) && compared(o.vault) && (o.problem === 'missing' || read(o.vault, o.key));
  const carried = before.objects.filter((o) => !foundNow.has(id(o)) && !resolved(o));
  // Objects with no good copy first (what status judges), then the oldest.
  const all = [...found, ...carried].sort((a, b) => Number(a.goodCopy) - Number(b.goodCopy) || order(a.since, b.since) || order(a.vault, b.vault) || order(a.key, b.key));
  const objects = all.slice(0, OUTSTANDING_LISTED);
  const overflow = all.slice(OUTSTANDING_LISTED);
  const cycle = report.nextCursor.cycle - (report.cycleComplete ? 1 : 0);
  // Unlisted objects cannot be told read one by one: a cycle of both vaults begun after they were found read them all.
  // Nor those this run read again in every vault they are in: still damaged, they are among this run's own findings and its
  // overflow counts them; added to the carried count, the same objects were counted again each cycle (review rY F5).
  const unlisted = before.notListedRange;
  const readAgain = unlisted !== undefined && unlisted.vaults.every((side) => sides.includes(side) && compared(side) && report.notRead?.[side] === undefined && read(side, unlisted.first) && read(side, unlisted.last));
  const keepUnlisted = before.notListed > 0 && !readAgain && !(report.scope === 'both' && report.cycleComplete && cycle > (before.notListedCycle ?? 0));
  const notListed = overflow.length + (keepUnlisted ? before.notListed : 0);
  if (notListed === 0) return { objects, notListed };
  const since = [...overflow.map((o) => o.since), ...(keepUnlisted && before.notListedSince !== undefined ? [before.notListedSince] : [])].sort(order)[0];
  const range = notListedRange(overflow, keepUnlisted ? before : undefined);
  return { objects, notListed, ...(since !== undefined ? { notListedSince: since } : {}), notListedCycle: overflow.length > 0 ? cycle : (before.notListedCycle ?? cycle), ...(range ? { notListedRange: range } : {}) };
}

/** The keys and vaults the unlisted objects lie in; unknown (and so never read again as a whole) when a carried count has none. */
function notListedRange(overflow: readonly OutstandingScrubObject[], kept: OutstandingScrub | undefined): OutstandingScrub['notListedRange'] {
  if (kept && kept.notListed > 0 && kept.notListedRange === undefined) return undefined;
  const keys = [...overflow.map((o) => o.key), ...(kept?.notListedRange ? [kept.notListedRange.first, kept.notListedRange.last] : [])].sort(order);
  const vaults = [...new Set([...overflow.map((o) => o.vault), ...(kept?.notListedRange?.vaults ?? [])])].sort(order);
  const [first, last] = [keys[0], keys.at(-1)];
  return first !== undefined && last !== undefined ? { first, last, vaults } : undefined;
}

/**
 * Whether this run read a key in a vault: a vault in scope, a key within its slice (objects are read in key order from
 * the cursor, scrub-slice.ts, so the slice is the keys after `cursor.after` up to `nextCursor.after`, from the first key
 * when the cursor had passed every key and a new cycle began), and not an archived pack it passed over.
 */
function readInThisRun(report: ScrubReport): (side: VaultSide, key: string) => boolean {
  const { cursor, nextCursor, cycleComplete } = report;
  // A slice that ends mid-cycle names its last key; none (no object at all) read nothing.
  if (!cycleComplete && nextCursor.after === null) return () => false;
  const restarted = nextCursor.cycle - cursor.cycle > (cycleComplete ? 1 : 0);
  const from = restarted ? null : cursor.after;
  const to = cycleComplete ? null : nextCursor.after;
  const inSlice = (key: string): boolean => (from === null || key > from) && (to === null || key <= to);
  return (side, key) => {
    if (report.read[side] === undefined || !inSlice(key)) return false;
    const archived = report.notRead?.[side];
    if (!archived) return true;
    if (archived.first.includes(key)) return false;
    // More archived packs than the report names: a pack not named may be one of them.
    return !(archived.archived > archived.first.length && key.startsWith(DATA_PREFIX));
  };
}

/** The previous record's outstanding objects; a record written before they were kept stands for its unrepaired keys in each vault of its scope. */
function previousOutstanding(previous: ScrubRunRecord | undefined): OutstandingScrub {
  if (!previous) return { objects: [], notListed: 0 };
  if (previous.outstanding) return previous.outstanding;
  const sides: readonly VaultSide[] = previous.scope === 'both' ? ['primary', 'dr'] : [previous.scope];
  const lost = previous.outcome === 'DAMAGED';
  return {
    objects: previous.unrepairedKeys.flatMap((key) =>
      sides.map((vault): OutstandingScrubObject => ({ vault, key, problem: 'corrupt', goodCopy: !lost, since: previous.startedAt, backups: lost ? newestBackups(previous.affectedBackups) : [] })),
    ),
    notListed: 0,
  };
}

/**
 * The backups an object hits that a record keeps: the newest OUTSTANDING_BACKUPS_LISTED (ids sort by start time). A pack's
 * blobs are in every later backup of its source, so the oldest would often be all of one plan's older backups, forgotten
 * first, and a plan whose backups are the newest would read ✓ once the object is carried (review rY F2).
 */
function newestBackups(ids: readonly string[]): string[] {
  return [...new Set(ids)].sort().slice(-OUTSTANDING_BACKUPS_LISTED);
}

const order = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
