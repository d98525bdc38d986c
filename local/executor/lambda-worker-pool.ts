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

/** Hooks of one invocation. */
export type InvocationHooks = {
  /**
   * Called once a worker is free and the invocation starts on it. In AWS a Task starts its function at
   * once; locally it may first wait for a worker, and a clock of the Task (its TimeoutSeconds) must not
   * count that wait (run-local-execution.ts starts it here).
   */
  onStart?: () => void;
};

type Pending = { resolve: (reply: WorkerReply) => void; timer: NodeJS.Timeout; requestId: string; lease: ExecutionLease; fn: LocalFunction };
type Slot = { index: number; worker: Worker; busy: boolean; pending?: Pending; lease?: ExecutionLease };
type Waiter = { lease: ExecutionLease; wake: () => void };

/**
 * One execution's use of a pool: its invocation records and where its handlers' log lines go. A
 * pool kept warm across executions (LocalEnvironment.lambdaPool) serves one lease per execution.
 */
export class ExecutionLease {
  readonly records: InvocationRecord[] = [];
  ended = false;
  constructor(readonly onLog: (line: string) => void = () => undefined) {}
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
 * Invocations beyond `size` wait for a free worker. A worker that crashes or times out is replaced.
 *
 * Like Lambda's execution environments, workers stay warm between invocations, and between
 * executions when the pool is shared (a LocalEnvironment keeps one per size): a handler's modules,
 * SDK clients and codec threads are loaded once, and code that wrongly keeps state across
 * invocations shows up locally as it would in AWS.
 */
export class LambdaWorkerPool {
  private readonly slots: Slot[] = [];
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
    for (let i = 0; i < size; i++) this.slots.push(this.spawn(i));
  }

  /** The invocations made without a lease of their own. */
  get records(): InvocationRecord[] {
    return this.ownLease.records;
  }

  /**
   * Runs `fn` on the first free worker. The function's timeout (`Sandbox.Timedout`, as Lambda reports it)
   * counts from the handler's call, as in AWS: neither the wait for a worker nor the module's first load
   * (Lambda's init phase, which has a limit of its own) is part of it. A load is bounded by the
   * function's timeout too, so a module that hangs while loading still ends.
   */
  async invoke(fn: LocalFunction, event: unknown, env: Record<string, string>, lease: ExecutionLease = this.ownLease, hooks: InvocationHooks = {}): Promise<unknown> {
    const queued = Date.now();
    const slot = await this.acquire(lease);
    const requestId = randomUUID();
    const started = Date.now();
    hooks.onStart?.();
    try {
      const reply = await new Promise<WorkerReply>((resolve) => {
        const timer = setTimeout(() => this.timeOut(slot, fn, 'load'), fn.timeoutSeconds * 1000);
        slot.pending = { resolve, timer, requestId, lease, fn };
        slot.lease = lease;
        slot.worker.postMessage({
          id: requestId,
          modulePath: fn.modulePath,
          exportName: fn.exportName,
          env,
          event,
          context: { functionName: fn.functionName, functionArn: fn.arn, memoryMb: fn.memoryMb, requestId, timeoutMs: fn.timeoutSeconds * 1000 },
        });
      });
      const record: InvocationRecord = { requestId, functionName: fn.functionName, worker: slot.index, queuedMs: started - queued, durationMs: reply.durationMs };
      if (!reply.ok) record.errorType = reply.errorType;
      lease.records.push(record);
      if (!reply.ok) throw new LambdaFunctionError(reply.errorType, reply.errorMessage, reply.trace);
      return reply.payload;
    } finally {
      this.release(slot);
    }
  }

  /**
   * Ends an execution's use of the pool. Iterations of a failed Map may still be in flight or
   * queued: they are settled with an error (nobody reads it) so that no timer keeps the process
   * alive, and a worker still running one is replaced (a warm pool must not serve the next
   * execution from a worker busy with the last one's leftovers).
   */
  endLease(lease: ExecutionLease): void {
    lease.ended = true;
    for (const slot of [...this.slots]) {
      const pending = slot.pending;
      if (!pending || pending.lease !== lease) continue;
      clearTimeout(pending.timer);
      this.replace(slot);
      pending.resolve(executionEnded(pending.requestId));
    }
    for (const waiter of this.waiters.filter((w) => w.lease === lease)) {
      this.waiters.splice(this.waiters.indexOf(waiter), 1);
      waiter.wake();
    }
  }

