import { type BenchResults, type StepResult, type ToolRepetition, type ToolResult } from '../../../bench/bench-results';
import { buildRows, describeRepetitions, median } from '../../../bench/report';

const MiB = 2 ** 20;

type Times = { full: number; incremental: number; restore: number };

function repetition(position: number, seconds: Times, rssMiB: number, vaultMiB: number): ToolRepetition {
  const step = (s: number): StepResult => ({ seconds: s, peakRssBytes: rssMiB * MiB, sampledTreeRssBytes: rssMiB * MiB, argv: [] });
  return {
    position,
    steps: { full: step(seconds.full), incremental: step(seconds.incremental), restore: step(seconds.restore) },
    vaultAfterIncremental: { apparentBytes: vaultMiB * MiB, allocatedBytes: vaultMiB * MiB },
  };
}

function toolWith(name: string, repetitions: ToolRepetition[]): ToolResult {
  return { name, version: '1', repetitions, details: {} };
}

function tool(name: string, seconds: Times, rssMiB: number, vaultMiB: number): ToolResult {
  return toolWith(name, [repetition(0, seconds, rssMiB, vaultMiB)]);
}

function rows(lifeboat: ToolResult, restic: ToolResult) {
  return buildRows({ tools: [lifeboat, restic] } as unknown as BenchResults);
}

it('judges every figure against issue 3’s target and issue 16’s stricter one', () => {
  const restic = tool('restic', { full: 6, incremental: 1.3, restore: 3 }, 100, 560);
  const got = rows(tool('Lifeboat', { full: 4.5, incremental: 0.6, restore: 1.5 }, 210, 558), restic);
  expect(got.map((r) => [r.figure, r.met, r.scaleTarget, r.scaleMet])).toEqual([
    ['full backup s', true, '≤ 0.50×', false],
    ['incremental backup s', true, '≤ 0.50×', true],
    ['restore s', true, '≤ 0.50×', true],
    ['vault size MiB', true, '≤ 1.00×', true],
    ['peak RSS MiB', true, '≤ 2.00× restic', false],
  ]);
  // One repetition: no range to give.
  expect(got.every((r) => r.ratioRange === undefined)).toBe(true);
});

it('leaves a figure unjudged when a step failed', () => {
  const lifeboat = tool('Lifeboat', { full: 4, incremental: 1, restore: 2 }, 200, 550);
  const only = lifeboat.repetitions[0] as ToolRepetition;
  only.steps.restore = { ...(only.steps.restore as StepResult), error: 'exit 1' };
  const restore = rows(lifeboat, tool('restic', { full: 6, incremental: 1.3, restore: 3 }, 100, 560)).find((r) => r.figure === 'restore s');
  expect([restore?.met, restore?.scaleMet]).toEqual([undefined, undefined]);
});

describe('several repetitions', () => {
  // restic slows down in the second repetition (a busy neighbour): the pairs stay comparable.
  const lifeboat = toolWith('Lifeboat', [
    repetition(0, { full: 4, incremental: 1, restore: 2 }, 200, 550),
    repetition(1, { full: 6, incremental: 1.2, restore: 2.4 }, 240, 552),
    repetition(0, { full: 4.2, incremental: 0.9, restore: 2.1 }, 210, 551),
  ]);
  const restic = toolWith('restic', [
    repetition(1, { full: 5, incremental: 1, restore: 3 }, 100, 560),
    repetition(0, { full: 10, incremental: 1.5, restore: 4 }, 90, 560),
    repetition(1, { full: 6, incremental: 1, restore: 3 }, 105, 560),
  ]);

  it('gives the median time of each tool and the median of the per-repetition ratios with their range', () => {
    const full = rows(lifeboat, restic).find((r) => r.figure === 'full backup s');
    expect(full?.lifeboat).toBeCloseTo(4.2);
    expect(full?.restic).toBeCloseTo(6);
    // Ratios 0.8, 0.6, 0.7: the median is 0.7, not 4.2 / 6.
    expect(full?.ratio).toBeCloseTo(0.7);
    expect(full?.ratioRange?.[0]).toBeCloseTo(0.6);
    expect(full?.ratioRange?.[1]).toBeCloseTo(0.8);
    expect(full?.met).toBe(true);
  });

  it('takes the highest peak RSS of every repetition', () => {
    const rss = rows(lifeboat, restic).find((r) => r.figure === 'peak RSS MiB');
    expect([rss?.lifeboat, rss?.restic]).toEqual([240, 105]);
  });

  it('leaves a figure unjudged when its step failed in any one repetition', () => {
    const failing: ToolResult = { ...lifeboat, repetitions: lifeboat.repetitions.slice(0, 2) };
    const second = failing.repetitions[1] as ToolRepetition;
    failing.repetitions[1] = { ...second, steps: { ...second.steps, incremental: { ...(second.steps.incremental as StepResult), error: 'exit 1' } } };
    const got = rows(failing, restic);
    expect(got.find((r) => r.figure === 'incremental backup s')?.ratio).toBeUndefined();
    expect(got.find((r) => r.figure === 'incremental backup s')?.lifeboat).toBeUndefined();
    // The steps that went well in both repetitions are still judged, over those repetitions.
    expect(got.find((r) => r.figure === 'full backup s')?.ratio).toBeCloseTo(0.7);
  });
});

it('computes medians of odd and even counts', () => {
  expect(median([])).toBeUndefined();
  expect(median([3, 1, 2])).toBe(2);
  expect(median([4, 1, 3, 2])).toBe(2.5);
});

it('says how the repetitions ran and how the figures combine them', () => {
  expect(describeRepetitions(1, 'alternate')).toBe('One repetition, Lifeboat first in every phase');
  expect(describeRepetitions(1, 'restic-first')).toBe('One repetition, restic first in every phase');
  expect(describeRepetitions(3, 'alternate')).toMatch(/^3 repetitions, Lifeboat first in every phase of odd-numbered repetitions, restic first in even ones; each time is the median/);
  expect(describeRepetitions(2, 'lifeboat-first')).toMatch(/^2 repetitions, Lifeboat first in every phase; /);
});
