/**
 * A counting semaphore over bytes: bounds how much chunk data a backup (or restore) holds in flight,
 * which is what keeps peak memory flat however large the source is. A request larger than the whole
 * budget is admitted when nothing else is in flight, so it can never deadlock.
 */
export class ByteBudget {
  private used = 0;
  private readonly waiters: Array<{ n: number; resolve: () => void }> = [];

  constructor(readonly limit: number) {}

  get inUse(): number {
    return this.used;
  }

  acquire(n: number): Promise<void> {
    if (this.waiters.length === 0 && this.fits(n)) {
      this.used += n;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.push({ n, resolve }));
  }

  release(n: number): void {
    this.used -= n;
    while (this.waiters.length > 0) {
      const head = this.waiters[0] as { n: number; resolve: () => void };
      if (!this.fits(head.n)) break;
      this.waiters.shift();
      this.used += head.n;
      head.resolve();
    }
  }

  private fits(n: number): boolean {
    return this.used === 0 || this.used + n <= this.limit;
  }
}
