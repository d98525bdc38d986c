import { randomBytes } from 'node:crypto';
import * as os from 'node:os';
import { codecFor } from '../workers/codec';
import { Chunker, checkChunkerParams, DEFAULT_CHUNKER_PARAMS, deriveGearTable } from '../chunker/chunker';
import { decodeIndexObject } from '../blob-index/index-object';
import { type KeyProvider } from '../keys/key-provider';
import { DAMAGED_KEY_OBJECT_ADVICE, newKeyObjectFindings, putKeyObject, unwrapKeyObjects } from '../keys/key-object';
import { type ManifestEntry } from '../manifest/manifest-entry';
import { type ManifestPart } from '../manifest/manifest-format';
import { mergeRunsInto, type RunSource, runsInMemory, writeEntryRun } from '../manifest/manifest-merge';
import { type CommitParts, partsInMemory } from '../manifest/manifest-part-summary';
import { ManifestRootWriter } from '../manifest/manifest-root';
import { cached, ManifestReader } from '../manifest/manifest-reader';
import { decodeJson, encodeJson, getSealedObject, openSealed, putSealedObject } from '../crypto/sealed-object';
import { DEFAULT_COMPRESSION_LEVEL, objectContext, seal } from '../crypto/sealed-codec';
import { type Snapshot, type SnapshotRecord, snapshotRecordSchema, type SnapshotSource } from '../manifest/snapshot-record';
import { type SnapshotWriterOptions } from '../archiver/snapshot-writer';
import { checkCompressionLevel, type VaultConfig, vaultConfigSchema, type VaultTuning } from './vault-config';
import { KeyUnwrapError, VaultConfigMissingError, VaultCorruptionError, VaultError, VaultNotFoundError, VaultObjectNotFoundError } from '../vault-errors';
import { lostConfigAdvice, vaultObjectsWithoutConfig } from './orphaned-vault-objects';
import { VaultIndex } from '../blob-index/vault-index';
import { indexBlobLimit, VaultIndexTooLargeError } from '../blob-index/index-memory';
import { importVaultKeys, type VaultKeys } from '../crypto/vault-keys';
import { CONFIG_KEY, idFromKey, indexKey, SNAPSHOTS_PREFIX, snapshotKey } from './vault-layout';
import { type VaultStore } from '../backend/vault-store';
import { type SnapshotListing, unreadableSnapshotAdvice, type UnreadableSnapshot } from './snapshot-listing';
import { mapBounded } from '../workers/bounded-concurrency';
import { backupDurationLimit, condemnedPacksOf, mergePruneStatesSeen, type PruneStateSeen, readPruneState, supersededIndexKeysOf } from '../prune/prune-state';
import { BackupOutlivedGraceError } from '../prune/prune-errors';
import { PruneStateSeenWriter } from './prune-state-seen-writer';
import { indexLoadPruneState, type IndexLoadPruneState, indexStillCurrent } from './index-load-prune-state';
import { indexObjectsStillListed, listIndexObjectIds } from './index-objects-listed';
import { unreadableParentWarning } from '../archiver/unreadable-parent';


/** The detail of a corruption error, without the location and key its message starts with. */
function corruptionDetail(err: VaultCorruptionError): string {
  const marker = `object ${err.key} is corrupt: `;
  const at = err.message.indexOf(marker);
  return at < 0 ? err.message : err.message.slice(at + marker.length);
}

/** How Vault.scanSnapshots reads the snapshot objects. */
export type SnapshotScanOptions = {
  /** Snapshot objects read at once (default 8, as prune's mark, verify and scrub have always read them). */
  readonly concurrency?: number;
  /**
   * Called once the snapshot objects are listed, before any is read, with how many there are; what it throws stops the
   * scan: a caller that holds every snapshot (the catalog rebuild) refuses a vault its memory cannot hold before reading it.
   */
  readonly afterListing?: (listed: number) => void;
  /**
   * Called after each snapshot object is read (readable or not), with how many have been read so far; what it throws
   * stops the scan: no further object is read, those in flight settle, and the scan throws it. A caller with a deadline
   * (the catalog rebuild) stops a scan that would outlast it rather than be killed in the middle of it.
   */
  readonly afterRead?: (read: number) => void;
};

/** A vault that already exists where a new one was asked for. */
export class VaultExistsError extends VaultError {
  override name = 'VaultExistsError';
}

