import type S3rver from 's3rver';
import { s3RequestPath } from './s3-request-path';

/**
 * S3 reads and writes of one key are atomic towards each other: a GET during a PUT answers the old
 * object or the new one, whole, with its own ETag and metadata, and does not wait for the PUT. s3rver
 * reads an object in steps (its size, its `.md5` and metadata, then the content file) and writes it in
 * steps too, so a GET beside a PUT of the same key could answer the new content with the old length or
 * ETag, or a cut body (a commit marker read while another commit invocation rewrites it failed to parse:
 * commit-backup.ts). Each key gets a readers-writer lock: a GET or HEAD holds it shared while s3rver reads
 * the object's attributes and opens its file (objectReadWriteLockMiddleware); a write streams its body into a temporary file
 * unlocked and holds it alone only to swap the object in (object-file-writes.ts), as a DELETE does. A
 * waiting swap goes before newer readers, so a key read all the time is still written.
 */
export class ObjectKeyLocks {
  private readonly locks = new Map<string, KeyLock>();

  /** Runs `work` holding the key's lock alone. */
  async exclusive<T>(bucket: string, key: string, work: () => Promise<T>): Promise<T> {
    const release = await this.acquire(bucket, key, true);
    try {
      return await work();
    } finally {
      release();
    }
  }

  /** Takes the key's lock (shared, or alone when `write`); resolves with its release, which may be called more than once. */
  async acquire(bucket: string, key: string, write: boolean): Promise<() => void> {
    const id = `${bucket}/${key}`;
    const lock = this.locks.get(id) ?? new KeyLock();
    this.locks.set(id, lock);
    await lock.acquire(write);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      lock.release(write);
      if (lock.idle()) this.locks.delete(id);
    };
  }
}

/** The readers' side (and a DELETE's) of ObjectKeyLocks, in front of s3rver. Requests on a bucket and a multipart upload's parts are not locked. */
export function objectReadWriteLockMiddleware(locks: ObjectKeyLocks): S3rver.Middleware {
  return async (ctx, next) => {
    const { bucket, key } = s3RequestPath(ctx);
    const query = new URLSearchParams(ctx.querystring);
    const reading = ctx.method === 'GET' || ctx.method === 'HEAD';
    const deleting = ctx.method === 'DELETE' && !query.has('uploadId');
    if (bucket === '' || key === '' || (!reading && !deleting) || query.has('uploadId') || query.has('partNumber')) return next();
    const release = await locks.acquire(bucket, key, deleting);
    try {
      // s3rver reads the object's size, ETag and metadata and opens its content file before `next` resolves; the
      // body streams from that open file afterwards, which a later swap (a rename) does not change. So the lock
      // ends here, not when the response is sent: a client that never reads its body blocks no one (review 41d F2).
      await next();
    } finally {
      release();
    }
  };
}

/** One key's readers-writer lock, granted in arrival order except that readers arriving together go in together. */
class KeyLock {
  private readers = 0;
  private writing = false;
  private readonly waiting: { write: boolean; grant: () => void }[] = [];

  acquire(write: boolean): Promise<void> {
    if (this.waiting.length === 0 && !this.writing && (!write || this.readers === 0)) {
      this.take(write);
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push({ write, grant: resolve }));
  }

  release(write: boolean): void {
    if (write) this.writing = false;
    else this.readers--;
    while (this.waiting.length > 0) {
      const next = this.waiting[0] as { write: boolean; grant: () => void };
      if (this.writing || (next.write && this.readers > 0)) break;
      this.waiting.shift();
      this.take(next.write);
      next.grant();
      if (next.write) break;
    }
  }

  idle(): boolean {
    return this.readers === 0 && !this.writing && this.waiting.length === 0;
  }

  private take(write: boolean): void {
    if (write) this.writing = true;
    else this.readers++;
  }
}
