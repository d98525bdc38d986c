import { type StopCheck } from './shard-run';

/**
 * The items of an ordered listing (S3 keys, a directory walk) until `shouldStop` says stop. The check
 * is made once the next item is known to exist, and never before the first item, so `stopped` means
 * "items were left" and every stretch takes at least one. `last` is the last item handed out: once
 * the consumer has finished every item it took (forEachBounded returns only then), everything up to
 * `last` is done and nothing after it.
 */
export class StoppableListing<T> implements AsyncIterable<T> {
  last: T | undefined;
  stopped = false;

  constructor(
    private readonly source: AsyncIterable<T>,
    private readonly shouldStop?: StopCheck,
  ) {}

  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    let taken = 0;
    for await (const item of this.source) {
      if (taken > 0 && this.shouldStop?.()) {
        this.stopped = true;
        return;
      }
      taken++;
      this.last = item;
      yield item;
    }
  }
}
