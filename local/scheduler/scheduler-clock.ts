import { setTimeout as sleep } from 'node:timers/promises';

/**
 * The time as the local scheduler sees it. The firing loop and the retries of a firing wait through
 * this, never through timers of their own, so tests drive them with a fake clock instead of waiting.
 */
export type SchedulerClock = {
  now(): Date;
  /** Resolves at `time` (at once when it has passed); rejects with the signal's reason when aborted. */
  sleepUntil(time: Date, signal?: AbortSignal): Promise<void>;
};

/** Node's timers cap a delay at 2^31-1 ms (about 24.8 days); longer waits are taken in steps, which also follows a changed system clock. */
const MAX_STEP_MS = 3_600_000;

export const systemClock: SchedulerClock = {
  now: () => new Date(),
  async sleepUntil(time, signal) {
    for (;;) {
      signal?.throwIfAborted();
      const remaining = time.getTime() - Date.now();
      if (remaining <= 0) return;
      await sleep(Math.min(remaining, MAX_STEP_MS), undefined, signal ? { signal } : {});
    }
  },
};
