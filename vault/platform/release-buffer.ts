import { isArrayBuffer } from 'node:util/types';

/**
 * Frees a buffer's memory now, instead of when its isolate's garbage collector gets to it.
 *
 * Why: the vault's per-blob work makes big short-lived buffers that node:zlib and node:crypto hand
 * back (zstd's output, the cipher's output, a plaintext on its way to a file; node has no "into this
 * buffer" forms). Their memory lies outside V8's heap, and V8 collects it only when its external
 * memory has grown by tens of MiB since the last collection — and zstd's output stays reachable
 * from node:zlib's closed stream object until a *full* collection. Measured on the 1 GiB bench,
 * that was about 100 MiB a codec worker, most of the gap between a backup's peak RSS and restic's.
 *
 * How: `ArrayBuffer.prototype.transfer(0)` detaches the buffer and drops its memory at once (the
 * zero-length buffer it returns owns nothing). The buffer and every view of it read as empty from
 * then on, so a caller releases only what it alone holds and will not touch again. ArrayBuffers
 * under RELEASE_MIN_BYTES, or not larger than `Buffer.poolSize`, are left alone: they may be node's
 * shared Buffer pool (8 KiB unless a program raises it), which other buffers are slices of, and
 * freeing small ones early saves nothing worth the call. Shared memory and a runtime without
 * `transfer` are left to the collector.
 */
export const RELEASE_MIN_BYTES = 64 * 1024;

type Transferable = ArrayBuffer & { transfer?: (newLength?: number) => ArrayBuffer };

export function releaseBuffer(bytes: Uint8Array): void {
  const buffer = bytes.buffer as Transferable;
  if (buffer.byteLength < RELEASE_MIN_BYTES || buffer.byteLength <= Buffer.poolSize || !isArrayBuffer(buffer) || typeof buffer.transfer !== 'function') return;
  try {
    buffer.transfer(0);
  } catch {
    // Not detachable (e.g. memory the runtime pins): the collector frees it as before.
  }
}
