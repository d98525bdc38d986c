import { type KeyProvider } from '../../vault';
import { putKeyObject, unwrapKeyObjects } from '../../vault';
import { mapBounded, markSnapshots, type MarkMemory } from '../../vault';
import { sha256Hex } from '../../vault';
import { type Vault } from '../../vault';
import { VaultCorruptionError, VaultObjectArchivedError, VaultObjectNotFoundError } from '../../vault';
import { type RetrievalTier } from '../../config/storage-tiers';
import { type ThawCounts, thawPacks } from '../thaw/pack-thaw';
import { vaultKeyMaterial } from '../../vault';
import { CONFIG_KEY, DATA_PREFIX, idFromKey, INDEX_PREFIX, MANIFEST_PREFIX, SNAPSHOTS_PREFIX, snapshotKey } from '../../vault';
import { type PutOptions, type VaultStore } from '../../vault';
import { type LoadedIndexObject, type LoadedPack, type PackEntry } from '../../vault';
import { loadIndexObjectsOf, objectsNeeded, type SnapshotReferences } from './vault-references';
import { awaitNoReplicaPrune, type ReplicaPruneRunning, type ReplicaPruneWaitOptions } from './replica-prune-wait';
import { type DiscardedSnapshots, discardedSnapshotsIn } from './discarded-snapshots';
import { ReplicaMismatchError } from './replication-errors';
import { checkPackBeforeCopy, type PackCopyCheck } from './primary-pack-check';
import { missingVaultBucket } from './missing-vault-bucket';
import { LAMBDA_LINE_TARGET, type PrintedLineTarget, verifyBackupsLine } from './verify-backups-line';
import { snapshotsReferencing } from './snapshots-referencing';

export type ReplicateVaultOptions = {
  /** The vault to copy from, open (its master key is re-wrapped for the replica). */
  readonly source: Vault;
  /** Where the replica lives (the DR vault bucket). */
  readonly target: VaultStore;
  /** The replica's own key (the DR region's KMS key): the same master key, wrapped under it. */
  readonly targetKeys: KeyProvider;
  /** @default 8 — packs are ~16 MiB, so about 128 MiB in memory at once. */
  readonly objectsInFlight?: number;
  /** Epoch ms after which no new copy starts, so a Lambda can return in time and be invoked again. */
  readonly deadline?: number;
  readonly now?: () => number;
  /**
   * The snapshot ids the replica's own retention forgot (the DR catalog's `forgottenAt` records): a
   * snapshot the source still keeps but the replica forgot is not copied back. Asked only when the
   * replica lacks some snapshot, and after its snapshots were listed (see replicateVault).
   */
  readonly forgottenInReplica?: () => Promise<ReadonlySet<string>>;
  /**
   * Of the snapshots the replica lacks (and did not forget), with their tags in the source, those their backup discarded
   * (the source's catalog records it FAILED, or COMMITTED with other snapshots: discarded-snapshots.ts): ones a failed
   * run's cleanup could not delete from the source (Object Lock, a legal hold, the local cloud's retention, or a cleanup
   * that failed) are not copied. Asked after the listing.
   */
  readonly discardedSnapshots?: DiscardedSnapshots;
  /** Tags of the packs written to the replica (the plan's tier tag: the DR vault's lifecycle rules select by it). @default none */
  readonly packTags?: Readonly<Record<string, string>>;
  /**
   * Given when some plan has an archive tier (docs/ARCHITECTURE.md, "Readers that meet archived packs"): packs the
   * replica lacks that are archived in the source are thawed (RestoreObject with this tier) instead of failing the
   * pass, which then reports them in `thaw`; the caller waits `waitSeconds` and runs the pass again.
   * @default none: an archived pack fails the pass with VaultObjectArchivedError
   */
  readonly thaw?: { readonly retrievalTier: RetrievalTier; readonly waitSeconds: number };
  /**
   * The snapshots that this pass must vouch for if the replica holds them already: those an earlier pass may have copied
   * without reporting complete (a prune of the replica may have deleted what they rely on), as the caller's catalog knows
   * them (backups not yet recorded copied). When the replica holds none of them, the pass vouches only for those it
   * copies, which keeps it from marking every snapshot of a large vault; when it holds one, for every snapshot both
   * vaults hold (that earlier pass may have copied back others too). The named ones it copies land before the others.
   * @default every snapshot both vaults hold
   */
  readonly snapshotsToVouchFor?: () => Promise<ReadonlySet<string>>;
  /**
   * Of the named snapshots (`snapshotsToVouchFor`) the replica holds, those still not vouched for, read again now: a
   * pass copies every snapshot the replica lacks, whatever its plan, so another plan's complete pass may have copied
   * and vouched for one since the names were read; that one is no sign of an incomplete pass. Asked only when the
   * replica holds a named snapshot, before the pass chooses to vouch for every snapshot both vaults hold.
   * @default all of them (the names are not read again)
   */
  readonly stillUnvouched?: (held: readonly string[]) => Promise<ReadonlySet<string>>;
  /** How the pass waits for a running prune of the replica (only with a `deadline`). @default every REPLICA_PRUNE_POLL_MS, with setTimeout */
  readonly pruneWait?: Pick<ReplicaPruneWaitOptions, 'pollMs' | 'sleep'>;
  /** The regions of the source's and the target's buckets, named when one does not exist (VaultBucketMissingError). @default not named */
  readonly regions?: { readonly source?: string; readonly target?: string };
};

