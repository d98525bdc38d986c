import { type S3SectionResult } from '../../../bench/s3-throughput';
import { buildWorkflowRows, S3_BACKUP_TARGET, s3RepetitionsText } from '../../../bench/workflow-report';

/** The S3 row judges the median of the repetitions' ratios against issue 16's 0.9×, and the summary names every repetition. */
const repetitions: S3SectionResult['repetitions'] = [
  { lifeboatSeconds: 4.0, copySeconds: 4.4, first: 'lifeboat' },
  { lifeboatSeconds: 5.0, copySeconds: 4.0, first: 'copy' },
  { lifeboatSeconds: 4.2, copySeconds: 4.0, first: 'lifeboat' },
];
const ratios = repetitions.map((r) => r.copySeconds / r.lifeboatSeconds);
const s3 = {
  lifeboat: { mbPerSecond: 268 / 4.2 },
  plainCopy: { mbPerSecond: 268 / 4.0 },
  repetitions,
  ratio: { median: 4.0 / 4.2, min: Math.min(...ratios), max: Math.max(...ratios) },
  restore: { mbPerSecond: 40, seconds: 6, verifySeconds: 0.1 },
} as unknown as S3SectionResult;

it('judges the median ratio against 0.9×, not the ratio of the median speeds', () => {
  const [row] = buildWorkflowRows({ s3, errors: {}, rows: [] }, ['s3']);
  expect(S3_BACKUP_TARGET).toBe(0.9);
  expect(row).toMatchObject({ figure: 'S3 bucket → vault MB/s', target: '≥ 0.90×', met: true });
  expect(row?.ratio).toBeCloseTo(0.952, 3);
  const slower = { ...s3, ratio: { median: 0.85, min: 0.8, max: 0.95 } } as S3SectionResult;
  expect(buildWorkflowRows({ s3: slower, errors: {}, rows: [] }, ['s3'])[0]).toMatchObject({ ratio: 0.85, met: false });
});

it('says how many repetitions, the range, and each repetition with who went first', () => {
  expect(s3RepetitionsText(s3)).toBe('medians of 3 repetitions, ratio 0.95× (0.80–1.10×), backup / copy s: 4.00 / 4.40, 5.00 / 4.00 (copy first), 4.20 / 4.00');
  expect(s3RepetitionsText({ repetitions: repetitions.slice(0, 1), ratio: { median: 1.1, min: 1.1, max: 1.1 } })).toBe('one repetition, ratio 1.10×');
});
