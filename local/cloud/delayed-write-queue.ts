/** How long a write that could not be applied (a region down) waits before it is tried again. */
const RETRY_MS = 200;

/**
 * The local cloud's replication lag and order (S3: bucket-replication.ts, DynamoDB:
 * table-replication.ts): writes are applied one at a time, in arrival order, each `delayMs` after it
 * arrived. A write whose `apply` answers false (a region it needs is stopped) or throws stays first
 * and is tried again every RETRY_MS; the writes behind it wait, so the order holds across an outage.
 */
export class DelayedWriteQueue<T> {
  private readonly queue: Array<{ write: T; due: number }> = [];
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private stopped = false;

  constructor(
    private readonly options: {
      delayMs: number;
      apply: (write: T) => Promise<boolean>;
      /** The write in a log line ("replication of bucket/key (us-east-1)"). */
      describe: (write: T) => string;
      log: (message: string) => void;
    },
  ) {}

  push(write: T): void {
    if (this.stopped) return;
    this.queue.push({ write, due: Date.now() + this.options.delayMs });
    this.schedule();
  }

  /** The writes not applied yet, oldest first: the one being applied included. */
  pending(): readonly T[] {
    return this.queue.map((q) => q.write);
  }

  /** Nothing more is applied or accepted; what waits is dropped (the cloud is stopping). */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.timer || this.running || this.stopped || this.queue.length === 0) return;
    const wait = Math.max(0, (this.queue[0]?.due ?? 0) - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.drain();
    }, wait);
  }

  private async drain(): Promise<void> {
    this.running = true;
    let blocked = false;
    try {
      while (this.queue.length > 0 && !this.stopped) {
        const next = this.queue[0];
        if (!next || next.due > Date.now()) break;
        const done = await this.options.apply(next.write).catch((err: unknown) => {
          this.options.log(`${this.options.describe(next.write)} failed: ${(err as Error).message}; retried`);
          return false;
        });
        if (!done) {
          blocked = true;
          break;
        }
        this.queue.shift();
      }
    } finally {
      this.running = false;
    }
    if (this.stopped) return;
    if (blocked) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.drain();
      }, RETRY_MS);
    } else this.schedule();
  }
}
