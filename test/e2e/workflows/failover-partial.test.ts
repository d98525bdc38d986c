import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { failoverCommand } from '../../../cli/commands/failover-command';
import { type WorkflowRunner } from '../../../cli/workflow-runner';
import { type LifeboatConfig, lifeboatConfigSchema } from '../../../config/lifeboat-config';
import { resourceNames } from '../../../lib/stacks/resource-names';
import { BackupCatalog } from '../../../lambdas/catalog/backup-catalog';
import { reportOfIncompleteCause } from '../../../lambdas/failover/failover-incomplete';
import { type FailoverReport } from '../../../lambdas/failover/failover-report';
import { localDynamoDbClient, localS3Client } from '../../../local/cloud/local-cloud';
import { startRegion, stopRegion } from '../../../local/cloud/region-outage';
import { compareBuckets, compareTables } from '../../../local/demo/compare-restored';
import { seedSampleBucket, seedSampleTable } from '../../../local/demo/sample-data';
import { approveEveryTask } from '../../../local/executor/local-approver';
import { type LocalExecutionResult, runLocalExecution } from '../../../local/executor/run-local-execution';
import { type LocalEnvironment, openLocalEnvironment } from '../../../local/local-environment';

/**
 * A failover in which one source of three cannot be restored (its snapshot is missing from the DR vault, so its
 * restore fails as a whole with BackupNotReplicatedError) while the primary region is down (audit R22 F2): the
 * other two are restored and verified all the same, the report names them live with their targets and the failed
 * one with its error, and the execution FAILS with FailoverIncompleteError; `lifeboat failover` prints that table
 * and the command that finishes the failover, and that command (the report's `finish`: `sources` the failed one,
 * overwrite) restores just it once the snapshot is back. Through the synthesized DR stack on the local cloud.
 */
const config: LifeboatConfig = lifeboatConfigSchema.parse({
  environments: [
    {
      name: 'fp',
      account: '000000000000',
      primaryRegion: 'us-east-1',
      drRegion: 'us-west-2',
      plans: [
        {
          name: 'trio',
          schedule: 'rate(1 day)',
          strategy: 'full',
          retention: { keepLast: 2 },
          objectives: { rpoMinutes: 1440, rtoMinutes: 60 },
          sources: [
            { type: 's3', name: 'trio-a', bucket: 'lifeboat-fp-trio-a' },
            { type: 's3', name: 'trio-b', bucket: 'lifeboat-fp-trio-b' },
            { type: 'dynamodb', name: 'trio-t', table: 'lifeboat-fp-trio-t' },
          ],
        },
      ],
    },
  ],
});
const primaryRegion = 'us-east-1';
const TABLE_ITEMS = 30;

let dataDir: string;
let local: LocalEnvironment;
let names: ReturnType<typeof resourceNames>;
let s3: S3Client;
let ddb: DynamoDBClient;
let drS3: S3Client;
let drDdb: DynamoDBClient;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'lifeboat-failover-partial-'));
  local = await openLocalEnvironment({ config, envName: 'fp', dataDir, exitWithParent: true });
  names = resourceNames(local.environment);
  s3 = localS3Client(local.endpoints, primaryRegion);
  ddb = localDynamoDbClient(local.endpoints, primaryRegion);
  drS3 = localS3Client(local.endpoints, local.environment.drRegion);
  drDdb = localDynamoDbClient(local.endpoints, local.environment.drRegion);
  await seedSampleBucket(s3, 'lifeboat-fp-trio-a', { bulkObjects: 0 });
  await seedSampleBucket(s3, 'lifeboat-fp-trio-b', { bulkObjects: 0 });
  await seedSampleTable(ddb, 'lifeboat-fp-trio-t', TABLE_ITEMS);
}, 180_000);

