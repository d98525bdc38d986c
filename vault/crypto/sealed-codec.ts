import { promisify } from 'node:util';
import { createCipheriv, createDecipheriv, type KeyObject, randomBytes } from 'node:crypto';
import { constants as zc, type ZstdOptions, zstdCompress, zstdCompressSync, zstdDecompress, zstdDecompressSync } from 'node:zlib';
import { type VaultKeys } from './vault-keys';
import { releaseBuffer } from '../platform/release-buffer';

/**
 * The one encryption envelope of the vault (docs/FORMAT.md §3), used for blobs inside packs and
 * for every sealed object (config, index, manifest pages, manifest roots, snapshots, pack headers):
 *
 *   flags (1 byte) | nonce (12 bytes) | AES-256-GCM ciphertext | GCM tag (16 bytes)
 *
 * `flags` = 0 (stored raw) or 1 (zstd frame). It travels in the clear so a reader knows whether to
 * decompress, and is authenticated as the first byte of the additional data; the rest of the
 * additional data is the *context*: the blob id for blobs, `lifeboat/v1/<kind>` for objects.
 * Swapping a blob for another, or an index for a snapshot, therefore fails authentication.
 *
 * Two forms of the same code: `seal`/`open` for the main thread (async zstd on libuv's thread pool;
 * AES-GCM in the thread with node:crypto);
 * `sealSync`/`openSync` run the identical steps synchronously inside a codec worker thread
 * (workers/codec-worker.ts), where blocking is the point. Everything but the cipher call —
 * compression choice, layout, checks, error text — is shared below.
 *
 * Why AES-GCM in the thread: measured on the 2-core development machine (Node 24), node:crypto's
 * synchronous AES-256-GCM decrypts 32 MiB in 4–7 ms whatever the object size (4 KiB to 8 MiB), while
 * WebCrypto's thread-pool jobs take 28–50 ms for the same bytes with 4 in flight, and 250 ms in 4 KiB
 * objects: the job plumbing costs more than the cipher, and at ~8 GB/s the cipher blocks the thread
 * for about 0.13 ms per MiB. HMAC blob ids stay on WebCrypto (vault-keys.ts): SHA-256 is the slow
 * part there, and the pool runs it beside the main thread's chunking.
 *
 * Memory: zstd's output and the cipher's output are freed as soon as they have been copied on
 * (platform/release-buffer.ts), and the caller frees the plaintext `openSync` hands back once it is
 * written (codec-worker.ts). Left to the collector, they were ~100 MiB a codec worker on the 1 GiB
 * bench (zstd's output stays reachable from node:zlib's closed stream object until a full
 * collection). The plaintext given to `seal` and the stored bytes given to `open` are never freed here.
 */
export const ENVELOPE_HEADER_BYTES = 13;
export const GCM_TAG_BYTES = 16;
export const ENVELOPE_OVERHEAD = ENVELOPE_HEADER_BYTES + GCM_TAG_BYTES;
export const FLAG_RAW = 0;
export const FLAG_ZSTD = 1;

const compressAsync = promisify(zstdCompress);
const decompressAsync = promisify(zstdDecompress);

/** The envelope failed authentication or structure checks; callers turn it into VaultCorruptionError naming the object. */
export class EnvelopeError extends Error {
  override name = 'EnvelopeError';
}

/** The zstd level a new vault's blobs are sealed with unless its creator chooses one (the vault's config keeps it). */
export const DEFAULT_COMPRESSION_LEVEL = 3;

export type SealOptions = {
  /** zstd level, or null to store raw. Compression is skipped anyway when it does not shrink the data. */
  readonly compressionLevel: number | null;
};

function additionalData(flags: number, context: Uint8Array): Buffer {
  const aad = Buffer.allocUnsafe(1 + context.length);
  aad[0] = flags;
  aad.set(context, 1);
  return aad;
}

/**
 * zstd options: `chunkSize` is raised to the input size because the zlib default (16 KiB) makes one
 * thread-pool round trip (or output buffer) per 16 KiB of output. `pledgedSrcSize`: the async
 * (streaming) form then writes the very frame the sync form does (content size in the header), so
 * the in-thread and the worker codec store the same bytes.
 */