/** Index objects that failed their integrity check, which a writer does not work around. */
export class DamagedIndexError extends VaultCorruptionError {
  override name = 'DamagedIndexError';
  constructor(
    location: string,
    readonly damaged: readonly string[],
  ) {
    super(
      location,
      damaged[0] ?? 'index/',
      `it fails its integrity check${damaged.length > 1 ? ` (as do ${damaged.slice(1).join(', ')})` : ''}, and a backup does not run on an index with holes: ` +
        'run `lifeboat vault repair index` (it rewrites the index from the packs), or copy the object again from the other vault (primary or DR: the same name holds the same bytes there); restores of snapshots whose blobs other index objects list still work',
    );
  }
}

/** A snapshot reference that matches no snapshot, or several. */
export class SnapshotNotFoundError extends VaultError {
  override name = 'SnapshotNotFoundError';
}

/**
 * Creates a vault: a wrapped master key under `keys/`, then the sealed `config` (its presence marks
 * the vault as initialised). Safe against concurrent creators of one vault (two first backups
 * starting together): `config` is written with `putIfAbsent` and read back, and only the run whose
 * config is stored keeps its key; any other run removes its key object and opens the winner's vault
 * (docs/FORMAT.md §2, "Creating a vault"). Throws VaultExistsError when the vault exists already
 * before this call starts writing.
 */
export async function initVault(store: VaultStore, provider: KeyProvider, tuning: VaultTuning = {}): Promise<Vault> {
  if (await store.has(CONFIG_KEY)) throw new VaultExistsError(`${store.location} already holds a vault (its config object exists)`);
  const orphaned = await vaultObjectsWithoutConfig(store);
  if (orphaned !== undefined) throw new VaultConfigMissingError(lostConfigAdvice(store.location, orphaned));
  const chunker = tuning.chunker ?? DEFAULT_CHUNKER_PARAMS;
  checkChunkerParams(chunker);
  const compressionLevel = tuning.compressionLevel === undefined ? DEFAULT_COMPRESSION_LEVEL : tuning.compressionLevel;
  // Checked before anything is written: the reader refuses any other level, and the config cannot be replaced.
  checkCompressionLevel(compressionLevel);
  const { plaintext, wrapped } = await provider.createVaultKey();
  const ownKeyObject = await putKeyObject(store, wrapped);
  const keys = await importVaultKeys(plaintext);
  const config: VaultConfig = {
    v: 1,
    id: randomBytes(16).toString('hex'),
    created: new Date().toISOString(),
    chunker: { ...chunker },
    packSize: tuning.packSize ?? 16 * 1024 * 1024,
    compressionLevel,
  };
  const { stored } = await seal(keys, objectContext('config'), encodeJson(config), { compressionLevel: null });
  if (await writeConfigOnce(store, stored)) return new Vault(store, keys, config, { keyObject: ownKeyObject, provider });
  // Lost the race: another run's config is in place. Our key object opens nothing stored; remove it
  // (best effort: a role without s3:DeleteObject on keys/ leaves it, and openVault skips it).
  try {
    await store.delete(ownKeyObject);
  } catch {
    // Ignored on purpose: a stray key object is harmless.
  }
  return openVault(store, provider);
}

/**
 * Writes `config` unless one exists and tells whether the stored config is ours. Exclusive through
 * `putIfAbsent` where the store has it; the read-back then decides: it also catches a store that
 * ignores the condition (bare s3rver overwrites) and a retried write whose first attempt had succeeded
 * (reported as "exists"). A store without `putIfAbsent` gets check-then-put, guarded only by the read-back.
 */
async function writeConfigOnce(store: VaultStore, stored: Uint8Array): Promise<boolean> {
  // Checked again right before writing: the key object's creation took a KMS call and a PUT, during
  // which another run may have finished; this also narrows the window where a store without
  // conditional writes could let two runs both see their own config on read-back.
  if (await store.has(CONFIG_KEY)) return false;
  const written = store.putIfAbsent ? await store.putIfAbsent(CONFIG_KEY, stored) : (await store.put(CONFIG_KEY, stored), true);
  let current: Buffer;
  try {
    current = await store.get(CONFIG_KEY);
  } catch (err) {
    if (err instanceof VaultObjectNotFoundError) throw new VaultError(`${store.location}: the config object just ${written ? 'written' : 'found'} is gone; is another process deleting the vault?`);
    throw err;
  }
  return Buffer.compare(current, stored) === 0;
}

