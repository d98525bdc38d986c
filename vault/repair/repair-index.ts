import { type IndexedPack } from '../blob-index/index-object';
import { writeIndexObject } from '../blob-index/index-writer';
import { type Vault } from '../repository/vault';
import { condemnedKey, idFromKey, INDEX_PREFIX, indexKey, packKey } from '../repository/vault-layout';
import { ObjectLockedError, VaultCorruptionError, VaultError, VaultObjectNotFoundError } from '../vault-errors';
import { mapBounded } from '../workers/bounded-concurrency';
import { BlobCoverage } from '../prune/index-coverage';
import { loadIndexObject, LoadedPack } from '../prune/index-objects';
import { isTombstone, loadCondemnedBatches, TOMBSTONE_MIN_KEEP_MS, writeCondemnedBatch } from '../prune/prune-state';
import { PackWritersByTags } from '../prune/repack';
import { markVault } from '../prune/vault-mark';
import { listStoredPacks, type StoredPacks } from '../prune/stored-packs';
import { type BlobProblem, type IntactBlob, type PackReading, readPackForRepair, readThroughRecords } from './pack-reading';
import { readAheadInOrder } from './read-ahead-in-order';
import { RepairNothingAuthenticatedError } from './nothing-authenticated-error';
import { readIndexObjectForRepair } from './index-object-reading';

/**
 * `lifeboat vault repair index` (docs/FORMAT.md, "Repairing the index"), after restic's `repair index`:
 * the index is built again from what the packs under `data/` hold, each pack's header read (and with
 * `readData` every blob decrypted and its id checked), and replaces the index objects there were.
 * What a pack holds is the truth: an index object that is missing, damaged or wrong costs nothing the
 * packs still have. The next backup then stores again every blob that is in no index, where its source
 * still has it (it deduplicates only against indexed blobs), which heals the snapshots that reference it.
 */

export type RepairIndexOptions = {
  /** Also read every pack whole, decrypt every blob and check its id; damaged blobs stay out of the index. */
  readonly readData?: boolean;
  /** Packs read at once. @default 8, or 3 with readData (each is held whole) */
  readonly concurrency?: number;
  /** Milliseconds since the epoch, for the tombstone's times (tests inject a clock). @default Date.now */
  readonly now?: () => number;
  /** Told when the repair starts and ends weighing condemned packs, for a caller that says how far a repair cut short got. */
  readonly observer?: RepairIndexObserver;
};

/** The packs a pending prune condemns that the repair weighs (reads the snapshots, then each pack), and the batches that condemn them. */
export type CondemnedPacksWeighed = {
  readonly packs: readonly string[];
  /** The batches' keys (`prune/condemned/<id>`), oldest first. */
  readonly batches: readonly string[];
};

/**
 * Phases of a repair a caller may want to name (lambdas/repair/deadline-vault-store.ts): weighing the condemned packs
 * reads the snapshots and then packs prune will delete, and a repair cut there meets them again when run again.
 */
export type RepairIndexObserver = {
  condemnedPacksWeighing(weighed: CondemnedPacksWeighed): void;
  condemnedPacksWeighed(): void;
};

/** A pack the new index leaves out, and why. */
export type LeftOutPack = {
  readonly pack: string;
  /**
   * `bad header`: its header cannot be read or decrypted; `missing`: an old index object lists it, but the vault does
   * not hold it; `archived, unlisted`: in an archive storage class (not read without a thaw) and listed by no index
   * object that is kept or replaced, so nothing says what it holds until it is thawed and the repair run again.
   */
  readonly reason: 'bad header' | 'missing' | 'archived, unlisted';
  readonly detail: string;
};

/**
 * A pack whose header cannot be read that a replaced index object listed: its blobs are read through the
 * index's offsets and lengths, never through the header, so that object's records for it are carried
 * into the new index. Still damage: `vault verify` reports the header, and the CLI exits 3. With
 * readData no pack is reported so: each blob is checked through those records and the intact ones are
 * copied into new packs (packsSalvaged), the damaged ones left out (blobsLeftOut).
 */