function compressOptions(data: Uint8Array, level: number): ZstdOptions {
  return { chunkSize: Math.max(64 * 1024, data.length + 1024), pledgedSrcSize: data.length, params: { [zc.ZSTD_c_compressionLevel]: level, [zc.ZSTD_c_checksumFlag]: 0 } };
}

function decompressOptions(frame: Uint8Array, limits: OpenLimits): ZstdOptions {
  // The output buffer is allocated at chunkSize up front: sized to the limit (512 MiB for sealed
  // objects) every manifest page read allocated that much, and prune spent most of its time in GC.
  // One byte over the expected size: an output that fills its buffer exactly makes node:zlib allocate
  // a second buffer that size to find the frame's end, a plaintext-sized allocation per blob for nothing.
  const expected = limits.expectedLength ?? zstdFrameContentSize(frame) ?? frame.length * 4;
  return { chunkSize: Math.max(64 * 1024, Math.min(expected, limits.maxPlaintext) + 1), maxOutputLength: Math.max(1, limits.maxPlaintext) };
}

/**
 * The decompressed size a zstd frame header declares (RFC 8878 §3.1.1.1: every frame this vault
 * writes has it, compressOptions pledges the source size), or undefined when the header does not
 * say. Only a buffer size hint: maxOutputLength still bounds the output, and the length is checked after.
 */
export function zstdFrameContentSize(frame: Uint8Array): number | undefined {
  if (frame.length < 6 || frame[0] !== 0x28 || frame[1] !== 0xb5 || frame[2] !== 0x2f || frame[3] !== 0xfd) return undefined;
  const descriptor = frame[4] as number;
  const fcsFlag = descriptor >> 6;
  const singleSegment = (descriptor >> 5) & 1;
  const dictionaryBytes = [0, 1, 2, 4][descriptor & 3] as number;
  const fcsBytes = fcsFlag === 0 ? singleSegment : [0, 2, 4, 8][fcsFlag] as number;
  if (fcsBytes === 0) return undefined;
  const at = 5 + (singleSegment ? 0 : 1) + dictionaryBytes;
  if (frame.length < at + fcsBytes) return undefined;
  const view = new DataView(frame.buffer, frame.byteOffset + at, fcsBytes);
  if (fcsBytes === 1) return view.getUint8(0);
  if (fcsBytes === 2) return view.getUint16(0, true) + 256;
  if (fcsBytes === 4) return view.getUint32(0, true);
  const size = view.getBigUint64(0, true);
  return size > BigInt(Number.MAX_SAFE_INTEGER) ? undefined : Number(size);
}

/** Whether zstd is worth trying on `plaintext` at all. */
function tryCompression(plaintext: Uint8Array, level: number | null): level is number {
  return level !== null && plaintext.length >= 64 && !looksIncompressible(plaintext);
}

/** Keep the compressed form only when it saves at least 1/64 of the size: decompressing costs restore time. */
function worthKeeping(packed: Uint8Array, plaintext: Uint8Array): boolean {
  return packed.length < plaintext.length - (plaintext.length >> 6);
}

export type OpenLimits = { readonly maxPlaintext: number; readonly expectedLength?: number };

/** Structure checks of an envelope before decryption; returns its flags. */
function envelopeFlags(stored: Uint8Array): number {
  if (stored.length < ENVELOPE_OVERHEAD) throw new EnvelopeError(`envelope of ${stored.length} bytes is shorter than its ${ENVELOPE_OVERHEAD}-byte overhead`);
  const flags = stored[0];
  if (flags !== FLAG_RAW && flags !== FLAG_ZSTD) throw new EnvelopeError(`unknown envelope flags ${String(flags)}`);
  return flags;
}

const AUTH_FAILED = 'authentication failed (AES-256-GCM tag mismatch): the bytes were changed or belong elsewhere';

function zstdFailed(err: unknown): EnvelopeError {
  return new EnvelopeError(`zstd frame does not decompress: ${err instanceof Error ? err.message : String(err)}`);
}

function checkPlaintext(plaintext: Buffer, limits: OpenLimits): Buffer {
  if (plaintext.length > limits.maxPlaintext) throw new EnvelopeError(`plaintext of ${plaintext.length} bytes exceeds the limit of ${limits.maxPlaintext}`);
  if (limits.expectedLength !== undefined && plaintext.length !== limits.expectedLength) {
    throw new EnvelopeError(`plaintext is ${plaintext.length} bytes, the index says ${limits.expectedLength}`);
  }
  return plaintext;
}

