import { type FsPath } from '../platform/posix-calls';
import { pathKey } from './target-path';

/**
 * Changes to the names of one directory (create, link, rename), one at a time per directory.
 *
 * The kernel already runs them one at a time: each holds the directory's inode lock for writing.
 * What it does not do is wait cheaply. On Linux a thread that finds the lock taken spins on the CPU
 * while the holder runs (rwsem optimistic spinning), and an ext4 create can hold it long: it scans
 * the inode bitmap past every inode deleted in the last minutes. A restore that opens files side by
 * side on libuv's threads then burned a core spinning (`rwsem_spin_on_owner`, 6–8 % of a bench
 * restore's CPU samples under perf) that decompression could have used. Queued here, the waiting
 * change costs nothing; the changes themselves run exactly as often, in the same order the kernel
 * would have allowed, and changes in different directories still run side by side.
 */
export class DirectoryChangeQueue {
  /** The last change queued per directory: the next one starts when it settles. */
  private readonly tails = new Map<string, Promise<void>>();

  /** Runs `change` (a call that adds, replaces or removes a name in `dir`) after the changes queued before it in `dir`. */
  run<T>(dir: FsPath, change: () => Promise<T>): Promise<T> {
    const key = pathKey(dir);
    const previous = this.tails.get(key);
    const result = previous ? previous.then(change) : change();
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** Directories with changes queued or running (tests: the queue forgets a directory once it is idle). */
  get busyDirectories(): number {
    return this.tails.size;
  }
}
