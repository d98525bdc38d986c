import { MAX_SHARDS_PER_BATCH, shardsPerBatch } from '../../../../lambdas/backup/shard-batch-size';

describe('shardsPerBatch', () => {
  it('keeps one shard per child while the shards do not fill two batches per concurrency slot', () => {
    expect(shardsPerBatch(1, 8)).toBe(1);
    expect(shardsPerBatch(31, 8)).toBe(1);
    expect(shardsPerBatch(0, 8)).toBe(1);
  });

  it('batches more shards per child as they grow, leaving at least two batches per slot', () => {
    expect(shardsPerBatch(32, 8)).toBe(2);
    expect(shardsPerBatch(100, 10)).toBe(5);
    const batches = Math.ceil(100 / shardsPerBatch(100, 10));
    expect(batches).toBeGreaterThanOrEqual(2 * 10);
  });

  it('never puts more than MAX_SHARDS_PER_BATCH shards in one child, and reads a concurrency of 0 as 1', () => {
    expect(shardsPerBatch(1_000_000, 100)).toBe(MAX_SHARDS_PER_BATCH);
    expect(shardsPerBatch(6, 0)).toBe(3);
  });
});
