import { closeSync } from 'node:fs';
import { type PosixCalls } from '../platform/posix-calls';

/** Files smaller than this are left to the kernel: their pages are few, and the calls per file would not pay. */
export const DROP_BEHIND_MIN_BYTES = 256 * 1024;
/** How far behind the restore a file's pages are dropped: the bytes of the files written after it. */
export const DROP_BEHIND_LAG_BYTES = 64 * 1024 * 1024;
/**
 * A call that takes this long means the device's queue is full (a disk slower than the restore):
 * drop-behind then stops taking files, which the kernel writes back in its own time, as without it.
 */
export const DROP_BEHIND_SLOW_CALL_MS = 25;

/** The calls drop-behind makes (PosixCalls' page-cache hints). */
export type PageCacheCalls = Pick<PosixCalls, 'startWriteback' | 'dropCleanPages' | 'duplicate'>;

/**
 * A restore's files leave the page cache behind it ("drop-behind", as `dd oflag=nocache` and the
 * streaming writers of backup tools do). A restore writes every byte once and reads none back, yet
 * through the page cache alone a gigabyte restored takes a gigabyte of cache pages; on a VM whose
 * free memory the host has taken back (Firecracker, as on the bench's machine) each new page costs
 * a fault in the host as well. In the bench's restic section a restore of its 1 GiB tree spent 2.2–3.4
 * system CPU-s and 2.1–2.8 s without this, about 1.1 CPU-s and 1.6 s with it (docs/BENCHMARKS.md,
 * "A restore's page cache").
 *
 * Once a file's content is written, `written` starts the file's writeback (sync_file_range, which
 * does not wait for the device) and keeps a duplicate of its descriptor; once DROP_BEHIND_LAG_BYTES
 * more have been written, the file's clean pages are dropped (posix_fadvise DONTNEED) and the
 * duplicate closed, so that the kernel hands the same pages out again. Pages not yet written back by
 * then stay cached. The calls are made on the calling thread (a fraction of a millisecond each on
 * the bench's disk); when one takes DROP_BEHIND_SLOW_CALL_MS or more, the device cannot keep up and
 * new files are left to the kernel. The restored bytes are the same either way; only which pages
 * stay cached differs, so a call that fails is ignored. `finish` must be called when the restore
 * ends, whatever way.
 */
export class DropBehind {
  /** Files whose writeback was started, oldest first, until their pages are dropped. */
  private readonly kept: Array<{ readonly fd: number; readonly bytes: number }> = [];
  private keptBytes = 0;
  /** Set by a slow call, and by finish (a failed restore's file still finishing is left alone, so no descriptor outlives finish). */
  private stopped = false;

  constructor(
    private readonly calls: PageCacheCalls,
    private readonly lagBytes = DROP_BEHIND_LAG_BYTES,
    private readonly minBytes = DROP_BEHIND_MIN_BYTES,
    private readonly slowCallMs = DROP_BEHIND_SLOW_CALL_MS,
  ) {}

  /** A file whose `bytes` of content are all written, still open as `fd` (its owner closes `fd` as usual). */
  written(fd: number, bytes: number): void {
    if (bytes < this.minBytes || this.stopped) return;
    let kept: number;
    try {
      this.timed(() => this.calls.startWriteback(fd));
      kept = this.calls.duplicate(fd);
    } catch {
      return;
    }
    this.kept.push({ fd: kept, bytes });
    this.keptBytes += bytes;
    while (this.keptBytes > this.lagBytes) this.dropOldest();
  }

  /** Drops the clean pages of every file still kept and closes their duplicates. */
  finish(): void {
    this.stopped = true;
    while (this.kept.length > 0) this.dropOldest();
  }

  private dropOldest(): void {
    const file = this.kept.shift();
    if (!file) return;
    this.keptBytes -= file.bytes;
    try {
      this.timed(() => this.calls.dropCleanPages(file.fd));
    } catch {
      // Left cached: the restore is not the worse for it.
    } finally {
      closeSync(file.fd);
    }
  }

  private timed(call: () => void): void {
    const started = performance.now();
    try {
      call();
    } finally {
      if (performance.now() - started >= this.slowCallMs) this.stopped = true;
    }
  }
}