/**
 * Opens a vault from its store and key alone: reads `config`, then tries each `keys/` object the
 * provider can unwrap until one's master key opens `config` (GCM authentication fails under any
 * other key). A vault normally has one key per provider, but an init that lost a race (initVault)
 * may have left its own, unrelated key object behind. Damaged or forged key objects are skipped too;
 * when no key opens the vault, the error names them and says how to restore one.
 */
export async function openVault(store: VaultStore, provider: KeyProvider): Promise<Vault> {
  let configStored: Buffer;
  try {
    configStored = await store.get(CONFIG_KEY);
  } catch (err) {
    if (!(err instanceof VaultObjectNotFoundError)) throw err;
    // Key objects count here (an hour old or more), not in initVault: two first backups starting together each write one.
    const orphaned = await vaultObjectsWithoutConfig(store, { keyObjects: { now: new Date() } });
    if (orphaned !== undefined) throw new VaultConfigMissingError(lostConfigAdvice(store.location, orphaned));
    // No advice here: what makes this vault is the caller's to say. A bare location is given one by
    // `lifeboat vault init` (its CLI says so); an environment's vaults by its workflows' first backup,
    // and a vault that `vault init` put there could not be opened by them.
    throw new VaultNotFoundError(`${store.location} holds no vault (no config object)`);
  }
  const findings = newKeyObjectFindings();
  const unwrapped: string[] = [];
  for await (const { key, material } of unwrapKeyObjects(store, provider, findings)) {
    const keys = await importVaultKeys(material);
    let plain: Buffer;
    try {
      plain = await openSealed(store.location, CONFIG_KEY, keys, 'config', configStored);
    } catch (err) {
      if (!(err instanceof VaultCorruptionError)) throw err;
      unwrapped.push(key);
      continue;
    }
    const config = decodeJson(vaultConfigSchema, plain, { location: store.location, key: CONFIG_KEY });
    return new Vault(store, keys, config, { keyObject: key, provider });
  }
  // Damaged key objects were skipped; when nothing else opened the vault, one of them may have been its key.
  const damaged = findings.damaged.length > 0 ? `. If a damaged key object was this vault's key: ${DAMAGED_KEY_OBJECT_ADVICE}; a DR vault gets a fresh key object from its next replication` : '';
  if (unwrapped.length > 0) {
    throw new VaultCorruptionError(
      store.location,
      CONFIG_KEY,
      `it does not authenticate under the master key of ${unwrapped.join(', ')} (the key objects this provider opens): the config was altered or replaced, or those keys belong to another vault${damaged}`,
    );
  }
  const problems = findings.problems.length ? findings.problems.join('; ') : 'it has no key objects';
  throw new KeyUnwrapError(`cannot open the vault at ${store.location}: ${problems}${damaged}`, { otherKeyKinds: [...findings.otherKinds].sort(), ownKindTried: findings.ownKindTried > 0, damagedSkipped: findings.damaged.length > 0 });
}

export type CommitInput = {
  readonly source: SnapshotSource;
  /**
   * Manifest parts of every writer (shard) of this snapshot: in memory, or as summaries whose runs'
   * pages are read when the merge reaches them (the backup workflow's commit of many shards).
   */
  readonly parts: readonly ManifestPart[] | CommitParts;
  /**
   * Entries the commit itself records, beside the parts' runs: objects split by byte ranges across
   * shards, whose pieces' blob lists the caller joined (no writer recorded them). Written as one more
   * sorted run and merged with the others; a path that a part also holds fails with DuplicateEntryError.
   */
  readonly entries?: readonly ManifestEntry[];
  readonly parent?: string | null;
  readonly tags?: readonly string[];
  /** When the backup started; durationMs counts from here. */
  readonly startedAt?: Date;
  /**
   * What the writers of this snapshot saw of prune's state when they started (mergePruneStatesSeen of
   * each writer's PruneStateSeenWriter.pruneStateSeen): a prune they all saw does not hold the backup.
   * Defaults to what this instance's writers recorded for in-memory `parts` they returned; without
   * either, every prune within a minute before `startedAt` counts (docs/FORMAT.md §11).
   */
  readonly pruneStateSeen?: PruneStateSeen;
  /**
   * Page references per manifest root or node (docs/FORMAT.md §7); default MANIFEST_FANOUT. Tests
   * set it small to give a small manifest the two-level root a big one gets.
   */
  readonly manifestFanout?: number;
};