export type HeaderUnreadablePack = { readonly pack: string; readonly reason: 'header unreadable, indexed from the old index'; readonly detail: string; readonly blobs: number };

/** A blob the new index leaves out (readData), the pack it is in, and why. */
export type LeftOutBlob = { readonly pack: string; readonly blob: string; readonly reason: BlobProblem; readonly detail: string };

export type RepairIndexReport = {
  readData: boolean;
  /** Packs whose header (with readData: every blob) was read. */
  packsRead: number;
  /** Packs the new index objects list, and their blobs. */
  packsIndexed: number;
  blobsIndexed: number;
  packsLeftOut: LeftOutPack[];
  /** Packs with an unreadable header indexed through the records a replaced index object held for them (counted in packsIndexed). */
  packsHeaderUnreadable: HeaderUnreadablePack[];
  blobsLeftOut: LeftOutBlob[];
  /** Packs with damaged blobs whose intact blobs were copied into new packs (`newPacks`, indexed); the old pack is left unindexed, for prune. */
  packsSalvaged: Array<{ pack: string; blobsCopied: number }>;
  newPacks: string[];
  /** Packs in an archive storage class, not read (a read needs a thaw): listed as old index objects listed them. */
  packsNotRead: string[];
  /** Packs a pending prune batch condemns that no snapshot needs from here: left to that batch's sweep, unindexed. */
  packsLeftToPrune: number;
  /** Why condemned packs could not be weighed, when the snapshots could not be read (they are then all left to prune). */
  condemnedNotWeighed?: string;
  indexesWritten: string[];
  /** Old index objects removed once the new ones were written; `indexesUnreadable` are those of them that could not be read. */
  indexesRemoved: string[];
  indexesUnreadable: string[];
  /**
   * Old index objects Object Lock kept from being removed: every load still reads them, beside the new
   * ones, except what `tombstone` names.
   */
  indexesLocked: string[];
  /**
   * The key of the tombstone (docs/FORMAT.md §11) written when Object Lock kept old index objects that
   * list packs the repair left out (missing, bad header, or with damaged blobs), or that are damaged:
   * it names those packs, which every backup's load then leaves out as it does a swept batch's, and the
   * damaged kept objects, which a backup's load then skips instead of refusing. Null: none was needed.
   */
  tombstone: string | null;
  /** Index objects a pending prune batch condemns: left for its sweep, untouched. */
  indexesLeftToPrune: number;
};

const ARCHIVED_UNLISTED_DETAIL =
  'in an archive storage class, so its header was not read, and no index object the repair kept or replaced lists it: thaw it (restore it to a readable storage class) and run the repair again, before a prune condemns it as a pack no index object lists';

/** Blob records per new index object (44 bytes each: about 4 MiB), so that no reader has to hold one huge object. */
export const REPAIR_INDEX_OBJECT_BLOBS = 100_000;

/**
 * Rebuilds the index of `vault` from its packs, in this order (each step leaves a vault whose index
 * covers at least what it covered before; a repair cut short is simply run again):
 *
 * 1. Lists the index objects and the pending prune batches. Index objects a batch condemns are left
 *    alone (its sweep removes them); every other one is read (unreadable ones noted) and will be replaced.
 * 2. Lists `data/` (with the packs' sizes, where the store's listing has them) and reads every pack a
 *    batch does not condemn; a condemned pack is read only when an index object to be replaced lists it
 *    (a backup's pack condemned while that backup ran), or when it holds a blob some snapshot
 *    references that no other pack holds (that is the one case the snapshots are read for). Prune's rule stands: no index object written after a batch lists one of
 *    its packs unless a replaced one did (docs/FORMAT.md "Prune"). With readData, a pack with damaged
 *    blobs has its intact blobs copied into new packs and is itself left out of the index.
 * 3. Writes the new index objects (durably, in a directory vault), then removes the ones replaced;
 *    where Object Lock keeps some, a tombstone keeps what they list that it left out from every load
 *    (tombstoneKeptIndexes).
 *
 * Packs are never deleted: a pack left out (damaged, or a garbage pack it found) looks to the next
 * prune like any pack no index lists, and that prune condemns it.
 *
 * Concurrency: like prune, the repair takes no lock (the vault has none); it is safe beside backups
 * (their index objects written meanwhile are not ones it removes) and beside prunes with a grace, for
 * the reasons in docs/FORMAT.md. Not beside `prune --grace 0`, which is safe beside nothing.
 */
