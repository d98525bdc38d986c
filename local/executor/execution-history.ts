import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { ExecutionNotFoundError } from './errors';
import { type InvocationRecord } from './lambda-worker-pool';

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

/** One event of an execution's history, as Step Functions' GetExecutionHistory would show it. */
export type HistoryEvent = {
  type: string;
  timestamp: string;
  state?: string;
  /** Map iteration index, for states inside a Map; for a distributed Map, the child execution's (batch's) index. */
  index?: number;
  /** The distributed Map whose child execution this event belongs to (local/executor/distributed-map.ts). */
  mapRun?: string;
  input?: unknown;
  output?: unknown;
  error?: string;
  cause?: string;
  retryAttempt?: number;
};

/** What started an execution other than a direct call: a schedule firing (local/scheduler/). */
export type ExecutionTrigger = { kind: 'schedule'; schedule: string; scheduledTime: string; attempt: number };

export type ExecutionHistory = {
  executionId: string;
  stateMachine: string;
  stateMachineArn: string;
  stackName: string;
  status: ExecutionStatus;
  input: unknown;
  output?: unknown;
  error?: string;
  cause?: string;
  startedAt: string;
  stoppedAt?: string;
  startedBy?: ExecutionTrigger;
  workers: number;
  events: HistoryEvent[];
  invocations: InvocationRecord[];
  injectedFaults: { state: string; errorName: string; at: 'before' | 'after' }[];
};

const historySchema = z.object({ executionId: z.string(), stateMachine: z.string(), status: z.string(), startedAt: z.string() }).passthrough();

export function executionsDir(dataDir: string): string {
  return path.join(dataDir, 'executions');
}

export function saveExecutionHistory(dataDir: string, history: ExecutionHistory): string {
  const dir = executionsDir(dataDir);
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${history.executionId}.json`);
  writeFileSync(file, JSON.stringify(history, null, 2));
  return file;
}

export function loadExecutionHistory(dataDir: string, executionId: string): ExecutionHistory {
  if (!/^[A-Za-z0-9._-]+$/.test(executionId)) throw new ExecutionNotFoundError(dataDir, executionId);
  let text: string;
  try {
    text = readFileSync(path.join(executionsDir(dataDir), `${executionId}.json`), 'utf8');
  } catch {
    throw new ExecutionNotFoundError(dataDir, executionId);
  }
  historySchema.parse(JSON.parse(text));
  return JSON.parse(text) as ExecutionHistory;
}

/**
 * Records that a RUNNING execution will not finish because the process running it stops (`lifeboat
 * local down` stopping the scheduler): its history says ABORTED with the reason, as Step Functions
 * shows a stopped execution. Anything but RUNNING is left as it is.
 */
export function markExecutionAborted(dataDir: string, executionId: string, cause: string): void {
  const history = loadExecutionHistory(dataDir, executionId);
  if (history.status !== 'RUNNING') return;
  saveExecutionHistory(dataDir, { ...history, status: 'ABORTED', error: 'States.Aborted', cause, stoppedAt: new Date().toISOString() });
}

/** Executions under dataDir, newest first. */
export function listExecutionHistories(dataDir: string): ExecutionHistory[] {
  let files: string[];
  try {
    files = readdirSync(executionsDir(dataDir)).filter((f) => f.endsWith('.json'));
  } catch {
    return [];
  }
  return files
    .map((f) => loadExecutionHistory(dataDir, f.slice(0, -'.json'.length)))
    .sort((a, b) => b.startedAt.localeCompare(a.startedAt));
}

/** Per state: how often it ran, total and longest time, failures and retries — the summary `lifeboat executions show` prints. */
export type StateSummary = { state: string; runs: number; totalMs: number; maxMs: number; failures: number; retries: number };

export function summarizeStates(events: readonly HistoryEvent[]): StateSummary[] {
  const byState = new Map<string, StateSummary>();
  const entered = new Map<string, number>();
  const summary = (state: string): StateSummary => {
    let s = byState.get(state);
    if (!s) byState.set(state, (s = { state, runs: 0, totalMs: 0, maxMs: 0, failures: 0, retries: 0 }));
    return s;
  };
  for (const e of events) {
    if (!e.state) continue;
    const key = `${e.state}#${e.index ?? ''}`;
    const s = summary(e.state);
    if (e.type === 'StateEntered') entered.set(key, Date.parse(e.timestamp));
    if (e.type === 'StateExited' || e.type === 'StateFailed') {
      const start = entered.get(key);
      if (start !== undefined) {
        const ms = Date.parse(e.timestamp) - start;
        s.runs += 1;
        s.totalMs += ms;
        s.maxMs = Math.max(s.maxMs, ms);
        entered.delete(key);
      }
      if (e.type === 'StateFailed') s.failures += 1;
    }
    if (e.type === 'StateRetried') s.retries += 1;
  }
  return [...byState.values()];
}