/**
 * An open vault: snapshot writing and committing, listing, reading. Restore and verify live in
 * their own modules (restore.ts, verify.ts) and take a Vault.
 */
export class Vault {
  private indexLoad: Promise<VaultIndex> | null = null;
  /**
   * Prune's state right before a writer's index load began (newSnapshotWriter); null when the index was
   * loaded otherwise. A writer's index must be loaded again once a prune or a repair wrote since.
   */
  private pruneStateAtIndexLoad: IndexLoadPruneState | null = null;
  /** The index objects each load listed (damaged ones included): a writer reuses a load only while all are still there. */
  private readonly indexObjectsOfLoad = new WeakMap<VaultIndex, ReadonlySet<string>>();
  /** What each writer of this instance saw of prune's state, by the part it returned (commitSnapshot). */
  private readonly pruneStateSeenByPart = new WeakMap<ManifestPart, PruneStateSeen>();
  /** Every snapshot this instance has read, and those read before the current index load began (which it covers). */
  private readonly snapshotsRead = new Set<string>();
  private snapshotsCovered = new Set<string>();
  /**
   * Told about each snapshot object that listSnapshots, latestSnapshot or resolveSnapshot("latest")
   * skipped because it cannot be read. The CLI sets it to a warning on stderr. @default ignore
   */
  onUnreadableSnapshot: (problem: UnreadableSnapshot) => void = () => undefined;
  readonly chunker: Chunker;
  /** The clock commit measures a backup's duration with (tests inject one). */
  now: () => number = Date.now;
  /**
   * The memory the process may use (a Lambda function's memory size): an index too large to load
   * beside the function's work then fails with VaultIndexTooLargeError instead of running the
   * process out of memory. @default no limit
   */
  memoryLimitMb: number | undefined;
  /** Set on a view made by scopedTo: the only blob ids its index keeps. */
  private indexScope: VaultIndex | null = null;
  /**
   * The readers of the manifests read last, with the pages they keep: a warm restore function runs
   * one shard after another of the same snapshot, and each shard, its check and the verify step would
   * otherwise decrypt and parse the same page again (about 20 ms of CPU for a page of 1,777 entries).
   */
  private readonly manifestReaders = new Map<string, Promise<ManifestReader>>();
  private static readonly MANIFEST_READERS_KEPT = 2;
  constructor(
    readonly store: VaultStore,
    readonly keys: VaultKeys,
    readonly config: VaultConfig,
    /**
     * The key object and provider that opened this vault (openVault, initVault): `vault key` asks which key object is
     * in use, and unwrapping again would derive a passphrase's scrypt key once more (about 1 s at N = 2^17).
     */
    readonly openedWith?: { readonly keyObject: string; readonly provider: KeyProvider },
  ) {
    this.chunker = new Chunker(config.chunker, deriveGearTable(keys.idKeyBytes));
  }

  get location(): string {
    return this.store.location;
  }

  /**
   * Loads every index object once (8 at a time) into the packed blob table. A snapshot read for the
   * first time after the load may be newer than it (a long-lived instance: a warm Lambda, a DR vault
   * that replication wrote to since): then the next call loads the index again. A snapshot's index
   * objects are written before the snapshot object (docs/FORMAT.md §8, "Commit order"), so an index loaded
   * after a snapshot was read covers its blobs. This is a reader's load: an index object that fails its
   * integrity check is skipped and named in `damagedObjects` (a restore of a snapshot whose blobs other
   * objects list still works, and a blob then missing is reported with the damaged objects and the
   * repair: unindexedBlobDetail). Writers refuse such an index (newSnapshotWriter); prune and repair
   * read the index objects themselves, strictly (docs/FORMAT.md §10).
   */
  index(): Promise<VaultIndex> {
    if (!this.indexLoad) {
      this.snapshotsCovered = new Set(this.snapshotsRead);
      this.pruneStateAtIndexLoad = null;
      this.indexLoad = this.loadIndex();
    }
    return this.indexLoad;
  }

