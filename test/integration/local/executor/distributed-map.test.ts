import * as path from 'node:path';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { type SynthesizedStack } from '../../../../local/assembly/synthesized-stack';
import { runLocalExecution } from '../../../../local/executor/run-local-execution';
import { DISTRIBUTED_MAP_BUCKET, FROM_INPUT_MACHINE, FROM_S3_MACHINE, INLINE_CAUGHT_MACHINE, synthesizeDistributedMapApp } from '../../../support/distributed-map-app';
import { useLocalS3Bucket } from '../../../support/local-s3-bucket';
import { tempDir } from '../../../support/local-cloud-helpers';

/** The local executor's distributed Map layer (local/executor/distributed-map.ts) on a CDK-synthesized definition, against AWS's semantics. */
const local = useLocalS3Bucket(DISTRIBUTED_MAP_BUCKET, 'distributed-map');
const work = tempDir('distributed-map-out');
let stack: SynthesizedStack;

beforeAll(() => {
  stack = synthesizeDistributedMapApp(path.join(work.dir, 'cdk.out'));
}, 120_000);
afterAll(() => work.remove());

const items = (values: { n: number; fail?: boolean }[]) => values.map((v) => JSON.stringify(v)).join('\n') + '\n';

async function putItems(key: string, body: string): Promise<void> {
  await local().client.send(new PutObjectCommand({ Bucket: DISTRIBUTED_MAP_BUCKET, Key: key, Body: body }));
}

async function readJson(key: string): Promise<unknown> {
  const object = await local().client.send(new GetObjectCommand({ Bucket: DISTRIBUTED_MAP_BUCKET, Key: key }));
  return JSON.parse(await object.Body!.transformToString());
}

const run = (stateMachine: string, input: unknown) =>
  runLocalExecution({ stack, stateMachine, input, endpoints: local().cloud.endpoints, dataDir: work.dir, workers: 2 });

