import { randomUUID } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { ExecutionAbortedError, ExecutionError, type RunOptions, type StateMachine } from 'aws-local-stepfunctions';
import { engineFailure } from './engine-failure';
import { DistributedMapFailureThresholdError, ItemReaderFailedError, ResultWriterFailedError, StatesRuntimeFailureError, UnsupportedDistributedMapError } from './errors';
import { type AslDefinition, type AslState, LONGEST_TIMER_SECONDS } from './state-machine-definition';
import { withStateContext } from './state-context';
import { evaluatePath, evaluateTemplate, numberField } from './template-evaluation';
import { listObjectPages } from '../../lambdas/sources/url-encoded-listing';
import { errorAsText } from '../../lambdas/runtime/error-as-text';

/**
 * Step Functions' Distributed Map, run locally (docs/LOCAL-CLOUD.md, "Distributed Map").
 * aws-local-stepfunctions runs every Map inline: it ignores ItemReader, ItemBatcher, ResultWriter and
 * the failure tolerance, and reads items from the state input only. So before a definition runs,
 * each Map state in DISTRIBUTED mode is replaced by a Task state that the executor answers with
 * runDistributedMap: it reads the items from S3, batches them, starts one child execution per
 * batch (a state machine of its own, made of the ItemProcessor) at most MaxConcurrency at a time,
 * applies the tolerated failure count and percentage, and writes the results to S3 as AWS does.
 * The replacing Task keeps InputPath, ResultSelector, ResultPath, OutputPath, Retry, Catch and the
 * transition, so the rest of the definition sees the Map as AWS runs it.
 */

type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** The Resource of the Task that stands for a distributed Map; no AWS service answers it. */
export const LOCAL_DISTRIBUTED_MAP_RESOURCE = 'arn:aws:states:::lifeboat-local:distributedMap';

/** The fields of a Map state in DISTRIBUTED mode that the local layer reads (Amazon States Language). */
export type DistributedMapState = AslState & {
  ItemProcessor: AslDefinition & { ProcessorConfig?: { Mode?: string; ExecutionType?: string } };
  ItemReader?: { Resource: string; ReaderConfig?: { InputType?: string; MaxItems?: number; MaxItemsPath?: string }; Parameters?: Record<string, unknown> };
  ItemsPath?: string;
  ItemSelector?: Record<string, unknown>;
  ItemBatcher?: { MaxItemsPerBatch?: number; MaxItemsPerBatchPath?: string; MaxInputBytesPerBatch?: number; MaxInputBytesPerBatchPath?: string; BatchInput?: Record<string, unknown> };
  MaxConcurrency?: number;
  MaxConcurrencyPath?: string;
  ToleratedFailureCount?: number;
  ToleratedFailureCountPath?: string;
  ToleratedFailurePercentage?: number;
  ToleratedFailurePercentagePath?: string;
  ResultWriter?: { Resource: string; Parameters?: Record<string, unknown>; WriterConfig?: { OutputType?: string; Transformation?: string } };
  Label?: string;
};

export function isDistributedMap(state: AslState): state is DistributedMapState {
  const processor = state.ItemProcessor as DistributedMapState['ItemProcessor'] | undefined;
  return state.Type === 'Map' && processor?.ProcessorConfig?.Mode === 'DISTRIBUTED';
}

/** The fields a Map shares with a Task; everything else of the Map is the local layer's to do. */
const KEPT_FIELDS = ['Comment', 'InputPath', 'ResultSelector', 'ResultPath', 'OutputPath', 'Retry', 'Catch', 'Next', 'End'] as const;

/**
 * Replaces every distributed Map of `definition` (nested ones inside Map, Parallel and other distributed
 * Maps' processors included) by a Task with LOCAL_DISTRIBUTED_MAP_RESOURCE, in place, and returns the
 * Maps by state name (state names are unique across a whole definition in ASL).
 */
export function extractDistributedMaps(definition: AslDefinition, found = new Map<string, DistributedMapState>()): Map<string, DistributedMapState> {
  for (const [name, state] of Object.entries(definition.States)) {
    for (const child of [state.ItemProcessor, state.Iterator, ...(state.Branches ?? [])]) if (child) extractDistributedMaps(child, found);
    if (!isDistributedMap(state)) continue;
    found.set(name, state);
    const task: Record<string, unknown> = { Type: 'Task', Resource: LOCAL_DISTRIBUTED_MAP_RESOURCE };
    for (const field of KEPT_FIELDS) if (state[field] !== undefined) task[field] = state[field];
    // A Map has no timeout of its own; aws-local-stepfunctions would stop a Task after 60 s.
    task.TimeoutSeconds = LONGEST_TIMER_SECONDS;
    definition.States[name] = task as AslState;
  }
  return found;
}

