import * as path from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { type SynthesizedStack } from '../../../../local/assembly/synthesized-stack';
import { runLocalExecution } from '../../../../local/executor/run-local-execution';
import { useLocalS3Bucket } from '../../../support/local-s3-bucket';
import { tempDir } from '../../../support/local-cloud-helpers';
import {
  CAUGHT_READER_MACHINE,
  CAUGHT_WRITER_MACHINE,
  FAILURES_BUCKET,
  INTRINSIC_MACHINE,
  MISSING_BUCKET,
  synthesizeDistributedMapFailuresApp,
} from './distributed-map-failures-app';

/** How a distributed Map fails, by AWS's error names: what States.ALL may catch and what it may not. */
const local = useLocalS3Bucket(FAILURES_BUCKET, 'dmap-failures');
const work = tempDir('dmap-failures-out');
let stack: SynthesizedStack;

beforeAll(() => {
  stack = synthesizeDistributedMapFailuresApp(path.join(work.dir, 'cdk.out'));
}, 120_000);
afterAll(() => work.remove());

const run = (stateMachine: string, input: unknown) => runLocalExecution({ stack, stateMachine, input, endpoints: local().cloud.endpoints, dataDir: work.dir, workers: 1 });
const entered = (result: { events: { type: string; state?: string }[] }, state: string) => result.events.some((e) => e.type === 'StateEntered' && e.state === state);

async function putShards(key: string, body: string): Promise<void> {
  await local().client.send(new PutObjectCommand({ Bucket: FAILURES_BUCKET, Key: key, Body: body }));
}

it('fails the execution with States.Runtime, past a Catch on States.ALL, when Key.$ selects nothing', async () => {
  const result = await run(CAUGHT_READER_MACHINE, { perBatch: 2 });
  expect(result.status).toBe('FAILED');
  expect(result.error).toBe('States.Runtime');
  expect(result.cause).toContain("Path expression '$.key' does not point to a value");
  expect(result.cause).toContain('"Read shards"');
  expect(entered(result, 'Record reader failure')).toBe(false);
}, 120_000);

it.each([
  ['the text "2"', '2'],
  ['0', 0],
  ['1.5', 1.5],
])('fails the execution with States.Runtime when MaxItemsPerBatchPath selects %s', async (_label, perBatch) => {
  await putShards('in/three.jsonl', '{"n":1}\n{"n":2}\n{"n":3}\n');
  const result = await run(CAUGHT_READER_MACHINE, { key: 'in/three.jsonl', perBatch });
  expect(result.status).toBe('FAILED');
  expect(result.error).toBe('States.Runtime');
  expect(result.cause).toContain(`ItemBatcher.MaxItemsPerBatchPath: $.perBatch selects ${JSON.stringify(perBatch)}; it must select a positive integer`);
  expect(entered(result, 'Record reader failure')).toBe(false);
}, 120_000);

it('batches by the number MaxItemsPerBatchPath selects', async () => {
  await putShards('in/three-ok.jsonl', '{"n":1}\n{"n":2}\n{"n":3}\n');
  const result = await run(CAUGHT_READER_MACHINE, { key: 'in/three-ok.jsonl', perBatch: 2 });
  expect(result.status).toBe('SUCCEEDED');
  expect(result.invocations).toHaveLength(2);
}, 120_000);

it('fails the Map with States.ItemReaderFailed, which States.ALL catches, when the item object does not exist', async () => {
  const result = await run(CAUGHT_READER_MACHINE, { key: 'in/missing.jsonl', perBatch: 2 });
  expect(result.status).toBe('SUCCEEDED');
  const error = (result.output as { error?: { Error: string; Cause: string } }).error;
  expect(error?.Error).toBe('States.ItemReaderFailed');
  expect(error?.Cause).toContain(`reading s3://${FAILURES_BUCKET}/in/missing.jsonl failed: NoSuchKey`);
}, 120_000);

it('fails the Map with States.ResultWriterFailed, which States.ALL catches, when the results cannot be written', async () => {
  const result = await run(CAUGHT_WRITER_MACHINE, { values: [{ n: 1 }] });
  expect(result.status).toBe('SUCCEEDED');
  const error = (result.output as { error?: { Error: string; Cause: string } }).error;
  expect(error?.Error).toBe('States.ResultWriterFailed');
  expect(error?.Cause).toContain(`writing s3://${MISSING_BUCKET}/results/`);
  expect(error?.Cause).toContain('NoSuchBucket');
}, 120_000);

it('fails the execution with States.IntrinsicFailure when an intrinsic function fails, not with a JavaScript error name', async () => {
  const result = await run(INTRINSIC_MACHINE, { text: 'not json' });
  expect(result.status).toBe('FAILED');
  expect(result.error).toBe('States.IntrinsicFailure');
  expect(result.cause).toContain('not valid JSON');
}, 120_000);
