/**
 * Where the objects of a vault live. The vault format (docs/FORMAT.md) is the same on every store:
 * keys are '/'-separated relative paths such as `config`, `keys/<id>`, `data/<2 hex>/<id>`,
 * `index/<id>`, `snapshots/<id>`. Implementations: a local directory (FileVaultStore) and an S3
 * bucket with an optional prefix (S3VaultStore).
 */
export interface VaultStore {
  /** Human-readable location for error messages: `/srv/vault` or `s3://bucket/prefix`. */
  readonly location: string;
  /**
   * Writes an object whole. Writing a key that exists replaces it (content-addressed keys make that
   * harmless), except where the store creates immutable objects only once (S3VaultStore: keys/, data/,
   * index/, manifest/, snapshots/ with If-None-Match), where the existing object stays.
   */
  put(key: string, body: Uint8Array, options?: PutOptions): Promise<void>;
  /**
   * Optional: writes an object even where `put` would leave an existing immutable object in place: the
   * scrub's repair of a copy that does not verify, with the tags of the healthy copy. Stores without it overwrite in `put`.
   */
  replace?(key: string, body: Uint8Array, options?: PutOptions): Promise<void>;
  /** Reads an object, or `range.length` bytes of it from `range.offset`. Throws VaultObjectNotFoundError when absent. */
  get(key: string, range?: ByteRange): Promise<Buffer>;
  /** True when the object exists. */
  has(key: string): Promise<boolean>;
  /** Every key that starts with `prefix` (which ends in '/' or is ''), in no particular order, paginating internally. */
  list(prefix: string): AsyncIterable<string>;
  /**
   * Optional: what `list` yields, each key with its object's size in bytes (same prefix rule, same
   * paging). S3 ListObjectsV2 returns every object's Size with its key, so the sizes cost no request of
   * their own; a directory stats each file (one that goes between the walk and its stat is left out, as
   * a later `list` would). Prune sizes the packs no index lists by it, and `vault repair index` reads a
   * pack's header without reading the pack whole. Callers of a store without it fall back to `list`
   * (and to whatever size they have otherwise).
   */
  listWithSizes?(prefix: string): AsyncIterable<ListedObject>;
  /**
   * Optional: writes an object only when no object with that key exists, as one atomic step: of
   * several concurrent calls for one key at most one returns true (written); the others return false
   * and change nothing. Used for `config`, whose creation must have exactly one winner
   * (docs/FORMAT.md §2, "Creating a vault"). Caveat: a store can only be as exclusive as its backend;
   * an S3 endpoint that ignores `If-None-Match` (bare s3rver) answers true and overwrites, so
   * callers that need the guarantee also read the object back (initVault does).
   */
  putIfAbsent?(key: string, body: Uint8Array): Promise<boolean>;
  /**
   * Removes an object; removing an absent object is not an error. A store with Object Lock throws
   * ObjectLockedError (vault/vault-errors.ts) for an object whose retention has not passed or that
   * has a legal hold, without trying the delete. `options.overRetention` hides a retained object instead
   * (DeleteOptions); stores without Object Lock (a directory, memory) delete as they always do.
   */
  delete(key: string, options?: DeleteOptions): Promise<void>;
  /**
   * Optional (stores with Object Lock): makes an object's retention last at least until `until`,
   * keeping its mode; never shortens it. An object retained until `until` or later is left alone (false);
   * otherwise its retention is set to `extendTo` (default `until`; a later date spares the next
   * extensions, docs/ARCHITECTURE.md "Object Lock") and the result is true. Throws
   * VaultObjectNotFoundError for an absent object.
   */
  extendRetention?(key: string, until: Date, extendTo?: Date): Promise<boolean>;
  /** Optional (stores with Object Lock): sets (true) or releases (false) an object's legal hold. Throws VaultObjectNotFoundError for an absent object. */
  setLegalHold?(key: string, on: boolean): Promise<void>;
  /** Optional (stores that may have Object Lock: S3): whether the object's legal hold is ON; null when the bucket has no Object Lock. Throws VaultObjectNotFoundError for an absent object. */
  legalHold?(key: string): Promise<boolean | null>;
  /** Optional: writes an object given as consecutive parts (same result as `put` of their concatenation, without building it). */
  putParts?(key: string, parts: readonly Uint8Array[], options?: PutOptions): Promise<void>;
  /**
   * Optional (stores that can append cheaply: a directory): an object written piece by piece, seen
   * under `key` only once `commit` resolves (same result as `put` of the pieces' concatenation). A
   * backup streams each pack's blobs into one, so that it holds no pack in memory.
   */
  createObjectWriter?(key: string, options?: PutOptions): Promise<ObjectWriter>;
  /**
   * Optional (stores with storage classes: S3): where an object is stored and whether it can be read now. Null for an
   * absent object. Stores without it hold every object readable at once.
   */
  storageState?(key: string): Promise<StoredObjectState | null>;
  /**
   * Optional (S3): asks for a readable copy of an archived object for `days` days (S3 RestoreObject with `tier`).
   * 'started': the thaw began; 'in-progress': one already runs; 'ready': a thawed copy is there. Throws
   * VaultObjectNotFoundError for an absent object; any other refusal as the store's own error.
   */
  requestThaw?(key: string, options: { days: number; tier: 'Expedited' | 'Standard' | 'Bulk' }): Promise<'started' | 'in-progress' | 'ready'>;
  /**
   * Optional (stores with object tags: S3, memory): an object's tags, {} for an untagged one (S3
   * GetObjectTagging). Prune's repack gives the packs it writes the tags of the packs their blobs come from,
   * so they stay in their plan's storage tier. Throws VaultObjectNotFoundError for an absent object. Stores
   * without it keep no tags (FileVaultStore ignores `PutOptions.tags`).
   */
  tagsOf?(key: string): Promise<Record<string, string>>;
  /** Optional: the local file holding an object, when the store is a directory (readers may then read it directly). */
  localPath?(key: string): string;
}

