import { Worker } from 'node:worker_threads';
import { type BlobCheck, type CodecReply, type CodecRequest, FILE_CONTENT_FLAGS, type FileContentCheck, type RestoreBlob, WRITE_CHECK_FINDINGS, type WriteCheckFinding } from './codec-messages';
import { codecWorkerScript } from './codec-worker-location';
import { takePrestartedWorker } from './prestarted-worker';
import { codecPoolLimit } from './codec-pool-size';
import { scannableSharedMemory } from '../chunker/gear-scanner';
import { type VaultKeys } from '../crypto/vault-keys';

/**
 * A pool of worker threads for the per-byte work of the vault: HMAC blob ids, zstd, AES-256-GCM,
 * and on restore whole "read a pack range, open its blobs, write them to a file" tasks.
 *
 * Data goes to the workers without copies: backups read files into shared slabs
 * (SharedArrayBuffers registered once with every worker, see SlabPool) and tasks name a range of
 * a slab; sealed blobs come back as transferred ArrayBuffers. The main thread is left with the
 * chunking loop, the index and the pack/manifest bookkeeping.
 *
 * One pool per process (`CodecPool.shared()`), sized to the cores (at most 4 workers). Workers are
 * unref'd while idle, so an idle pool never keeps a process alive (a worker that never got a task
 * included: see CodecWorker's constructor). When worker threads cannot be
 * started (or `LIFEBOAT_VAULT_WORKERS=0`), `shared()` returns null and callers use the in-thread
 * path (sealed-codec.ts on libuv's thread pool), which produces the same format.
 */
export class CodecTaskError extends Error {
  override name = 'CodecTaskError';
  constructor(
    message: string,
    /** The bytes failed authentication or decoding (as opposed to an I/O or internal error). */
    readonly corrupt: boolean,
  ) {
    super(message);
  }
}

type Pending = { resolve: (m: CodecReply) => void; reject: (err: unknown) => void };
type TaskRequest = Extract<CodecRequest, { t: number }>;
/** A task without its number (the pool assigns it). */
type Task = TaskRequest extends infer R ? (R extends TaskRequest ? Omit<R, 't'> : never) : never;

class CodecWorker {
  readonly pending = new Map<number, Pending>();
  dead: unknown = null;
  private refd = false;

  constructor(
    readonly worker: Worker,
    /** Called once when the thread has loaded its script (its first message), or failed to. */
    private onLoaded: (() => void) | null = null,
  ) {
    worker.on('message', (m: CodecReply | { ready: true }) => {
      if (!('t' in m)) {
        this.loaded();
        return;
      }
      const p = this.pending.get(m.t);
      if (!p) return;
      this.pending.delete(m.t);
      this.updateRef();
      if (m.error !== undefined) p.reject(new CodecTaskError(m.error, m.corrupt === true));
      else p.resolve(m);
    });
    const fail = (err: unknown): void => {
      this.loaded();
      this.dead ??= err;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
      this.updateRef();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`codec worker exited with code ${code}`)));
    // After the listeners: adding a 'message' listener refs the worker's port again, and a worker
    // that then never got a task kept the process alive for ever (the CLI did not exit).
    worker.unref();
  }

  private loaded(): void {
    const onLoaded = this.onLoaded;
    this.onLoaded = null;
    onLoaded?.();
  }

  register(message: CodecRequest): void {
    this.worker.postMessage(message);
  }

  post(t: number, message: TaskRequest, transfer: ArrayBuffer[] = []): Promise<CodecReply> {
    if (this.dead) return Promise.reject(this.dead instanceof Error ? this.dead : new Error(String(this.dead)));
    return new Promise<CodecReply>((resolve, reject) => {
      this.pending.set(t, { resolve, reject });
      this.updateRef();
      this.worker.postMessage(message, transfer);
    });
  }

  /** Referenced while a task is pending (the process must wait for it), unreferenced when idle. */
  private updateRef(): void {
    const want = this.pending.size > 0;
    if (want === this.refd) return;
    this.refd = want;
    if (want) this.worker.ref();
    else this.worker.unref();
  }
}

let sharedPool: CodecPool | null | undefined;