/** MaxConcurrency 0 means "as many as possible" (AWS: up to 10,000 children); locally the Lambda pool bounds the work anyway. */
const UNBOUNDED_CONCURRENCY = 1000;

export type DistributedMapRuntime = {
  /** The local S3 of the state machine's region (ItemReader, ResultWriter). */
  s3: S3Client;
  /** The parent's overrides (Lambda task handlers, retry intervals): the children's Tasks run through them too. */
  overrides: RunOptions['overrides'];
  /** A runnable state machine for a child definition (validated once per process). */
  stateMachine: (definition: AslDefinition) => StateMachine;
  /** arn:aws:states:<region>:<account>:stateMachine:<name> of the parent. */
  stateMachineArn: string;
  /** Each event of each child execution, with the index of its child (batch) in the map run. */
  onChildEvent: (log: unknown, childIndex: number) => void;
  /** Aborts the map run's children (the parent was stopped or timed out). */
  signal: AbortSignal;
};

/**
 * What a child execution ended with; ResultWriter's result files list these. ABORTED is a child the
 * executor stopped (a sibling failed past the threshold, or the parent was stopped): as in AWS it is
 * not a failed child, so its items count neither against the tolerance nor in the threshold's cause.
 */
type ChildOutcome = { index: number; name: string; executionArn: string; stateMachineArn: string; input: JsonValue; items: number; startDate: string; stopDate: string } & (
  | { status: 'SUCCEEDED'; output: JsonValue }
  | { status: 'FAILED' | 'ABORTED'; error: string; cause: string }
);