export async function repairIndex(vault: Vault, options: RepairIndexOptions = {}): Promise<RepairIndexReport> {
  const readData = options.readData ?? false;
  const concurrency = options.concurrency ?? (readData ? 3 : 8);
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new VaultError(`repair index: concurrency must be a whole number of packs, 1 or more, got ${concurrency}`);
  const report: RepairIndexReport = {
    readData,
    packsRead: 0,
    packsIndexed: 0,
    blobsIndexed: 0,
    packsLeftOut: [],
    packsHeaderUnreadable: [],
    blobsLeftOut: [],
    packsSalvaged: [],
    newPacks: [],
    packsNotRead: [],
    packsLeftToPrune: 0,
    indexesWritten: [],
    indexesRemoved: [],
    indexesUnreadable: [],
    indexesLocked: [],
    tombstone: null,
    indexesLeftToPrune: 0,
  };

  // 1. The old index objects and the pending prune batches (the batches first: an index object a
  // batch written after this listing condemns was listed already, and is replaced like any other).
  const batches = await loadCondemnedBatches(vault.store, vault.keys);
  const condemnedPacks = new Set<string>();
  const condemnedIndexes = new Set<string>();
  for (const b of batches) {
    for (const p of b.packs) condemnedPacks.add(p.id);
    // A tombstone's index objects are ones an earlier repair could not delete (Object Lock): replaced
    // again, so that once their retention has passed this repair deletes them (as prune's run does).
    if (!isTombstone(b)) for (const i of b.indexes) condemnedIndexes.add(i);
  }
  const oldIds: string[] = [];
  for await (const key of vault.store.list(INDEX_PREFIX)) {
    const id = idFromKey(INDEX_PREFIX, key);
    if (id) oldIds.push(id);
  }
  oldIds.sort();
  const replaced: string[] = [];
  /** What the readable replaced index objects list: per pack, its recorded length (a pack listed twice keeps the first). */
  const listedLength = new Map<string, number>();
  /** The packs each readable replaced index object lists: those Object Lock keeps go on listing them. */
  const packsOfReplaced = new Map<string, readonly string[]>();
  /** Packs the kept (condemned) index objects list, with their records: they stay indexed through those objects. */
  const keptPacks: LoadedPack[] = [];
  // Whether anything read authenticates under the vault's keys: when nothing does, the keys are not the vault's (RepairNothingAuthenticatedError).
  const authenticated = new Authenticated();
  await mapBounded(oldIds, 8, async (id) => {
    const kept = condemnedIndexes.has(id);
    const reading = await readIndexObjectForRepair(vault.store, vault.keys, id);
    switch (reading.kind) {
      case 'gone':
        return; // swept by a prune since the listing
      case 'read': {
        const { object } = reading;
        authenticated.read();
        if (kept) keptPacks.push(...object.packs);
        else {
          for (const p of object.packs) if (!listedLength.has(p.packId)) listedLength.set(p.packId, p.length);
          packsOfReplaced.set(id, object.packs.map((p) => p.packId));
        }
        break;
      }
      case 'damaged':
        // Bytes that changed since they were written say nothing of the key (review r58H F1); bytes that authenticated do.
        if (reading.authenticated) authenticated.read();
        else authenticated.damagedIndex();
        if (!kept) report.indexesUnreadable.push(id);
        break;
      case 'unauthenticated':
        authenticated.failedIndex(indexKey(id), reading.detail);
        if (!kept) report.indexesUnreadable.push(id);
        break;
    }
    if (kept) report.indexesLeftToPrune++;
    else replaced.push(id);
  });
  replaced.sort();
  report.indexesUnreadable.sort();

  /** Packs the kept (condemned) index objects list: an archived one stays indexed through them. */
  const keptPackIds = new Set(keptPacks.map((p) => p.packId));

  // 2. The packs (with their sizes where the listing has them: a header is then read without the pack).
  const storedPacks = await listStoredPacks(vault.store);
  const stored = storedPacks.ids;
  for (const packId of [...listedLength.keys()].sort()) {
    if (!stored.has(packId) && !condemnedPacks.has(packId)) report.packsLeftOut.push({ pack: packId, reason: 'missing', detail: 'an index object lists it, but the vault does not hold it' });
  }
  const toRead: string[] = [];
  const condemnedUnlisted: string[] = [];
  for (const packId of [...stored].sort()) {
    if (!condemnedPacks.has(packId) || listedLength.has(packId)) toRead.push(packId);
    else condemnedUnlisted.push(packId);
  }

  // Held as loaded index records (44 bytes a blob), not an object per blob.
  const indexed: IndexedPack[] = [];
  const indexHeaderless = (p: IndexedPack, detail: string): void => {
    indexed.push(p);
    report.packsHeaderUnreadable.push({ pack: p.packId, reason: 'header unreadable, indexed from the old index', detail, blobs: p.entries.length });
  };
  const salvage = new Salvage(vault, report);
  /** Archived packs a replaced index object lists: that listing is carried over. */
  const archivedListings = new Set<string>();
  /** Packs whose header does not read that a replaced index object lists, with what is wrong with the header. */
  const headerless = new Map<string, string>();
  const take = async (reading: PackReading): Promise<void> => {
    switch (reading.kind) {
      case 'whole':
        report.packsRead++;
        authenticated.read();
        indexed.push(LoadedPack.of(reading.pack));
        return;
      case 'damaged':
        report.packsRead++;
        authenticated.read();
        for (const d of reading.damaged) report.blobsLeftOut.push({ pack: reading.packId, ...d });
        await salvage.copy(reading.packId, reading.intact);
        return;
      case 'bad-header':
        report.packsRead++;
        authenticated.failedHeader(packKey(reading.packId), reading.detail);
        // Blobs are read through the index, not the header: the old records still reach them (below).
        if (listedLength.has(reading.packId)) headerless.set(reading.packId, reading.detail);
        else report.packsLeftOut.push({ pack: reading.packId, reason: 'bad header', detail: reading.detail });
        return;
      case 'archived':
        // Not judged: what the old index said about it stands (an archived pack is read after a thaw).
        if (listedLength.has(reading.packId)) {
          report.packsNotRead.push(reading.packId);
          archivedListings.add(reading.packId);
        } else if (!keptPackIds.has(reading.packId)) {
          // No old index object says what it holds: dropped silently, its blobs would look lost to every
          // snapshot that references them, and a repair that reports success would hide it.
          report.packsLeftOut.push({ pack: reading.packId, reason: 'archived, unlisted', detail: ARCHIVED_UNLISTED_DETAIL });
        }
        return;
      case 'gone':
        return;
    }
  };
  await mapBounded(toRead, concurrency, async (packId) => take(await readPackForRepair(vault, packId, { readData, ...lengthsOf(storedPacks, listedLength, packId) })));
  // Before anything is written or deleted: a salvage has copied blobs only of packs whose header authenticated.
  authenticated.check(vault.location);

  // Archived packs keep the old index's listing, and so do packs whose header alone is damaged (checked
  // through those records first, with readData); the records come from the replaced objects.
  if (archivedListings.size > 0 || headerless.size > 0) {
    const records = await recordsOf(vault, replaced, new Set([...archivedListings, ...headerless.keys()]));
    for (const p of records) if (archivedListings.has(p.packId)) indexed.push(p);
    // An index object that went unreadable or was swept since step 1 no longer vouches for the pack.
    const found = new Set(records.map((p) => p.packId));
    for (const [packId, detail] of headerless) if (!found.has(packId)) report.packsLeftOut.push({ pack: packId, reason: 'bad header', detail });
    await mapBounded(
      records.filter((p) => headerless.has(p.packId)),
      concurrency,
      async (p) => {
        const detail = headerless.get(p.packId) ?? '';
        if (!readData) return indexHeaderless(p, detail);
        const reading = await readThroughRecords(vault, p);
        switch (reading.kind) {
          case 'read':
            // As for a damaged pack whose header reads: the intact blobs go into new packs (with a header
            // that reads: the vault is whole again), the damaged ones are left out, the pack stays unindexed.
            for (const d of reading.damaged) report.blobsLeftOut.push({ pack: p.packId, ...d });
            return salvage.copy(p.packId, reading.intact);
          case 'bad-header':
            report.packsLeftOut.push({ pack: p.packId, reason: 'bad header', detail });
            return;
          case 'archived':
            // Moved to an archive class since it was read: its listing stands, as for any archived pack.
            report.packsNotRead.push(p.packId);
            indexed.push(p);
            return;
          case 'gone':
            return;
        }
      },
    );
  }
  // The intact blobs of damaged packs, copied (once, so that the last new pack of each tier is the only partial
  // one): they count as held by the coverage below.
  indexed.push(...(await salvage.finish()));
  report.packsHeaderUnreadable.sort((a, b) => a.pack.localeCompare(b.pack));
  // Condemned packs that nothing replaced lists: indexed only when a snapshot needs a blob of theirs
  // that no other pack holds (a live pack a prune condemned when an index object was missing).
  if (condemnedUnlisted.length > 0) {
    const unlisted = new Set(condemnedUnlisted);
    options.observer?.condemnedPacksWeighing({ packs: condemnedUnlisted, batches: batches.filter((b) => b.packs.some((p) => unlisted.has(p.id))).map((b) => condemnedKey(b.id)) });
    let mark: Awaited<ReturnType<typeof markVault>> | null = null;
    try {
      mark = await markVault(vault);
    } catch (err) {
      if (!(err instanceof VaultError)) throw err;
      report.condemnedNotWeighed = err.message;
    }
    if (mark === null) report.packsLeftToPrune = condemnedUnlisted.length;
    else {
      const coverage = new BlobCoverage(mark.blobs);
      for (const p of keptPacks) coverage.cover(p);
      for (const p of indexed) coverage.cover(LoadedPack.of(p));
      // Read as many at once as the live packs (a pending batch sits there for its grace, a day by default, after
      // every prune); weighed in their sorted order, so that of two packs holding one needed blob the first is indexed.
      await readAheadInOrder(
        condemnedUnlisted,
        concurrency,
        (packId) => readPackForRepair(vault, packId, { readData, ...lengthsOf(storedPacks, new Map(), packId) }),
        async (reading, packId) => {
          const blobs = reading.kind === 'whole' ? LoadedPack.of(reading.pack) : reading.kind === 'damaged' ? LoadedPack.of({ packId, length: 0, entries: reading.intact.map((b) => b.entry) }) : null;
          if (blobs && coverage.addsTo(blobs)) {
            coverage.cover(blobs);
            await take(reading);
          } else report.packsLeftToPrune++;
        },
      );
    }
    options.observer?.condemnedPacksWeighed();
  }
  indexed.push(...(await salvage.finish()));
  report.packsLeftOut.sort((a, b) => a.pack.localeCompare(b.pack));
  report.blobsLeftOut.sort((a, b) => a.pack.localeCompare(b.pack) || a.blob.localeCompare(b.blob));
  report.packsNotRead.sort();

  // 3. New index objects first, then the old ones go.
  indexed.sort((a, b) => a.packId.localeCompare(b.packId));
  let group: IndexedPack[] = [];
  let blobs = 0;
  const flush = async (): Promise<void> => {
    if (group.length === 0) return;
    report.indexesWritten.push(await writeIndexObject(vault.store, vault.keys, group));
    group = [];
    blobs = 0;
  };
  for (const p of indexed) {
    if (blobs > 0 && blobs + p.entries.length > REPAIR_INDEX_OBJECT_BLOBS) await flush();
    group.push(p);
    blobs += p.entries.length;
    report.packsIndexed++;
    report.blobsIndexed += p.entries.length;
  }
  await flush();
  for (const id of replaced) {
    try {
      await vault.store.delete(indexKey(id));
      report.indexesRemoved.push(id);
    } catch (err) {
      if (!(err instanceof ObjectLockedError)) throw err;
      report.indexesLocked.push(id);
    }
  }
  report.tombstone = await tombstoneKeptIndexes(vault, report, packsOfReplaced, options.now ?? Date.now);
  return report;
}

