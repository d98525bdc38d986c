import { idFromKey, INDEX_PREFIX, isS3PermissionRefusal, DATA_PREFIX, MANIFEST_PREFIX, Vault, VaultError } from '../../vault';
import { type VaultSide } from '../runtime/runtime-config';
import { type LookIndexReads, type LookMemory, objectsTheSnapshotsLack } from './replicate-vault';
import { type ScrubIndexObjects } from './scrub-index-objects';
import { markOfReadableSnapshots } from './readable-snapshots-mark';
import { awaitNoReplicaPrune, type ReplicaPruneWaitOptions } from './replica-prune-wait';
import { ReadsStoppedError, readsUntilVault } from './reads-until-vault';
import { ScrubNeedsTooLargeError } from './scrub-needs-too-large-error';
import { sortedDifference } from './sorted-keys';
import { COPY_BACK_RESERVE_MS } from './scrub-time-reserves';
import { COPIED_IN_RECHECK_MARGIN_MS } from './copied-in-recheck';
import { type NeedsCut } from './vault-needs-work-out';
import { type ReadableReferences, referencesOfReadable } from './copied-snapshot-readability';
import { otherSide } from './other-side';
import { refusedWords } from './refused-words';
import { notPermissionRefusalAdvice } from './not-permission-refusal-advice';

/** Keys named in a reason (the count covers them all). */
const KEYS_NAMED = 3;

/** What a copy-back left missing: keys whose copy failed (each has its own `unrepaired` finding), and keys not started before the deadline. */
export type CopyBack = { readonly failed: readonly string[]; readonly notCopied: readonly string[] };

/** Why the snapshots are not vouched for after a copy-back, or undefined when it copied everything. */
function copyBackShortfall(side: VaultSide, when: string, result: CopyBack): string | undefined {
  const named = (keys: readonly string[]): string => `${keys.slice(0, KEYS_NAMED).join(', ')}${keys.length > KEYS_NAMED ? ` and ${keys.length - KEYS_NAMED} more` : ''}`;
  const why: string[] = [];
  if (result.failed.length > 0) why.push(`${result.failed.length} object(s) it needs in the ${side} vault could not be copied back ${when} (${named(result.failed)}: see their findings)`);
  if (result.notCopied.length > 0) why.push(`${result.notCopied.length} object(s) it needs in the ${side} vault were not copied back ${when}: the scrub's deadline came first (${named(result.notCopied)}); the next scrub with repair copies the rest`);
  return why.length > 0 ? why.join('; ') : undefined;
}

/**
 * Vouches for the snapshots `ids` the scrub copied into `vault` from `source` (docs/FORMAT.md §11, "Manifest objects and
 * pending batches"): a prune of `vault` between its mark and its deletes may have condemned packs (and index objects)
 * they reuse while they were missing, and its sweep looks again at manifest objects only. So, as replication
 * does (replicate-vault.ts, with its code: referencesOf, objectsTheSnapshotsLack, awaitNoReplicaPrune), it looks at what
 * they need there and copies back what is missing, waits until no prune lease of `vault` is live (until `deadline` less
 * the time that look took and COPY_BACK_RESERVE_MS for copying back what the prune deleted; without a deadline it looks
 * once), then looks and copies back again: every prune that marks after that sees the snapshots. Returns why they could
 * not be vouched for (a prune still running, its leases unreadable, their needs unknown, an object they need that could
 * not be copied back, or was not by the deadline), or no `why` once they were; and, apart, why each of those whose
 * snapshot or manifest objects `source` cannot read was not (`unreadable`): the others are looked at without them.
 * Marked together, one such snapshot threw for all, and every snapshot copied into the vault was left unrepaired with
 * its look skipped (review rR F1).
 */
