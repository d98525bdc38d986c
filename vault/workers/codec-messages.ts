/**
 * The messages between codec-pool.ts (main thread) and codec-worker.ts (worker threads). Tasks carry
 * a number `t` and are answered with it; registrations (`keys`, `slab`, `drop-slab`) are not answered.
 * A worker's first message, `{ready: true}`, says its script is loaded.
 * Data travels as ranges of registered SharedArrayBuffers ("slabs"), results as transferred
 * ArrayBuffers: nothing is copied between threads.
 */
export type RestoreBlob = { readonly id: Uint8Array; readonly at: number; readonly stored: number; readonly raw: number };

export type CodecRequest =
  /** Register key set k: the 32-byte AES-256-GCM key and the 32-byte HMAC key. */
  | { op: 'keys'; k: number; enc: Uint8Array; mac: Uint8Array }
  /** Register shared slab s. */
  | { op: 'slab'; s: number; sab: SharedArrayBuffer }
  | { op: 'drop-slab'; s: number }
  /** HMAC-SHA-256 of slab s [o, o+n) → {t, id}. */
  | { op: 'hash'; t: number; k: number; s: number; o: number; n: number }
  /** Envelope of slab s [o, o+n) with context id, z = zstd level or null → {t, stored (transferred), flags}. */
  | { op: 'seal'; t: number; k: number; s: number; o: number; n: number; id: Uint8Array; z: number | null }
  /** One envelope in slab s [o, o+n) → {t, plain (transferred)}. */
  | { op: 'open'; t: number; k: number; s: number; o: number; n: number; id: Uint8Array; raw: number }
  /**
   * Reads [o, o+n) of pack file f (or slab s from o), opens each blob b (`at` relative to o) and
   * writes the plaintexts one after another to fd from position p, all-zero blocks left as holes
   * when h → {t, bytes (written to the file)}; with g (a content-tag key) also the content tag of
   * each blob's plaintext (crypto/content-tag.ts), 16 bytes a blob in b's order → {tags}.
   */
  | { op: 'restore'; t: number; k: number; f?: string; s?: number; o: number; n: number; b: readonly RestoreBlob[]; fd: number; p: number; h: boolean; g?: Uint8Array }
  /**
   * Checks each blob b of file f, or of slab s (`at` relative to o): with `a` (authenticate) its GCM tag only, else
   * opened and its id recomputed (HMAC of the plaintext) → {t, bytes (stored bytes authenticated, or
   * plaintext bytes re-hashed)}, or a corrupt error naming the first blob that fails.
   */
  | { op: 'check'; t: number; k: number; f?: string; s?: number; o: number; n: number; b: readonly RestoreBlob[]; a: boolean }
  /**
   * Reads restored file f from its start, cut at the lengths n, and compares each piece's HMAC with
   * ids (the manifest entry's blob ids) → {t, flags: the index in FILE_CONTENT_FLAGS of what it found};
   * with g and tags (16 bytes a piece, recorded when the blobs were decoded) each piece's content tag
   * under key g with the piece's tag instead.
   */
  | { op: 'file-ids'; t: number; k: number; f: string | Uint8Array; n: readonly number[]; ids: readonly Uint8Array[]; g?: Uint8Array; tags?: Uint8Array; r?: number };

/**
 * What a `file-ids` task found: the file equals the blobs, ends early, goes on past them, or a piece
 * hashes to another id; `misfiled`: a piece has the content tag of its decoded blob but not the
 * content of the blob's id (the sampled id check of a read-back by tags: the vault holds the blob
 * under the wrong id).
 */
export const FILE_CONTENT_FLAGS = ['equal', 'shorter', 'longer', 'differs', 'misfiled'] as const;
export type FileContentCheck = (typeof FILE_CONTENT_FLAGS)[number];

export type CodecReply = {
  t: number;
  error?: string;
  corrupt?: boolean;
  id?: Uint8Array;
  stored?: ArrayBuffer;
  flags?: number;
  bytes?: number;
  plain?: ArrayBuffer;
  tags?: Uint8Array;
};

/**
 * How a check reads a stored blob: `authenticate` verifies its GCM tag (the stored bytes are what the
 * vault key sealed under the blob's id: storage damage and tampering); `rehash` also decompresses it and
 * recomputes its id from the plaintext (what the writer sealed is the content the id names).
 */
export type BlobCheck = 'authenticate' | 'rehash';