/**
 * The size of each shared slab (SlabPool): room for a file read block (4 MiB, FILE_READ_BLOCK) plus
 * the unchunked tail carried from the block before, which is under 4 MiB but for the rare chunk of 4
 * to 8 MiB (that region gets a dedicated buffer). 8 MiB slabs with 4 MiB blocks instead of 16 with 8:
 * the 1 GiB bench backup's peak RSS 229–235 → 192–199 MiB (three runs each, alternated, /usr/bin/time),
 * the same wall (3.9–4.4 s) and CPU (7.2–7.9 s). A pack range or stored blob over 8 MiB read from an
 * S3 vault (restore, scrub) also gets a dedicated buffer, as one over 16 MiB did before.
 */
const SLAB_BYTES = 8 * 1024 * 1024;

/**
 * How long a backup's reader may have waited for free slabs, in total, before the pool starts one
 * more worker. A worker costs ~80 ms of CPU to boot and ~12 MiB of fresh memory, and each page
 * of it is a fault on this kind of VM: on the bench's 1 % incremental (80 MB read, 51 MB new) one
 * worker took 0.70–0.75 s and two 0.80–0.90 s (four runs each, alternated), although the reader
 * waited ~0.13 s for the one worker. A full backup waits that long within its first ~0.15 s.
 */
export const GROW_AFTER_WAITING_MS = 200;

export class CodecPool {
  private readonly workers: CodecWorker[] = [];
  private nextTask = 1;
  private nextKeySet = 1;
  private nextSlab = 1;
  private readonly keySets = new WeakMap<VaultKeys, number>();
  private slabPool: SlabPool | null = null;
  /** What every worker must know before its first task (key sets, live slabs): replayed to workers started later. */
  private readonly registrations = new Map<string, CodecRequest>();

  private constructor(
    /** The most workers this pool starts. */
    readonly limit: number,
    initial: number,
  ) {
    this.start(initial);
  }

  private start(count: number): void {
    // The pool's first worker may already be booting (prestarted-worker.ts).
    const early = count > 0 && this.workers.length === 0 ? takePrestartedWorker() : null;
    if (early) {
      this.add(new CodecWorker(early.worker, early.loaded ? null : early.release));
      if (--count === 0) return;
    }
    const script = codecWorkerScript();
    let loading = count;
    const loaded = (): void => {
      if (--loading === 0) script.release();
    };
    try {
      for (let i = 0; i < count; i++) this.add(new CodecWorker(new Worker(script.file, { name: `lifeboat-codec-${this.workers.length}` }), loaded));
    } catch (err) {
      script.release();
      throw err;
    }
  }

  /** Takes a worker into the pool, telling it first what the workers before it were told. */
  private add(worker: CodecWorker): void {
    for (const message of this.registrations.values()) worker.register(message);
    this.workers.push(worker);
  }

  /**
   * Starts one more worker, when the pool is below its limit and the reader has waited for the
   * workers long enough (GROW_AFTER_WAITING_MS) to be worth one. Returns whether it did.
   */
  grow(waitedMs: number): boolean {
    if (waitedMs < GROW_AFTER_WAITING_MS) return false;
    const before = this.workers.length;
    this.ensure(before + 1);
    return this.workers.length > before;
  }

  /**
   * The process's pool, or null when worker threads are disabled or unavailable, with at least
   * `workers` of its threads started (all of them, up to its limit, when not given). A backup asks
   * for one (Vault.newSnapshotWriter) and the pool grows as the backup waits for it (`grow`): a small
   * backup, an incremental or a Lambda shard of a few changed objects, never pays for a second
   * thread. Restores and checks ask for all: their tasks are whole pack ranges handed out at once,
   * with no wait that would grow the pool.
   */
  static shared(workers?: number): CodecPool | null {
    if (sharedPool === undefined) {
      const size = codecPoolLimit();
      if (size === 0) {
        sharedPool = null;
        return null;
      }
      try {
        sharedPool = new CodecPool(size, Math.min(size, Math.max(1, workers ?? size)));
      } catch {
        sharedPool = null;
      }
      return sharedPool;
    }
    sharedPool?.ensure(workers ?? sharedPool.limit);
    return sharedPool;
  }

