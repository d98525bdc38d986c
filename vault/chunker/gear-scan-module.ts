/**
 * The WebAssembly module of the chunker's per-byte loop (gear-scanner.ts runs it), written out here
 * instruction by instruction rather than shipped as a .wasm file, so that the loop is read, type
 * checked and reviewed like the rest of the code and the package needs no WebAssembly toolchain.
 *
 * Memory (one memory, exported as `memory`, GEAR_SCAN_PAGES pages): the gear table as 256
 * little-endian int32 at [0, 1024), then the window being scanned from GEAR_SCAN_DATA_OFFSET. A
 * second form of the module scans a shared memory it imports (gearScanModuleBytes('shared')).
 *
 * `scan(i, end, h, mask) → index | -1`, in WebAssembly text:
 *
 *     (local $end4 i32)  (local.set $end4 (i32.sub $end 4))
 *     (block $tail (loop $by4                                    ;; four bytes per turn
 *       (br_if $tail (i32.gt_s $i $end4))
 *       ;; for k in 0..3:
 *       (local.set $h (i32.add (i32.shl $h 1) (i32.load (i32.shl (i32.load8_u offset=1024+k $i) 2))))
 *       (if (i32.eqz (i32.and $h $mask)) (then (return (i32.add $i k))))
 *       (local.set $i (i32.add $i 4)) (br $by4)))
 *     (block $done (loop $by1                                    ;; the last 0–3 bytes
 *       (br_if $done (i32.ge_u $i $end))
 *       (local.set $h (i32.add (i32.shl $h 1) (i32.load (i32.shl (i32.load8_u offset=1024 $i) 2))))
 *       (if (i32.eqz (i32.and $h $mask)) (then (return $i)))
 *       (local.set $i (i32.add $i 1)) (br $by1)))
 *     (i32.const -1)
 *
 * The same arithmetic as chunker.ts's definition of a cut: h = (h << 1) + gear[byte], 32-bit
 * wrapping, a boundary where (h & mask) = 0.
 */

/** Where the scanned window starts in the module's memory (after the 1 KiB gear table). */
export const GEAR_SCAN_DATA_OFFSET = 1024;
/** The longest window one call scans: gear-scanner.ts scans longer ranges window by window. */
export const GEAR_SCAN_WINDOW_BYTES = 1024 * 1024;
/** 64 KiB pages of the module's memory: the table and one window. */
export const GEAR_SCAN_PAGES = Math.ceil((GEAR_SCAN_DATA_OFFSET + GEAR_SCAN_WINDOW_BYTES) / 65536);

const I32 = 0x7f;
const EMPTY_BLOCK = 0x40;
const op = {
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  return: 0x0f,
  localGet: 0x20,
  localSet: 0x21,
  i32Load: 0x28,
  i32Load8U: 0x2d,
  i32Const: 0x41,
  i32Eqz: 0x45,
  i32GtS: 0x4a,
  i32GeU: 0x4f,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32And: 0x71,
  i32Shl: 0x74,
} as const;

/** Parameters and the one local of `scan`, by index. */
const I = 0;
const END = 1;
const H = 2;
const MASK = 3;
const END4 = 4;

function unsignedLeb(value: number): number[] {
  const out: number[] = [];
  let v = value >>> 0;
  do {
    const byte = v & 0x7f;
    v >>>= 7;
    out.push(v === 0 ? byte : byte | 0x80);
  } while (v !== 0);
  return out;
}

function signedLeb(value: number): number[] {
  const out: number[] = [];
  let v = value | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

function name(text: string): number[] {
  const bytes = [...Buffer.from(text, 'utf8')];
  return [...unsignedLeb(bytes.length), ...bytes];
}

function section(id: number, content: readonly number[]): number[] {
  return [id, ...unsignedLeb(content.length), ...content];
}

/** `h = (h << 1) + gear[data[i + k]]; if ((h & mask) == 0) return i + k;` */
function step(k: number): number[] {
  const returned = k === 0 ? [op.localGet, I] : [op.localGet, I, op.i32Const, ...signedLeb(k), op.i32Add];
  return [
    op.localGet, H, op.i32Const, 1, op.i32Shl,
    op.localGet, I, op.i32Load8U, 0, ...unsignedLeb(GEAR_SCAN_DATA_OFFSET + k),
    op.i32Const, 2, op.i32Shl, op.i32Load, 2, 0,
    op.i32Add, op.localSet, H,
    op.localGet, H, op.localGet, MASK, op.i32And, op.i32Eqz,
    op.if, EMPTY_BLOCK, ...returned, op.return, op.end,
  ];
}

function scanBody(): number[] {
  const advance = (n: number): number[] => [op.localGet, I, op.i32Const, n, op.i32Add, op.localSet, I];
  const code = [
    op.localGet, END, op.i32Const, 4, op.i32Sub, op.localSet, END4,
    op.block, EMPTY_BLOCK, op.loop, EMPTY_BLOCK,
    op.localGet, I, op.localGet, END4, op.i32GtS, op.brIf, 1,
    ...step(0), ...step(1), ...step(2), ...step(3),
    ...advance(4), op.br, 0,
    op.end, op.end,
    op.block, EMPTY_BLOCK, op.loop, EMPTY_BLOCK,
    op.localGet, I, op.localGet, END, op.i32GeU, op.brIf, 1,
    ...step(0),
    ...advance(1), op.br, 0,
    op.end, op.end,
    op.i32Const, ...signedLeb(-1),
    op.end,
  ];
  const locals = [1, 1, I32]; // one group: one i32 ($end4)
  return [...unsignedLeb(locals.length + code.length), ...locals, ...code];
}

/** The largest shared memory the in-place module accepts: 65,536 pages, all of 32-bit addressing. */
const MAX_PAGES = 65536;

/**
 * The module's bytes (a few hundred). `own`: it defines GEAR_SCAN_PAGES of memory and exports it
 * (`memory`, `scan`), and the scanner copies each window in. `shared`: it imports a shared memory
 * (`env.memory`, any size) and exports `scan` alone, which then reads the data where it lies: the
 * memory holds the gear table at [0, 1024) like the module's own, and data anywhere after it, at
 * `GEAR_SCAN_DATA_OFFSET + i` for the `i` that `scan` takes.
 */
export function gearScanModuleBytes(memory: 'own' | 'shared' = 'own'): Uint8Array {
  const types = section(1, [1, 0x60, 4, I32, I32, I32, I32, 1, I32]);
  // Limits 0x03: a minimum, a maximum, shared (the threads proposal's flag, which a SharedArrayBuffer's memory has).
  const imports = memory === 'shared' ? section(2, [1, ...name('env'), ...name('memory'), 0x02, 0x03, ...unsignedLeb(1), ...unsignedLeb(MAX_PAGES)]) : [];
  const functions = section(3, [1, 0]);
  const memories = memory === 'own' ? section(5, [1, 0, ...unsignedLeb(GEAR_SCAN_PAGES)]) : [];
  const exports = memory === 'own' ? section(7, [2, ...name('memory'), 0x02, 0, ...name('scan'), 0x00, 0]) : section(7, [1, ...name('scan'), 0x00, 0]);
  const code = section(10, [1, ...scanBody()]);
  return Uint8Array.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...types, ...imports, ...functions, ...memories, ...exports, ...code]);
}