/** The source's archived packs a pass met: their thaws were asked for (or found running or done). */
export type ReplicationThaw = ThawCounts & { readonly retrievalTier: RetrievalTier; readonly waitSeconds: number };

export type ReplicationProgress = {
  /**
   * True when the replica holds every snapshot the source held when this pass started (but those skipped), and all they
   * reference, and no prune of the replica that could delete some of that is running.
   */
  readonly complete: boolean;
  readonly copiedObjects: number;
  readonly copiedBytes: number;
  /** Objects still to copy (0 when complete). */
  readonly remainingObjects: number;
  /** Ids of the snapshots this pass made visible in the replica. */
  readonly copiedSnapshots: readonly string[];
  /** Ids of the source's snapshots left out because the replica's retention forgot them. */
  readonly skippedSnapshots: readonly string[];
  /** Ids of the source's snapshots left out because their backup discarded them (`discardedSnapshots`); absent when none. */
  readonly discardedSnapshots?: readonly string[];
  /** Present when packs to copy were archived in the source (only with `options.thaw`): the pass is not complete until they are thawed and copied. */
  readonly thaw?: ReplicationThaw;
  /** Present when a prune of the replica was still running at the end of the pass: not complete until a pass finds none running. */
  readonly pruneRunning?: ReplicaPruneRunning;
  /**
   * On a complete pass: the snapshots whose needs in the replica this pass checked after no prune of it was running —
   * those it copied and those it was asked to vouch for that the source still lists. A caller records a backup as
   * copied only when this pass, or one before it, vouched for its snapshots; one the replica merely holds may lack data.
   */
  readonly vouchedSnapshots?: readonly string[];
};

/** Replicated prefixes, in the order the commit protocol needs them (snapshots come last, separately). */
const REFERENCED_PREFIXES = [DATA_PREFIX, INDEX_PREFIX, MANIFEST_PREFIX] as const;

/**
 * How many times one look at what the snapshots need may list both vaults again because the listing it acted on
 * named an object that was gone when read (sweptSinceListed). A prune sweeps once per run, under a lease; a second
 * miss in a row is two sweeps within one pass, and a third is not a race: the object's error is thrown.
 */
const RELISTS_AFTER_SWEEP = 2;

/**
 * A pack or index object a listing named that was gone when read: a prune of that vault swept it since (a repack's old
 * packs and the index objects listing them, deleted after the grace), so the listing is out of date, not the vault
 * damaged. A manifest object or snapshot is never that: a sweep spares what a snapshot references.
 */
function sweptSinceListed(err: unknown): err is VaultObjectNotFoundError {
  return err instanceof VaultObjectNotFoundError && (err.key.startsWith(DATA_PREFIX) || err.key.startsWith(INDEX_PREFIX));
}

