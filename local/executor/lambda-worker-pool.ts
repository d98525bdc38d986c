import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { type LocalFunction } from './local-functions';

/** How one invocation went, for the execution history. */
export type InvocationRecord = {
  requestId: string;
  functionName: string;
  worker: number;
  queuedMs: number;
  durationMs: number;
  errorType?: string;
  /**
   * Still running when its execution ended: it runs on, as in AWS, to its end or its function's timeout, and nobody
   * reads its result; durationMs is its time up to the execution's end (LambdaWorkerPool.endLease).
   */
  outlivedExecution?: true;
};

/** A handler's error, as Lambda reports it: errorType becomes the Step Functions error name. */
export class LambdaFunctionError extends Error {
  constructor(
    readonly errorType: string,
    readonly errorMessage: string,
    readonly trace: readonly string[] = [],
  ) {
    // The Cause of a Lambda error in Step Functions is this JSON document.
    super(JSON.stringify({ errorType, errorMessage, trace }));
    this.name = errorType;
  }
}

type WorkerReply =
  | { id: string; ok: true; payload: unknown; durationMs: number }
  | { id: string; ok: false; errorType: string; errorMessage: string; trace: string[]; durationMs: number };
/** The worker has the function's module loaded and is calling the handler: the function's own clock starts. */
type WorkerLoaded = { id: string; loaded: true };

/**
 * A fault injected before a handler (fault-injection.ts `delayMs`): a hung source, a slow shard. The
 * function waits on its own clock, after its module loaded, so its timeout and its Task's TimeoutSeconds
 * both count the wait, as they count a hung function in AWS; then it fails with `errorType` when one is
 * given (its handler never runs), or calls its handler. With `releaseFile` the wait ends early once that file exists.
 */
export type InjectedHang = { delayMs: number; releaseFile?: string; errorType?: string; errorMessage?: string };

/** How one invocation is run, beyond its function and event. */
export type InvocationOptions = {
  /**
   * Called once a worker is free and the invocation starts on it. In AWS a Task starts its function at
   * once; locally it may first wait for a worker, and a clock of the Task (its TimeoutSeconds) must not
   * count that wait (run-local-execution.ts starts it here).
   */
  onStart?: () => void;
  /**
   * Aborted when the caller stops waiting (its Task timed out). In AWS the function runs on in its own
   * execution environment and holds nothing of the workflow, so a Retry starts at once. Here the
   * invocation leaves its slot to a fresh worker and runs on, on its old worker, to its end or its
   * function's timeout; it is then recorded and that worker terminated. Without this each Retry of a
   * hung function would queue behind the last attempt for up to its timeout (15 min for ours).
   */
  abandon?: AbortSignal;
  hang?: InjectedHang;
};

/**
 * `resolve` records how the invocation ended and answers its caller; `answer` only answers the caller, for an invocation
 * whose execution ended while it runs on (endLease): its caller is done with it, its record waits for its end.
 */
type Pending = { resolve: (reply: WorkerReply) => void; answer: (reply: WorkerReply) => void; timer: NodeJS.Timeout; requestId: string; lease: ExecutionLease; fn: LocalFunction; started: number; queuedMs: number };
/**
 * A worker and the invocation it runs. Whether a slot's index is taken is kept apart (`taken`): an
 * invoke() holds the index while the worker under it may be swapped (timed out, crashed, abandoned).
 */
type Slot = { index: number; worker: Worker; pending?: Pending; lease?: ExecutionLease };
type Waiter = { lease: ExecutionLease; wake: () => void };

/**
 * AWS gives a function's init phase (its module's load) 10 s, whatever the function's timeout. Locally
 * a load is bounded by the longer of that and the function's timeout: a module that hangs while
 * loading still ends, and a slow bundle of a short function does not fail where AWS runs it.
 */
const INIT_LIMIT_SECONDS = 10;

/** How long a function's module may take to load in a worker. */
export function loadLimitSeconds(fn: LocalFunction): number {
  return Math.max(INIT_LIMIT_SECONDS, fn.timeoutSeconds);
}

/**
 * One execution's use of a pool: its invocation records and where its handlers' log lines go. A
 * pool kept warm across executions (LocalEnvironment.lambdaPool) serves one lease per execution.
 */
export class ExecutionLease {
  readonly records: InvocationRecord[] = [];
  ended = false;
  constructor(readonly onLog: (line: string) => void = () => undefined) {}

