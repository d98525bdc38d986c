import { CodecPool, GROW_AFTER_WAITING_MS, SlabPool, type SlabRegion } from '../../../../vault/workers/codec-pool';
import { computeBlobId, importVaultKeys } from '../../../../vault/crypto/vault-keys';
import { pseudoRandomBytes } from '../../../support/vault-test-helpers';

/** The workers that a pool prewarmed with one may grow to (set, so the test does not depend on the machine's cores). */
const LIMIT = 3;

describe('a codec pool that starts with one worker and grows when a backup waits for it', () => {
  const saved = process.env.LIFEBOAT_VAULT_WORKERS;

  beforeEach(async () => {
    await CodecPool.shutdownShared();
    process.env.LIFEBOAT_VAULT_WORKERS = String(LIMIT);
  });

  afterEach(async () => {
    await CodecPool.shutdownShared();
    if (saved === undefined) delete process.env.LIFEBOAT_VAULT_WORKERS;
    else process.env.LIFEBOAT_VAULT_WORKERS = saved;
  });

  it('starts the workers it was asked for, and shared(1) then returns that pool as it is', () => {
    CodecPool.prewarm(1);
    const pool = CodecPool.shared(1) as CodecPool;
    expect(pool.size).toBe(1);
    expect(pool.limit).toBe(LIMIT);
  });

  it('starts the rest of the workers for a caller that asks for all of them (a restore after a backup)', () => {
    CodecPool.prewarm(1);
    const pool = CodecPool.shared(1) as CodecPool;
    expect(pool.size).toBe(1);
    expect(CodecPool.shared(2)).toBe(pool);
    expect(pool.size).toBe(2);
    expect(CodecPool.shared()).toBe(pool);
    expect(pool.size).toBe(LIMIT);
    expect(CodecPool.shared(LIMIT + 5)).toBe(pool);
    expect(pool.size).toBe(LIMIT);
  });

  it('grows only past the waiting threshold and never past its limit', () => {
    CodecPool.prewarm(1);
    const pool = CodecPool.shared(1) as CodecPool;
    expect(pool.grow(GROW_AFTER_WAITING_MS - 1)).toBe(false);
    expect(pool.size).toBe(1);
    expect(pool.grow(GROW_AFTER_WAITING_MS)).toBe(true);
    expect(pool.grow(GROW_AFTER_WAITING_MS)).toBe(true);
    expect(pool.size).toBe(LIMIT);
    expect(pool.grow(10 * GROW_AFTER_WAITING_MS)).toBe(false);
    expect(pool.size).toBe(LIMIT);
  });

  it('adds a worker (and a slab) once allocations have waited long enough, and the new worker knows the keys and slabs registered before it', async () => {
    CodecPool.prewarm(1);
    const pool = CodecPool.shared(1) as CodecPool;
    const keys = await importVaultKeys(pseudoRandomBytes(64, 11));
    const k = pool.keySet(keys);
    const slabSize = 1 << 16;
    const slabs = new SlabPool(pool, slabSize, 1, true);

    // A short wait: the slab comes back at once, and the pool stays as it is.
    const first = await slabs.alloc(slabSize);
    const shortWait = slabs.alloc(slabSize);
    setImmediate(() => slabs.release(first.slab));
    const afterShort = await shortWait;
    expect(pool.size).toBe(1);

    // A long wait: the one slab is held past the threshold.
    const longWait = slabs.alloc(slabSize);
    const started = performance.now();
    await new Promise((resolve) => setTimeout(resolve, GROW_AFTER_WAITING_MS + 20));
    slabs.release(afterShort.slab);
    const held = await longWait;
    expect(performance.now() - started).toBeGreaterThanOrEqual(GROW_AFTER_WAITING_MS);
    expect(pool.size).toBe(2);

    // One slab more: a second region is handed out while the first is still held.
    let timer: NodeJS.Timeout | undefined;
    const second = await Promise.race([slabs.alloc(slabSize), new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), 2_000)))]);
    clearTimeout(timer);
    expect(second).not.toBeNull();
    const regions = [held, second as SlabRegion];
    const data = regions.map((_, i) => pseudoRandomBytes(slabSize, 20 + i));
    regions.forEach((r, i) => (data[i] as Buffer).copy(r.bytes));
    // Posted together, the tasks alternate between the workers (the least busy first, the older on a
    // tie): the new worker gets the second and fourth, in the slab and with the key set that were
    // registered before it started, and in the slab made after.
    const order = [1, 0, 0, 1];
    const tasks = order.map((i) => pool.hash(k, (regions[i] as SlabRegion).slab.id, (regions[i] as SlabRegion).offset, slabSize));
    const ids = await Promise.all(tasks);
    const expected = await Promise.all(data.map((d) => computeBlobId(keys, d)));
    expect(ids.map((id) => id.toString('hex'))).toEqual(order.map((i) => (expected[i] as Buffer).toString('hex')));
    for (const r of regions) slabs.release(r.slab);
  });
});
