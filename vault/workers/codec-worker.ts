import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import * as fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { authenticateSync, EnvelopeError, openSync, sealSync } from '../crypto/sealed-codec';
import { sampledForIdCheck } from '../crypto/content-tag';
import { type CodecReply, type CodecRequest, FILE_CONTENT_FLAGS, type FileContentCheck, type RestoreBlob, WRITE_CHECK_FINDINGS, type WriteCheckFinding } from './codec-messages';
import { PromptCollector } from './prompt-collector';
import { writeAtSync, zerosFrom } from './sparse-write';
import { releaseBuffer } from '../platform/release-buffer';
import { warmUpCodec } from './codec-warm-up';

/**
 * The codec worker thread (codec-pool.ts starts it): the per-byte work of the vault — HMAC blob ids,
 * the deep check of stored blobs (open + id recomputed: scrub, verify --read-data), and the envelope of docs/FORMAT.md §3 through sealed-codec.ts's synchronous forms, the very code
 * the in-thread path runs. Blocking calls are the point here: each worker is one more core.
 *
 * The pool loads this module as a file (see codec-worker-location.ts); the messages it answers are
 * typed in codec-messages.ts. A failing task answers `{t, error, corrupt}` (corrupt: the bytes
 * failed authentication or decoding, as opposed to an I/O or internal error).
 */
type WorkerKeys = { enc: KeyObject; mac: KeyObject };

const keys = new Map<number, WorkerKeys>();
const slabs = new Map<number, SharedArrayBuffer>();
/** Collects this isolate's smaller garbage regularly, instead of when V8 gets to it (prompt-collector.ts). */
const collector = PromptCollector.forThisIsolate();
/** Reused read buffer for pack ranges read from local files, and restored files read back by their ids. */
let readBuf = Buffer.allocUnsafeSlow(1 << 20);
/** Reused buffer of checked writes: a blob read back right after it was written (readBuf may hold its pack range then). */
let checkBuf = Buffer.allocUnsafeSlow(1 << 20);

/** A pack is shorter than its index says: corruption, like a failed tag. */
class ShortPackError extends Error {}

function view(s: number, o: number, n: number): Buffer {
  const sab = slabs.get(s);
  if (!sab) throw new Error(`unknown slab ${s}`);
  return Buffer.from(sab, o, n);
}

function keyOf(k: number): WorkerKeys {
  const key = keys.get(k);
  if (!key) throw new Error(`unknown key set ${k}`);
  return key;
}

/** Reads up to `length` bytes of `fd` from `position` into the start of the worker's read buffer (grown when needed); the bytes read, fewer only at the end of the file. */
function readAt(fd: number, length: number, position: number): number {
  if (readBuf.length < length) readBuf = Buffer.allocUnsafeSlow(Math.max(length, readBuf.length * 2));
  return readFullySync(fd, readBuf.subarray(0, length), position);
}

