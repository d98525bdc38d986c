import { type SchedulerClock } from '../../local/scheduler/scheduler-clock';

/**
 * A clock for the local scheduler's tests: time moves only when the test says so (`advanceTo`), or,
 * with `autoAdvance`, jumps to whatever time the code under test waits for (retry backoff), so no
 * test sleeps. `sleeps` records every wait asked for.
 */
export class FakeSchedulerClock implements SchedulerClock {
  readonly sleeps: Date[] = [];
  private current: number;
  private sleepers: { at: number; resolve: () => void }[] = [];

  constructor(
    start: Date,
    private readonly autoAdvance = false,
  ) {
    this.current = start.getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  sleepUntil(time: Date, signal?: AbortSignal): Promise<void> {
    this.sleeps.push(time);
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    if (this.autoAdvance) this.current = Math.max(this.current, time.getTime());
    if (time.getTime() <= this.current) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const sleeper = { at: time.getTime(), resolve };
      this.sleepers.push(sleeper);
      signal?.addEventListener('abort', () => {
        this.sleepers = this.sleepers.filter((s) => s !== sleeper);
        reject(signal.reason as Error);
      });
    });
  }

  /** Moves the time forward, wakes every wait that is due, and lets the woken code run until it waits again. */
  async advanceTo(time: Date): Promise<void> {
    this.current = time.getTime();
    const due = this.sleepers.filter((s) => s.at <= this.current);
    this.sleepers = this.sleepers.filter((s) => s.at > this.current);
    due.forEach((s) => s.resolve());
    await settle();
  }
}

/** Lets promise chains that need no I/O run to their end (each macrotask turn drains the microtasks). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}