/**
 * Brings a replica vault up to date with its source, resumably and idempotently (docs/ARCHITECTURE.md,
 * "Replication to the DR vault"):
 *
 * 1. the replica gets the source's master key wrapped under its own key, then the same `config` —
 *    so every object can be copied byte for byte and opens there;
 * 2. the source's snapshots are listed FIRST; everything a listed snapshot references was stored
 *    before it, so the listing of data/, index/ and manifest/ that follows includes it;
 * 3. of the objects the replica lacks, those the snapshots to copy need there are copied (by reference:
 *    objectsTheSnapshotsNeed, vault-references.ts; content-addressed ones checked against their name,
 *    packs against their index record and every blob the source's index lists in them, blob by blob
 *    (primary-pack-check.ts); so no object a restore of them, or of a backup that reuses a listed blob, reads is
 *    replicated corrupt), and only when all of them are there
 *    3b. the missing snapshots — the same commit order as a backup, so a snapshot visible in the
 *    replica is always complete.
 *
 * By reference, not by listing: the source's listing also holds what no snapshot to copy needs — packs
 * and index objects a prune of the source condemned (repacked packs, duplicates, the index objects
 * listing them: the replica already holds those blobs, or gets the packs they were repacked into),
 * packs of failed runs, and, when the replica's own prune removed what only snapshots it forgot
 * referenced, that data again; the replica's prune would delete all of it and the next pass copy it
 * again. A blob the snapshots reference is copied wherever it is, even in a pack a pending condemnation
 * batch names (a backup may reuse a condemned blob while the batch is pending). A prune of the source may sweep
 * such a pack, or an index object the listing named, before the pass reads it: the pass then lists both vaults
 * again and copies what the snapshots still lack (copyNeeded); only a blob then in no pack fails it.
 *
 * Snapshots the replica's retention forgot (`forgottenInReplica`) are skipped: a forgotten snapshot
 * stays forgotten there even while the source keeps it. The set is read after the replica's
 * snapshots are listed: the Forget step deletes a snapshot object before it marks the record, so a
 * snapshot found absent here was either never copied or is already being forgotten. So are snapshots their backup
 * discarded (`discardedSnapshots`: a FAILED backup's) that the source still holds: their cleanup could not delete them.
 *
 * Packs the replica lacks that are archived in the source (a DR vault missing packs for longer than the archive days)
 * are thawed when `options.thaw` is given: the pass copies everything else, asks for their thaws (thawPacks, the restore's
 * code path) and reports them in `thaw`, not complete; a pass after the thaw copies them, then the index objects (held
 * back meanwhile: none may name a pack the replica lacks) and the snapshots.
 *
 * A prune of the replica (its DR retention's) may run meanwhile; its sweep marks, then deletes, so a snapshot
 * copied between the two does not protect the packs it reuses from a batch the prune sweeps. So, once the
 * snapshots are written, the pass waits (within its deadline; without one it looks once) until no prune lease
 * of the replica is live (replica-prune-wait.ts, reading prune/running/ only), and only then looks again at
 * what every snapshot both vaults hold needs in the replica and copies back what is missing (create-only: the
 * key is absent) — those copied by this pass, and those an earlier pass copied but could not vouch for. A
 * prune still running at the deadline leaves the pass incomplete (`pruneRunning`); the next pass does the
 * same again. A pass therefore marks the snapshots it copies, and every snapshot both vaults hold when the replica holds
 * one `snapshotsToVouchFor` names that is still not vouched for when read again (`stillUnvouched`), the sign of such an
 * incomplete pass (by default always, as the scrub does).
 *
 * Keys are compared by name only: vault objects are immutable (content-addressed or random ids),
 * so a name present in the replica is the same object. A pass that hits the deadline stops starting
 * copies (or, with too little time left for a look, does not look again after the snapshots) and reports
 * `complete: false`; the next pass lists again and carries on.
 *
 * A vault whose bucket does not exist fails the pass with VaultBucketMissingError naming which one (missing-vault-bucket.ts).
 */
export async function replicateVault(options: ReplicateVaultOptions): Promise<ReplicationProgress> {
  try {
    return await replicatePass(options);
  } catch (err) {
    throw (await missingVaultBucket(err, { source: options.source.store, target: options.target, regions: options.regions })) ?? err;
  }
}