export async function lookAfterPrunes(
  side: VaultSide,
  vault: Vault,
  source: Vault,
  ids: readonly string[],
  options: {
    readonly deadline?: number | undefined;
    readonly pruneWait?: Pick<ReplicaPruneWaitOptions, 'pollMs' | 'sleep'> | undefined;
    now: () => number;
    copyBack(keys: readonly string[]): Promise<CopyBack>;
    /** What the looks may hold (the function's memory): absent on a machine. */
    memory?: LookMemory;
    /** The index objects the run has read: what the looks read of them is taken from there and kept there. */
    indexObjects: ScrubIndexObjects;
    /** The run's target options, with a leading space, which the verdicts' command lines end with. */
    commandOptions?: string;
    /** The same without the vault's, for a `backups list` line (PrintedLineTarget.catalogCommandOptions). */
    catalogCommandOptions: string;
  },
): Promise<LookVerdict> {
  const { memory } = options;
  // The source is the other vault: a verify line of its snapshots reads there.
  const lineTarget = { from: otherSide(side), commandOptions: options.commandOptions ?? '', catalogCommandOptions: options.catalogCommandOptions };
  const notChecked = (when: string): string =>
    `what it needs in the ${side} vault was not checked${when}: that check holds more than the scrub function's memory (${vault.memoryLimitMb ?? '?'} MB) leaves beside its listings and findings; scrub from a machine: lifeboat scrub --vault ${side} --repair${options.commandOptions ?? ''}`;
  // Their manifests are read once. The look (listings and index objects, not its copying, which is rarely anything
  // before the wait) tells how long the look after the wait takes; its copying gets COPY_BACK_RESERVE_MS.
  let lookMs: number;
  let first: CopyBack;
  // The look's reads in both vaults (the mark of their manifests in the source, the listings and index objects of what
  // they lack) start none past the deadline less COPIED_IN_RECHECK_MARGIN_MS, as the check in the target vault and the
  // copy-backs (lookAfterCopiedSnapshots): the damage mapping after them keeps its 20 s for the run's own findings.
  // Unbounded, a large snapshot's tree, or the listings of two large vaults, read on past the deadline (reviews r57A
  // F2, r57G R3); to the mapping's own cutoff, a long mark left the run's lost objects without backups (review r57W F1).
  const cutoff = options.deadline !== undefined ? options.deadline - COPIED_IN_RECHECK_MARGIN_MS : undefined;
  const bounded = (v: Vault): Vault => {
    if (cutoff === undefined) return v;
    const view = readsUntilVault(v, cutoff, options.now);
    view.memoryLimitMb = v.memoryLimitMb;
    return view;
  };
  const marking = bounded(source);
  const target = bounded(vault);
  // Index objects are content-addressed: the look after the wait reuses the first look's, one pass within the same
  // bound, and both take what earlier phases of the run read of the same copies (ScrubIndexObjects).
  const pass = options.indexObjects.pass(memory?.blobLimit ?? Infinity, () => (memory ? memory.tooLarge() : new Error('unreachable: an unbounded look is never too large')), cutoff !== undefined ? { time: cutoff, now: options.now } : undefined);
  const indexReads: LookIndexReads = {
    held: (ids) => pass.loadAll(side, target.store, marking.keys, ids),
    offered: (ids) => pass.loadAll(otherSide(side), marking.store, marking.keys, ids),
  };
  let marked: ReadableReferences;
  try {
    marked = await referencesOfReadable(side, marking, ids, memory);
  } catch (err) {
    // Stopped before the source's readability is known (even after a first read error said one of them is unreadable),
    // by the deadline or by the memory bound: none is known to have a good copy, so none may claim one; a "deadline" or
    // "memory" why alone gave each goodCopy, a snapshot no vault restores included (reviews r57G R1, r57M M1).
    if (err instanceof ReadsStoppedError) return { unreadable: new Map(), unchecked: new Map(ids.map((id) => [id, LOOK_STOPPED])) };
    if (err instanceof ScrubNeedsTooLargeError) return { unreadable: new Map(), unchecked: new Map(ids.map((id) => [id, lookOutgrewMemory(side, vault.memoryLimitMb, options.commandOptions)])) };
    if (!(err instanceof VaultError)) throw err;
    return { why: `what it needs in the ${side} vault could not be checked (${err.message})`, unreadable: new Map() };
  }
  const { readable, references, unreadable } = marked;
  // Past the mark, those the source cannot read are kept for the check in the target vault whatever stops the look.
  const verdict = (why: string | undefined): LookVerdict => ({ ...(why !== undefined ? { why } : {}), unreadable });
  if (readable.length === 0) return verdict(undefined);
  try {
    const started = performance.now();
    const lacking = await objectsTheSnapshotsLack(marking, target.store, readable, references, indexReads, memory, lineTarget);
    lookMs = performance.now() - started;
    first = await options.copyBack(lacking);
  } catch (err) {
    if (err instanceof ScrubNeedsTooLargeError) return verdict(notChecked(''));
    if (err instanceof ReadsStoppedError) return verdict(lookCut(side, ''));
    if (!(err instanceof VaultError)) throw err;
    return verdict(`what it needs in the ${side} vault could not be checked (${err.message})`);
  }
  const shortfall = copyBackShortfall(side, 'in the look before the wait for a prune', first);
  if (shortfall !== undefined) return verdict(shortfall);
  let running: Awaited<ReturnType<typeof awaitNoReplicaPrune>>;
  try {
    running = await awaitNoReplicaPrune(vault.store, vault.keys, {
      now: options.now,
      ...(options.deadline !== undefined ? { waitUntil: options.deadline - lookMs - COPY_BACK_RESERVE_MS } : {}),
      ...(options.pruneWait ?? {}),
    });
  } catch (err) {
    // S3's words, not the runtime's wrapper's (they name the refused action and the role); a 403 that is no want of a
    // permission (a clock off S3's by 15 minutes) is said as what it is: s3:GetObject could not help it.
    const unread = `whether a prune of the ${side} vault is running could not be read (${refusedWords(err)})`;
    if (isS3PermissionRefusal(err)) return verdict(`${unread}: the scrub needs s3:GetObject on prune/running/* there; the next scrub with repair copies back what such a prune deleted`);
    const otherwise = notPermissionRefusalAdvice(err, 'scrub with repair');
    if (otherwise === undefined) throw err;
    return verdict(`${unread}: ${otherwise}`);
  }
  if (running) {
    const until = running.expiresAt ? `; its lease ends ${running.expiresAt} unless renewed` : '';
    return verdict(`a prune of the ${side} vault was still running when the scrub last looked (${running.leaseKey}, held by ${running.holder}${until}): it may delete packs the snapshot reuses that it condemned while the snapshot was missing; the next scrub with repair after that prune ends copies back what it deleted`);
  }
  let second: CopyBack;
  try {
    second = await options.copyBack(await objectsTheSnapshotsLack(marking, target.store, readable, references, indexReads, memory, lineTarget));
  } catch (err) {
    if (err instanceof ScrubNeedsTooLargeError) return verdict(notChecked(' after the prune ended'));
    if (err instanceof ReadsStoppedError) return verdict(lookCut(side, ' after the prune ended'));
    if (!(err instanceof VaultError)) throw err;
    return verdict(`what it needs in the ${side} vault could not be checked after the prune ended (${err.message})`);
  }
  return verdict(copyBackShortfall(side, 'after the prune ended', second));
}

