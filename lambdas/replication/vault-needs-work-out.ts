import { DATA_PREFIX, idFromKey, INDEX_PREFIX, type LoadedIndexObject, MANIFEST_PREFIX, mapBounded, markSnapshots, Vault, VaultError, type VaultStore } from '../../vault';
import { type VaultSide } from '../runtime/runtime-config';
import { type NotWorkedOutCause } from '../catalog/scrub-record';
import { objectsNeeded, readThroughStore } from './vault-references';
import { ReadsStoppedError } from './reads-until-vault';
import { ScrubNeedsTooLargeError } from './scrub-needs-too-large-error';
import { type ReadsUntil, type ScrubIndexObjects } from './scrub-index-objects';
import { otherSide } from './other-side';
import { refusalNamingStore } from './refusal-naming-store';
import { ReferenceReadRefusedError } from './reference-read-refused-error';
import { type RefusedReadRun } from './refused-read-advice';

/** What cut the work-out of which objects a vault lacking some needs: the repair cutoff, or the function's memory. */
export type NeedsCut = NotWorkedOutCause;

/**
 * Why a snapshot missing in `side` is not copied when the work-out of what that vault needs was cut: none of the data/,
 * index/ and manifest/ objects it lacks is a finding then, so, copied, the snapshot was visible before what it references
 * (the copy-back after it, cut by the deadline, left a snapshot that could not be restored while the next run read
 * CLEAN: review rF F1). A snapshot is made visible only once everything it references is there (docs/FORMAT.md §11).
 * `commandOptions`: the run's target options, which its command line ends with (review r59L F1).
 */
export function heldBackReason(side: VaultSide, cut: NeedsCut, commandOptions = ''): string {
  const what = `held back: which of the data, index and manifest objects the ${side} vault lacks it references was not worked out`;
  const visible = 'and a snapshot is made visible only once everything it references is there';
  const fix = `lifeboat scrub --vault ${side} --repair${commandOptions}`;
  return cut === 'memory'
    ? `${what} (they, or the work-out, were more than the scrub function's memory holds), ${visible}; a scrub from a machine works them out and copies it: ${fix}`
    : `${what} (the run's deadline came first), ${visible}; the next scrub with repair copies it if its time allows, else scrub from a machine: ${fix}`;
}

/**
 * Why a snapshot missing in `side` is not copied when its record was read only after the work-out of what that vault
 * needs: the data/, index/ and manifest/ objects it references were not among those the work-out counted (they were
 * counted not needed), so, copied, it was visible before them, and a copy-back cut by the deadline left a snapshot that
 * could not be restored (review rX F1). `commandOptions`: the run's target options (ScrubVaultsOptions.commandOptions),
 * which its command line ends with, so that pasted after a scrub in AWS it does not act on the local cloud (review r59L F1).
 */
export function readAfterWorkOutReason(side: VaultSide, commandOptions = ''): string {
  return `held back: its record was read only after the work-out of which data, index and manifest objects the ${side} vault lacks its snapshots reference, so what it references was not worked out, and a snapshot is made visible only once everything it references is there; the next scrub with repair works them out and copies it if its time allows, else scrub from a machine: lifeboat scrub --vault ${side} --repair${commandOptions}`;
}

/**
 * Why the objects a vault lacks are `notWorkedOut`: the repair cutoff stopped the reads that tell which it needs, or they
 * were more than the function's memory holds findings of (scrubFindingLimit), or the work-out more than it holds
 * (scrubNeedsBlobLimit). The record keeps a count, not which.
 */
export const NEEDS_CUT_REASON =
  "the run's deadline came before it worked out which of them that vault's snapshots need, or they were more than its function's memory holds findings of, or working that out (the vault's index objects, its snapshots' references) needed more memory than the function has";

/**
 * objectsVaultNeeds on reads-until views (or the vaults, without a deadline), within `memory`: cut at their time or past
 * the memory's blob limit (ScrubNeedsTooLargeError), none of the lacking objects is known to be needed (`cut`, no keys).
 * Not every one counted as needed, as when the references cannot be read: the walk is cut only at the repair cutoff, so
 * none would be copied in this run, and each one the vault does not need (most, where a failed backup left orphan packs)
 * became an unrepaired finding of a clean vault, every run the walk did not fit (review rQ F2); past the memory, the
 * function ran out of it with no record (review rE F1). The caller counts them `notWorkedOut`, for the next run or a
 * scrub from a machine.
 */
export async function objectsVaultNeedsWithin(...args: Parameters<typeof objectsVaultNeeds>): Promise<Awaited<ReturnType<typeof objectsVaultNeeds>> | { keys: ReadonlySet<string>; cut: NeedsCut }> {
  try {
    return await objectsVaultNeeds(...args);
  } catch (err) {
    if (err instanceof ReadsStoppedError) return { keys: new Set<string>(), cut: 'deadline' };
    if (err instanceof ScrubNeedsTooLargeError) return { keys: new Set<string>(), cut: 'memory' };
    throw err;
  }
}

/** The memory a work-out may take: the function's size, and the blobs it may hold of each kind (scrubNeedsBlobLimit). */
type NeedsMemory = { readonly memoryMb: number | undefined; readonly blobLimit: number };

/**
 * Where a work-out reads index objects: the run's (ScrubIndexObjects), as those of the vault `side` and of the other,
 * none started once `until` has passed (the reads-until views' time: the repair cutoff).
 */
