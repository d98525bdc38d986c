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
   * when h → {t, bytes (written to the file)}; with v (checked writes, vault/restorer/checked-writes.ts)
   * each blob is also read back from fd right after it is written and compared with its plaintext,
   * and the id of a blob sampled by residue v (sampledForIdCheck) re-derived → {flags: the index in
   * WRITE_CHECK_FINDINGS of what that found, end: the position after the last blob checked}.
   */
  | { op: 'restore'; t: number; k: number; f?: string; s?: number; o: number; n: number; b: readonly RestoreBlob[]; fd: number; p: number; h: boolean; v?: number }
  /**
   * Checks each blob b of file f, or of slab s (`at` relative to o): with `a` (authenticate) its GCM tag only, else
   * opened and its id recomputed (HMAC of the plaintext) → {t, bytes (stored bytes authenticated, or
   * plaintext bytes re-hashed, of the intact blobs), bad (the blobs that failed: index in b, what is wrong)}.
   * Every blob is checked, past a damaged one; a range beyond the file's end fails the task.
   */
  | { op: 'check'; t: number; k: number; f?: string; s?: number; o: number; n: number; b: readonly RestoreBlob[]; a: boolean }
  /**
   * Reads restored file f from its start, cut at the lengths n, and compares each piece's HMAC with
   * ids (the manifest entry's blob ids) → {t, flags: the index in FILE_CONTENT_FLAGS of what it found}.
   */
  | { op: 'file-ids'; t: number; k: number; f: string | Uint8Array; n: readonly number[]; ids: readonly Uint8Array[] };

/** What a `file-ids` task found: the file equals the blobs, ends early, goes on past them, or a piece hashes to another id. */
export const FILE_CONTENT_FLAGS = ['equal', 'shorter', 'longer', 'differs'] as const;
/**
 * What the checked writes of a range (or a file) found (vault/restorer/checked-writes.ts): every blob
 * read back equal to its plaintext; a blob read back otherwise; a sampled blob whose plaintext is not
 * the content of its id (a writer's fault in the vault, which `lifeboat vault verify --read-data`
 * finds in every blob); or blobs that do not cover the file's length exactly once. Listed from the
 * least to the most grave.
 */
export const WRITE_CHECK_FINDINGS = ['equal', 'differs', 'misfiled', 'incomplete'] as const;
export type WriteCheckFinding = (typeof WRITE_CHECK_FINDINGS)[number];

export type FileContentCheck = (typeof FILE_CONTENT_FLAGS)[number];

export type CodecReply = {
  t: number;
  error?: string;
  corrupt?: boolean;
  id?: Uint8Array;
  stored?: ArrayBuffer;
  flags?: number;
  bytes?: number;
  /** `check`: the blobs that failed, by index in the request's list, with what is wrong. */
  bad?: Array<{ i: number; e: string }>;
  end?: number;
  plain?: ArrayBuffer;
};

/**
 * How a check reads a stored blob: `authenticate` verifies its GCM tag (the stored bytes are what the
 * vault key sealed under the blob's id: storage damage and tampering); `rehash` also decompresses it and
 * recomputes its id from the plaintext (what the writer sealed is the content the id names).
 */
export type BlobCheck = 'authenticate' | 'rehash';