async function replicatePass(options: ReplicateVaultOptions): Promise<ReplicationProgress> {
  const { source, target } = options;
  const now = options.now ?? Date.now;
  const config = await source.store.get(CONFIG_KEY);
  const replicaHasConfig = await checkReplicaConfig(source.store, target, config);
  await ensureReplicaKey(source, target, options.targetKeys);
  // After the key: a replica with a config always opens.
  if (!replicaHasConfig) await createReplicaConfig(source.store, target, config);

  const snapshotListing = await missingKeys(source.store, target, SNAPSHOTS_PREFIX);
  // A duration, on the process's own clock (`now` is the deadline's clock, and a test's may count its calls).
  const listed = performance.now();
  const firstListings = await listReferenced(source.store, target);
  const missingSnapshots = snapshotListing.missing;
  const forgotten = missingSnapshots.length > 0 && options.forgottenInReplica ? await options.forgottenInReplica() : new Set<string>();
  const snapshots: string[] = [];
  const skippedSnapshots: string[] = [];
  const unforgotten: string[] = [];
  for (const key of missingSnapshots) {
    const id = idFromKey(SNAPSHOTS_PREFIX, key) ?? key;
    if (forgotten.has(id)) skippedSnapshots.push(id);
    else unforgotten.push(id);
  }
  const failed = unforgotten.length > 0 && options.discardedSnapshots ? (await discardedSnapshotsIn(source, unforgotten, options.discardedSnapshots)).discarded : new Set<string>();
  const discarded = unforgotten.filter((id) => failed.has(id));
  for (const id of unforgotten) if (!failed.has(id)) snapshots.push(snapshotKey(id));
  const leftOut = { skippedSnapshots, ...(discarded.length > 0 ? { discardedSnapshots: discarded } : {}) };
  // Every snapshot this pass vouches for: those it copies, and those the replica holds already — a pass that copied them
  // may have reported incomplete because a prune of the replica was running, which may have deleted what they rely on.
  // One of the snapshots to vouch for held already is the sign of such a pass, which may also have copied back snapshots
  // the caller does not name (the replica forgot them behind its catalog's back): then every snapshot both vaults hold.
  // Unless, read again, it has been vouched for meanwhile (`stillUnvouched`): another plan's pass copied it.
  const idOf = (key: string): string => idFromKey(SNAPSHOTS_PREFIX, key) ?? key;
  const unvouched = options.snapshotsToVouchFor ? await options.snapshotsToVouchFor() : undefined;
  const common = snapshotListing.common.map(idOf);
  const namedHeld = unvouched ? common.filter((id) => unvouched.has(id)) : [];
  const signHeld = namedHeld.length > 0 && options.stillUnvouched ? (await options.stillUnvouched(namedHeld)).size > 0 : namedHeld.length > 0;
  const held = !unvouched || signHeld ? common : [];
  const confirmed = [...held, ...snapshots.map(idOf)];
  // Manifest objects are immutable: what the snapshots reference is read once, and weighed against each listing of the replica.
  const references = confirmed.length === 0 ? undefined : await referencesOf(source, confirmed);
  const indexCache = new Map<string, LoadedIndexObject>();
  // How long finding what the replica lacks took (set by the first look): the time a later look (after waiting for its
  // prune, or after a sweep of the source) needs again.
  let lookMs: number | undefined;

  let copiedObjects = 0;
  let copiedBytes = 0;
  let remainingObjects = 0;
  // Packs archived in the source (GET answered InvalidObjectState), by key: thawed after the pass, copied by a later one.
  // A set across the looks of copyNeeded: a look after a sweep finds them missing again, and neither asks for them
  // again nor counts them twice.
  const archivedPacks = new Set<string>();
  // Index objects held back while the replica lacks an archived pack (copyNeeded), counted once as remaining.
  const heldIndexObjects = new Set<string>();
  const thaw = options.thaw && source.store.storageState && source.store.requestThaw ? options.thaw : undefined;
  /**
   * Copies `keys`; with `swept`, a pack or index object gone from the source since it was listed is put there instead of
   * thrown (sweptSinceListed). Every pack is checked before it is written (checkPackBeforeCopy): against its records in
   * `indexed` (the source's index objects read: packsOf), its length and every blob they list in it (`references` only
   * says which of the damaged ones the snapshots use); a pack not recorded there, in full.
   */
  const copyAll = async (keys: readonly string[], swept?: VaultObjectNotFoundError[], indexed?: ReadonlyMap<string, readonly LoadedPack[]>): Promise<string[]> => {
    const copied: string[] = [];
    await mapBounded(keys, options.objectsInFlight ?? 8, async (key) => {
      if (archivedPacks.has(key)) return;
      if (options.deadline !== undefined && now() >= options.deadline) {
        remainingObjects++;
        return;
      }
      let bytes: number;
      try {
        // Not `copiedBytes += await …`: that reads the total before the await and loses the other copies' bytes.
        const records = key.startsWith(DATA_PREFIX) ? indexed?.get(packIdOfKey(key)) : undefined;
        const record = records?.[0];
        const used = references ? { usedBySnapshots: (blobId: string) => references.blobs.hasHex(blobId) } : {};
        const packCheck: PackCopyCheck = { keys: source.keys, ...used, ...(records && record ? { indexedLength: record.length, indexed: indexedEntries(records) } : {}) };
        bytes = await copyVaultObject(source.store, target, key, { packCheck, ...(options.packTags ? { packTags: options.packTags } : {}) });
      } catch (err) {
        if (swept && sweptSinceListed(err)) {
          swept.push(err);
          return;
        }
        if (!(thaw && err instanceof VaultObjectArchivedError && key.startsWith(DATA_PREFIX))) throw err;
        archivedPacks.add(key);
        remainingObjects++;
        return;
      }
      copiedBytes += bytes;
      copiedObjects++;
      copied.push(key);
    });
    return copied;
  };
  const incomplete = async (copiedSnapshots: string[], extra: Pick<ReplicationProgress, 'pruneRunning'> = {}): Promise<ReplicationProgress> => {
    const thawed = thaw && archivedPacks.size > 0 ? { ...(await thawPacks(source.store, [...archivedPacks].map(packIdOfKey), thaw.retrievalTier, 'replication')), retrievalTier: thaw.retrievalTier, waitSeconds: thaw.waitSeconds } : undefined;
    return { complete: false, copiedObjects, copiedBytes, remainingObjects, copiedSnapshots, ...leftOut, ...extra, ...(thawed ? { thaw: thawed } : {}) };
  };

  /**
   * Copies what the snapshots need in the replica and it lacks (objectsTheSnapshotsNeed), from `listings` or from both
   * vaults listed now; the packs first, then, when every one of them was copied, the index objects and manifest objects,
   * so that the replica is never given an index object naming a pack that could not be copied. A pack archived in the
   * source (this look's or an earlier one's) is not copied until its thaw ends: while the replica lacks one, the index
   * objects wait too, all of them, counted as remaining, and a pass after the thaw copies them. The listing is of a
   * moment: a prune of the source may sweep a pack or index object it names before it is read (its daily run and a
   * backup's Replicate step are scheduled apart). Such an object (sweptSinceListed) makes the pass list both vaults
   * again and copy what the snapshots still lack, up to RELISTS_AFTER_SWEEP times while the deadline leaves time for a
   * look (else what is left counts as remaining, for the next pass): the repack that condemned the object indexed the
   * blobs' new packs first, so the new listing locates them there. A blob then in no pack is the VaultCorruptionError
   * naming the snapshots; an object gone again after the last listing is thrown as it was met.
   */
  const copyNeeded = async (refs: SnapshotReferences, listings: readonly Listing[] | null): Promise<void> => {
    for (let relists = 0; ; relists++) {
      const swept: VaultObjectNotFoundError[] = [];
      try {
        const looked = listings ?? (await listReferenced(source.store, target));
        const keys = await objectsTheSnapshotsNeed(source, confirmed, refs, looked, cachedIndexReads(source, target, indexCache));
        lookMs ??= performance.now() - listed;
        await copyAll(keys.filter((key) => key.startsWith(DATA_PREFIX)), swept, packsOf(indexCache, looked));
        if (swept.length === 0) {
          // Which index object names an archived pack is not asked: the pass is incomplete anyway, and the one after
          // the thaw copies what is still missing.
          const held = archivedPacks.size > 0 ? keys.filter((key) => key.startsWith(INDEX_PREFIX)) : [];
          for (const key of held) {
            if (heldIndexObjects.has(key)) continue;
            heldIndexObjects.add(key);
            remainingObjects++;
          }
          await copyAll(keys.filter((key) => !key.startsWith(DATA_PREFIX) && !(held.length > 0 && key.startsWith(INDEX_PREFIX))), swept);
        }
      } catch (err) {
        // An index object read to find what is needed (the source's, or the replica's under its own prune).
        if (!sweptSinceListed(err)) throw err;
        swept.push(err);
      }
      const gone = swept[0];
      if (gone === undefined) return;
      if (relists === RELISTS_AFTER_SWEEP) throw gone;
      if (options.deadline !== undefined && now() >= options.deadline - (lookMs ?? performance.now() - listed)) {
        remainingObjects += swept.length;
        return;
      }
      listings = null;
    }
  };

  // The other objects are copied first: a pass that meets archived packs leaves only them and the index objects for the
  // passes after the thaw.
  if (references) await copyNeeded(references, firstListings);
  // Snapshots wait for what they reference (the commit order), so the replica never shows a snapshot whose packs it lacks.
  if (remainingObjects > 0) {
    remainingObjects += snapshots.length;
    return incomplete([]);
  }
  // The named snapshots first, all landed before any other starts: a pass cut short meanwhile that copied another one
  // leaves a named one held, so the next pass vouches for every snapshot, that other one included (above).
  const named = unvouched ? snapshots.filter((key) => unvouched.has(idOf(key))) : snapshots;
  const isNamed = new Set(named);
  const others = snapshots.filter((key) => !isNamed.has(key));
  const copiedSnapshots = [...(await copyAll(named)), ...(await copyAll(others))].map(idOf);
  if (remainingObjects > 0) return incomplete(copiedSnapshots);
  if (!references) return { complete: true, copiedObjects, copiedBytes, remainingObjects, copiedSnapshots, ...leftOut, vouchedSnapshots: [] };

  // A prune of the replica that marked before these snapshots landed may delete what they rely on (a pack it condemned
  // that they reuse); it holds its lease until its last delete. So: wait for no lease to be live (within the time the
  // pass has left, keeping enough to look again), then look again at what the snapshots need — anything missing now
  // was deleted by such a prune, and stays once copied back, as every prune that marks from now on sees the snapshots.
  // The look lists both vaults and reads their index objects again, about as long as the first, and one cut by the
  // Lambda's timeout records nothing. Too little left for it (checked before the wait, which asks the replica too): the
  // next pass finds the snapshots held, not yet vouched for, and waits for a prune and looks again before it vouches.
  const lookDeadline = options.deadline !== undefined ? options.deadline - (lookMs ?? 0) : undefined;
  if (lookDeadline !== undefined && now() >= lookDeadline) return incomplete(copiedSnapshots);
  const pruneRunning = await awaitNoReplicaPrune(target, source.keys, {
    now,
    ...(lookDeadline !== undefined ? { waitUntil: lookDeadline } : {}),
    ...(options.pruneWait ?? {}),
  });
  if (pruneRunning) return incomplete(copiedSnapshots, { pruneRunning });
  // A wait that found no prune only at waitUntil leaves too little again.
  if (lookDeadline !== undefined && now() >= lookDeadline) return incomplete(copiedSnapshots);
  await copyNeeded(references, null);
  if (remainingObjects > 0) return incomplete(copiedSnapshots);
  return { complete: true, copiedObjects, copiedBytes, remainingObjects, copiedSnapshots, ...leftOut, vouchedSnapshots: confirmed };
}