  /** Starts workers until `count` run (at most the limit); a worker that cannot start leaves the pool as it is. */
  private ensure(count: number): void {
    const missing = Math.min(count, this.limit) - this.workers.length;
    if (missing <= 0) return;
    try {
      this.start(missing);
    } catch {
      // The workers already running carry on.
    }
  }

  /**
   * Starts the shared pool's threads now, so that they boot while the caller opens the vault:
   * `initial` of them (all by default), the rest when a backup waits for them.
   */
  static prewarm(initial?: number): void {
    CodecPool.shared(initial);
  }

  /** Stops the shared pool's workers (tests); the next `shared()` starts a new pool. */
  static async shutdownShared(): Promise<void> {
    const pool = sharedPool;
    sharedPool = undefined;
    if (pool) await Promise.all(pool.workers.map((w) => w.worker.terminate()));
  }

  get size(): number {
    return this.workers.length;
  }

  /**
   * The shared memory every codec of this process stages data in. One per pool, not one per
   * backup or restore: a warm Lambda runs many of them in one process, and slabs made per codec
   * were allocated (zero-filled) again each time and never freed by the workers that hold them.
   * Created on first use: a restore from a local vault never needs one.
   *
   * One slab more than workers: one being filled by the reader, one being hashed and sealed per
   * worker (a slab is reused once every chunk cut from it is sealed). The slabs are a backup's
   * largest fixed memory (16 MiB each, all of it touched). Measured on the 1 GiB bench with 2
   * workers, backups alternated on a loaded machine: 3 slabs 225–237 MiB peak, 4 slabs 237–260 MiB,
   * the former fixed 6 slabs 277–297 MiB, the same wall and CPU times within the noise.
   */
  get slabs(): SlabPool {
    this.slabPool ??= new SlabPool(this, SLAB_BYTES, this.workers.length + 1, true);
    return this.slabPool;
  }

  /** Registers the vault keys with every worker. */
  keySet(keys: VaultKeys): number {
    const known = this.keySets.get(keys);
    if (known !== undefined) return known;
    const k = this.nextKeySet++;
    this.register(`k${k}`, { op: 'keys', k, enc: keys.encryptionKeyBytes, mac: keys.idKeyBytes });
    this.keySets.set(keys, k);
    return k;
  }

  /** Registers a shared buffer with every worker; tasks then name ranges of it by id. */
  registerSlab(sab: SharedArrayBuffer): number {
    const s = this.nextSlab++;
    this.register(`s${s}`, { op: 'slab', s, sab });
    return s;
  }

  dropSlab(s: number): void {
    this.registrations.delete(`s${s}`);
    for (const w of this.workers) if (!w.dead) w.register({ op: 'drop-slab', s });
  }

  private register(name: string, message: CodecRequest): void {
    this.registrations.set(name, message);
    for (const w of this.workers) w.register(message);
  }

  /** The live worker with the fewest pending tasks. */
  private pick(): CodecWorker {
    let best: CodecWorker | null = null;
    for (const w of this.workers) if (!w.dead && (best === null || w.pending.size < best.pending.size)) best = w;
    if (!best) throw new Error(`every codec worker failed: ${String(this.workers[0]?.dead)}`);
    return best;
  }

  private run(task: Task, transfer: ArrayBuffer[] = []): Promise<CodecReply> {
    const t = this.nextTask++;
    return this.pick().post(t, { ...task, t } as TaskRequest, transfer);
  }

  /** HMAC-SHA-256 (the blob id) of slab `s` bytes [offset, offset + length). */
  async hash(k: number, s: number, offset: number, length: number): Promise<Buffer> {
    const r = await this.run({ op: 'hash', k, s, o: offset, n: length });
    const id = r.id as Uint8Array;
    return Buffer.from(id.buffer, id.byteOffset, id.byteLength);
  }

  /** The envelope (docs/FORMAT.md §3) of slab `s` bytes [offset, offset + length) with the blob id as context. */
  async seal(k: number, s: number, offset: number, length: number, id: Buffer, level: number | null): Promise<Buffer> {
    const r = await this.run({ op: 'seal', k, s, o: offset, n: length, id: ownBytes(id), z: level });
    return Buffer.from(r.stored as ArrayBuffer);
  }