/** Runs one distributed Map state on its effective input (after InputPath); returns the Map's raw result. */
export async function runDistributedMap(stateName: string, state: DistributedMapState, input: JsonValue, runtime: DistributedMapRuntime): Promise<JsonValue> {
  const items = await readItems(stateName, state, input, runtime.s3);
  const selected = state.ItemSelector ?? (state.Parameters as Record<string, unknown> | undefined);
  const selector = { state: stateName, field: state.ItemSelector ? 'ItemSelector' : 'Parameters' };
  const values: JsonValue[] = [];
  for (const [index, value] of items.entries()) values.push(selected ? await evaluateTemplate(selector, selected, input, { Map: { Item: { Index: index, Value: value } } }) : value);
  const batches = await batchItems(stateName, state, values, input);

  const mapRunId = randomUUID();
  const label = state.Label ?? stateName;
  const machineName = runtime.stateMachineArn.split(':').pop() ?? 'local';
  const mapRunArn = `${runtime.stateMachineArn.replace(':stateMachine:', ':mapRun:')}/${label}:${mapRunId}`;
  // A child is an execution of the state machine <parent>/<label>, as AWS names it.
  const childMachineArn = `${runtime.stateMachineArn}/${label}`;
  const childExecutionArn = (name: string) => `${childMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
  const childDefinition: AslDefinition = { StartAt: state.ItemProcessor.StartAt, States: state.ItemProcessor.States };
  const machine = runtime.stateMachine(childDefinition);

  const maxConcurrency = (await numberField({ state: stateName, field: 'MaxConcurrencyPath' }, state.MaxConcurrency, state.MaxConcurrencyPath, input, 'count')) ?? 0;
  const toleratedCount = await numberField({ state: stateName, field: 'ToleratedFailureCountPath' }, state.ToleratedFailureCount, state.ToleratedFailureCountPath, input, 'count');
  const toleratedPercentage = await numberField(
    { state: stateName, field: 'ToleratedFailurePercentagePath' },
    state.ToleratedFailurePercentage,
    state.ToleratedFailurePercentagePath,
    input,
    'percentage',
  );
  const totalItems = values.length;
  let failedItems = 0;
  let failedChildren = 0;
  // The cause of the threshold error: the child that failed first in time, not the lowest index,
  // which after the threshold is usually a sibling that was still running and got stopped.
  let firstFailure: { error: string; cause: string } | undefined;
  let exceeded = false;
  const outcomes: ChildOutcome[] = [];
  const running = new Set<{ abort: () => void }>();
  const stopAll = () => {
    for (const child of running) child.abort();
  };
  runtime.signal.addEventListener('abort', stopAll, { once: true });
  // Either threshold exceeded fails the run; with neither set the tolerance is zero, as in AWS.
  const overThreshold = () =>
    toleratedCount === undefined && toleratedPercentage === undefined
      ? failedItems > 0
      : (toleratedCount !== undefined && failedItems > toleratedCount) || (toleratedPercentage !== undefined && (failedItems * 100) / Math.max(1, totalItems) > toleratedPercentage);

  let next = 0;
  const runChildren = async (): Promise<void> => {
    while (next < batches.length && !exceeded && !runtime.signal.aborted) {
      const index = next++;
      const batch = batches[index] as { input: JsonValue; items: number };
      const name = `${mapRunId.slice(0, 8)}-${String(index).padStart(6, '0')}`;
      const startDate = new Date().toISOString();
      const executionArn = childExecutionArn(name);
      const execution = machine.run(
        batch.input,
        withStateContext({
          ...(runtime.overrides ? { overrides: runtime.overrides } : {}),
          context: {
            Execution: { Id: executionArn, Name: name, Input: batch.input, StartTime: startDate },
            StateMachine: { Id: childMachineArn, Name: `${machineName}/${label}` },
          },
        } as RunOptions),
      );
      const ended = { index, name, executionArn, stateMachineArn: childMachineArn, input: batch.input, items: batch.items, startDate };
      running.add(execution);
      const collecting = (async () => {
        for await (const log of execution.eventLogs) runtime.onChildEvent(log, index);
      })();
      try {
        const output = (await execution.result) as JsonValue;
        outcomes.push({ ...ended, stopDate: new Date().toISOString(), status: 'SUCCEEDED', output });
      } catch (err) {
        if (err instanceof ExecutionAbortedError) {
          outcomes.push({ ...ended, stopDate: new Date().toISOString(), status: 'ABORTED', ...ABORTED_CHILD });
        } else {
          const failure = childFailure(err);
          outcomes.push({ ...ended, stopDate: new Date().toISOString(), status: 'FAILED', ...failure });
          firstFailure ??= failure;
          // A failed child counts every item of its batch as failed (AWS).
          failedItems += batch.items;
          failedChildren += 1;
          if (overThreshold() && !exceeded) {
            exceeded = true;
            stopAll();
          }
        }
      } finally {
        running.delete(execution);
        await collecting.catch(() => undefined);
      }
    }
  };
  const lanes = Math.max(1, Math.min(batches.length, maxConcurrency > 0 ? maxConcurrency : UNBOUNDED_CONCURRENCY));
  try {
    await Promise.all(Array.from({ length: lanes }, runChildren));
  } finally {
    runtime.signal.removeEventListener('abort', stopAll);
  }
  outcomes.sort((a, b) => a.index - b.index);

  let result: JsonValue;
  if (state.ResultWriter) {
    result = await writeResults(stateName, state.ResultWriter, input, outcomes, { mapRunArn, mapRunId, s3: runtime.s3 });
  } else {
    result = outcomes.map((o) => (o.status === 'SUCCEEDED' ? o.output : { Error: o.error, Cause: o.cause }));
  }
  if (exceeded) {
    const first = firstFailure ? `${firstFailure.error}: ${firstFailure.cause}` : undefined;
    throw new DistributedMapFailureThresholdError(stateName, failedItems, totalItems, failedChildren, batches.length, first);
  }
  return result;
}

/** What a stopped child says, as StopExecution's error; the Map's inline result shows it in the child's place. */
const ABORTED_CHILD = { error: 'States.Aborted', cause: 'The child execution was stopped: the map run failed or its execution was stopped.' };

function childFailure(err: unknown): { error: string; cause: string } {
  if (err instanceof ExecutionError) return engineFailure(err);
  return { error: err instanceof Error ? err.name : 'Error', cause: err instanceof Error ? err.message : String(err) };
}

/** The Map's items: from ItemReader (an S3 object or listing) when there is one, else from ItemsPath of the input. */
async function readItems(stateName: string, state: DistributedMapState, input: JsonValue, s3: S3Client): Promise<JsonValue[]> {
  if (!state.ItemReader) {
    const itemsPath = state.ItemsPath ?? '$';
    const items = await evaluatePath({ state: stateName, field: 'ItemsPath' }, itemsPath, input);
    if (!Array.isArray(items)) throw new StatesRuntimeFailureError(stateName, 'ItemsPath', `${itemsPath} selects ${JSON.stringify(items)}, not an array`);
    return items;
  }
  const reader = state.ItemReader;
  const inputType = reader.ReaderConfig?.InputType ?? 'JSON';
  const getObject = /:states:::s3:getObject$/.test(reader.Resource);
  // What the local layer cannot read is refused before anything is read.
  if (!getObject && !/:states:::s3:listObjectsV2$/.test(reader.Resource)) {
    throw new UnsupportedDistributedMapError(stateName, `ItemReader resource ${reader.Resource} (supported: s3:getObject with JSON or JSONL, s3:listObjectsV2)`);
  }
  if (getObject && !isReadableInputType(inputType)) throw new UnsupportedDistributedMapError(stateName, `ItemReader InputType ${inputType} (supported locally: JSON, JSONL)`);
  const parameters = reader.Parameters ? await evaluateTemplate({ state: stateName, field: 'ItemReader.Parameters' }, reader.Parameters, input, {}) : {};
  const { Bucket: bucket, Key: key, Prefix: prefix } = parameters as { Bucket?: unknown; Key?: unknown; Prefix?: unknown };
  if (typeof bucket !== 'string') throw new ItemReaderFailedError(stateName, `ItemReader.Parameters gives no Bucket (got ${JSON.stringify(bucket)})`);
  const maxItems = (await numberField({ state: stateName, field: 'ItemReader.ReaderConfig.MaxItemsPath' }, reader.ReaderConfig?.MaxItems, reader.ReaderConfig?.MaxItemsPath, input, 'count')) ?? 0;
  let items: JsonValue[];
  if (!getObject) {
    items = [];
    const where = `s3://${bucket}/${typeof prefix === 'string' ? prefix : ''}`;
    try {
      for await (const page of listObjectPages(s3, { Bucket: bucket, ...(typeof prefix === 'string' && prefix ? { Prefix: prefix } : {}) })) {
        for (const o of page.Contents ?? []) {
          items.push({ Etag: o.ETag ?? '', Key: o.Key ?? '', LastModified: o.LastModified?.toISOString() ?? '', Size: o.Size ?? 0, StorageClass: o.StorageClass ?? 'STANDARD' });
        }
      }
    } catch (err) {
      throw new ItemReaderFailedError(stateName, `listing ${where} failed: ${errorAsText(err)}`);
    }
  } else {
    if (typeof key !== 'string') throw new ItemReaderFailedError(stateName, `ItemReader.Parameters gives no Key (got ${JSON.stringify(key)})`);
    const where = `s3://${bucket}/${key}`;
    let text: string;
    try {
      text = await readObjectText(s3, bucket, key);
    } catch (err) {
      throw new ItemReaderFailedError(stateName, `reading ${where} failed: ${errorAsText(err)}`);
    }
    items = parseItemFile(stateName, inputType as ReadableInputType, text, where);
  }
  return maxItems > 0 ? items.slice(0, maxItems) : items;
}