export type ByteRange = { readonly offset: number; readonly length: number };

/** An object found by VaultStore.listWithSizes: its key and its length in bytes. */
export type ListedObject = {
  readonly key: string;
  readonly size: number;
  /**
   * When the object was written, where the listing says and no writer chooses it (S3: LastModified, which S3
   * sets). Absent elsewhere: a file's mtime can be set by anyone, and a memory store keeps no time.
   */
  readonly lastModified?: Date;
};

/** An object being written by VaultStore.createObjectWriter. */
export interface ObjectWriter {
  /** Appends bytes; they may be reused or freed once this resolves. */
  write(bytes: Uint8Array): Promise<void>;
  /** Makes the object visible under its key, whole (durably where the store is). */
  commit(): Promise<void>;
  /** Drops what was written; the key is left as it was. Safe after a failed write or commit. */
  abort(): Promise<void>;
}

/** How VaultStore.delete treats an object Object Lock protects. */
export type DeleteOptions = {
  /**
   * Hide an object under a retention rather than refuse: on S3 a plain DeleteObject puts a delete marker
   * over it, which Object Lock allows (it protects versions, not which one is current), so listings, and
   * prune with them, no longer see it, and the retained version stays until the bucket's noncurrent-version
   * lifecycle rule removes it after its retention. A legal hold is still refused (ObjectLockedError), and so
   * is a retained object on an endpoint that keeps one version per key (the local cloud: a delete there would
   * destroy it). Only for an object nothing can ever need again: the snapshot of a FAILED backup whose own
   * record names that backup (lambdas/backup/commit-backup.ts); prune and forget never pass it.
   */
  readonly overRetention?: boolean;
};

/** How an object is written. Stores that cannot tag objects (directories, memory) ignore `tags`. */
export type PutOptions = {
  /** Object tags (S3: the PutObject Tagging parameter): packs carry their plan's tier tag, which lifecycle rules select by. */
  readonly tags?: Readonly<Record<string, string>>;
};

/**
 * An object's storage class and thaw state. `archived`: in an archive class (S3 Glacier Flexible Retrieval, Deep
 * Archive), readable only while a thawed copy exists; `thaw`: 'none' (never asked or expired), 'in-progress', 'ready'.
 */
export type StoredObjectState = {
  readonly storageClass: string;
  readonly archived: boolean;
  readonly thaw: 'none' | 'in-progress' | 'ready';
};
