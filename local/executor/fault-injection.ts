/**
 * Faults the local executor injects in place of a Task's Lambda invocation, for tests and drills:
 * the state fails with `errorName` as if the handler had thrown it, so Retry and Catch see exactly
 * what they would see in AWS. `times` bounds how often (a transient fault), `whenInput` picks which
 * invocation (e.g. one shard of a Map by `{ shardIndex: 1 }`).
 */
export type FaultRule = {
  /** Task state name, e.g. "Snapshot shard". */
  state: string;
  /** Error name the state fails with, e.g. "TransientError" (retried) or "ShardReadError" (caught); absent with `delayMs`: the task only waits. */
  errorName?: string;
  /**
   * 'before' only: the function hangs this long first (a hung source, a slow shard), on its worker and
   * its own clock (lambda-worker-pool.ts InjectedHang), so that an execution can be stopped or run
   * into its TimeoutSeconds (local executor options `abortSignal`, `executionTimeoutSeconds`), a Task
   * into its TimeoutSeconds (States.Timeout) and a function into its timeout (Sandbox.Timedout), as in AWS.
   */
  delayMs?: number;
  /**
   * With `delayMs`: the hang ends as soon as this file exists, still at `delayMs` at the latest. A test
   * that holds an execution while it does something else releases it when done, instead of guessing a
   * delay long enough for a loaded machine (and always waiting all of it).
   */
  releaseFile?: string;
  message?: string;
  /** How many matching invocations fail; unlimited when absent. */
  times?: number;
  /** Fail only invocations whose input contains these fields with these values (deep, partial). */
  whenInput?: Record<string, unknown>;
  /** 'before' (default): the handler never runs; 'after': the handler runs, then the task fails (a crash after side effects). */
  at?: 'before' | 'after';
};

export class FaultInjector {
  private readonly remaining: (number | undefined)[];
  readonly injected: { state: string; errorName: string; at: 'before' | 'after' }[] = [];

  constructor(private readonly rules: readonly FaultRule[]) {
    this.remaining = rules.map((r) => r.times);
  }

  /** The rule that fires for this invocation at this moment, consuming one of its `times`. */
  take(state: string, input: unknown, at: 'before' | 'after'): FaultRule | undefined {
    for (const [i, rule] of this.rules.entries()) {
      if (rule.state !== state || (rule.at ?? 'before') !== at) continue;
      if (rule.whenInput && !containsFields(input, rule.whenInput)) continue;
      const left = this.remaining[i];
      if (left !== undefined) {
        if (left <= 0) continue;
        this.remaining[i] = left - 1;
      }
      this.injected.push({ state, errorName: rule.errorName ?? `delay ${rule.delayMs ?? 0} ms`, at });
      return rule;
    }
    return undefined;
  }
}

function containsFields(value: unknown, expected: unknown): boolean {
  if (expected === null || typeof expected !== 'object') return value === expected;
  if (value === null || typeof value !== 'object') return false;
  return Object.entries(expected).every(([key, want]) => containsFields((value as Record<string, unknown>)[key], want));
}