  /**
   * A line of a worker running for this execution. Once the execution has ended, its orphans' lines are written
   * best-effort: its log may be gone by then (a test's data directory removed while a shared pool runs on), and a
   * throw here, in a stream handler, would be an uncaught exception of whoever runs the pool (review rL F3).
   */
  log(line: string): void {
    if (!this.ended) return this.onLog(line);
    try {
      this.onLog(line);
    } catch {
      // Nobody reads an ended execution's log any more: the line is dropped.
    }
  }
}

const WORKER_SCRIPT = path.join(__dirname, 'lambda-worker.cjs');
/**
 * The node_modules that holds the AWS SDK, which the bundles keep external as the Lambda runtime
 * provides it: found where Node resolves it from here, so it is right both in the repository and
 * for an installed package (whose own folder has no node_modules of its own).
 */
const SDK_NODE_MODULES = path.resolve(path.dirname(require.resolve('@aws-sdk/client-s3/package.json')), '..', '..');

/**
 * Lambda fan-out on this machine: `size` worker threads, each an execution environment that runs
 * one invocation at a time (as Lambda does), so CPU-bound shards of a Map really use every core.
 * Invocations beyond `size` wait for a free worker. A worker that crashes or times out is replaced,
 * and so is one whose caller stopped waiting (InvocationOptions.abandon): the pool keeps its size,
 * and runs at most `size` such abandoned invocations besides (the oldest beyond is stopped).
 *
 * Like Lambda's execution environments, workers stay warm between invocations, and between
 * executions when the pool is shared (a LocalEnvironment keeps one per size): a handler's modules,
 * SDK clients and codec threads are loaded once, and code that wrongly keeps state across
 * invocations shows up locally as it would in AWS.
 */
export class LambdaWorkerPool {
  private readonly slots: Slot[] = [];
  /** Whether each slot index is held by an invoke(). */
  private readonly taken: boolean[] = [];
  /** Workers still running an invocation whose caller stopped waiting; terminated when it ends. */
  private readonly orphans = new Set<Slot>();
  /** Worker threads started and not yet exited, orphans included. */
  private readonly live = new Set<Worker>();
  private readonly waiters: Waiter[] = [];
  private closed = false;
  /** The lease of invoke() calls that name none (a pool used by one execution). */
  private readonly ownLease: ExecutionLease;