  /**
   * A view of this vault whose index keeps only the given blobs (hex ids): what a restore shard
   * needs when the whole index is larger than its memory (VaultIndexTooLargeError). Loading it still
   * reads every index object, but holds only these blobs' locations; the view has its own index,
   * loaded on its first use, and no memory limit (the ids bound it).
   */
  scopedTo(blobIds: Iterable<string>): Vault {
    const view = new Vault(this.store, this.keys, this.config);
    // A VaultIndex as the set: ids compared as bytes where the index objects hold them, no string per entry.
    const scope = new VaultIndex();
    for (const id of blobIds) scope.add(Buffer.from(id, 'hex'), '', 0, 0, 0, 0);
    view.indexScope = scope;
    view.onUnreadableSnapshot = this.onUnreadableSnapshot;
    view.now = this.now;
    return view;
  }

  /** Forgets the loaded index (another process may have written since). */
  reloadIndex(): Promise<VaultIndex> {
    this.indexLoad = null;
    return this.index();
  }

  /** Forgets the loaded index without loading it again: the next use (a writer: with prune's state read first) loads it. */
  forgetIndex(): void {
    this.indexLoad = null;
  }

  private async loadIndex(): Promise<VaultIndex> {
    const ids = await listIndexObjectIds(this.store);
    const index = new VaultIndex();
    this.indexObjectsOfLoad.set(index, new Set(ids));
    const scope = this.indexScope;
    const memoryMb = this.memoryLimitMb;
    const blobLimit = indexBlobLimit(memoryMb);
    const damaged: string[] = [];
    await mapBounded(ids, 8, async (id) => {
      // Every location held counts: a blob stored twice keeps both (a reader falls back to the other copy).
      if (index.locationCount > blobLimit) return;
      const key = indexKey(id);
      let plain: Buffer;
      try {
        plain = await getSealedObject(this.store, this.keys, key, id, 'index');
      } catch (err) {
        if (!(err instanceof VaultCorruptionError)) throw err;
        damaged.push(key);
        return;
      }
      decodeIndexObject(plain, { location: this.location, key }, (packId, packLength, blobId, offset, stored, raw) => {
        if (scope === null || scope.has(blobId)) index.add(blobId, packId, packLength, offset, stored, raw);
      });
    });
    if (memoryMb !== undefined && index.locationCount > blobLimit) throw new VaultIndexTooLargeError(this.location, blobLimit, memoryMb);
    index.damagedObjects = damaged.sort();
    return index;
  }