export type NeedsIndexReads = { readonly objects: ScrubIndexObjects; readonly side: VaultSide; readonly until: ReadsUntil | undefined };

/**
 * Which of `lacking` (data/, index/ and manifest/ keys the other vault holds and `vault` lacks) the vault's own snapshots
 * need (vault-references.ts): those it holds and `missingSnapshots` (snapshots it lacks and did not forget, about to be
 * repaired, with what they reference). Its snapshots, manifests and index objects are read through to the other vault
 * where its own copy is missing or damaged (readThroughStore): the references are the same bytes in both. An index
 * object the vault lacks that cannot be read in the other vault either counts as needed (it may be; the repair then says
 * why it cannot be made). When the references cannot be read at all (a snapshot or manifest object damaged in both
 * vaults), `unknown` says why and every lacking object counts as needed, as a listing comparison would have it. Its
 * mark, and the blob records of the index objects it loads (the vault's and those offered), are each bounded by
 * `memory.blobLimit`: past it, ScrubNeedsTooLargeError (objectsVaultNeedsWithin counts them `notWorkedOut`). Its index
 * objects are read through the run's (`indexReads`): those earlier phases read of the same copies are not read again,
 * and those it reads are kept for the later ones. A refused read (an AccessDenied) of either vault stops the run with
 * ReferenceReadRefusedError, naming the object, the vault and the way out (review r64B F1: S3's bare words), its advice
 * worded for the run's repair (`run`).
 */
async function objectsVaultNeeds(
  vault: Vault,
  otherVault: Vault,
  listing: readonly string[],
  lacking: readonly string[],
  missingSnapshots: readonly string[],
  memory: NeedsMemory,
  indexReads: NeedsIndexReads,
  run: Pick<RefusedReadRun, 'repair'> = {},
): Promise<{ keys: ReadonlySet<string> } | { keys: ReadonlySet<string>; unknown: string }> {
  // Only thrown past a finite limit, which a memory size gave.
  const tooLarge = (): ScrubNeedsTooLargeError => new ScrubNeedsTooLargeError(vault.location, lacking.length, memory.blobLimit, memory.memoryMb ?? 0);
  // Every index object it loads counted against the blob limit, whoever read it first (ScrubIndexObjects.pass).
  const reads = indexReads.objects.pass(memory.blobLimit, tooLarge, indexReads.until);
  const named = (store: VaultStore, side: VaultSide): VaultStore =>
    refusalNamingStore(store, (key, err) => new ReferenceReadRefusedError({ phase: 'work-out', for: indexReads.side }, side, store.location, key, err, run));
  const own = named(vault.store, indexReads.side);
  const other = named(otherVault.store, otherSide(indexReads.side));
  try {
    const view = new Vault(readThroughStore(own, other, missingSnapshots), vault.keys, vault.config);
    // The vault's own copy of each of its index objects (kept for the run); one it lacks or holds damaged is read
    // through to the other vault (readThroughStore) as before, its own copy read again there (a rare second GET) so
    // that which bytes stand in, and the error when none do, are the view's.
    const heldIndex = async (id: string): Promise<LoadedIndexObject> => {
      try {
        return await reads.load(indexReads.side, own, vault.keys, id);
      } catch (err) {
        if (!(err instanceof VaultError)) throw err;
      }
      return reads.loadUncached(view.store, vault.keys, id);
    };
    // The mark's pages in flight are weighed against the function's memory (markSnapshots), as in a prune.
    view.memoryLimitMb = memory.memoryMb;
    const scan = await view.scanSnapshots();
    const gone = scan.unreadable.filter((u) => !u.reason.startsWith('it was deleted'));
    if (gone.length > 0) return { keys: new Set(lacking), unknown: gone.map((u) => `${u.key} cannot be read: ${u.reason}`).join('; ') };
    const references = await markSnapshots(view, scan.snapshots, undefined, { memory: { blobLimit: memory.blobLimit, tooLarge } });
    const ids = (keys: Iterable<string>): string[] => [...keys].flatMap((key) => idFromKey(INDEX_PREFIX, key) ?? []);
    const packIds = (keys: Iterable<string>): Set<string> => new Set([...keys].filter((key) => key.startsWith(DATA_PREFIX)).map((key) => key.slice(key.lastIndexOf('/') + 1)));
    const heldIndexes = await mapBounded(ids(listing).sort(), 8, heldIndex);
    const unreadable: string[] = [];
    const offeredIndexes: LoadedIndexObject[] = [];
    await mapBounded(ids(lacking), 8, async (id) => {
      try {
        offeredIndexes.push(await reads.load(otherSide(indexReads.side), other, vault.keys, id));
      } catch (err) {
        if (!(err instanceof VaultError)) throw err;
        unreadable.push(`${INDEX_PREFIX}${id}`);
      }
    });
    offeredIndexes.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const needs = objectsNeeded(references, { indexes: heldIndexes, packs: packIds(listing) }, { indexes: offeredIndexes, packs: packIds(lacking) });
    const manifests = lacking.filter((key) => references.manifests.has(idFromKey(MANIFEST_PREFIX, key) ?? ''));
    return { keys: new Set([...needs.keys, ...manifests, ...unreadable]) };
  } catch (err) {
    if (!(err instanceof VaultError)) throw err;
    return { keys: new Set(lacking), unknown: err.message };
  }
}
