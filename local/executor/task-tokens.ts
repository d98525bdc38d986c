import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { type TaskResponder } from '../../lambdas/approval/decide-approval';

/**
 * Step Functions' task tokens for the local executor (aws-local-stepfunctions has none): a
 * `.waitForTaskToken` task gets a fresh token, runs its Lambda with it, then waits until someone
 * answers for the token with SendTaskSuccess or SendTaskFailure, as in AWS. The answers travel through
 * the data directory, so that `lifeboat approve` in another process (or a test) reaches the
 * executor that waits: `<data-dir>/task-tokens/<hash>.pending.json` while a task waits,
 * `<hash>.answer.json` once answered (written beside it, then renamed into place: never half-read).
 * The file name is a hash of the token, so a token never becomes a path.
 */

export type TaskTokenAnswer = { status: 'SUCCEEDED'; output: unknown } | { status: 'FAILED'; error: string; cause: string };

const answerSchema = z.discriminatedUnion('status', [
  z.object({ status: z.literal('SUCCEEDED'), output: z.unknown() }),
  z.object({ status: z.literal('FAILED'), error: z.string(), cause: z.string() }),
]);

/** What the pending file records: which execution and state wait, since when (for a person looking at the directory). */
export type PendingTaskToken = { token: string; execution: string; state: string; since: string };

/** SendTaskSuccess/Failure for a token no task waits for (never issued, already answered, or timed out): AWS answers TaskDoesNotExist or TaskTimedOut. */
export class TaskDoesNotExistError extends Error {
  override readonly name = 'TaskDoesNotExist';
  constructor() {
    super('No task waits for this token locally: it was already answered, its task timed out, or its execution ended.');
  }
}

/** A task failed by SendTaskFailure: the error name is the sender's, as Step Functions reports it. */
export class SentTaskFailure extends Error {
  constructor(error: string, cause: string) {
    super(cause);
    this.name = error;
  }
}

/** The waiting task's TimeoutSeconds passed before an answer came (Step Functions' States.Timeout). */
export class TaskTokenTimeout extends Error {
  override readonly name = 'States.Timeout';
}

function tokensDir(dataDir: string): string {
  return path.join(path.resolve(dataDir), 'task-tokens');
}

function files(dataDir: string, token: string): { pending: string; answer: string } {
  const id = createHash('sha256').update(token).digest('hex').slice(0, 40);
  return { pending: path.join(tokensDir(dataDir), `${id}.pending.json`), answer: path.join(tokensDir(dataDir), `${id}.answer.json`) };
}

export function newTaskToken(): string {
  return randomBytes(48).toString('base64url');
}

/** Registers a waiting task (before its Lambda runs, so an answer sent from inside it, or at once after, is not lost). */
export function registerTaskToken(dataDir: string, pending: PendingTaskToken): void {
  mkdirSync(tokensDir(dataDir), { recursive: true });
  writeFileSync(files(dataDir, pending.token).pending, JSON.stringify(pending), { mode: 0o600 });
}

/** Forgets a token (its task ended); a later answer gets TaskDoesNotExistError. */
export function releaseTaskToken(dataDir: string, token: string): void {
  const { pending, answer } = files(dataDir, token);
  rmSync(pending, { force: true });
  rmSync(answer, { force: true });
}

function answer(dataDir: string, token: string, value: TaskTokenAnswer): void {
  const { pending, answer: answerFile } = files(dataDir, token);
  if (!existsSync(pending) || existsSync(answerFile)) throw new TaskDoesNotExistError();
  const tmp = `${answerFile}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(value), { mode: 0o600 });
  renameSync(tmp, answerFile);
}

/** SendTaskSuccess: the waiting task succeeds with `output` as its result. */
export function sendTaskSuccess(dataDir: string, token: string, output: unknown): void {
  answer(dataDir, token, { status: 'SUCCEEDED', output });
}

/** SendTaskFailure: the waiting task fails with `error` (Catch and Retry match it) and `cause`. */
export function sendTaskFailure(dataDir: string, token: string, error: string, cause: string): void {
  answer(dataDir, token, { status: 'FAILED', error, cause });
}

/**
 * Waits for the answer to `token`, polling the data directory, until `deadline` (the task's
 * TimeoutSeconds; TaskTokenTimeout then) or until `stopped()` says the execution is over. The token
 * is released either way.
 */
export async function awaitTaskToken(dataDir: string, token: string, options: { deadline: number; stopped: () => boolean; pollMs?: number }): Promise<TaskTokenAnswer> {
  const { answer: answerFile } = files(dataDir, token);
  try {
    for (;;) {
      if (existsSync(answerFile)) return answerSchema.parse(JSON.parse(readFileSync(answerFile, 'utf8')));
      if (Date.now() >= options.deadline) throw new TaskTokenTimeout('The task timed out waiting for SendTaskSuccess or SendTaskFailure (its TimeoutSeconds passed).');
      if (options.stopped()) throw new TaskTokenTimeout('The execution ended while the task waited for its token.');
      await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 100));
    }
  } finally {
    releaseTaskToken(dataDir, token);
  }
}

/** SendTaskSuccess/SendTaskFailure of `lifeboat approve` against the local executor: both regions' executions wait in the same data directory. */
export function localTaskResponder(dataDir: string): TaskResponder {
  return {
    success: async (_region, token, output) => sendTaskSuccess(dataDir, token, JSON.parse(output)),
    failure: async (_region, token, error, cause) => sendTaskFailure(dataDir, token, error, cause),
  };
}