afterAll(async () => {
  for (const client of [s3, ddb, drS3, drDdb]) client?.destroy();
  await local?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

function run(role: 'primary' | 'dr', stateMachine: string, input: unknown): Promise<LocalExecutionResult> {
  const stack = local.stacks.find((s) => s.role === role);
  if (!stack) throw new Error(`no ${role} stack`);
  // Every failover waits for an approval (docs/RUNBOOKS.md, "Approvals"): approved at once here.
  return runLocalExecution({ stack, stateMachine, input, endpoints: local.endpoints, dataDir, pool: local.lambdaPool(2), retryIntervalScale: 0.001, onTaskToken: approveEveryTask(dataDir) });
}

/** The CLI's runner, running the failover in this process (the CLI's own local runner imports the executor lazily, which jest's VM cannot); keeps the result. */
function inProcessRunner(results: LocalExecutionResult[]): WorkflowRunner {
  return {
    run: async (workflow, input, _progress, options) => {
      expect({ workflow, region: options?.region }).toEqual({ workflow: 'failover', region: 'dr' });
      const result = await run('dr', names.failoverStateMachine, input);
      results.push(result);
      return { executionId: result.executionId, status: result.status, output: result.output, ...(result.error ? { error: result.error } : {}), ...(result.cause ? { cause: result.cause } : {}) };
    },
  };
}

const bucketOf = (target: string | undefined) => /^s3:\/\/([^/]+)\//.exec(target ?? '')?.[1] ?? `(no bucket in ${String(target)})`;

it('one source of three fails: the execution FAILS with FailoverIncompleteError, the report and the CLI name it with its error and the two live ones with their targets; its finish input restores just it', async () => {
  const backupRun = await run('primary', names.backupStateMachine, { plan: 'trio', trigger: 'test' });
  expect({ status: backupRun.status, error: backupRun.error }).toEqual({ status: 'SUCCEEDED', error: undefined });
  const backupId = (backupRun.output as { committed: { backupId: string } }).committed.backupId;
  const replicated = await new BackupCatalog(DynamoDBDocumentClient.from(drDdb), names.catalogTable).requireBackup(backupId);
  const snapshotId = replicated.sources.find((s) => s.name === 'trio-b')?.snapshotId;
  if (!snapshotId) throw new Error(`backup ${backupId} has no snapshot of trio-b in the DR catalog`);
  // The DR vault loses trio-b's snapshot: that source's restore fails as a whole, the others' do not.
  const snapshotKey = `snapshots/${snapshotId}`;
  const snapshot = await (await drS3.send(new GetObjectCommand({ Bucket: names.drVault, Key: snapshotKey }))).Body?.transformToByteArray();
  await drS3.send(new DeleteObjectCommand({ Bucket: names.drVault, Key: snapshotKey }));

  const results: LocalExecutionResult[] = [];
  const lines: string[] = [];
  const io = { out: (l: string) => lines.push(`OUT ${l}`), err: (l: string) => lines.push(`ERR ${l}`) };
  await stopRegion(dataDir, primaryRegion);
  let code: number;
  try {
    code = await failoverCommand({ config: 'unused', env: 'fp', dataDir, plan: 'trio', targetSuffix: 'part' }, { io, runner: inProcessRunner(results), stderr: { isTTY: false, write: () => true } });
  } finally {
    await startRegion(dataDir, primaryRegion);
  }
  const [result] = results;
  if (!result) throw new Error('the CLI ran no failover');
  expect({ code, status: result.status, error: result.error }).toEqual({ code: 1, status: 'FAILED', error: 'FailoverIncompleteError' });
  // The report ran after every source's restore ended, and the execution failed after it.
  expect(result.events.filter((e) => e.type === 'StateEntered').map((e) => e.state).slice(-3)).toEqual(['Failover report', 'Every source restored?', 'Failover incomplete']);

  const report = reportOfIncompleteCause(result.cause) as FailoverReport;
  expect(report.backup.backupId).toBe(backupId);
  expect(report.sources.map((s) => [s.source, s.target])).toEqual([
    ['trio-a', `s3://${names.restoreTargetPrefix}trio-a-part/`],
    ['trio-t', `dynamodb table ${names.restoreTargetPrefix}trio-t-part`],
  ]);
  expect(report.failed).toEqual([
    expect.objectContaining({ source: 'trio-b', type: 's3', target: `s3://${names.restoreTargetPrefix}trio-b-part/`, error: 'BackupNotReplicatedError', message: expect.stringContaining('its snapshot of source "trio-b" is missing') as unknown as string }),
  ]);
  // Its restore stopped in Validate and resolve, before writing its target: finished without overwrite, so that a
  // target another run filled since is refused rather than replaced.
  expect(report.failed?.[0]?.wroteNothing).toBe(true);
  expect(report).not.toHaveProperty('finish');
  expect(report.finishWithoutOverwrite).toEqual({ plan: 'trio', backupId, targetSuffix: 'part', sources: ['trio-b'] });
  expect(report.objectives.rtoMet).toBe(false);
  // The failed source's item keeps its error bounded (review 42c F6): the child's Lambda error as JSON with its type and
  // message, without the stack trace, so that dozens of failed sources stay within the state's 256 KiB.
  const notRestored = result.events.find((e) => e.type === 'StateExited' && e.state === 'Source not restored');
  const caught = (notRestored?.output as { error?: { Error: string; Cause: string } } | undefined)?.error;
  expect(caught?.Error).toBe('BackupNotReplicatedError');
  expect(Object.keys(JSON.parse(caught?.Cause ?? '{}') as object)).toEqual(['errorType', 'errorMessage']);
  // The cause's message, read alone (the console, an alert), names the failed and the live sources.
  const message = (JSON.parse(result.cause ?? '{}') as { errorMessage: string }).errorMessage;
  expect(message).toMatch(/^Failover \S+ of plan "trio" is incomplete: 1 of 3 source\(s\) not restored, 2 live\. .*trio-b \(BackupNotReplicatedError: .*Live, restored and verified .*trio-a at s3:\/\/\S+trio-a-part\/; trio-t at dynamodb table \S+trio-t-part\./);

  // The CLI's table: live with the target, or FAILED with the error; then the command that finishes the failover (no
  // --overwrite: the target holds nothing of this failover's).
  const printed = lines.join('\n');
  expect(lines[0]).toMatch(/^ERR Failover \S+ of plan trio is INCOMPLETE: 1 of 3 source\(s\) not restored; backup /);
  expect(printed).toMatch(new RegExp(`trio-a\\s*│\\s*live\\s*│\\s*s3://${names.restoreTargetPrefix}trio-a-part/`));
  expect(printed).toMatch(new RegExp(`trio-t\\s*│\\s*live\\s*│\\s*dynamodb table ${names.restoreTargetPrefix}trio-t-part`));
  expect(printed).toMatch(/trio-b\s*│\s*FAILED\s*│.*│\s*BackupNotReplicatedError: /);
  // The line carries the run's own target options, so pasted it finishes this failover, not one of env dev's (audit a57C-1);
  // a relative --config absolute (review r58E F3).
  expect(lines).toContain(`ERR   lifeboat failover --plan trio --backup ${backupId} --target-suffix part --sources trio-b --env fp --config ${path.resolve('unused')} --data-dir ${dataDir}`);

  // The live ones are whole: each target equal to its source.
  expect(await compareBuckets(s3, { bucket: 'lifeboat-fp-trio-a', prefix: '' }, { bucket: bucketOf(report.sources[0]?.target), prefix: '' }, drS3)).toEqual([]);
  expect(await compareTables(ddb, 'lifeboat-fp-trio-t', `${names.restoreTargetPrefix}trio-t-part`, drDdb)).toEqual([]);

  // The snapshot is back: the finishing input restores trio-b alone and the failover is complete.
  await drS3.send(new PutObjectCommand({ Bucket: names.drVault, Key: snapshotKey, Body: snapshot }));
  await stopRegion(dataDir, primaryRegion);
  let finished: LocalExecutionResult;
  try {
    finished = await run('dr', names.failoverStateMachine, report.finishWithoutOverwrite);
  } finally {
    await startRegion(dataDir, primaryRegion);
  }
  expect({ status: finished.status, error: finished.error, cause: finished.cause }).toEqual({ status: 'SUCCEEDED', error: undefined, cause: undefined });
  const done = finished.output as FailoverReport;
  expect(done.sources.map((s) => [s.source, s.target])).toEqual([['trio-b', `s3://${names.restoreTargetPrefix}trio-b-part/`]]);
  expect(done).not.toHaveProperty('failed');
  expect(await compareBuckets(s3, { bucket: 'lifeboat-fp-trio-b', prefix: '' }, { bucket: bucketOf(done.sources[0]?.target), prefix: '' }, drS3)).toEqual([]);
}, 400_000);

// Audit h6-2: started by hand, the failover's per-source child failed with States.Runtime ("Path expression '$.request'
// does not point to a value"), naming neither the missing field nor the runbook to start instead.
it.each([
  ['{}', {}, 'request'],
  ['a misspelt restoreId', { request: { source: 'trio-a' }, restoreID: 'x' }, 'restoreId'],
])('the failover\'s restore-source child started by hand with %s is refused with InvalidInputError naming the field and the failover, before any step runs', async (_label, input, field) => {
  const result = await run('dr', names.failoverRestoreSourceStateMachine, input);
  expect({ status: result.status, error: result.error }).toEqual({ status: 'FAILED', error: 'InvalidInputError' });
  expect(result.cause).toBe(`Invalid restore-source input: ${field}: is required; this state machine is started by ${names.failoverStateMachine} for each source (input { request, restoreId }): start ${names.failoverStateMachine} instead`);
  expect(result.events.filter((e) => e.type === 'StateEntered').map((e) => e.state)).not.toContain('Validate and resolve');
});

it('the failover\'s restore-source child started by hand with null is refused with InvalidInputError, before any step runs', async () => {
  const result = await run('dr', names.failoverRestoreSourceStateMachine, null);
  expect({ status: result.status, error: result.error }).toEqual({ status: 'FAILED', error: 'InvalidInputError' });
  expect(result.events.filter((e) => e.type === 'StateEntered').map((e) => e.state)).toEqual(['Input as JSON text', 'Input is an object?', 'Input refused']);
});

// Audit h6-1: started by hand with a well-formed request and "overwrite": true, the failover's per-source child wrote
// over an existing failover target with no approval (it has no approval step; Step Functions no resource policy). It
// now restores only the request its failover granted in the catalog after the approval, and only once.
it('the failover\'s restore-source child started by hand with a well-formed overwrite request, or replaying an approved one, is refused with InvalidInputError and writes nothing', async () => {
  // The first test's backup, or one of its own when run alone.
  const committed = async () => (await new BackupCatalog(DynamoDBDocumentClient.from(drDdb), names.catalogTable).listBackupsOfPlan('trio')).find((b) => b.status === 'COMMITTED')?.backupId;
  const backupId = (await committed()) ?? ((await run('primary', names.backupStateMachine, { plan: 'trio', trigger: 'test' })) && (await committed()));
  if (!backupId) throw new Error('no committed backup of plan trio in the DR catalog');
  // An approved failover of one source: its child is granted its request and runs it.
  const failover = await run('dr', names.failoverStateMachine, { plan: 'trio', backupId, targetSuffix: 'grant', sources: ['trio-t'] });
  expect({ status: failover.status, error: failover.error, cause: failover.cause }).toEqual({ status: 'SUCCEEDED', error: undefined, cause: undefined });
  const validated = failover.events.find((e) => e.type === 'StateExited' && e.state === 'Validate failover')?.output as { failover: { restores: { restoreId: string; request: { overwrite: boolean } }[] } };
  const granted = validated.failover.restores[0];
  if (!granted) throw new Error('the failover granted no restore');
  const overwrite = { ...granted.request, overwrite: true };
  for (const input of [
    { request: overwrite, restoreId: 'h6-hand-made' }, // a request no failover granted, onto the failover's target
    { request: overwrite, restoreId: granted.restoreId }, // the granted restore id with another request
    { request: granted.request, restoreId: granted.restoreId }, // the approved restore, replayed
  ]) {
    const result = await run('dr', names.failoverRestoreSourceStateMachine, input);
    expect({ status: result.status, error: result.error }).toEqual({ status: 'FAILED', error: 'InvalidInputError' });
    expect(result.cause).toContain(`this restore was not approved as part of a failover (`);
    expect(result.cause).toContain(`start ${names.failoverStateMachine}`);
    const entered = result.events.filter((e) => e.type === 'StateEntered').map((e) => e.state);
    expect(entered).toContain('Validate and resolve');
    expect(entered).not.toContain('Plan restore shards');
  }
  // Nothing written: no restore plan of the hand-made restore in the vault (the granted one's is the failover's own).
  const plans = await drS3.send(new ListObjectsV2Command({ Bucket: names.drVault, Prefix: 'restore-plans/h6-hand-made' }));
  expect(plans.KeyCount ?? 0).toBe(0);
  expect(await compareTables(ddb, 'lifeboat-fp-trio-t', `${names.restoreTargetPrefix}trio-t-grant`, drDdb)).toEqual([]);
}, 200_000);