  /**
   * A writer for one snapshot (or one shard of it). It does not reuse blobs that have no copy outside packs a
   * prune condemned or deleted (pending batches and tombstones, docs/FORMAT.md §11): those are stored again.
   * Prune's state is read before the index: a tombstone is removed only after the index objects listing
   * its packs are gone, so an index loaded after the tombstone was read holds no record it would leave
   * out. An index this instance loaded earlier is kept only while prune's state is as it was before that
   * load (the policy's `updatedAt` and every batch and tombstone: indexStillCurrent): a prune since may
   * have condemned and swept packs an index object the load read listed, and removed the tombstone that
   * named them, leaving no trace but its policy; their records would be trusted. And only while every
   * index object the load listed is still there: `vault repair index` writes no prune state, but
   * deletes every index object it replaces, and its new index leaves out missing packs and damaged
   * blobs that the old load still lists (indexObjectsStillListed). What the writer saw is
   * recorded for the commit (PruneStateSeenWriter). `parent` enables
   * reuse of unchanged entries by change token; a damaged parent (its object, manifest root or a page)
   * is dropped with a warning to `onParentUnreadable` and the backup reads every file; `inline` keeps the codec work in this thread even when
   * worker threads are up (tests of both codecs).
   */
  async newSnapshotWriter(
    options: {
      parent?: string | null;
      inline?: boolean;
      onParentUnreadable?: (warning: string) => void;
      /**
       * Packs (hex ids) known lost in this vault though its index still lists them (the latest scrub record's, fix f58R):
       * left out of the dedup as a condemned pack is, so a blob found only there is stored again, which heals the older
       * snapshots referencing it too (a reader falls back to the new copy).
       */
      lostPacks?: ReadonlySet<string>;
    } & Omit<SnapshotWriterOptions, 'parent' | 'onParentUnreadable'> = {},
  ): Promise<PruneStateSeenWriter> {
    // The parent first: an index loaded after it covers it (index()), and is not loaded twice.
    const parent = options.parent ? await this.parentManifest(options.parent, options.onParentUnreadable) : null;
    const { batches, seen } = await readPruneState(this.store, this.keys);
    const pruneState = indexLoadPruneState(seen.policyUpdatedAt, batches);
    if (this.indexLoad && !indexStillCurrent(this.pruneStateAtIndexLoad, pruneState)) this.indexLoad = null;
    const kept = this.indexLoad;
    // Another writer of this instance may have loaded anew while this one listed: that load began after this prune state was read, and stands.
    if (kept && !(await this.indexObjectsStillThere(kept)) && this.indexLoad === kept) this.indexLoad = null;
    const loading = this.indexLoad === null;
    const indexLoad = this.index();
    if (loading) this.pruneStateAtIndexLoad = pruneState;
    const index = await indexLoad;
    // A backup is refused rather than run on an index with holes: it would store those blobs again
    // (safe, but every run anew and silently), while the repair fixes the vault once.
    // Not kept either: the repair the error names replaces the damaged object, and this instance must
    // then load the index again rather than refuse every later backup on what it loaded before.
    // Except a damaged object a repair replaced and Object Lock kept, which the repair's tombstone names.
    const superseded = supersededIndexKeysOf(batches);
    const damaged = index.damagedObjects.filter((key) => !superseded.has(key));
    if (damaged.length > 0) {
      if (this.indexLoad === indexLoad) this.indexLoad = null;
      throw new DamagedIndexError(this.location, damaged);
    }
    const condemnedPacks = condemnedPacksOf(batches);
    const { inline, onParentUnreadable, lostPacks, ...writerOptions } = options;
    for (const id of lostPacks ?? []) condemnedPacks.add(id);
    const parentId = options.parent;
    const onPageUnreadable = onParentUnreadable && parentId ? { onParentUnreadable: (err: VaultCorruptionError | VaultObjectNotFoundError) => onParentUnreadable(unreadableParentWarning(parentId, err)) } : {};
    // One codec thread to begin with; the pool adds more while the backup waits for them (CodecPool.grow).
    const codec = codecFor(this.store, this.keys, { inline, workers: 1 });
    return new PruneStateSeenWriter(
      { store: this.store, keys: this.keys, index, chunker: this.chunker, packSize: this.config.packSize, compressionLevel: this.config.compressionLevel, codec, condemnedPacks, prunePolicyAtStart: seen.policyUpdatedAt },
      { ...writerOptions, ...onPageUnreadable, parent },
      seen,
      (part, state) => this.pruneStateSeenByPart.set(part, state),
    );
  }

  /**
   * Whether a writer may keep `load` as far as `index/` goes: every index object it listed is still
   * there (indexObjectsStillListed). A load that failed is kept, as before: the writer throws its error.
   */
  private async indexObjectsStillThere(load: Promise<VaultIndex>): Promise<boolean> {
    let listed: ReadonlySet<string> | undefined;
    try {
      listed = this.indexObjectsOfLoad.get(await load);
    } catch {
      return true;
    }
    return listed !== undefined && (await indexObjectsStillListed(this.store, listed));
  }

  /**
   * The parent's manifest for a writer; null, after a warning, when its snapshot object or manifest
   * root is damaged: a damaged parent must not stop every later backup of its source, since it only
   * spares reading unchanged files (docs/FORMAT.md §10). A parent that does not exist is thrown
   * (VaultObjectNotFoundError), as before: the caller named it, and may pick another.
   */
  private async parentManifest(parentId: string, onUnreadable: ((warning: string) => void) | undefined): Promise<ManifestReader | null> {
    let snapshot: Snapshot;
    try {
      snapshot = await this.loadSnapshot(parentId);
    } catch (err) {
      if (!(err instanceof VaultCorruptionError)) throw err;
      onUnreadable?.(unreadableParentWarning(parentId, err));
      return null;
    }
    try {
      return await this.manifest(snapshot);
    } catch (err) {
      // The snapshot exists but its manifest root is damaged or gone: damage all the same (the parent is
      // usually picked by default, the latest snapshot, so every later backup of the source would stop on it).
      if (!(err instanceof VaultCorruptionError) && !(err instanceof VaultObjectNotFoundError)) throw err;
      onUnreadable?.(unreadableParentWarning(parentId, err));
      return null;
    }
  }