  /** Opens one blob envelope held in a slab; throws CodecTaskError (corrupt) when it fails. */
  async open(k: number, s: number, offset: number, length: number, id: Buffer, rawLength: number): Promise<Buffer> {
    const r = await this.run({ op: 'open', k, s, o: offset, n: length, id: ownBytes(id), raw: rawLength });
    return Buffer.from(r.plain as ArrayBuffer);
  }

  /**
   * Reads `[offset, offset + length)` of a pack (from the local file `file`, or from slab `s` at
   * `offset`), opens the listed blobs (`at` relative to the range) and writes their plaintexts in
   * order to `fd` from `position`, leaving all-zero blocks unwritten when `sparse`. Resolves with
   * the bytes written to the file; with `checkResidue`, checked writes (the `restore` message), and
   * what they found.
   */
  async restore(
    k: number,
    source: { file: string } | { slab: number },
    offset: number,
    length: number,
    blobs: readonly RestoreBlob[],
    fd: number,
    position: number,
    sparse: boolean,
    checkResidue?: number,
  ): Promise<{ bytes: number; checked?: { found: WriteCheckFinding; end: number } }> {
    const where = 'file' in source ? { f: source.file } : { s: source.slab };
    const r = await this.run({ op: 'restore', k, ...where, o: offset, n: length, b: blobs.map(ownBlobBytes), fd, p: position, h: sparse, ...(checkResidue !== undefined ? { v: checkResidue } : {}) });
    if (checkResidue === undefined) return { bytes: r.bytes as number };
    const found = WRITE_CHECK_FINDINGS[r.flags ?? -1];
    if (!found || r.end === undefined) throw new Error(`a codec worker answered checked writes with flags ${String(r.flags)} and end ${String(r.end)}`);
    return { bytes: r.bytes as number, checked: { found, end: r.end } };
  }

  /**
   * Reads a restored file in the worker, cut at `lengths`, and compares each piece's blob id with `ids`
   * (the `file-ids` message).
   */
  async fileBlobIds(k: number, file: string | Uint8Array, lengths: readonly number[], ids: readonly Uint8Array[]): Promise<FileContentCheck> {
    const r = await this.run({ op: 'file-ids', k, f: typeof file === 'string' ? file : ownBytes(file), n: lengths, ids: ids.map(ownBytes) });
    const flag = FILE_CONTENT_FLAGS[r.flags ?? -1];
    if (!flag) throw new Error(`a codec worker answered a file check with flags ${String(r.flags)}`);
    return flag;
  }

  /**
   * Checks the listed blobs of a pack file (read by the worker itself) or of a slab (`at` relative to `offset`): `authenticate` their GCM tags, or
   * `rehash` (open each and recompute its id). Every blob is checked: resolves with the bytes of the
   * intact ones and the damaged ones (by index in `blobs`, with what is wrong). A range the file does
   * not hold throws CodecTaskError (corrupt).
   */
  async check(
    k: number,
    source: { file: string } | { slab: number },
    offset: number,
    length: number,
    blobs: readonly RestoreBlob[],
    how: BlobCheck = 'rehash',
  ): Promise<{ bytes: number; damaged: Array<{ index: number; detail: string }> }> {
    const where = 'file' in source ? { f: source.file } : { s: source.slab };
    const r = await this.run({ op: 'check', k, ...where, o: offset, n: length, b: blobs.map(ownBlobBytes), a: how === 'authenticate' });
    return { bytes: r.bytes as number, damaged: (r.bad ?? []).map((b) => ({ index: b.i, detail: b.e })) };
  }
}

/**
 * Bytes that a message may carry cheaply. A message clones a typed array's whole ArrayBuffer, and a
 * small Buffer (a blob id from Buffer.from(hex)) is a view into Node's 64 KiB allocation pool: sent
 * as it is, every 32-byte id copied 64 KiB and left a 64 KiB buffer for the worker to collect.
 */
function ownBytes(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : new Uint8Array(bytes);
}

function ownBlobBytes(blob: RestoreBlob): RestoreBlob {
  return { ...blob, id: ownBytes(blob.id) };
}

