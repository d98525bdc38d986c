import { GEAR_SCAN_DATA_OFFSET, GEAR_SCAN_WINDOW_BYTES, gearScanModuleBytes } from './gear-scan-module';

type ScanFunction = (i: number, end: number, h: number, mask: number) => number;

/**
 * The parts of the WebAssembly JavaScript API used here. Node has all of it; the project compiles
 * without the DOM library that declares it (esbuild's types declare the namespace, but no values).
 */
type WebAssemblyApi = {
  readonly Module: new (bytes: Uint8Array) => object;
  readonly Instance: new (module: object, imports: object) => { readonly exports: Readonly<Record<string, unknown>> };
  readonly Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => { readonly buffer: ArrayBuffer };
};
const wasm = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;

/** The module's instance: one per isolate, shared by every scanner (calls are synchronous). */
type Engine = { readonly memory: Uint8Array; readonly table: DataView; readonly scan: ScanFunction; gear: Int32Array | null };
let engine: Engine | undefined;

/**
 * Every WebAssembly memory reserves gigabytes of address space until the garbage collector frees
 * it, so a process that opens many vaults (a warm Lambda, a test worker) must not make one per
 * chunker: the scanners share one instance and write their gear table into it when they take it.
 */
function sharedEngine(): Engine {
  if (engine) return engine;
  const instance = new wasm.Instance(new wasm.Module(gearScanModuleBytes()), {});
  const { memory, scan } = instance.exports;
  if (!(memory instanceof wasm.Memory) || typeof scan !== 'function') throw new Error('the gear scan module does not export its memory and scan function');
  engine = { memory: new Uint8Array(memory.buffer), table: new DataView(memory.buffer, 0, GEAR_SCAN_DATA_OFFSET), scan: scan as ScanFunction, gear: null };
  return engine;
}

/** The in-place module's instances, one per scannable shared memory, by its buffer. */
const inPlaceEngines = new WeakMap<SharedArrayBuffer, Engine>();
let inPlaceModule: object | undefined;

/**
 * Shared memory that the scanner reads where the data lies, with no copy into the module's own
 * memory: the codec pool's slabs (vault/workers/codec-pool.ts), into which a backup reads its
 * files. A SharedArrayBuffer (it is a shared WebAssembly memory's) of `bytes` from `base` on; the
 * bytes before `base` hold the gear table and must be left alone. Copying each window from a
 * SharedArrayBuffer into the module took about as long as the scan itself (2.2 GB/s against
 * 4.7 GB/s from plain memory, docs/BENCHMARKS.md). Null where WebAssembly has no shared memory:
 * the caller then makes a plain SharedArrayBuffer, which is scanned by copy.
 */
export function scannableSharedMemory(bytes: number): { readonly sab: SharedArrayBuffer; readonly base: number } | null {
  let memory: { readonly buffer: ArrayBuffer };
  try {
    const pages = Math.ceil((GEAR_SCAN_DATA_OFFSET + bytes) / 65536);
    memory = new wasm.Memory({ initial: pages, maximum: pages, shared: true });
  } catch {
    return null;
  }
  inPlaceModule ??= new wasm.Module(gearScanModuleBytes('shared'));
  const { scan } = new wasm.Instance(inPlaceModule, { env: { memory } }).exports;
  const sab = memory.buffer as unknown;
  if (!(sab instanceof SharedArrayBuffer) || typeof scan !== 'function') throw new Error('the in-place gear scan module does not take a shared memory or export its scan function');
  inPlaceEngines.set(sab, { memory: new Uint8Array(sab), table: new DataView(sab, 0, GEAR_SCAN_DATA_OFFSET), scan: scan as ScanFunction, gear: null });
  return { sab, base: GEAR_SCAN_DATA_OFFSET };
}

/**
 * The chunker's search for a boundary, run in WebAssembly (gear-scan-module.ts). It is the only
 * per-byte loop of a backup on the main thread, and the same loop in JavaScript ran at half the
 * speed (2026-12-02, 338 MB of the bench's files larger than 1 MiB: 560 and 1,950 MB/s in the first
 * and later passes in JavaScript, 1,170 and 4,000 MB/s here, the same cuts).
 *
 * Data in a scannable shared memory (scannableSharedMemory: the codec pool's slabs) is scanned where
 * it lies. Any other is copied into the module's own memory first, window by window (at most
 * GEAR_SCAN_WINDOW_BYTES each).
 */
export class GearScanner {
  constructor(private readonly gear: Int32Array) {}

  /**
   * The index of the first byte in [from, to) of `b` at which `(h & mask) === 0`, where h is the
   * gear hash begun (at 0) at `hashStart` ≤ from and rolled through that byte; -1 when there is none.
   */
  find(b: Uint8Array, hashStart: number, from: number, to: number, mask: number): number {
    const inPlace = b.buffer instanceof SharedArrayBuffer ? inPlaceEngines.get(b.buffer) : undefined;
    // Where the data lies in the module's memory, less the table's offset that every load adds.
    const at = b.byteOffset - GEAR_SCAN_DATA_OFFSET;
    if (inPlace && at + from >= 0 && from < to) {
      this.useTable(inPlace);
      const found = inPlace.scan(at + from, at + to, this.hashAt(b, hashStart, from), mask);
      return found < 0 ? -1 : found - at;
    }
    const e = sharedEngine();
    this.useTable(e);
    for (let window = from; window < to; window += GEAR_SCAN_WINDOW_BYTES) {
      const end = Math.min(to, window + GEAR_SCAN_WINDOW_BYTES);
      e.memory.set(b.subarray(window, end), GEAR_SCAN_DATA_OFFSET);
      const found = e.scan(0, end - window, this.hashAt(b, hashStart, window), mask);
      if (found >= 0) return window + found;
    }
    return -1;
  }

  /** Writes this scanner's gear table into the engine's memory unless it is there already. */
  private useTable(e: Engine): void {
    if (e.gear === this.gear) return;
    for (let i = 0; i < 256; i++) e.table.setInt32(i * 4, this.gear[i] as number, true);
    e.gear = this.gear;
  }

  /**
   * The gear hash at `end` of a scan begun at `hashStart`: a 32-bit gear hash depends only on the
   * last 32 bytes (older ones are shifted out), so it is recomputed from those.
   */
  private hashAt(b: Uint8Array, hashStart: number, end: number): number {
    const gear = this.gear;
    let h = 0;
    for (let i = Math.max(hashStart, end - 32); i < end; i++) h = ((h << 1) + (gear[b[i] as number] as number)) | 0;
    return h;
  }
}