/**
 * What the snapshots `ids` of the source reference (prune's mark): their manifest objects and blobs. With `memory` (the
 * scrub's: LookMemory), the mark stops past its blob limit with `memory.tooLarge()`; replication marks unbounded.
 */
export async function referencesOf(source: Vault, ids: readonly string[], memory?: MarkMemory): Promise<SnapshotReferences> {
  const snapshots = [];
  for (const id of ids) snapshots.push(await source.loadSnapshot(id));
  return markSnapshots(source, snapshots, undefined, memory ? { memory } : {});
}

/**
 * The scrub's bound on one look at what snapshots need (objectsTheSnapshotsLack): the keys its listing of both vaults
 * may hold, and the blob records the index objects it loads may hold (the scrub's pass of them counts every one the
 * look asks for, so both looks around its wait share the bound: scrub-index-objects.ts). Past either, `tooLarge()` is
 * thrown before more is read. The scrub's function holds its own
 * listings and findings meanwhile, so a look unbounded there ran it out of memory (review rJ F1). Replication passes
 * none: its looks are as before.
 */
export type LookMemory = MarkMemory & { readonly keyLimit: number };

/**
 * What the snapshots `ids` of `source` (their `references`: referencesOf) need in `target` and it lacks now, from a
 * listing of both vaults' data/, index/ and manifest/ taken now (objectsTheSnapshotsNeed). The one look at a
 * snapshot's needs of the two-vault code: replication's (copyNeeded, before and after it waits for a prune of the
 * replica, and again after a sweep of the source), and the scrub's, around its wait for a prune of a vault it copied
 * snapshots into (look-after-copy.ts, lookAfterPrunes). `reads` gives the index objects it reads (the scrub's keep them
 * for its next look and its other phases: they are content-addressed). Throws VaultCorruptionError when a referenced
 * blob is in no pack an index object of either vault lists.
 */