/**
 * What lookAfterPrunes found: why the snapshots it looked at were not vouched for (absent once they were), and, apart,
 * why each the source cannot read was not (`unreadable`, by id), and each it stopped at before it knew whether the
 * source reads it (`unchecked`, by id: not known to have a good copy in either vault).
 */
export type LookVerdict = { readonly why?: string; readonly unreadable: ReadonlyMap<string, string>; readonly unchecked?: ReadonlyMap<string, string> };

/** Why the look did not tell whether the source reads a snapshot: the reads' cutoff came first. */
export const LOOK_STOPPED = "whether either vault can read them could not be checked (the run's deadline came first)";

/**
 * Why the look did not tell whether the source reads a snapshot copied into `side`: its mark of the source outgrew the
 * scrub function's memory (`memoryMb`). Every scheduled run meets the same bound; a scrub from a machine has none.
 */
export function lookOutgrewMemory(side: VaultSide, memoryMb: number | undefined, commandOptions = ''): string {
  return `whether either vault can read them could not be checked (that check holds more than the scrub function's memory (${memoryMb ?? '?'} MB) leaves beside its listings and findings; a scrub of the ${side} vault from a machine, which has no such bound, checks it again: lifeboat scrub --vault ${side}${commandOptions})`;
}

/** Why what readable snapshots need in the `side` vault was not checked`when`: the reads' cutoff came first. */
function lookCut(side: VaultSide, when: string): string {
  return `what it needs in the ${side} vault was not checked${when}: the run's deadline came first; the next scrub with repair copies what it lacks there`;
}

