import { GEAR_SCAN_DATA_OFFSET, GEAR_SCAN_WINDOW_BYTES, gearScanModuleBytes } from './gear-scan-module';

type ScanFunction = (i: number, end: number, h: number, mask: number) => number;

/**
 * The parts of the WebAssembly JavaScript API used here. Node has all of it; the project compiles
 * without the DOM library that declares it (esbuild's types declare the namespace, but no values).
 */
type WebAssemblyApi = {
  readonly Module: new (bytes: Uint8Array) => object;
  readonly Instance: new (module: object, imports: object) => { readonly exports: Readonly<Record<string, unknown>> };
  readonly Memory: new (descriptor: { initial: number }) => { readonly buffer: ArrayBuffer };
};
const wasm = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;

/** Compiled once per isolate: the module is the same for every vault. */
let compiled: object | undefined;

/**
 * The chunker's search for a boundary, run in WebAssembly (gear-scan-module.ts). It is the only
 * per-byte loop of a backup on the main thread, and the same loop in JavaScript ran at half the
 * speed (2026-12-02, 338 MB of the bench's files larger than 1 MiB: 560 and 1,950 MB/s in the first
 * and later passes in JavaScript, 1,170 and 4,000 MB/s here, the same cuts).
 *
 * The module scans its own memory, so each window of at most GEAR_SCAN_WINDOW_BYTES is copied in
 * first (a memcpy, a few percent of the scan). One scanner per chunker; calls are synchronous.
 */
export class GearScanner {
  private readonly memory: Uint8Array;
  private readonly scan: ScanFunction;

  constructor(private readonly gear: Int32Array) {
    compiled ??= new wasm.Module(gearScanModuleBytes());
    const instance = new wasm.Instance(compiled, {});
    const { memory, scan } = instance.exports;
    if (!(memory instanceof wasm.Memory) || typeof scan !== 'function') throw new Error('the gear scan module does not export its memory and scan function');
    this.memory = new Uint8Array(memory.buffer);
    this.scan = scan as ScanFunction;
    const table = new DataView(memory.buffer, 0, GEAR_SCAN_DATA_OFFSET);
    for (let i = 0; i < 256; i++) table.setInt32(i * 4, gear[i] as number, true);
  }

  /**
   * The index of the first byte in [from, to) of `b` at which `(h & mask) === 0`, where h is the
   * gear hash begun (at 0) at `hashStart` ≤ from and rolled through that byte; -1 when there is none.
   */
  find(b: Uint8Array, hashStart: number, from: number, to: number, mask: number): number {
    for (let window = from; window < to; window += GEAR_SCAN_WINDOW_BYTES) {
      const end = Math.min(to, window + GEAR_SCAN_WINDOW_BYTES);
      this.memory.set(b.subarray(window, end), GEAR_SCAN_DATA_OFFSET);
      const found = this.scan(0, end - window, this.hashAt(b, hashStart, window), mask);
      if (found >= 0) return window + found;
    }
    return -1;
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
