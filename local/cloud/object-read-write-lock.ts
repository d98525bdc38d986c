import type S3rver from 's3rver';
import { s3RequestPath } from './s3-request-path';

/**
 * S3 reads and writes of one key are atomic towards each other: a GET during a PUT answers the old
 * object or the new one, whole, with its own ETag and metadata. s3rver reads an object in steps (its
 * size, its `.md5` and metadata, then the content file) and writes it in steps too, so a GET beside a
 * PUT of the same key could answer the new content with the old length or ETag, or a cut body (a commit
 * marker read while another commit invocation rewrites it failed to parse: commit-backup.ts). This
 * middleware gives each key a readers-writer lock: GET and HEAD share it, every other request on an
 * object (PUT, POST, DELETE) holds it alone, and a reader holds it until its response has been sent.
 * Waiting writers go before newer readers, so a key read all the time is still written. Not locked: a
 * multipart upload's parts (`partNumber`) and listing them (`uploadId` on a GET), which S3 keeps apart
 * from the object until the completion, and requests on a bucket.
 */
export function objectReadWriteLockMiddleware(): S3rver.Middleware {
  const locks = new Map<string, KeyLock>();
  return async (ctx, next) => {
    const { bucket, key } = s3RequestPath(ctx);
    const query = new URLSearchParams(ctx.querystring);
    if (bucket === '' || key === '' || query.has('partNumber') || (ctx.method === 'GET' && query.has('uploadId'))) return next();
    const id = `${bucket}/${key}`;
    const lock = locks.get(id) ?? new KeyLock();
    locks.set(id, lock);
    const reading = ctx.method === 'GET' || ctx.method === 'HEAD';
    await lock.acquire(!reading);
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      lock.release(!reading);
      if (lock.idle()) locks.delete(id);
    };
    try {
      await next();
    } catch (err) {
      release();
      throw err;
    }
    // A body still to be streamed (a GET's object file) is read after the middlewares return: the lock lasts until it is sent.
    if (ctx.res.writableFinished || ctx.res.destroyed) release();
    else {
      ctx.res.once('finish', release);
      ctx.res.once('close', release);
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