/**
 * Why a snapshot about to be copied into `side` (missing or corrupt there) is held back when the check of what the look
 * after the copy (lookAfterPrunes) needs there did not fit (lookFits): the vault may lack nothing it
 * references, and a corrupt snapshot is not missing, so heldBackReason's words (what it lacks was not worked out) misled
 * (review rO F-d). Copied, a look that did not fit loaded every index object of the vault unbounded (review rJ F1).
 */
export function lookHeldBackReason(side: VaultSide, cut: NeedsCut, commandOptions = ''): string {
  const what = `held back: checking what it needs in the ${side} vault`;
  const copied = 'and a snapshot is copied only once that check is done';
  const fix = `lifeboat scrub --vault ${side} --repair${commandOptions}`;
  return cut === 'memory'
    ? `${what} (its references, the vault's index objects, a listing of both vaults) was more than the scrub function's memory holds, ${copied}; every scheduled run meets the same bound: scrub from a machine, which has none: ${fix}`
    : `${what} was cut: the run's deadline came first, ${copied}; the next scrub with repair copies it if its time allows, else scrub from a machine: ${fix}`;
}

/** What lookFits reads and bounds its reads by: the scrub's vaults and listings, and its repairs' cutoff. */
export type LookFitScope = {
  readonly vaults: Partial<Record<VaultSide, Vault>>;
  readonly listingOf: (side: VaultSide) => readonly string[];
  readonly repairsUntil: number | undefined;
  readonly now: () => number;
  readonly memoryMb: number | undefined;
  /** The index objects the run has read: the check reads through them, and what it reads is kept for the run's later phases. */
  readonly indexObjects: ScrubIndexObjects;
};

/**
 * Whether the look after copying the snapshots `ids` into `side` (lookAfterPrunes) fits `memory`, checked before the copy
 * (scrub-repairs.ts, lookCut): undefined when it does, else what cut it.
 */
export async function lookFits(side: VaultSide, ids: readonly string[], memory: LookMemory, scope: LookFitScope): Promise<NeedsCut | undefined> {
  const { vaults, listingOf, repairsUntil, now, memoryMb, indexObjects } = scope;
  const referencedIn = (s: VaultSide): readonly string[] => listingOf(s).filter((key) => key.startsWith(DATA_PREFIX) || key.startsWith(INDEX_PREFIX) || key.startsWith(MANIFEST_PREFIX));
  // The look lists these prefixes of both vaults again: about what the scrub's own listings hold of them.
  if (referencedIn(side).length + referencedIn(otherSide(side)).length > memory.keyLimit) return 'memory';
  // Views, so that the mark's pages in flight are weighed against the function's memory without touching the vaults.
  const view = (v: Vault): Vault => {
    const bounded = repairsUntil !== undefined ? readsUntilVault(v, repairsUntil, now) : new Vault(v.store, v.keys, v.config);
    bounded.memoryLimitMb = memoryMb;
    return bounded;
  };
  const target = view(vaults[side] as Vault);
  const source = view(vaults[otherSide(side)] as Vault);
  const indexIds = (keys: readonly string[]): string[] => keys.flatMap((key) => idFromKey(INDEX_PREFIX, key) ?? []);
  try {
    // The mark is not kept: counted against the bound as the look holds it. The index objects are kept by the run
    // (ScrubIndexObjects), once, within this bound and then within each later phase's, which takes them from there:
    // kept apart for the look's reuse, they stood beside the work-out's own copies of them, twice the bound held
    // (review rO F-b), and dropped, the work-out and the look after the copy read each again (review rR F3).
    const reads = indexObjects.pass(memory.blobLimit, memory.tooLarge, repairsUntil !== undefined ? { time: repairsUntil, now } : undefined);
    await markOfReadableSnapshots(source, ids, memory);
    await reads.loadAll(side, target.store, target.keys, indexIds(listingOf(side)));
    await reads.loadAll(otherSide(side), source.store, source.keys, indexIds(sortedDifference(listingOf(otherSide(side)), listingOf(side))));
    return undefined;
  } catch (err) {
    if (err instanceof ScrubNeedsTooLargeError) return 'memory';
    if (err instanceof ReadsStoppedError) return 'deadline';
    // An index object that cannot be read is named by the look after the copy, as before.
    if (err instanceof VaultError) return undefined;
    throw err;
  }
}