/**
 * Where Object Lock kept replaced index objects, what they still list must not be trusted: a pack the
 * repair left out (missing, bad header, or holding damaged blobs) would stay in every backup's
 * deduplication, and a backup would commit snapshots referencing blobs that do not restore. So a
 * tombstone (docs/FORMAT.md §11) names those packs: every writer's load leaves a tombstone's packs out
 * (condemnedPacksOf), and prune removes a tombstone only once no index object lists its packs, i.e.
 * after the kept objects' retention has passed and a sweep or a repair deleted them. It has no `from`, so
 * prune's copy-back rule (resurrectStoredPacks, which takes a stored pack an index object lists out of a
 * sweep's tombstone) leaves it as it is: a pack it names may be stored and listed all along, and taken out
 * it was back in every backup's dedup, damaged blob and all (review rC F1). A kept object that
 * is damaged cannot say what it lists, so then every pack left out is named (but an archived, unlisted
 * one), and the object itself is named in `indexes`, which a writer's load skips instead of refusing
 * (supersededIndexKeysOf).
 *
 * Dated now with no grace, as `vault repair prune-state`'s tombstone: a backup that loaded its index
 * before it and may have deduplicated against those packs refuses to commit (backupDurationLimit) and is
 * run again; one that starts after it saw it and is not held. It only adds to prune's state, so it
 * needs no prune lease: a prune running now does not remove a tombstone it did not list, nor one whose
 * keep has not passed.
 */