type ReadableInputType = 'JSON' | 'JSONL';
const isReadableInputType = (type: string): type is ReadableInputType => type === 'JSON' || type === 'JSONL';

async function readObjectText(s3: S3Client, bucket: string, key: string): Promise<string> {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return object.Body ? await object.Body.transformToString('utf8') : '';
}

function parseItemFile(stateName: string, inputType: ReadableInputType, text: string, where: string): JsonValue[] {
  if (inputType === 'JSONL') {
    const items: JsonValue[] = [];
    for (const [index, line] of text.split('\n').entries()) {
      if (line.trim() === '') continue;
      try {
        items.push(JSON.parse(line) as JsonValue);
      } catch (err) {
        throw new ItemReaderFailedError(stateName, `line ${index + 1} of ${where} is not JSON: ${errorAsText(err)}`);
      }
    }
    return items;
  }
  let parsed: JsonValue;
  try {
    parsed = JSON.parse(text) as JsonValue;
  } catch (err) {
    throw new ItemReaderFailedError(stateName, `${where} is not JSON: ${errorAsText(err)}`);
  }
  if (!Array.isArray(parsed)) throw new ItemReaderFailedError(stateName, `${where} is not a JSON array`);
  return parsed;
}

/** Cuts the items into child inputs: one item each without ItemBatcher, else { Items, BatchInput } of at most MaxItemsPerBatch items / MaxInputBytesPerBatch bytes. */
async function batchItems(stateName: string, state: DistributedMapState, items: JsonValue[], input: JsonValue): Promise<{ input: JsonValue; items: number }[]> {
  const batcher = state.ItemBatcher;
  if (!batcher) return items.map((item) => ({ input: item, items: 1 }));
  const maxItems = (await numberField({ state: stateName, field: 'ItemBatcher.MaxItemsPerBatchPath' }, batcher.MaxItemsPerBatch, batcher.MaxItemsPerBatchPath, input, 'positive')) ?? 0;
  const maxBytes =
    (await numberField({ state: stateName, field: 'ItemBatcher.MaxInputBytesPerBatchPath' }, batcher.MaxInputBytesPerBatch, batcher.MaxInputBytesPerBatchPath, input, 'positive')) ?? 256 * 1024;
  const batchInput = batcher.BatchInput ? await evaluateTemplate({ state: stateName, field: 'ItemBatcher.BatchInput' }, batcher.BatchInput, input, {}) : undefined;
  const batches: { input: JsonValue; items: number }[] = [];
  let current: JsonValue[] = [];
  let bytes = 0;
  const flush = () => {
    if (current.length === 0) return;
    batches.push({ input: { Items: current, ...(batchInput !== undefined ? { BatchInput: batchInput } : {}) }, items: current.length });
    current = [];
    bytes = 0;
  };
  for (const item of items) {
    const size = Buffer.byteLength(JSON.stringify(item));
    if (current.length > 0 && ((maxItems > 0 && current.length >= maxItems) || bytes + size > maxBytes)) flush();
    current.push(item);
    bytes += size;
  }
  flush();
  return batches;
}

