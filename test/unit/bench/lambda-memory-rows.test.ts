import { type LambdaMemoryResult } from '../../../bench/lambda-memory/lambda-memory-result';
import { buildWorkflowRows, parseSections, renderWorkflowReport } from '../../../bench/workflow-report';

/** The lambda-memory rows: each function's peak RSS against half its memory size (issue 16 item 5). */
const MiB = 2 ** 20;
const lambdaMemory: LambdaMemoryResult = {
  bucket: { objects: 120, bytes: 256 * MiB },
  items: 2000,
  tree: { files: 400, bytes: 256 * MiB },
  paths: [
    { path: 's3', shards: 2, restoreBatches: 1, restoredEqual: true },
    { path: 'dynamodb', shards: 1, restoreBatches: 3, restoredEqual: false },
  ],
  replication: { fromRegion: 'us-east-1', toRegion: 'us-west-2', backupsCopied: 4, bytesCopied: 300 * MiB },
  prune: { forgotten: 1, packsRepacked: 7, bytesRepackWritten: 12.5 * MiB, bytesFreed: 20 * MiB, restoredEqual: false },
  functions: [
    { name: 'snapshot-shard', memoryMb: 2048, invocations: 2, peakRssBytes: 300 * MiB, peakPath: 's3', seconds: 9.5 },
    { name: 'backup-lock', memoryMb: 256, invocations: 1, peakRssBytes: 140 * MiB, peakPath: 'dynamodb', seconds: 0.8 },
    { name: 'unsized', memoryMb: 0, invocations: 1, peakRssBytes: 90 * MiB, peakPath: 's3', seconds: 0.5 },
  ],
};

it('is a section of its own that LIFEBOAT_BENCH_SECTIONS can pick', () => {
  expect(parseSections('lambda-memory')).toEqual(['lambda-memory']);
  expect(parseSections(undefined)).toContain('lambda-memory');
});

it('gives each function a row: its peak in MiB against its memory size, met when at most half of it', () => {
  const rows = buildWorkflowRows({ lambdaMemory, errors: {}, rows: [] }, ['lambda-memory']);
  expect(rows.map((r) => [r.figure, r.lifeboat, r.baseline, r.target, r.met])).toEqual([
    ['snapshot-shard peak RSS MiB (vs memory size)', 300, 2048, '≤ 0.50×', true],
    ['backup-lock peak RSS MiB (vs memory size)', 140, 256, '≤ 0.50×', false],
    // A function without a size in FUNCTION_SIZING is shown, not judged.
    ['unsized peak RSS MiB (vs memory size)', 90, undefined, '≤ 0.50×', undefined],
  ]);
  expect(rows[0]?.ratio).toBeCloseTo(300 / 2048, 6);
});

it('shows one unjudged row when the section measured nothing, and says what it ran', () => {
  expect(buildWorkflowRows({ errors: { 'lambda-memory': 'boom' }, rows: [] }, ['lambda-memory'])).toEqual([
    expect.objectContaining({ figure: 'Lambda peak RSS MiB (vs memory size)', lifeboat: undefined, met: undefined }),
  ]);
  const report = renderWorkflowReport({ lambdaMemory, errors: {}, rows: buildWorkflowRows({ lambdaMemory, errors: {}, rows: [] }, ['lambda-memory']) });
  expect(report).toContain('Lambda memory: the backup and restore of 120 S3 objects, 256 MiB, of 2000 DynamoDB items and of a directory tree of 400 files, 256 MiB');
  expect(report).toContain('s3: 2 snapshot shard(s), 1 restore batch(es), restored equal to the source');
  expect(report).toContain('dynamodb: 1 snapshot shard(s), 3 restore batch(es), restored DIFFERENT from the source');
  expect(report).toContain('snapshot-shard 2× 9.5 s, peak on s3');
  expect(report).toContain('every backup replicated us-east-1 → us-west-2 (4 backups, 300 MiB)');
  expect(report).toContain("the tree's first backup forgotten (1) and pruned: 7 packs repacked (12.5 MiB written), 20.0 MiB freed, the kept backup restored DIFFERENT from the tree");
});