/** Fills `into` from `position` of `fd`; the bytes read, fewer only at the end of the file. */
function readFullySync(fd: number, into: Buffer, position: number): number {
  let done = 0;
  while (done < into.length) {
    const n = fs.readSync(fd, into, done, into.length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done;
}

function readPack(file: string, offset: number, length: number): Buffer {
  const fd = fs.openSync(file, 'r');
  try {
    if (readAt(fd, length, offset) !== length) throw new ShortPackError(`pack is shorter than the index says (wanted bytes ${offset}–${offset + length})`);
  } finally {
    fs.closeSync(fd);
  }
  return readBuf.subarray(0, length);
}

/** One blob's plaintext; the exact length is known from the index, so it is also the decompression bound. */
function openBlob(key: WorkerKeys, id: Uint8Array, envelope: Uint8Array, raw: number): Buffer {
  // A restore or check task opens up to 16 MiB of blobs: the previous blob's buffers are dead here.
  collector.collectIfDue();
  collector.processed(raw);
  return openSync(key.enc, id, envelope, { maxPlaintext: raw, expectedLength: raw });
}

/** Handles one message; returns the reply and the buffers to transfer with it (null for registrations). */
function handle(m: CodecRequest): { reply: CodecReply; transfer: ArrayBuffer[] } | null {
  switch (m.op) {
    case 'keys':
      keys.set(m.k, { enc: createSecretKey(Buffer.from(m.enc)), mac: createSecretKey(Buffer.from(m.mac)) });
      return null;
    case 'slab':
      slabs.set(m.s, m.sab);
      return null;
    case 'drop-slab':
      slabs.delete(m.s);
      return null;
    case 'hash': {
      const id = createHmac('sha256', keyOf(m.k).mac).update(view(m.s, m.o, m.n)).digest();
      return { reply: { t: m.t, id }, transfer: [] };
    }
    case 'seal': {
      const { stored, compressed } = sealSync(keyOf(m.k).enc, m.id, view(m.s, m.o, m.n), m.z);
      const buffer = stored.buffer as ArrayBuffer;
      collector.processed(m.n);
      return { reply: { t: m.t, stored: buffer, flags: compressed ? 1 : 0 }, transfer: [buffer] };
    }
    case 'open': {
      const plain = openBlob(keyOf(m.k), m.id, view(m.s, m.o, m.n), m.raw);
      const own = plain.byteOffset === 0 && plain.byteLength === plain.buffer.byteLength ? plain : Buffer.from(plain);
      if (own !== plain) releaseBuffer(plain);
      const buffer = own.buffer as ArrayBuffer;
      return { reply: { t: m.t, plain: buffer }, transfer: [buffer] };
    }
    case 'restore': {
      const key = keyOf(m.k);
      const bytes = m.f !== undefined ? readPack(m.f, m.o, m.n) : view(m.s ?? -1, m.o, m.n);
      let position = m.p;
      let written = 0;
      let found: WriteCheckFinding = 'equal';
      for (const b of m.b) {
        let plain: Buffer;
        try {
          plain = openBlob(key, b.id, bytes.subarray(b.at, b.at + b.stored), b.raw);
        } catch (err) {
          if (err instanceof EnvelopeError) throw new EnvelopeError(`blob ${Buffer.from(b.id).toString('hex')}: ${err.message}`);
          throw err;
        }
        written += writeAtSync(m.fd, plain, position, m.h);
        if (m.v !== undefined && found === 'equal') found = checkWritten(key, m.fd, position, plain, b.id, m.v);
        position += plain.length;
        // Written: freed now rather than by a collection (release-buffer.ts).
        releaseBuffer(plain);
      }
      return { reply: { t: m.t, bytes: written, ...(m.v !== undefined ? { flags: WRITE_CHECK_FINDINGS.indexOf(found), end: position } : {}) }, transfer: [] };
    }
    case 'check': {
      const key = keyOf(m.k);
      const bytes = m.f !== undefined ? readPack(m.f, m.o, m.n) : view(m.s ?? -1, m.o, m.n);
      let checked = 0;
      const bad: Array<{ i: number; e: string }> = [];
      m.b.forEach((b, i) => {
        try {
          checked += checkBlob(key, b, bytes.subarray(b.at, b.at + b.stored), m.a);
        } catch (err) {
          if (!(err instanceof EnvelopeError)) throw err;
          bad.push({ i, e: err.message });
        }
      });
      return { reply: { t: m.t, bytes: checked, ...(bad.length > 0 ? { bad } : {}) }, transfer: [] };
    }
    case 'file-ids':
      return { reply: { t: m.t, flags: FILE_CONTENT_FLAGS.indexOf(checkFileIds(keyOf(m.k), m.f, m.n, m.ids)) }, transfer: [] };
  }
}

/**
 * One stored blob's check: its GCM tag (`authenticateOnly`), or opened and its id recomputed. Returns
 * the bytes checked; throws EnvelopeError saying what is wrong.
 */
function checkBlob(key: WorkerKeys, b: RestoreBlob, stored: Buffer, authenticateOnly: boolean): number {
  if (authenticateOnly) {
    authenticateSync(key.enc, b.id, stored);
    return b.stored;
  }
  const plain = openBlob(key, b.id, stored, b.raw);
  const length = plain.length;
  const intact = createHmac('sha256', key.mac).update(plain).digest().equals(b.id);
  releaseBuffer(plain);
  if (!intact) throw new EnvelopeError('decrypts to content with another id');
  return length;
}

/**
 * A checked write (vault/restorer/checked-writes.ts): the bytes at `position` of `fd`, read back
 * right after `plain` was written there (holes left by a sparse write read as the zeros they stand
 * for, and zeros past the file's current end are taken as such), against `plain`; and, for a blob sampled by `residue`, `plain` against its id.
 */
function checkWritten(key: WorkerKeys, fd: number, position: number, plain: Buffer, id: Uint8Array, residue: number): WriteCheckFinding {
  if (checkBuf.length < plain.length) checkBuf = Buffer.allocUnsafeSlow(Math.max(plain.length, checkBuf.length * 2));
  const done = readFullySync(fd, checkBuf.subarray(0, plain.length), position);
  // Short only past the file's end, where a sparse write left zeros unwritten (the file's length is set at the end).
  if (!checkBuf.subarray(0, done).equals(plain.subarray(0, done)) || !zerosFrom(plain, done)) return 'differs';
  if (sampledForIdCheck(id, residue) && !createHmac('sha256', key.mac).update(plain).digest().equals(id)) return 'misfiled';
  return 'equal';
}

/** A restored file against its blob ids: read piece by piece into the worker's read buffer, each piece's HMAC compared with its id. */
function checkFileIds(key: WorkerKeys, file: string | Uint8Array, lengths: readonly number[], ids: readonly Uint8Array[]): FileContentCheck {
  // A path that is not UTF-8 arrives as bytes (a Buffer is cloned into a plain Uint8Array).
  const fd = fs.openSync(typeof file === 'string' ? file : Buffer.from(file.buffer, file.byteOffset, file.byteLength), 'r');
  try {
    let position = 0;
    for (let i = 0; i < lengths.length; i++) {
      const length = lengths[i] as number;
      if (readAt(fd, length, position) !== length) return 'shorter';
      if (!createHmac('sha256', key.mac).update(readBuf.subarray(0, length)).digest().equals(ids[i] as Uint8Array)) return 'differs';
      position += length;
    }
    return readAt(fd, 1, position) > 0 ? 'longer' : 'equal';
  } finally {
    fs.closeSync(fd);
  }
}

const port = parentPort;
if (!port) throw new Error('codec-worker.ts runs as a worker thread of codec-pool.ts, not as a program');
port.on('message', (m: CodecRequest) => {
  try {
    const result = handle(m);
    if (result) port.postMessage(result.reply, result.transfer);
    collector.collectIfDue();
  } catch (err) {
    if (!('t' in m)) throw err;
    const corrupt = err instanceof EnvelopeError || err instanceof ShortPackError;
    port.postMessage({ t: m.t, error: err instanceof Error ? err.message : String(err), corrupt } satisfies CodecReply);
  }
});
// Tells the pool that this script is loaded (a script built from source is then removed from disk).
port.postMessage({ ready: true });
// A prestarted thread warms its codec while the program that started it loads (codec-warm-up.ts).
// Only a head start: a failure here leaves the tasks to fail or succeed on their own.
if ((workerData as { warmUp?: boolean } | null)?.warmUp === true) {
  setImmediate(() => {
    try {
      warmUpCodec();
    } catch {
      // the first tasks then pay the first touches, as without a warm-up
    }
  });
}
