import { keepFreedBuffersInHeap, TRIM_THRESHOLD_BYTES } from '../../../../vault/platform/malloc-tuning';
import { type PosixCalls } from '../../../../vault/platform/posix-calls';
import { requireCalls } from '../../../support/hostile-fixture-tree';

/** M_TRIM_THRESHOLD and M_MMAP_THRESHOLD of glibc's malloc.h. */
const M_TRIM_THRESHOLD = -1;
const M_MMAP_THRESHOLD = -3;

/** Platform calls that record the malloc options set and answer with `answers` in turn. */
function recordingCalls(answers: boolean[]): { calls: PosixCalls; set: Array<[number, number]> } {
  const set: Array<[number, number]> = [];
  const calls = {
    setMallocOption(param: number, value: number): boolean {
      set.push([param, value]);
      return answers.shift() ?? true;
    },
  } as unknown as PosixCalls;
  return { calls, set };
}

describe('keeping freed blob buffers in malloc\'s heap', () => {
  it('sets the trim threshold, then the mmap threshold, and says it did', () => {
    const { calls, set } = recordingCalls([true, true]);
    expect(keepFreedBuffersInHeap(calls)).toBe(true);
    expect(set).toEqual([
      [M_TRIM_THRESHOLD, 64 * 1024 * 1024],
      [M_MMAP_THRESHOLD, 32 * 1024 * 1024],
    ]);
  });

  it('leaves the mmap threshold alone when glibc refused the trim threshold (either one alone turns its adaptation off)', () => {
    const { calls, set } = recordingCalls([false]);
    expect(keepFreedBuffersInHeap(calls)).toBe(false);
    expect(set).toEqual([[M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES]]);
  });

  it('changes nothing without the platform calls', () => {
    expect(keepFreedBuffersInHeap(null)).toBe(false);
  });

  it('is accepted by this machine\'s glibc through the platform calls', () => {
    expect(keepFreedBuffersInHeap(requireCalls())).toBe(true);
  });
});