/** A range of a shared slab, handed out by SlabPool. */
export type SlabRegion = { readonly slab: Slab; readonly offset: number; readonly length: number; readonly bytes: Buffer };

export class Slab {
  refs = 0;
  /** The offset up to which regions are handed out: from `base` to `end`. */
  used: number;
  readonly bytes: Buffer;
  constructor(
    readonly id: number,
    readonly sab: SharedArrayBuffer,
    readonly pooled: boolean,
    /** Where regions start: a scannable memory keeps the chunker's gear table before it. */
    readonly base = 0,
    readonly end = sab.byteLength,
  ) {
    this.bytes = Buffer.from(sab);
    this.used = base;
  }
}

/**
 * Fixed memory for data on its way to the workers: a few large shared slabs, bump-allocated and
 * recycled whole when every range handed out from them is released. `alloc` waits while all
 * slabs are in use, which is what bounds a backup's memory. A request larger than a slab gets a
 * dedicated shared buffer of its own, dropped on release.
 *
 * Callers must not wait for an allocation while holding a region (release first), so that every
 * wait ends when the workers finish what they hold.
 */
export class SlabPool {
  private current: Slab | null = null;
  private readonly free: Slab[] = [];
  private count = 0;
  private readonly waiters: Array<() => void> = [];
  /** When the current wait for a free slab began (null: nobody waits). */
  private waitingSince: number | null = null;
  /** Time spent with at least one allocation waiting, since the pool last grew. */
  private waitedMs = 0;

  constructor(
    private readonly pool: CodecPool,
    readonly slabSize = SLAB_BYTES,
    private maxSlabs = 6,
    /** Waits may grow the pool (CodecPool.grow), and each new worker gets one slab more. */
    private readonly growsPool = false,
  ) {}

  async alloc(length: number): Promise<SlabRegion> {
    if (length > this.slabSize) return this.dedicated(length);
    for (;;) {
      const cur = this.current;
      if (cur && cur.used + length <= cur.end) {
        const offset = cur.used;
        cur.used += length;
        cur.refs++;
        return { slab: cur, offset, length, bytes: cur.bytes.subarray(offset, offset + length) };
      }
      if (cur) {
        this.current = null;
        if (cur.refs === 0) this.recycle(cur);
      }
      const next = this.free.pop() ?? (this.count < this.maxSlabs ? this.create() : null);
      if (next) {
        next.used = next.base;
        this.current = next;
        continue;
      }
      this.waitingSince ??= performance.now();
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  private dedicated(length: number): SlabRegion {
    const sab = new SharedArrayBuffer(length);
    const slab = new Slab(this.pool.registerSlab(sab), sab, false);
    slab.refs = 1;
    slab.used = length;
    return { slab, offset: 0, length, bytes: slab.bytes };
  }

  private create(): Slab {
    this.count++;
    // A slab the chunker scans where the backup read its files into it (gear-scanner.ts), if WebAssembly has shared memory.
    const scannable = scannableSharedMemory(this.slabSize);
    const sab = scannable?.sab ?? new SharedArrayBuffer(this.slabSize);
    const base = scannable?.base ?? 0;
    return new Slab(this.pool.registerSlab(sab), sab, true, base, base + this.slabSize);
  }

  retain(slab: Slab): void {
    slab.refs++;
  }

  release(slab: Slab): void {
    slab.refs--;
    if (slab.refs > 0) return;
    if (!slab.pooled) {
      this.pool.dropSlab(slab.id);
      return;
    }
    if (slab === this.current) slab.used = slab.base;
    else this.recycle(slab);
    this.wake();
  }

  private recycle(slab: Slab): void {
    slab.used = slab.base;
    this.free.push(slab);
  }

  /** Every waiter re-tries: cheap, and no waiter can be left behind while space is free. */
  private wake(): void {
    if (this.waitingSince !== null) {
      this.waitedMs += performance.now() - this.waitingSince;
      this.waitingSince = null;
      if (this.growsPool && this.pool.grow(this.waitedMs)) {
        this.waitedMs = 0;
        this.maxSlabs++;
      }
    }
    const waiters = this.waiters.splice(0);
    for (const w of waiters) w();
  }
}
