import * as path from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { type FailedSource, failoverReport } from '../../../../lambdas/failover/failover-report';
import { type FailoverStart } from '../../../../lambdas/failover/failover-start';
import { type SynthesizedStack } from '../../../../local/assembly/synthesized-stack';
import { extractDistributedMaps, runDistributedMap } from '../../../../local/executor/distributed-map';
import { runLocalExecution } from '../../../../local/executor/run-local-execution';
import { type AslDefinition } from '../../../../local/executor/state-machine-definition';
import { DISTRIBUTED_MAP_BUCKET, FROM_INPUT_MACHINE, FROM_S3_MACHINE, INLINE_CAUGHT_MACHINE, synthesizeDistributedMapApp } from '../../../support/distributed-map-app';
import { useLocalS3Bucket } from '../../../support/local-s3-bucket';
import { tempDir } from '../../../support/local-cloud-helpers';
import { testPlan } from '../../../support/test-plans';

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
  // The failed batch [1, 2] fails both its items; the cause also counts the child executions (review r61AE F1).
  expect(result.cause).toContain('2 of 3 item(s) of map "Sum batches" failed in 1 of 2 child execution(s)');
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

describe('a map run that a failure stops', () => {
  type JSONValue = null | boolean | number | string | JSONValue[] | { [key: string]: JSONValue };
  type Shard = { n: number; fail?: 'now' | 'after shard 1' };
  const PARENT_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:backup';

  /**
   * Runs a distributed Map of one Task over `shards`, all children at once, `work` answering each child's input (a
   * shard, or `{ Items }` of up to `batch` shards with an ItemBatcher), its results written under `prefix`; returns
   * the Map's error and the manifest's result files.
   */
  async function runShards<Input = Shard>(
    prefix: string,
    shards: Shard[],
    tolerated: number,
    work: (input: Input) => Promise<JSONValue>,
    onChildEvent: (type: string, index: number) => void = () => undefined,
    batch?: number,
  ) {
    const definition = {
      StartAt: 'Shards',
      States: {
        Shards: {
          Type: 'Map',
          ItemsPath: '$.shards',
          Label: 'Shard',
          ToleratedFailureCount: tolerated,
          ...(batch ? { ItemBatcher: { MaxItemsPerBatch: batch } } : {}),
          ItemProcessor: {
            ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
            StartAt: 'Snapshot',
            States: { Snapshot: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:000000000000:function:snapshot', End: true } },
          },
          ResultWriter: { Resource: 'arn:aws:states:::s3:putObject', Parameters: { Bucket: DISTRIBUTED_MAP_BUCKET, Prefix: prefix } },
          End: true,
        },
      },
    } as unknown as AslDefinition;
    const state = extractDistributedMaps(definition).get('Shards');
    if (!state) throw new Error('the test definition has no distributed Map');
    const error = await runDistributedMap('Shards', state, { shards }, {
      s3: local().client,
      overrides: { taskResourceLocalHandlers: { Snapshot: (input) => work(input as Input) } },
      stateMachine: (asl) => new StateMachine(asl as unknown as StateMachineDefinition, { validationOptions: { checkArn: false } }),
      stateMachineArn: PARENT_ARN,
      onChildEvent: (log, index) => onChildEvent((log as { type: string }).type, index),
      signal: new AbortController().signal,
    }).then(
      () => undefined,
      (err: unknown) => err as Error,
    );
    const listed = await local().client.send(new ListObjectsV2Command({ Bucket: DISTRIBUTED_MAP_BUCKET, Prefix: `${prefix}/` }));
    const manifestKey = listed.Contents?.find((o) => o.Key?.endsWith('/manifest.json'))?.Key ?? '';
    const manifest = (await readJson(manifestKey)) as { ResultFiles: Record<string, { Key: string }[]> };
    return { error, manifest };
  }

  const denied = (shard: Shard) => Object.assign(new Error(`shard ${shard.n}: AccessDenied on GetObject`), { name: 'AccessDenied' });
  // A shard still running when the map run fails: the executor stops its child; its function ends
  // after the test, so that the Task's own timer is cleared and nothing outlives the file.
  let endRunning: (() => void)[] = [];
  const running = () => new Promise<JSONValue>((resolve) => endRunning.push(() => resolve({})));
  afterEach(() => {
    for (const end of endRunning) end();
    endRunning = [];
  });

  it('reports the child that failed, not the siblings it stopped: those are ABORTED, neither counted nor in FAILED_0.json', async () => {
    const { error, manifest } = await runShards('stopped', [{ n: 0 }, { n: 1 }, { n: 2, fail: 'now' }], 0, async (shard) => {
      if (shard.fail) throw denied(shard);
      return running();
    });
    expect(error?.name).toBe('States.ExceedToleratedFailureThreshold');
    expect(error?.message).toContain('1 of 3 item(s) of map "Shards" failed in 1 of 3 child execution(s); the first failed child: AccessDenied: shard 2: AccessDenied on GetObject');
    expect(manifest.ResultFiles.SUCCEEDED).toEqual([]);
    const failed = (await readJson(manifest.ResultFiles.FAILED?.[0]?.Key ?? '')) as { Name: string; Status: string; Error: string; ExecutionArn: string; StateMachineArn: string }[];
    expect(failed.map((r) => [r.Status, r.Error])).toEqual([['FAILED', 'AccessDenied']]);
    // The child's own $$.Execution.Id, as AWS names a map run's child: execution:<parent>/<label>:<name>.
    expect(failed[0]?.ExecutionArn).toBe(`arn:aws:states:us-east-1:000000000000:execution:backup/Shard:${failed[0]?.Name}`);
    expect(failed[0]?.Name).toMatch(/^[0-9a-f]{8}-000002$/);
    expect(failed[0]?.StateMachineArn).toBe(`${PARENT_ARN}/Shard`);
  }, 30_000);

  it('names the child that failed first in time in the threshold error, not the one of the lowest index', async () => {
    let shardOneFailed: () => void = () => undefined;
    const afterShardOne = new Promise<void>((resolve) => (shardOneFailed = resolve));
    const work = async (shard: Shard): Promise<JSONValue> => {
      if (shard.fail === 'after shard 1') {
        await afterShardOne;
        // One turn of the event loop: the map run has recorded shard 1's failure before this one's.
        await new Promise((resolve) => setImmediate(resolve));
      }
      if (shard.fail) throw denied(shard);
      return running();
    };
    // Shard 1 alone is within the tolerance of one; shard 0, failing after it, is past it.
    const { error } = await runShards('first-in-time', [{ n: 0, fail: 'after shard 1' }, { n: 1, fail: 'now' }, { n: 2 }], 1, work, (type, index) => {
      if (type === 'ExecutionFailed' && index === 1) shardOneFailed();
    });
    expect(error?.message).toContain('2 of 3 item(s) of map "Shards" failed in 2 of 3 child execution(s); the first failed child: AccessDenied: shard 1: AccessDenied on GetObject');
  }, 30_000);

  // Review r61AE F1: the failover's "Restore shards" batches up to 10 shards per child, and a child that stays throttled
  // fails all its shards; the cause read "2 of 4 item(s)" and the failover report never said "A passing fault" outright.
  describe('with an ItemBatcher, as the failover report reads the cause', () => {
    type Batch = { Items: Shard[] };
    const throttled = () => Object.assign(new Error('Rate Exceeded.'), { name: 'Lambda.TooManyRequestsException' });
    const failover: FailoverStart = {
      failoverId: 'exec-1',
      plan: 'demo',
      startedAt: '2026-11-24T12:00:00.000Z',
      backup: { backupId: '20261124T113000Z-1a2b3c4d', startedAt: '2026-11-24T11:30:00.000Z', endedAt: '2026-11-24T11:31:00.000Z' },
      restores: [{ restoreId: 'exec-1-assets', request: { source: 'assets', backupId: '20261124T113000Z-1a2b3c4d', target: { type: 's3', bucket: 'b-failover', prefix: '' }, overwrite: false, vault: 'dr' } }],
    };
    const plan = testPlan({ name: 'demo', sources: [{ type: 's3', name: 'assets', bucket: 'lifeboat-assets' }] });
    const actionFor = (error: Error | undefined) => {
      const failed: FailedSource = { restoreId: 'exec-1-assets', source: 'assets', failed: true, error: { Error: error?.name ?? '', Cause: error?.message ?? '' } };
      return failoverReport({ failover, restored: [failed], finishedAt: '2026-11-24T12:20:00Z' }, [plan]).failed?.[0]?.action;
    };
    const shards = [{ n: 0 }, { n: 1 }, { n: 2 }, { n: 3 }];

    it('one throttled child of two shards: a passing fault, said outright', async () => {
      const { error } = await runShards<Batch>('batched-one', shards, 0, (input) => (input.Items.some((s) => s.n === 0) ? Promise.reject(throttled()) : running()), undefined, 2);
      expect(actionFor(error)).toMatch(/^A passing fault \(throttling, a timeout\) outlasted the retries: a restore shard failed with Lambda.TooManyRequestsException; /);
      expect(error?.message).toContain('2 of 4 item(s) of map "Shards" failed in 1 of 2 child execution(s); the first failed child: Lambda.TooManyRequestsException: Rate Exceeded.');
    }, 30_000);

    it('two failed children: not said outright, the others may be of the data', async () => {
      // Two items tolerated: the first failed child is within it, the second past it.
      const { error } = await runShards<Batch>('batched-two', shards, 2, () => Promise.reject(throttled()), undefined, 2);
      expect(error?.message).toContain('4 of 4 item(s) of map "Shards" failed in 2 of 2 child execution(s)');
      const action = actionFor(error);
      expect(action).toMatch(/^A restore shard failed with Lambda.TooManyRequestsException, a passing fault that outlasted the retries \(the first of 2 child executions that failed \(4 shards\); /);
      expect(action).not.toMatch(/^A passing fault/);
    }, 30_000);
  });
});