  /**
   * Commits a snapshot from the parts of its writers: merges the manifest runs into sorted pages,
   * writes the manifest root (the root hash), then the snapshot object — last, so that a snapshot
   * is visible only when everything it references is stored.
   */
  async commitSnapshot(input: CommitInput): Promise<Snapshot> {
    const parts = 'summaries' in input.parts ? input.parts : partsInMemory(input.parts);
    const runs: RunSource[] = parts.summaries.flatMap((summary, part) => summary.runs.map((r) => ({ first: r.first, last: r.last, pages: () => parts.runPages(part, r.run) })));
    if (input.entries && input.entries.length > 0) runs.push(...runsInMemory([await writeEntryRun(this.store, this.keys, input.entries)]));
    // Pages go into the root as the merge hands them over: a root of nodes holds one node's references at a time.
    const rootWriter = new ManifestRootWriter(this.store, this.keys, input.manifestFanout);
    await mergeRunsInto(this.store, this.keys, runs, (page) => rootWriter.add(page));
    const root = await rootWriter.finish();
    const sum = (f: (s: ManifestPart['stats']) => number): number => parts.summaries.reduce((n, p) => n + f(p.stats), 0);
    const record: SnapshotRecord = {
      v: 1,
      time: new Date().toISOString(),
      hostname: os.hostname(),
      source: input.source,
      parent: input.parent ?? null,
      tags: [...(input.tags ?? [])],
      manifest: root.rootId,
      indexes: parts.summaries.flatMap((p) => p.indexes),
      stats: {
        entries: root.entries,
        bytes: root.bytes,
        bytesScanned: sum((s) => s.bytesScanned),
        bytesNew: sum((s) => s.bytesNew),
        bytesStored: sum((s) => s.bytesStored),
        blobsNew: sum((s) => s.blobsNew),
        durationMs: input.startedAt ? this.now() - input.startedAt.getTime() : 0,
      },
    };
    await this.checkDurationWithinGrace(input.startedAt, input.pruneStateSeen ?? this.pruneStateSeenOf(input.parts));
    const id = await putSealedObject(this.store, this.keys, snapshotKey, 'snapshot', encodeJson(record), null);
    return { ...record, id };
  }

  /**
   * Right before the snapshot object is written (the commit point): a backup that ran at least the
   * grace of a prune that ran during it (one its writers did not see) refuses, since a sweep may have
   * removed blobs it deduplicated against or packs it uploaded (docs/FORMAT.md §11).
   */
  private async checkDurationWithinGrace(startedAt: Date | undefined, seen: PruneStateSeen | undefined): Promise<void> {
    if (!startedAt) return;
    const limit = await backupDurationLimit(this.store, this.keys, startedAt, seen);
    const duration = this.now() - startedAt.getTime();
    if (limit !== null && duration >= limit.limitMs) throw new BackupOutlivedGraceError(this.location, duration, limit.limitMs, limit.cause);
  }

  /** What this instance's writers saw, when every part is one they returned (in memory); else unknown. */
  private pruneStateSeenOf(parts: CommitInput['parts']): PruneStateSeen | undefined {
    if (!Array.isArray(parts) || parts.length === 0) return undefined;
    const states: PruneStateSeen[] = [];
    for (const part of parts as readonly ManifestPart[]) {
      const seen = this.pruneStateSeenByPart.get(part);
      if (!seen) return undefined;
      states.push(seen);
    }
    return mergePruneStatesSeen(states);
  }

  async loadSnapshot(id: string): Promise<Snapshot> {
    const key = snapshotKey(id);
    const record = decodeJson(snapshotRecordSchema, await getSealedObject(this.store, this.keys, key, id, 'snapshot'), { location: this.location, key });
    this.snapshotsRead.add(id);
    if (this.indexLoad && !this.snapshotsCovered.has(id)) this.indexLoad = null;
    return { ...record, id };
  }

