import { releaseBuffer, RELEASE_MIN_BYTES } from '../../../../vault/platform/release-buffer';

describe('releaseBuffer', () => {
  it('frees a buffer of its own at once: it and its views read as empty', () => {
    const big = Buffer.allocUnsafeSlow(RELEASE_MIN_BYTES * 4).fill(7);
    const view = big.subarray(10, 20);
    releaseBuffer(big);
    expect(big.buffer.byteLength).toBe(0);
    expect(big.length).toBe(0);
    expect(view.length).toBe(0);
  });

  it('frees the whole ArrayBuffer of a slice (the caller alone holds it)', () => {
    const backing = Buffer.allocUnsafeSlow(RELEASE_MIN_BYTES * 2);
    const slice = backing.subarray(100, 1000);
    releaseBuffer(slice);
    expect(backing.buffer.byteLength).toBe(0);
  });

  it("leaves small buffers alone: they may be slices of node's shared Buffer pool", () => {
    const a = Buffer.from('first pooled buffer');
    const b = Buffer.from('second pooled buffer');
    releaseBuffer(a);
    expect(a.toString()).toBe('first pooled buffer');
    expect(b.toString()).toBe('second pooled buffer');
    const small = Buffer.allocUnsafeSlow(RELEASE_MIN_BYTES - 1).fill(1);
    releaseBuffer(small);
    expect(small.length).toBe(RELEASE_MIN_BYTES - 1);
  });

  it('leaves shared memory alone (other threads read it)', () => {
    const shared = Buffer.from(new SharedArrayBuffer(RELEASE_MIN_BYTES * 2)).fill(3);
    releaseBuffer(shared);
    expect(shared.length).toBe(RELEASE_MIN_BYTES * 2);
    expect(shared[0]).toBe(3);
  });

  it("leaves node's Buffer pool alone even when a program has raised its size", () => {
    const before = Buffer.poolSize;
    try {
      Buffer.poolSize = RELEASE_MIN_BYTES * 4;
      // Under half the pool size: a slice of the pool (a new one of the raised size once the old is used up).
      let pooled = Buffer.allocUnsafe(RELEASE_MIN_BYTES);
      if (pooled.buffer.byteLength !== Buffer.poolSize) pooled = Buffer.allocUnsafe(RELEASE_MIN_BYTES);
      expect(pooled.buffer.byteLength).toBe(Buffer.poolSize);
      const neighbour = Buffer.from('a neighbour in the same pool');
      releaseBuffer(pooled);
      expect(neighbour.toString()).toBe('a neighbour in the same pool');
      expect(pooled.length).toBe(RELEASE_MIN_BYTES);
    } finally {
      Buffer.poolSize = before;
    }
  });
});
