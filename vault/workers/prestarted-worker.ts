import { Worker } from 'node:worker_threads';
import { codecWorkerScript } from './codec-worker-location';
import { codecPoolLimit } from './codec-pool-size';

/**
 * A codec worker thread started before the pool that will use it: the CLI starts one for
 * `vault backup` and `vault restore` before it loads its commands' modules, so the thread boots
 * (~0.1 s of CPU) on the other core meanwhile instead of after them. The first pool the process
 * makes takes it over (CodecPool.start). Measured on the bench's 1 % incremental with a
 * hand-patched bundle: 0.71–0.75 s against 0.75–0.80 s (docs/BENCHMARKS.md).
 */
export type PrestartedWorker = {
  readonly worker: Worker;
  /** The thread has loaded its script (its `ready` message came before the pool listened). */
  readonly loaded: boolean;
  /** Removes the script built from source, once the thread has loaded it (codec-worker-location.ts). */
  readonly release: () => void;
};

let waiting: { worker: Worker; loaded: boolean; failed: boolean; release: () => void; detach: () => void } | null = null;

/**
 * Starts one codec worker thread for the process's codec pool to take over, unless one is waiting
 * already or the pool will have none (codecPoolLimit 0). Never keeps
 * the process alive, and a thread that fails to start is simply not taken over.
 */
export function prestartCodecWorker(): void {
  if (waiting || codecPoolLimit() === 0) return;
  let script: ReturnType<typeof codecWorkerScript>;
  let worker: Worker;
  try {
    script = codecWorkerScript();
  } catch {
    return; // the pool will say why when it is made
  }
  try {
    // warmUp: the thread seals a made-up block while it waits for its first task (codec-warm-up.ts).
    worker = new Worker(script.file, { name: 'lifeboat-codec-0', workerData: { warmUp: true } });
  } catch {
    script.release();
    return;
  }
  const state = {
    worker,
    loaded: false,
    failed: false,
    release: () => script.release(),
    detach: () => {
      worker.off('message', onMessage);
      worker.off('error', onFailure);
      worker.off('exit', onFailure);
    },
  };
  // Nothing is lost meanwhile: before its first task a thread sends only `ready`, or fails.
  const onMessage = (m: unknown): void => {
    if (typeof m === 'object' && m !== null && 'ready' in m) {
      state.loaded = true;
      script.release();
    }
  };
  const onFailure = (): void => {
    state.failed = true;
    script.release();
  };
  worker.on('message', onMessage);
  worker.on('error', onFailure);
  worker.on('exit', onFailure);
  // After the listeners, which ref the thread again: an unused one must not keep the process alive.
  worker.unref();
  waiting = state;
}

/** Whether a prestarted thread waits for its pool, and how far it got. */
export function prestartedWorkerState(): 'none' | 'booting' | 'loaded' | 'failed' {
  if (!waiting) return 'none';
  return waiting.failed ? 'failed' : waiting.loaded ? 'loaded' : 'booting';
}

/** The prestarted thread, once (then null); a thread that failed meanwhile is stopped and not handed out. */
export function takePrestartedWorker(): PrestartedWorker | null {
  const taken = waiting;
  waiting = null;
  if (!taken) return null;
  taken.detach();
  if (taken.failed) {
    void taken.worker.terminate();
    return null;
  }
  return { worker: taken.worker, loaded: taken.loaded, release: taken.release };
}
