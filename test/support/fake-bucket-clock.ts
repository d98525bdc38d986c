import { type BucketClock } from '../../lambdas/sources/capacity-token-bucket';

/**
 * A clock for capacity budgets: time stands still except when the code under test sleeps, which
 * moves it forward at once. So a paced scan runs at full speed while its clock says how long it
 * would have taken, and units per second computed from it are exact, not timed. `sleeps` records
 * every wait asked for.
 */
export class FakeBucketClock implements BucketClock {
  readonly sleeps: number[] = [];
  private current = 0;

  now(): number {
    return this.current;
  }

  sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.current += ms;
    return Promise.resolve();
  }
}