  /** Stops every worker: invocations in flight or queued are settled with an error. */
  async close(): Promise<void> {
    this.closed = true;
    for (const slot of this.slots) {
      const pending = slot.pending;
      if (!pending) continue;
      clearTimeout(pending.timer);
      slot.pending = undefined;
      pending.resolve(executionEnded(pending.requestId));
    }
    for (const waiter of this.waiters.splice(0)) waiter.wake();
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  private spawn(index: number): Slot {
    const worker = new Worker(WORKER_SCRIPT, { workerData: { nodePath: SDK_NODE_MODULES }, stdout: true, stderr: true });
    const slot: Slot = { index, worker, busy: false };
    worker.on('message', (message: WorkerReply | WorkerLoaded) => ('loaded' in message ? this.loaded(slot, message) : this.settle(slot, message)));
    worker.on('error', (err) => this.crashed(slot, `${err.name}: ${err.message}`));
    worker.on('exit', (code) => {
      if (!this.closed) this.crashed(slot, `the runtime exited with code ${code}`);
    });
    for (const stream of [worker.stdout, worker.stderr]) {
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        // A line belongs to the execution whose invocation the worker runs (or ran last).
        const onLog = (slot.lease ?? this.ownLease).onLog;
        for (const line of chunk.split('\n')) if (line.trim()) onLog(`[worker ${index}] ${line}`);
      });
    }
    return slot;
  }

  /** The module is loaded and the handler called: from now on the function's own timeout counts. */
  private loaded(slot: Slot, message: WorkerLoaded): void {
    const pending = slot.pending;
    if (!pending || pending.requestId !== message.id) return;
    clearTimeout(pending.timer);
    pending.timer = setTimeout(() => this.timeOut(slot, pending.fn, 'handler'), pending.fn.timeoutSeconds * 1000);
  }

  private settle(slot: Slot, reply: WorkerReply): void {
    const pending = slot.pending;
    if (!pending || pending.requestId !== reply.id) return;
    clearTimeout(pending.timer);
    slot.pending = undefined;
    pending.resolve(reply);
  }

  private timeOut(slot: Slot, fn: LocalFunction, phase: 'load' | 'handler'): void {
    const pending = slot.pending;
    if (!pending) return;
    this.replace(slot);
    pending.resolve({
      id: pending.requestId,
      ok: false,
      errorType: 'Sandbox.Timedout',
      errorMessage: `RequestId: ${pending.requestId} Error: Task timed out after ${fn.timeoutSeconds.toFixed(2)} seconds${phase === 'load' ? ' (while loading the function\'s module)' : ''}`,
      trace: [],
      durationMs: fn.timeoutSeconds * 1000,
    });
  }

  private crashed(slot: Slot, reason: string): void {
    if (this.closed || this.slots[slot.index] !== slot) return;
    const pending = slot.pending;
    this.replace(slot);
    if (pending) {
      clearTimeout(pending.timer);
      pending.resolve({ id: pending.requestId, ok: false, errorType: 'Runtime.ExitError', errorMessage: `RequestId: ${pending.requestId} Error: ${reason}`, trace: [], durationMs: 0 });
    }
  }

  /** Swaps a dead or hung worker for a fresh one in the same slot index. */
  private replace(slot: Slot): void {
    slot.pending = undefined;
    const fresh = this.spawn(slot.index);
    fresh.busy = slot.busy;
    this.slots[slot.index] = fresh;
    void slot.worker.terminate();
  }

  private async acquire(lease: ExecutionLease): Promise<Slot> {
    for (;;) {
      if (this.closed || lease.ended) throw new LambdaFunctionError('Lifeboat.ExecutionEnded', 'the execution ended before this invocation started');
      const free = this.slots.find((s) => !s.busy);
      if (free) {
        free.busy = true;
        return free;
      }
      await new Promise<void>((resolve) => this.waiters.push({ lease, wake: resolve }));
    }
  }

  private release(slot: Slot): void {
    const current = this.slots[slot.index];
    if (current) current.busy = false;
    this.waiters.shift()?.wake();
  }
}

function executionEnded(requestId: string): WorkerReply {
  return { id: requestId, ok: false, errorType: 'Lifeboat.ExecutionEnded', errorMessage: 'the execution ended before this invocation finished', trace: [], durationMs: 0 };
}