export async function objectsTheSnapshotsLack(
  source: Vault,
  target: VaultStore,
  ids: readonly string[],
  references: SnapshotReferences,
  reads: LookIndexReads,
  memory?: LookMemory,
  lineTarget?: PrintedLineTarget,
): Promise<string[]> {
  return objectsTheSnapshotsNeed(source, ids, references, await listReferenced(source.store, target, memory), reads, lineTarget);
}

/**
 * Where a look (objectsTheSnapshotsNeed) gets the index objects it reads, each list in the order asked: those the
 * replica holds (`held`, read from it) and those of the source it lacks (`offered`).
 */
export type LookIndexReads = {
  held(ids: readonly string[]): Promise<LoadedIndexObject[]>;
  offered(ids: readonly string[]): Promise<LoadedIndexObject[]>;
};

/**
 * Replication's LookIndexReads: each index object read once for all the looks of one pass (`cache`, by id: the same
 * bytes in both vaults), the replica's opened with the source's keys (the same master key). The scrub's come from the
 * index objects its run has read (scrub-index-objects.ts).
 */
function cachedIndexReads(source: Vault, target: VaultStore, cache: Map<string, LoadedIndexObject>): LookIndexReads {
  const load = async (store: VaultStore, wanted: readonly string[]): Promise<LoadedIndexObject[]> => {
    const absent = wanted.filter((id) => !cache.has(id));
    for (const object of await loadIndexObjectsOf(store, source.keys, absent)) cache.set(object.id, object);
    return wanted.map((id) => cache.get(id) as LoadedIndexObject);
  };
  return { held: (ids) => load(target, ids), offered: (ids) => load(source.store, ids) };
}

/** missingKeys of each of REFERENCED_PREFIXES, in that order; with `memory`, all their keys together within its keyLimit. */
function listReferenced(source: VaultStore, target: VaultStore, memory?: LookMemory): Promise<Listing[]> {
  let keys = 0;
  const count = memory
    ? (): void => {
        if (++keys > memory.keyLimit) throw memory.tooLarge();
      }
    : undefined;
  return Promise.all(REFERENCED_PREFIXES.map((prefix) => missingKeys(source, target, prefix, count)));
}

/**
 * The data/, index/ and manifest/ keys the replica lacks that the snapshots `ids` (with `references`) need there
 * (vault-references.ts): their manifest objects, and for the blobs the replica's own index objects do not locate in a
 * pack it holds, the source's packs and index objects that locate them. `listings` are listReferenced's. Reads the
 * replica's index objects and the source's index objects the replica lacks through `reads`. `lineTarget`: where the
 * refusal's verify lines act (replication's: LAMBDA_LINE_TARGET).
 */