  constructor(
    readonly size: number,
    onLog?: (line: string) => void,
  ) {
    // A pool of no (or NaN) workers would queue every invocation and never run one.
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`a Lambda worker pool needs a whole number of workers, 1 or more; got ${size}`);
    this.ownLease = new ExecutionLease(onLog);
    for (let i = 0; i < size; i++) {
      this.slots.push(this.spawn(i));
      this.taken.push(false);
    }
  }

  /** The invocations made without a lease of their own. */
  get records(): InvocationRecord[] {
    return this.ownLease.records;
  }

  /** Worker threads running now: the pool's `size` and any abandoned invocation's still at work (0 once closed). */
  get threads(): number {
    return this.live.size;
  }

  /**
   * Runs `fn` on the first free worker. The function's timeout (`Sandbox.Timedout`, as Lambda reports it)
   * counts from the handler's call, as in AWS: neither the wait for a worker nor the module's first load
   * (Lambda's init phase, which has a limit of its own: loadLimitSeconds) is part of it. An injected
   * hang (`options.hang`) is part of it, as a hung function's time is.
   */
  async invoke(fn: LocalFunction, event: unknown, env: Record<string, string>, lease: ExecutionLease = this.ownLease, options: InvocationOptions = {}): Promise<unknown> {
    const queued = Date.now();
    const slot = await this.acquire(lease);
    const requestId = randomUUID();
    const started = Date.now();
    let held = true;
    const release = (): void => {
      if (!held) return;
      held = false;
      this.release(slot.index);
    };
    const abandon = (): void => {
      this.detach(slot, requestId);
      release();
    };
    options.abandon?.addEventListener('abort', abandon, { once: true });
    options.onStart?.();
    try {
      const reply = await new Promise<WorkerReply>((resolve) => {
        const timer = setTimeout(() => this.timeOut(slot, 'load'), loadLimitSeconds(fn) * 1000);
        // Recorded when it ends, not when the caller resumes: an abandoned invocation's caller never does.
        const record = (done: WorkerReply): void => {
          // One that outlived its execution was recorded when the execution ended (endLease): its history is written by now.
          if (!lease.ended) lease.records.push({ requestId, functionName: fn.functionName, worker: slot.index, queuedMs: started - queued, durationMs: done.durationMs, ...(done.ok ? {} : { errorType: done.errorType }) });
          resolve(done);
        };
        slot.pending = { resolve: record, answer: resolve, timer, requestId, lease, fn, started, queuedMs: started - queued };
        slot.lease = lease;
        slot.worker.postMessage({
          id: requestId,
          modulePath: fn.modulePath,
          exportName: fn.exportName,
          env,
          event,
          context: { functionName: fn.functionName, functionArn: fn.arn, memoryMb: fn.memoryMb, requestId, timeoutMs: fn.timeoutSeconds * 1000 },
          ...(options.hang ? { hang: options.hang } : {}),
        });
      });
      if (!reply.ok) throw new LambdaFunctionError(reply.errorType, reply.errorMessage, reply.trace);
      return reply.payload;
    } finally {
      options.abandon?.removeEventListener('abort', abandon);
      release();
    }
  }

  /**
   * Ends an execution's use of the pool. Invocations it queued never start (as in AWS, an ended execution starts
   * nothing). Those in flight (iterations of a failed Map, a timed-out child's shards, Task-timeout orphans) run on,
   * as Step Functions stops an execution and not a Lambda invocation in flight: each goes on to its end or its
   * function's timeout as an orphan, bounded as abandoned ones are (detach), so that what it still writes (into a
   * drill's scratch bucket, say) happens here as in AWS. Its caller is answered now with Lifeboat.ExecutionEnded (nobody
   * reads it) and its record, `outlivedExecution`, goes into the execution's history now, which is written before it
   * ends. A warm pool serves the next execution from fresh workers in their slots. close() terminates such orphans.
   */
  endLease(lease: ExecutionLease): void {
    lease.ended = true;
    for (const slot of [...this.orphans, ...this.slots]) {
      const pending = slot.pending;
      if (!pending || pending.lease !== lease) continue;
      if (!this.orphans.has(slot)) {
        this.orphans.add(slot);
        this.slots[slot.index] = this.spawn(slot.index);
      }
      const now = Date.now();
      lease.records.push({ requestId: pending.requestId, functionName: pending.fn.functionName, worker: slot.index, queuedMs: pending.queuedMs, durationMs: now - pending.started, outlivedExecution: true });
      pending.answer(executionEnded(pending.requestId));
    }
    this.stopOrphansBeyondSize();
    for (const waiter of this.waiters.filter((w) => w.lease === lease)) {
      this.waiters.splice(this.waiters.indexOf(waiter), 1);
      waiter.wake();
    }
  }

  /** Stops every worker, abandoned invocations' included: invocations in flight or queued are settled with an error. */
  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.orphans, ...this.slots];
    this.orphans.clear();
    for (const slot of all) {
      const pending = slot.pending;
      if (!pending) continue;
      clearTimeout(pending.timer);
      slot.pending = undefined;
      pending.resolve(executionEnded(pending.requestId));
    }
    for (const waiter of this.waiters.splice(0)) waiter.wake();
    await Promise.all(all.map((s) => s.worker.terminate()));
  }

  private spawn(index: number): Slot {
    const worker = new Worker(WORKER_SCRIPT, { workerData: { nodePath: SDK_NODE_MODULES }, stdout: true, stderr: true });
    const slot: Slot = { index, worker };
    this.live.add(worker);
    worker.on('message', (message: WorkerReply | WorkerLoaded) => ('loaded' in message ? this.loaded(slot, message) : this.settle(slot, message)));
    worker.on('error', (err) => this.crashed(slot, `${err.name}: ${err.message}`));
    worker.on('exit', (code) => {
      this.live.delete(worker);
      if (!this.closed) this.crashed(slot, `the runtime exited with code ${code}`);
    });
    for (const stream of [worker.stdout, worker.stderr]) {
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        // A line belongs to the execution whose invocation the worker runs (or ran last).
        const lease = slot.lease ?? this.ownLease;
        for (const line of chunk.split('\n')) if (line.trim()) lease.log(`[worker ${index}] ${line}`);
      });
    }
    return slot;
  }

  /** The module is loaded and the handler called: from now on the function's own timeout counts. */
  private loaded(slot: Slot, message: WorkerLoaded): void {
    const pending = slot.pending;
    if (!pending || pending.requestId !== message.id) return;
    clearTimeout(pending.timer);
    pending.timer = setTimeout(() => this.timeOut(slot, 'handler'), pending.fn.timeoutSeconds * 1000);
  }

  private settle(slot: Slot, reply: WorkerReply): void {
    const pending = slot.pending;
    if (!pending || pending.requestId !== reply.id) return;
    clearTimeout(pending.timer);
    slot.pending = undefined;
    // An abandoned invocation's worker has no slot to go back to.
    if (this.orphans.has(slot)) this.retire(slot);
    pending.resolve(reply);
  }

  private timeOut(slot: Slot, phase: 'load' | 'handler'): void {
    const pending = slot.pending;
    if (!pending) return;
    this.retire(slot);
    const seconds = phase === 'load' ? loadLimitSeconds(pending.fn) : pending.fn.timeoutSeconds;
    pending.resolve({
      id: pending.requestId,
      ok: false,
      errorType: 'Sandbox.Timedout',
      errorMessage: `RequestId: ${pending.requestId} Error: Task timed out after ${seconds.toFixed(2)} seconds${phase === 'load' ? ' (while loading the function\'s module)' : ''}`,
      trace: [],
      durationMs: seconds * 1000,
    });
  }

  private crashed(slot: Slot, reason: string): void {
    if (this.closed || (this.slots[slot.index] !== slot && !this.orphans.has(slot))) return;
    const pending = slot.pending;
    this.retire(slot);
    if (pending) {
      clearTimeout(pending.timer);
      pending.resolve({ id: pending.requestId, ok: false, errorType: 'Runtime.ExitError', errorMessage: `RequestId: ${pending.requestId} Error: ${reason}`, trace: [], durationMs: 0 });
    }
  }

  /** Hands the slot of an invocation whose caller stopped waiting to a fresh worker; the old one runs on as an orphan. */
  private detach(slot: Slot, requestId: string): void {
    // Already ended (answered, timed out, crashed, its execution over): nothing runs on.
    if (this.closed || this.slots[slot.index] !== slot || slot.pending?.requestId !== requestId) return;
    this.orphans.add(slot);
    this.slots[slot.index] = this.spawn(slot.index);
    this.stopOrphansBeyondSize();
  }

  /**
   * An orphan runs on as a timed-out task's function does in AWS, but here it holds a thread and a share of the
   * cores the live attempts need: past the pool's size the oldest is stopped (nobody reads its result; its record
   * says why). Without this, a Map of timing-out retries grew to dozens of threads (review 40f).
   */
  private stopOrphansBeyondSize(): void {
    for (const oldest of this.orphans) {
      if (this.orphans.size <= this.size) break;
      const pending = oldest.pending;
      if (pending) clearTimeout(pending.timer);
      this.retire(oldest);
      pending?.resolve(abandonedStopped(pending.requestId, this.size));
    }
  }

  /** Terminates a dead, hung or finished worker: a slot's gets a fresh one in the same index, an orphan's none. */
  private retire(slot: Slot): void {
    slot.pending = undefined;
    if (!this.orphans.delete(slot)) this.slots[slot.index] = this.spawn(slot.index);
    void slot.worker.terminate();
  }

  private async acquire(lease: ExecutionLease): Promise<Slot> {
    for (;;) {
      if (this.closed || lease.ended) throw new LambdaFunctionError('Lifeboat.ExecutionEnded', 'the execution ended before this invocation started');
      const free = this.taken.indexOf(false);
      const slot = this.slots[free];
      if (slot) {
        this.taken[free] = true;
        return slot;
      }
      await new Promise<void>((resolve) => this.waiters.push({ lease, wake: resolve }));
    }
  }

  private release(index: number): void {
    this.taken[index] = false;
    this.waiters.shift()?.wake();
  }
}

function abandonedStopped(requestId: string, size: number): WorkerReply {
  return { id: requestId, ok: false, errorType: 'Lifeboat.Abandoned', errorMessage: `its state had timed out, and more than the pool's ${size} abandoned invocations were running: the oldest was stopped`, trace: [], durationMs: 0 };
}

function executionEnded(requestId: string): WorkerReply {
  return { id: requestId, ok: false, errorType: 'Lifeboat.ExecutionEnded', errorMessage: 'the execution ended before this invocation finished', trace: [], durationMs: 0 };
}