async function tombstoneKeptIndexes(vault: Vault, report: RepairIndexReport, packsOfReplaced: ReadonlyMap<string, readonly string[]>, now: () => number): Promise<string | null> {
  if (report.indexesLocked.length === 0) return null;
  const unreadable = new Set(report.indexesUnreadable);
  const damagedKept = report.indexesLocked.filter((id) => unreadable.has(id));
  // An archived, unlisted pack is healthy and no readable index object lists it (the damaged one is
  // skipped by every load): naming it would outlive the thaw and the repair that indexes it again, as
  // prune removes a tombstone only once no index object lists its packs, and no backup would dedup
  // against it again.
  const damagedLeftOut = report.packsLeftOut.filter((p) => p.reason !== 'archived, unlisted');
  const leftOut = new Set([...damagedLeftOut.map((p) => p.pack), ...report.blobsLeftOut.map((b) => b.pack)]);
  const stillListed = new Set(report.indexesLocked.flatMap((id) => packsOfReplaced.get(id) ?? []));
  const packs = [...leftOut].filter((pack) => damagedKept.length > 0 || stillListed.has(pack)).sort();
  if (packs.length === 0 && damagedKept.length === 0) return null;
  const at = new Date(now()).toISOString();
  const id = await writeCondemnedBatch(vault.store, vault.keys, {
    v: 1,
    condemnedAt: at,
    graceMs: 0,
    packs: packs.map((pack) => ({ id: pack, bytes: 0 })),
    indexes: damagedKept.sort(),
    manifests: [],
    sweptAt: at,
    keepMs: TOMBSTONE_MIN_KEEP_MS,
  });
  return condemnedKey(id);
}