/**
 * Writes the map run's results as AWS does: <Prefix>/<map run id>/manifest.json plus SUCCEEDED_0.json and
 * FAILED_0.json (one file each locally; AWS splits at 5 GB), and returns the Map's output that points at them.
 * Children the executor stopped (ABORTED) are in neither file: FAILED_0.json is what really failed, and
 * AWS's documentation does not say which file, if any, lists aborted children (docs/LOCAL-CLOUD.md).
 */
async function writeResults(
  stateName: string,
  writer: NonNullable<DistributedMapState['ResultWriter']>,
  input: JsonValue,
  outcomes: ChildOutcome[],
  run: { mapRunArn: string; mapRunId: string; s3: S3Client },
): Promise<JsonValue> {
  const parameters = (writer.Parameters ? await evaluateTemplate({ state: stateName, field: 'ResultWriter.Parameters' }, writer.Parameters, input, {}) : {}) as {
    Bucket?: unknown;
    Prefix?: unknown;
  };
  if (typeof parameters.Bucket !== 'string' || parameters.Bucket === '') throw new ResultWriterFailedError(stateName, `ResultWriter.Parameters gives no Bucket (got ${JSON.stringify(parameters.Bucket)})`);
  const bucket = parameters.Bucket;
  const put = async (key: string, body: string): Promise<void> => {
    try {
      await run.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/json' }));
    } catch (err) {
      throw new ResultWriterFailedError(stateName, `writing s3://${bucket}/${key} failed: ${errorAsText(err)}`);
    }
  };
  const prefix = typeof parameters.Prefix === 'string' && parameters.Prefix !== '' ? `${parameters.Prefix.replace(/\/$/, '')}/` : '';
  const base = `${prefix}${run.mapRunId}/`;
  const record = (o: ChildOutcome) => ({
    ExecutionArn: o.executionArn,
    Input: JSON.stringify(o.input),
    InputDetails: { Included: true },
    Name: o.name,
    ...(o.status === 'SUCCEEDED' ? { Output: JSON.stringify(o.output), OutputDetails: { Included: true } } : { Error: o.error, Cause: o.cause }),
    RedriveCount: 0,
    RedriveStatus: 'NOT_REDRIVABLE',
    StartDate: o.startDate,
    StateMachineArn: o.stateMachineArn,
    Status: o.status,
    StopDate: o.stopDate,
  });
  const files: Record<'SUCCEEDED' | 'FAILED' | 'PENDING', { Key: string; Size: number }[]> = { SUCCEEDED: [], FAILED: [], PENDING: [] };
  for (const status of ['SUCCEEDED', 'FAILED'] as const) {
    const of = outcomes.filter((o) => o.status === status);
    if (of.length === 0) continue;
    const key = `${base}${status}_0.json`;
    const body = JSON.stringify(of.map(record));
    await put(key, body);
    files[status].push({ Key: key, Size: Buffer.byteLength(body) });
  }
  const manifestKey = `${base}manifest.json`;
  const manifest = { DestinationBucket: bucket, MapRunArn: run.mapRunArn, ResultFiles: files };
  await put(manifestKey, JSON.stringify(manifest));
  return { MapRunArn: run.mapRunArn, ResultWriterDetails: { Bucket: bucket, Key: manifestKey } };
}

/**
 * What a `…Path` field must select, as AWS checks it at run time: `count` a non-negative integer
 * (MaxConcurrency, ToleratedFailureCount, MaxItems), `positive` an integer of 1 or more
 * (MaxItemsPerBatch, MaxInputBytesPerBatch), `percentage` a number from 0 to 100.
 */
