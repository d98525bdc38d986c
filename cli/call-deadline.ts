/**
 * A call to AWS that had no answer within its deadline. The SDK clients have their own request timeouts; this bound
 * is the runner's own over a whole call (its attempts, its credentials' asks), so that a client that never settles
 * cannot hold a command that waits for a workflow in AWS (review f63C).
 */
export class CallDeadlineError extends Error {
  constructor(
    readonly operation: string,
    readonly deadlineMs: number,
  ) {
    super(`${operation} had no answer within ${deadlineMs < 1000 ? `${deadlineMs} ms` : `${Math.round(deadlineMs / 1000)} s`}`);
    this.name = 'CallDeadlineError';
  }
}

/** `call`'s result, or CallDeadlineError once `deadlineMs` passed without one (its signal is then aborted). */
export async function withinDeadline<T>(operation: string, deadlineMs: number, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new CallDeadlineError(operation, deadlineMs);
      abort.abort(error);
      reject(error);
    }, deadlineMs);
  });
  try {
    return await Promise.race([call(abort.signal), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
