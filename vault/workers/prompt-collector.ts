import * as v8 from 'node:v8';
import * as vm from 'node:vm';

/**
 * Regular garbage collection in a codec worker, driven by the bytes it processes.
 *
 * Why: the big buffers of a task are freed explicitly (platform/release-buffer.ts), but each blob
 * still leaves smaller garbage outside V8's heap (structured-clone copies of the task message,
 * node:zlib's per-call stream objects with their native contexts) that V8 collects only when its
 * external memory has grown by tens of MiB. A worker's JavaScript allocates little, so its own
 * collections are rare. Measured on the 1 GiB bench restore with the explicit releases in place:
 * 183 MiB peak RSS without these collections, 147–150 MiB with them, at no measurable CPU cost. A
 * minor collection of a worker's small heap is cheap (0.07 ms when first measured; 1–1.4 ms on
 * average under `--trace-gc` in a 1 GiB restore on 2026-12-03, about 60 a worker, and with one
 * every 32 MiB instead the restore took as long), so one runs every MINOR_EVERY_BYTES; a full one
 * (about 9 ms, mostly fixed) only every MAJOR_EVERY_BYTES, for what survives minor ones (node:zlib's
 * closed stream objects stay reachable from their native handles until a full collection).
 *
 * How: a worker has no `gc` without `--expose-gc` on the command line, which neither the CLI nor a
 * Lambda function can be expected to carry. Setting the flag at run time makes V8 install `gc` in
 * contexts created after it, so a fresh vm context hands back a collector for this isolate (the
 * flag is process-wide but only adds that function to new contexts). When any of this fails
 * (another runtime, a V8 that refuses the flag), the worker goes on without: only its memory is
 * larger.
 */
export const MINOR_EVERY_BYTES = 8 * 1024 * 1024;
export const MAJOR_EVERY_BYTES = 256 * 1024 * 1024;

export type CollectFunction = (kind: 'minor' | 'major') => void;

export class PromptCollector {
  private sinceMinor = 0;
  private sinceMajor = 0;

  constructor(
    private readonly collect: CollectFunction | null,
    private readonly minorEvery = MINOR_EVERY_BYTES,
    private readonly majorEvery = MAJOR_EVERY_BYTES,
  ) {}

  /** A collector for the calling thread's isolate, or one that does nothing when none can be had. */
  static forThisIsolate(): PromptCollector {
    return new PromptCollector(isolateCollector());
  }

  get active(): boolean {
    return this.collect !== null;
  }

  /** `bytes` of blob data (sealed, or opened) went through the worker. */
  processed(bytes: number): void {
    this.sinceMinor += bytes;
    this.sinceMajor += bytes;
  }

  /**
   * Collects when enough has been processed since the last collection of that kind. Called where
   * the worker holds no buffer it still needs: between tasks, and between the blobs of a task.
   */
  collectIfDue(): void {
    if (!this.collect) return;
    if (this.sinceMajor >= this.majorEvery) {
      // A full collection frees what a minor one would.
      this.sinceMajor = 0;
      this.sinceMinor = 0;
      this.collect('major');
    } else if (this.sinceMinor >= this.minorEvery) {
      this.sinceMinor = 0;
      this.collect('minor');
    }
  }
}

type GcFunction = (options?: { type?: 'minor' | 'major'; execution?: 'sync' | 'async' }) => unknown;

/** A function running a synchronous collection of this isolate, or null. */
function isolateCollector(): CollectFunction | null {
  try {
    v8.setFlagsFromString('--expose-gc');
    const gc: unknown = vm.runInNewContext('typeof gc === "function" ? gc : undefined');
    if (typeof gc !== 'function') return null;
    const run = gc as GcFunction;
    return (kind) => {
      run({ type: kind, execution: 'sync' });
    };
  } catch {
    return null;
  }
}