  /**
   * Every snapshot object, read `concurrency` at a time (8 unless told): the readable snapshots oldest first, and the objects
   * that failed their integrity check or vanished while listing (a concurrent prune). Any other
   * error (no access, the store is down) is thrown: then nothing can be said about the vault.
   * `afterListing` may stop the scan by throwing, before any snapshot object is read; `afterRead`, after any.
   */
  async scanSnapshots(options: SnapshotScanOptions = {}): Promise<SnapshotListing> {
    const ids: string[] = [];
    for await (const key of this.store.list(SNAPSHOTS_PREFIX)) {
      const id = idFromKey(SNAPSHOTS_PREFIX, key);
      if (id) ids.push(id);
    }
    const snapshots: Snapshot[] = [];
    const unreadable: UnreadableSnapshot[] = [];
    options.afterListing?.(ids.length);
    let read = 0;
    await mapBounded(ids, options.concurrency ?? 8, async (id) => {
      try {
        snapshots.push(await this.loadSnapshot(id));
      } catch (err) {
        if (err instanceof VaultCorruptionError) unreadable.push({ key: err.key, reason: corruptionDetail(err) });
        else if (err instanceof VaultObjectNotFoundError) unreadable.push({ key: err.key, reason: 'it was deleted while the snapshots were listed' });
        else throw err;
      }
      options.afterRead?.(++read);
    });
    snapshots.sort((a, b) => a.time.localeCompare(b.time) || a.id.localeCompare(b.id));
    unreadable.sort((a, b) => a.key.localeCompare(b.key));
    return { snapshots, unreadable };
  }

  /**
   * Every readable snapshot, oldest first. Unreadable snapshot objects are skipped and reported to
   * `onUnreadableSnapshot`; use scanSnapshots to get them as data.
   */
  async listSnapshots(): Promise<Snapshot[]> {
    const { snapshots, unreadable } = await this.scanSnapshots();
    for (const u of unreadable) this.onUnreadableSnapshot(u);
    return snapshots;
  }

  /** The newest readable snapshot, optionally of one source id (unreadable ones are reported as by listSnapshots). */
  async latestSnapshot(sourceId?: string): Promise<Snapshot | undefined> {
    const all = await this.listSnapshots();
    return all.filter((s) => sourceId === undefined || s.source.id === sourceId).pop();
  }

  /** Resolves `latest`, a full id or a unique id prefix (≥ 4 hex). A named snapshot that cannot be read is an error that says what to do. */
  async resolveSnapshot(ref: string): Promise<Snapshot> {
    if (ref === 'latest') {
      const { snapshots, unreadable } = await this.scanSnapshots();
      for (const u of unreadable) this.onUnreadableSnapshot(u);
      const latest = snapshots.at(-1);
      if (!latest) throw new SnapshotNotFoundError(`${this.location} has no ${unreadable.length > 0 ? `readable snapshots (${unreadable.length} snapshot object(s) cannot be read: run \`lifeboat vault verify\`)` : 'snapshots'}`);
      return latest;
    }
    if (!/^[0-9a-f]{4,64}$/.test(ref)) throw new SnapshotNotFoundError(`${JSON.stringify(ref)} is not a snapshot id (64 hex, a unique prefix of at least 4, or "latest")`);
    let id = ref;
    if (ref.length < 64) {
      const matches: string[] = [];
      for await (const key of this.store.list(SNAPSHOTS_PREFIX)) {
        const listed = idFromKey(SNAPSHOTS_PREFIX, key);
        if (listed?.startsWith(ref)) matches.push(listed);
      }
      if (matches.length !== 1) throw new SnapshotNotFoundError(`${matches.length === 0 ? 'no' : 'more than one'} snapshot in ${this.location} starts with ${ref}`);
      id = matches[0] as string;
    }
    try {
      return await this.loadSnapshot(id);
    } catch (err) {
      if (err instanceof VaultCorruptionError) throw new VaultCorruptionError(this.location, err.key, `${corruptionDetail(err)}; ${unreadableSnapshotAdvice(err.key)}`);
      throw err;
    }
  }

  /** The reader of a snapshot's manifest; manifests are content-addressed, so a reader kept from an earlier call is as good as a new one. */
  manifest(snapshot: Snapshot): Promise<ManifestReader> {
    return cached(this.manifestReaders, Vault.MANIFEST_READERS_KEPT, snapshot.manifest, () => ManifestReader.open(this.store, this.keys, snapshot.manifest));
  }

  /** Entries of a snapshot in manifest order, optionally under a path prefix and from a path on (ManifestReader.entries). */
  async *entries(snapshot: Snapshot, prefix = '', from?: string): AsyncGenerator<ManifestEntry> {
    yield* (await this.manifest(snapshot)).entries(prefix, from);
  }
}
