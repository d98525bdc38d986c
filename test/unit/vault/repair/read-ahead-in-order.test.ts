import { readAheadInOrder } from '../../../../vault/repair/read-ahead-in-order';

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('readAheadInOrder', () => {
  it('hands results to `use` in the items\' order whatever order the reads end in, with at most `limit` reads at once', async () => {
    let inFlight = 0;
    let most = 0;
    const used: number[] = [];
    await readAheadInOrder(
      [0, 1, 2, 3, 4, 5],
      3,
      async (i) => {
        inFlight += 1;
        most = Math.max(most, inFlight);
        // Earlier items take longer: their reads end after later ones.
        for (let t = 0; t < 6 - i; t += 1) await turn();
        inFlight -= 1;
        return i * 10;
      },
      async (r) => {
        used.push(r);
      },
    );
    expect(used).toEqual([0, 10, 20, 30, 40, 50]);
    expect(most).toBe(3);
  });

  // Review rD F1: a later read's failure, seen while an earlier result was still being used, did not stop new reads.
  it('starts no read once any read has failed, uses the results before the failed item, and throws its error', async () => {
    const started: number[] = [];
    const used: number[] = [];
    let failedAt: number | undefined;
    const run = readAheadInOrder(
      [0, 1, 2, 3, 4, 5, 6],
      3,
      async (i) => {
        started.push(i);
        if (i === 2) {
          failedAt = started.length;
          throw new Error('AccessDenied on item 2');
        }
        return i;
      },
      async (r) => {
        used.push(r);
        // Slow use: item 2's read fails while item 0 is used.
        for (let t = 0; t < 5; t += 1) await turn();
      },
    );
    await expect(run).rejects.toThrow('AccessDenied on item 2');
    expect(used).toEqual([0, 1]);
    expect(started.slice(failedAt)).toEqual([]);
  });
});