it('reads JSONL items from S3, runs one child per batch with its BatchInput, and writes the results to S3 as ResultWriter does', async () => {
  await putItems('in/five.jsonl', items([1, 2, 3, 4, 5].map((n) => ({ n }))));
  const result = await run(FROM_S3_MACHINE, { key: 'in/five.jsonl', tag: 'T', concurrency: 2, tolerated: 0 });
  expect(result.status).toBe('SUCCEEDED');
  const map = (result.output as { map: { MapRunArn: string; ResultWriterDetails: { Bucket: string; Key: string } } }).map;
  expect(map.MapRunArn).toMatch(/^arn:aws:states:us-east-1:000000000000:mapRun:lbtest-distributed-from-s3\/Sum batches:[0-9a-f-]{36}$/);
  expect(map.ResultWriterDetails.Bucket).toBe(DISTRIBUTED_MAP_BUCKET);
  expect(map.ResultWriterDetails.Key).toMatch(/^results\/[0-9a-f-]{36}\/manifest\.json$/);
  const manifest = (await readJson(map.ResultWriterDetails.Key)) as { MapRunArn: string; ResultFiles: Record<string, { Key: string }[]> };
  expect(manifest.MapRunArn).toBe(map.MapRunArn);
  expect(manifest.ResultFiles.FAILED).toEqual([]);
  const succeeded = (await readJson(manifest.ResultFiles.SUCCEEDED?.[0]?.Key ?? '')) as { Status: string; Input: string; Output: string }[];
  // Batches of at most two items, in item order: [1,2], [3,4], [5].
  expect(succeeded.map((r) => r.Status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
  expect(succeeded.map((r) => JSON.parse(r.Input))).toEqual([
    { Items: [{ n: 1 }, { n: 2 }], BatchInput: { tag: 'T' } },
    { Items: [{ n: 3 }, { n: 4 }], BatchInput: { tag: 'T' } },
    { Items: [{ n: 5 }], BatchInput: { tag: 'T' } },
  ]);
  expect(succeeded.map((r) => JSON.parse(r.Output))).toEqual([
    { sum: 3, count: 2, tag: 'T' },
    { sum: 7, count: 2, tag: 'T' },
    { sum: 5, count: 1, tag: 'T' },
  ]);
  // Each child's task events are in the parent's history, with the child's index.
  const childTasks = result.events.filter((e) => e.mapRun === 'Sum batches' && e.state === 'Sum batch' && e.type === 'StateExited');
  expect(childTasks.map((e) => e.index).sort()).toEqual([0, 1, 2]);
}, 120_000);

it('fails the Map with States.ExceedToleratedFailureThreshold when a child fails and no failure is tolerated', async () => {
  await putItems('in/bad.jsonl', items([{ n: 1 }, { n: 2, fail: true }, { n: 3 }]));
  const result = await run(FROM_S3_MACHINE, { key: 'in/bad.jsonl', tag: 'T', concurrency: 1, tolerated: 0 });
  expect(result.status).toBe('FAILED');
  expect(result.error).toBe('States.ExceedToleratedFailureThreshold');
  expect(result.cause).toContain('2 of 3 item(s) of map "Sum batches" failed');
  expect(result.cause).toContain('ItemFailedError');
}, 120_000);

it('succeeds within the tolerated failure count and lists the failed batch in FAILED_0.json', async () => {
  await putItems('in/tolerated.jsonl', items([{ n: 1 }, { n: 2, fail: true }, { n: 3 }]));
  const result = await run(FROM_S3_MACHINE, { key: 'in/tolerated.jsonl', tag: 'T', concurrency: 2, tolerated: 2 });
  expect(result.status).toBe('SUCCEEDED');
  const map = (result.output as { map: { ResultWriterDetails: { Key: string } } }).map;
  const manifest = (await readJson(map.ResultWriterDetails.Key)) as { ResultFiles: Record<string, { Key: string }[]> };
  const failed = (await readJson(manifest.ResultFiles.FAILED?.[0]?.Key ?? '')) as { Status: string; Error: string; Input: string }[];
  expect(failed).toHaveLength(1);
  expect(failed[0]).toMatchObject({ Status: 'FAILED', Error: 'ItemFailedError' });
  expect(JSON.parse(failed[0]?.Input ?? '{}')).toEqual({ Items: [{ n: 1 }, { n: 2, fail: true }], BatchInput: { tag: 'T' } });
  const succeeded = (await readJson(manifest.ResultFiles.SUCCEEDED?.[0]?.Key ?? '')) as { Output: string }[];
  expect(succeeded.map((r) => JSON.parse(r.Output))).toEqual([{ sum: 3, count: 1, tag: 'T' }]);
}, 120_000);

it('fails the Map with States.ItemReaderFailed, naming the object and line, when the item file is not JSON Lines', async () => {
  await putItems('in/broken.jsonl', '{"n": 1}\nnot json\n');
  const result = await run(FROM_S3_MACHINE, { key: 'in/broken.jsonl', tag: 'T', concurrency: 1, tolerated: 0 });
  expect(result.status).toBe('FAILED');
  expect(result.error).toBe('States.ItemReaderFailed');
  expect(result.cause).toContain(`line 2 of s3://${DISTRIBUTED_MAP_BUCKET}/in/broken.jsonl is not JSON`);
}, 120_000);

it('takes items from the input without a reader, applying ItemSelector with $$.Map.Item, and returns the outputs in item order', async () => {
  const values = [10, 20, 30, 40, 50, 60, 70];
  const result = await run(FROM_INPUT_MACHINE, { values });
  expect(result.status).toBe('SUCCEEDED');
  expect(result.output).toEqual(values.map((n, index) => ({ n, index })));
}, 120_000);

it('stops an inline Map\'s queued iterations once one failed, as AWS does (aws-local-stepfunctions would start them after the Catch)', async () => {
  const result = await run(INLINE_CAUGHT_MACHINE, { values: [{ n: 1, fail: true }, { n: 2 }, { n: 3 }] });
  expect(result.status).toBe('SUCCEEDED');
  expect((result.output as { error?: { Error?: string } }).error?.Error).toBe('ItemFailedError');
  // Give a late iteration every chance to run before counting.
  await new Promise((resolve) => setTimeout(resolve, 500));
  // One invocation: the failing item's. Items 2 and 3 were queued behind MaxConcurrency 1 and never ran their function.
  expect(result.invocations.map((i) => i.errorType ?? 'ok')).toEqual(['ItemFailedError']);
}, 120_000);