/**
 * A cheap guard that spares zstd (and an output buffer) on data that is already compressed or random:
 * the Shannon entropy of a strided sample of up to 8 KiB. Random bytes measure ≈ 7.97 bits/byte on
 * such a sample; text and most structured data stay far below 7.5. Short inputs are always tried.
 */
export function looksIncompressible(data: Uint8Array): boolean {
  if (data.length < 16 * 1024) return false;
  const samples = 8192;
  const stride = Math.floor(data.length / samples);
  const counts = new Uint32Array(256);
  for (let i = 0, o = 0; i < samples; i++, o += stride) counts[data[o] as number]! += 1;
  let entropy = 0;
  for (let c = 0; c < 256; c++) {
    const n = counts[c] as number;
    if (n > 0) {
      const p = n / samples;
      entropy -= p * Math.log2(p);
    }
  }
  return entropy > 7.8;
}

/** Seals `plaintext`: returns the stored bytes and whether they are compressed. */
export async function seal(keys: VaultKeys, context: Uint8Array, plaintext: Uint8Array, options: SealOptions): Promise<{ stored: Buffer; compressed: boolean }> {
  let payload: Uint8Array = plaintext;
  let flags = FLAG_RAW;
  if (tryCompression(plaintext, options.compressionLevel)) {
    const packed = await compressAsync(plaintext, compressOptions(plaintext, options.compressionLevel));
    if (worthKeeping(packed, plaintext)) {
      payload = packed;
      flags = FLAG_ZSTD;
    } else releaseBuffer(packed);
  }
  const stored = encryptSync(keys.encryptionKey, flags, context, payload);
  if (payload !== plaintext) releaseBuffer(payload);
  return { stored, compressed: flags === FLAG_ZSTD };
}

/**
 * Opens an envelope. `maxPlaintext` bounds the decompressed size (a damaged or hostile frame cannot
 * make the reader allocate without limit); `expectedLength`, when known, is checked exactly.
 */
export async function open(keys: VaultKeys, context: Uint8Array, stored: Uint8Array, limits: OpenLimits): Promise<Buffer> {
  const flags = envelopeFlags(stored);
  const payload = decryptSync(keys.encryptionKey, context, flags, stored);
  let plaintext = payload;
  if (flags === FLAG_ZSTD) {
    try {
      plaintext = await decompressAsync(payload, decompressOptions(payload, limits));
    } catch (err) {
      throw zstdFailed(err);
    }
    releaseBuffer(payload);
  }
  return checkPlaintext(plaintext, limits);
}

/**
 * `seal` done synchronously with a node:crypto key (codec worker threads). The envelope is written
 * into one buffer that owns its ArrayBuffer, so a worker can transfer it without a copy.
 */
export function sealSync(encryptionKey: KeyObject, context: Uint8Array, plaintext: Uint8Array, compressionLevel: number | null): { stored: Buffer; compressed: boolean } {
  let payload: Uint8Array = plaintext;
  let flags = FLAG_RAW;
  if (tryCompression(plaintext, compressionLevel)) {
    const packed = zstdCompressSync(plaintext, compressOptions(plaintext, compressionLevel));
    if (worthKeeping(packed, plaintext)) {
      payload = packed;
      flags = FLAG_ZSTD;
    } else releaseBuffer(packed);
  }
  const stored = encryptSync(encryptionKey, flags, context, payload);
  if (payload !== plaintext) releaseBuffer(payload);
  return { stored, compressed: flags === FLAG_ZSTD };
}

/** The envelope of `payload` (already compressed or not, as `flags` says), in one buffer that owns its ArrayBuffer. */
function encryptSync(encryptionKey: KeyObject, flags: number, context: Uint8Array, payload: Uint8Array): Buffer {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', encryptionKey, nonce, { authTagLength: GCM_TAG_BYTES });
  cipher.setAAD(additionalData(flags, context));
  const stored = Buffer.allocUnsafeSlow(ENVELOPE_HEADER_BYTES + payload.length + GCM_TAG_BYTES);
  stored[0] = flags;
  nonce.copy(stored, 1);
  const ciphertext = cipher.update(payload);
  ciphertext.copy(stored, ENVELOPE_HEADER_BYTES);
  releaseBuffer(ciphertext);
  if (cipher.final().length > 0) throw new Error('unexpected AES-GCM final output');
  cipher.getAuthTag().copy(stored, ENVELOPE_HEADER_BYTES + payload.length);
  return stored;
}