/**
 * What the repair read that authenticated and what did not, the first failure kept to be named. Only an index object whose
 * bytes are the ones written under its name (its SHA-256 is its name) and that fails authentication is evidence of another
 * key; one whose bytes changed is damage, counted apart (`damagedIndexObjects`), whatever the key: with every pack archived
 * or gone, damaged index objects alone stopped the repair, blaming the keys (review r58H F1).
 */
class Authenticated {
  private any = false;
  private indexObjects = 0;
  private damagedIndexObjects = 0;
  private packHeaders = 0;
  private example: { key: string; detail: string } | null = null;

  read(): void {
    this.any = true;
  }

  damagedIndex(): void {
    this.damagedIndexObjects++;
  }

  failedIndex(key: string, detail: string): void {
    this.indexObjects++;
    this.example ??= { key, detail };
  }

  failedHeader(key: string, detail: string): void {
    this.packHeaders++;
    this.example ??= { key, detail };
  }

  /**
   * Throws RepairNothingAuthenticatedError when nothing read authenticated and some index object with its bytes intact
   * failed authentication (those the repair would delete). Without one, a repair that reads no header writes nothing: a
   * lone pack of a first backup whose header is damaged is left out as such, and index objects that are all damaged
   * (their bytes changed) are replaced, not taken for a wrong key.
   */
  check(location: string): void {
    if (this.any || this.indexObjects === 0 || this.example === null) return;
    throw new RepairNothingAuthenticatedError(location, this.indexObjects, this.packHeaders, this.example, this.damagedIndexObjects);
  }
}