async function objectsTheSnapshotsNeed(
  source: Vault,
  ids: readonly string[],
  references: SnapshotReferences,
  listings: readonly Listing[],
  reads: LookIndexReads,
  lineTarget: PrintedLineTarget = LAMBDA_LINE_TARGET,
): Promise<string[]> {
  const [data, index, manifest] = listings as [Listing, Listing, Listing];
  const indexIds = (keys: readonly string[]): string[] => keys.map((key) => idFromKey(INDEX_PREFIX, key) as string);
  const [heldIndexes, offeredIndexes] = await Promise.all([reads.held(indexIds(index.present)), reads.offered(indexIds(index.missing))]);
  const needs = objectsNeeded(references, { indexes: heldIndexes, packs: new Set(data.present.map(packIdOfKey)) }, { indexes: offeredIndexes, packs: new Set(data.missing.map(packIdOfKey)) });
  if (needs.unlocated > 0) {
    // The snapshots that reference those blobs, not the first of the pass: those are the damaged backups.
    const referencing = await snapshotsReferencing(source, ids, needs.unlocatedBlobs);
    const damaged = referencing.length > 0 ? referencing : ids;
    const named = damaged.length > 3 ? `${damaged.slice(0, 3).join(', ')} and ${damaged.length - 3} more` : damaged.join(', ');
    // A bare `lifeboat verify` is refused (it requires --backup): the lines name the backups of the snapshots named.
    const verify = await verifyBackupsLine(source, damaged.slice(0, 3), lineTarget);
    throw new VaultCorruptionError(source.location, snapshotKey(damaged[0] as string), `${needs.unlocated} blob(s) that snapshot(s) ${named} reference are in no pack an index object of either vault lists; not replicated: ${verify}`);
  }
  const manifests = manifest.missing.filter((key) => references.manifests.has(idFromKey(MANIFEST_PREFIX, key) as string));
  return [...needs.keys, ...manifests];
}

type Listing = { missing: string[]; common: string[]; present: string[] };

/**
 * Keys under `prefix` that the source has and the replica lacks, that both have, and the replica's keys there (well-formed
 * vault keys only). `count` is called for each key listed (it throws to stop the listing).
 */
async function missingKeys(source: VaultStore, target: VaultStore, prefix: string, count?: () => void): Promise<Listing> {
  const [have, want] = await Promise.all([collect(target.list(prefix), count), collect(source.list(prefix), count)]);
  const present = new Set(have);
  const wanted = want.filter((key) => isVaultObjectKey(prefix, key));
  return { missing: wanted.filter((key) => !present.has(key)), common: wanted.filter((key) => present.has(key)), present: have.filter((key) => isVaultObjectKey(prefix, key)) };
}

/**
 * Pack id → its records in the source's index objects (`listings`' index/: those the replica lacks and those both hold,
 * read from either vault: the same bytes), one per index object listing it. The replica's own index objects are left
 * out: what a backup of the source can reuse is what the source's index lists.
 */
function packsOf(indexObjects: ReadonlyMap<string, LoadedIndexObject>, listings: readonly Listing[]): Map<string, LoadedPack[]> {
  const index = listings[1] as Listing;
  const packs = new Map<string, LoadedPack[]>();
  for (const key of [...index.missing, ...index.common]) {
    const object = indexObjects.get(idFromKey(INDEX_PREFIX, key) as string);
    if (object) for (const pack of object.packs) packs.set(pack.packId, [...(packs.get(pack.packId) ?? []), pack]);
  }
  return packs;
}

/** Every blob `records` (one pack's) list, once each, in pack order: what a backup may reuse from it. */
function indexedEntries(records: readonly LoadedPack[]): PackEntry[] {
  const entries = new Map<string, PackEntry>();
  for (const pack of records) {
    for (let k = 0; k < pack.count; k++) {
      const entry = pack.entry(k);
      entries.set(`${entry.offset}:${entry.id.toString('hex')}`, entry);
    }
  }
  return [...entries.values()].sort((a, b) => a.offset - b.offset);
}

/** `data/<2 hex>/<id>` → id (the key is a checked data key). */
function packIdOfKey(key: string): string {
  return key.slice(key.lastIndexOf('/') + 1);
}

async function collect(keys: AsyncIterable<string>, count?: () => void): Promise<string[]> {
  const out: string[] = [];
  for await (const key of keys) {
    count?.();
    out.push(key);
  }
  return out;
}

/** data/ keys are `data/<2 hex>/<id>`; the others `<prefix><id>`. Anything else (a crashed writer's temp file) is not part of the vault. */
function isVaultObjectKey(prefix: string, key: string): boolean {
  if (prefix !== DATA_PREFIX) return idFromKey(prefix, key) !== null;
  const [shard, id, ...rest] = key.slice(DATA_PREFIX.length).split('/');
  return rest.length === 0 && shard !== undefined && id !== undefined && /^[0-9a-f]{2}$/.test(shard) && id.startsWith(shard) && /^[0-9a-f]{64}$/.test(id);
}

/**
 * Copies one vault object byte for byte (both vaults hold the same master key, so nothing is
 * re-sealed); the one copy path of replication and of the scrub's repairs. Returns its size.
 * A pack is read whole (packs are ~16 MiB: the callers bound how many are in flight); with `packCheck`
 * (replication's) it is authenticated before it is written (checkPackBeforeCopy). The scrub's repair
 * checked its source copy already (checkVaultObject) and passes none.
 */
export async function copyVaultObject(source: VaultStore, target: VaultStore, key: string, options: CopyOptions = {}): Promise<number> {
  const body = await readCopyBody(source, key, options);
  return writeCopy(source, target, key, body, await copyPutOptions(source, key, options), options);
}

