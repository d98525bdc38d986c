import { type PosixCalls, platformCalls } from './posix-calls';

/**
 * glibc's malloc set up for a process whose work is blob-sized buffers: keep freed ones for the
 * next, instead of giving each back to the kernel and faulting fresh pages in for the one after.
 *
 * Why: a backup or restore allocates and frees megabyte buffers all the time (zstd's and the
 * cipher's outputs in the codec workers, file blocks, pack bodies). glibc serves a request over its
 * mmap threshold with a fresh mmap and returns it with munmap when freed; the threshold adapts
 * upwards only as far as the largest chunk freed so far, and the heap's free top is given back past
 * the trim threshold. On this kind of VM each fresh page is a fault in the guest and in the host.
 * Measured on the 1 GiB bench data set (docs/BENCHMARKS.md, "glibc's malloc kept the freed
 * buffers"): a full backup made about 36,000 minor page faults with these values against
 * 56,000–79,000 without, with 0.4–0.6 s less system time. Both values are needed: setting either
 * one turns glibc's adaptation off, and either alone made the same backup fault 380,000–650,000
 * times.
 *
 * The values hold for the whole process, the codec workers' threads included, from the next
 * allocation on. Where the platform calls are unavailable (another libc, a Lambda bundle without
 * koffi) nothing changes.
 */

/** M_TRIM_THRESHOLD and M_MMAP_THRESHOLD of glibc's malloc.h. */
const M_TRIM_THRESHOLD = -1;
const M_MMAP_THRESHOLD = -3;

/**
 * Requests up to this size come from malloc's heaps, where freed memory is reused: every blob
 * buffer (chunks are at most 8 MiB). 32 MiB is as far as glibc's own adaptation would raise it on a
 * 64-bit system (DEFAULT_MMAP_THRESHOLD_MAX).
 */
export const MMAP_THRESHOLD_BYTES = 32 * 1024 * 1024;
/** Free memory at a heap's top that malloc keeps before giving it back: a few blob buffers' worth. */
export const TRIM_THRESHOLD_BYTES = 64 * 1024 * 1024;

/**
 * Applies the values above; false where the calls are unavailable (nothing changed) or a glibc
 * refused a value (glibc 2.36 takes any).
 */
export function keepFreedBuffersInHeap(calls: PosixCalls | null = platformCalls()): boolean {
  if (!calls) return false;
  // The trim threshold first: with the mmap threshold raised alone, a heap whose top is freed is trimmed at glibc's fixed default.
  return calls.setMallocOption(M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES) && calls.setMallocOption(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES);
}

/**
 * The same on the next turn of the event loop: after prewarmPlatformCalls (called first) has loaded
 * the calls there, while the caller's first I/O (opening the vault) is under way.
 */
export function keepFreedBuffersInHeapSoon(): void {
  setImmediate(() => {
    keepFreedBuffersInHeap();
  });
}