/** `open` done synchronously with a node:crypto key (codec worker threads); same checks, same errors. */
export function openSync(encryptionKey: KeyObject, context: Uint8Array, stored: Uint8Array, limits: OpenLimits): Buffer {
  const flags = envelopeFlags(stored);
  const payload = decryptSync(encryptionKey, context, flags, stored);
  let plaintext = payload;
  if (flags === FLAG_ZSTD) {
    try {
      plaintext = zstdDecompressSync(payload, decompressOptions(payload, limits));
    } catch (err) {
      throw zstdFailed(err);
    }
    releaseBuffer(payload);
  }
  return checkPlaintext(plaintext, limits);
}

/** `authenticateSync` for the main thread when no codec worker runs. */
export async function authenticate(keys: VaultKeys, context: Uint8Array, stored: Uint8Array): Promise<void> {
  authenticateSync(keys.encryptionKey, context, stored);
}

/**
 * Authenticates an envelope without opening it further: the GCM tag over flags, nonce and ciphertext,
 * with `context` (a blob's id) as additional data. It proves the stored bytes are exactly what a holder
 * of the vault key sealed under that id; unlike `openSync` it neither decompresses nor hands back the
 * plaintext, so the scrub (vault/checker/object-check.ts, "authenticate") costs one AES pass per byte.
 */
export function authenticateSync(encryptionKey: KeyObject, context: Uint8Array, stored: Uint8Array): void {
  const flags = envelopeFlags(stored);
  try {
    const decipher = createDecipheriv('aes-256-gcm', encryptionKey, stored.subarray(1, ENVELOPE_HEADER_BYTES), { authTagLength: GCM_TAG_BYTES });
    decipher.setAAD(additionalData(flags, context));
    decipher.setAuthTag(stored.subarray(stored.length - GCM_TAG_BYTES));
    // The plaintext is thrown away, so it is made in small pieces: buffers that size come from the
    // allocator's free lists, where one big output would be fresh pages, each one a page fault
    // (measured: 5.2 MiB in one call 20 ms cold, in 64 KiB pieces 1–6 ms).
    const end = stored.length - GCM_TAG_BYTES;
    for (let at = ENVELOPE_HEADER_BYTES; at < end; at += AUTHENTICATE_PIECE_BYTES) decipher.update(stored.subarray(at, Math.min(end, at + AUTHENTICATE_PIECE_BYTES)));
    decipher.final();
  } catch {
    throw new EnvelopeError(AUTH_FAILED);
  }
}

const AUTHENTICATE_PIECE_BYTES = 64 * 1024;

/** The envelope's payload (still compressed when flags say so), after its tag verified. */
function decryptSync(encryptionKey: KeyObject, context: Uint8Array, flags: number, stored: Uint8Array): Buffer {
  try {
    const decipher = createDecipheriv('aes-256-gcm', encryptionKey, stored.subarray(1, ENVELOPE_HEADER_BYTES), { authTagLength: GCM_TAG_BYTES });
    decipher.setAAD(additionalData(flags, context));
    decipher.setAuthTag(stored.subarray(stored.length - GCM_TAG_BYTES));
    const payload = decipher.update(stored.subarray(ENVELOPE_HEADER_BYTES, stored.length - GCM_TAG_BYTES));
    decipher.final();
    return payload;
  } catch {
    throw new EnvelopeError(AUTH_FAILED);
  }
}

/** Additional-data context of a sealed object of the given kind. */
export function objectContext(kind: SealedObjectKind): Buffer {
  return Buffer.from(`lifeboat/v1/${kind}`, 'utf8');
}

export type SealedObjectKind = 'config' | 'index' | 'manifest-page' | 'manifest-node' | 'manifest' | 'snapshot' | 'pack-header' | 'prune-condemned' | 'prune-policy' | 'prune-lease';