/** What is known of a pack's length before it is read: the listing's size, and what an old index object recorded. */
function lengthsOf(stored: StoredPacks, listed: ReadonlyMap<string, number>, packId: string): { storedLength?: number; indexedLength?: number } {
  const storedLength = stored.sizes?.get(packId);
  const indexedLength = listed.get(packId);
  return { ...(storedLength === undefined ? {} : { storedLength }), ...(indexedLength === undefined ? {} : { indexedLength }) };
}

/** The records the replaced index objects hold for `packs` (read again: only for archived packs and packs with a damaged header, which are few). */
async function recordsOf(vault: Vault, replaced: readonly string[], packs: ReadonlySet<string>): Promise<IndexedPack[]> {
  const found = new Map<string, IndexedPack>();
  for (const id of replaced) {
    let object;
    try {
      ({ object } = await loadIndexObject(vault.store, vault.keys, id));
    } catch (err) {
      if (err instanceof VaultObjectNotFoundError || err instanceof VaultCorruptionError) continue;
      throw err;
    }
    for (const p of object.packs) if (packs.has(p.packId) && !found.has(p.packId)) found.set(p.packId, { packId: p.packId, length: p.length, entries: p.entries });
  }
  return [...found.values()];
}

/**
 * The intact blobs of damaged packs, copied as stored (an envelope is bound to its blob id, not its
 * pack: prune's repack moves blobs the same way) into new packs with the old pack's tags. One pack at a
 * time: the writers take blobs in order.
 */
class Salvage {
  private readonly newPacks: IndexedPack[] = [];
  private readonly writers: PackWritersByTags;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly vault: Vault,
    private readonly report: RepairIndexReport,
  ) {
    this.writers = new PackWritersByTags(vault, (p) => this.newPacks.push(p));
  }

  copy(packId: string, intact: readonly IntactBlob[]): Promise<void> {
    const run = this.queue.then(async () => {
      // A pack whose every blob is damaged has nothing to copy: it is only left out.
      if (intact.length === 0) return;
      const { store } = this.vault;
      const writer = this.writers.for(store.tagsOf ? await store.tagsOf(packKey(packId)) : {});
      for (const b of intact) await writer.add(b.entry.id, b.stored, b.entry.rawLength);
      this.report.packsSalvaged.push({ pack: packId, blobsCopied: intact.length });
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Waits for every copy and upload; the new packs stored since the last call, to be indexed. */
  async finish(): Promise<IndexedPack[]> {
    await this.queue;
    await this.writers.flushAll();
    const stored = this.newPacks.splice(0);
    this.report.packsSalvaged.sort((a, b) => a.pack.localeCompare(b.pack));
    this.report.newPacks = [...this.report.newPacks, ...stored.map((p) => p.packId)].sort();
    return stored;
  }
}
