import { type BenchResults, type StepResult, type ToolResult } from '../../../bench/bench-results';
import { buildRows } from '../../../bench/report';

const MiB = 2 ** 20;

function tool(name: string, seconds: { full: number; incremental: number; restore: number }, rssMiB: number, vaultMiB: number): ToolResult {
  const step = (s: number): StepResult => ({ seconds: s, peakRssBytes: rssMiB * MiB, sampledTreeRssBytes: rssMiB * MiB, argv: [] });
  return {
    name,
    version: '1',
    steps: { full: step(seconds.full), incremental: step(seconds.incremental), restore: step(seconds.restore) },
    vaultAfterIncremental: { apparentBytes: vaultMiB * MiB, allocatedBytes: vaultMiB * MiB },
    details: {},
  };
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
});

it('leaves a figure unjudged when a step failed', () => {
  const lifeboat = tool('Lifeboat', { full: 4, incremental: 1, restore: 2 }, 200, 550);
  lifeboat.steps.restore = { ...(lifeboat.steps.restore as StepResult), error: 'exit 1' };
  const restore = rows(lifeboat, tool('restic', { full: 6, incremental: 1.3, restore: 3 }, 100, 560)).find((r) => r.figure === 'restore s');
  expect([restore?.met, restore?.scaleMet]).toEqual([undefined, undefined]);
});