/** How copyVaultObject copies: over a damaged copy, with which tags, checked how, its lines naming what. */
export type CopyOptions = { overDamagedCopy?: boolean; packTags?: Readonly<Record<string, string>>; sourceTags?: boolean; packCheck?: PackCopyCheck; lineTarget?: PrintedLineTarget };

/**
 * copyVaultObject's read of the source's bytes, checked as it says. Apart from its write (writeCopy), and from the read
 * of a pack's tags (copyPutOptions), so that the scrub tells a refused read of the healthy copy from the target vault's
 * refusal of the write: until review r63L F2 either was "the <vault> vault refused" the write.
 */
export async function readCopyBody(source: VaultStore, key: string, options: CopyOptions = {}): Promise<Buffer> {
  const body = await source.get(key);
  // Content-addressed objects (index, manifest, snapshot) must match their name; `config` authenticates when the vault opens.
  if (key.startsWith(DATA_PREFIX)) {
    if (options.packCheck) await checkPackBeforeCopy(source.location, key, body, options.packCheck);
  } else if (key !== CONFIG_KEY) {
    const prefix = REFERENCED_PREFIXES.find((p) => key.startsWith(p)) ?? SNAPSHOTS_PREFIX;
    if (sha256Hex(body) !== idFromKey(prefix, key)) {
      // A bare `lifeboat verify` is refused (it requires --backup, and no backup is at hand here): the scrub names them.
      const { from, commandOptions } = options.lineTarget ?? LAMBDA_LINE_TARGET;
      throw new VaultCorruptionError(
        source.location,
        key,
        `its SHA-256 does not match its name; it is not copied: \`lifeboat scrub --vault ${from}${commandOptions}\` names the backups it affects (docs/RUNBOOKS.md, "Scrub")`,
      );
    }
  }
  return body;
}

/**
 * The options copyVaultObject writes `key` with. A pack keeps its storage tier (docs/ARCHITECTURE.md, "Storage tiers"):
 * replication names the plan's tags; the scrub's repair (no plan at hand, `sourceTags`) copies the tags of the healthy
 * copy it reads from (GetObjectTagging of the source).
 */
export async function copyPutOptions(source: VaultStore, key: string, options: CopyOptions = {}): Promise<PutOptions | undefined> {
  const tags = key.startsWith(DATA_PREFIX) ? (options.packTags ?? (options.sourceTags === true && source.tagsOf ? await source.tagsOf(key) : undefined)) : undefined;
  return tags && Object.keys(tags).length > 0 ? { tags } : undefined;
}

/** copyVaultObject's write of `body` (readCopyBody's) into `target`; returns its size. */
export async function writeCopy(source: VaultStore, target: VaultStore, key: string, body: Buffer, putOptions: PutOptions | undefined, options: Pick<CopyOptions, 'overDamagedCopy'> = {}): Promise<number> {
  // A damaged copy in the target must be written over; anything else is a create (immutable keys: once; config: where absent).
  if (options.overDamagedCopy && target.replace) await target.replace(key, body, putOptions);
  else if (key === CONFIG_KEY) await createReplicaConfig(source, target, body);
  else await target.put(key, body, putOptions);
  return body.length;
}

/**
 * Writes `config` only where the target has none (putIfAbsent: If-None-Match: * on S3), as every other object
 * replication writes is written once: the DR vault's policies let the primary account's roles create objects there,
 * never replace one (lib/constructs/vault-bucket-protection.ts, allowVaultUseFrom). A config that is there after all
 * (another pass, or the scrub, wrote it meanwhile) is success when its bytes are these, and another vault otherwise.
 * A store without putIfAbsent gets a plain put.
 */
async function createReplicaConfig(source: VaultStore, target: VaultStore, config: Buffer): Promise<void> {
  if (!target.putIfAbsent) return target.put(CONFIG_KEY, config);
  if (await target.putIfAbsent(CONFIG_KEY, config)) return;
  await checkReplicaConfig(source, target, config);
}

/** The replica opens with `targetKeys`: a key object there unwraps to the source's master key, or one is added. */
async function ensureReplicaKey(source: Vault, target: VaultStore, targetKeys: KeyProvider): Promise<void> {
  const material = vaultKeyMaterial(source.keys);
  // Key objects of another master key open nothing here, and damaged ones are skipped (docs/FORMAT.md §2):
  // when the replica's only key object rotted, this writes a fresh one and the DR vault opens again.
  for await (const found of unwrapKeyObjects(target, targetKeys)) if (found.material.equals(material)) return;
  await putKeyObject(target, await targetKeys.wrapVaultKey(material));
}

/** Whether the replica already has the source's config; a different one is another vault, and nothing is written. */
async function checkReplicaConfig(source: VaultStore, target: VaultStore, config: Buffer): Promise<boolean> {
  if (!(await target.has(CONFIG_KEY))) return false;
  if ((await target.get(CONFIG_KEY)).equals(config)) return true;
  throw new ReplicaMismatchError(`${target.location} holds another vault (its config differs from ${source.location}'s); replication never mixes two vaults: empty that bucket or point the DR vault elsewhere`);
}
