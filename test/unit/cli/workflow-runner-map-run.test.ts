import { DescribeExecutionCommand, DescribeMapRunCommand, GetExecutionHistoryCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { restoreCommand } from '../../../cli/commands/restore-commands';
import { ClosedOutputGuard } from '../../../cli/closed-output';
import { awsWorkflowRunner } from '../../../cli/workflow-runner';
import { findEnvironment, loadLifeboatConfig } from '../../../config/load-config';
import { capturedCliDeps } from '../../support/captured-cli-io';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';

/**
 * Review r63F F1: the follow read DescribeMapRun only to count a Distributed Map's shards for the progress line, and
 * the documented operator policy has no states:DescribeMapRun, so `restore --aws` (and `backup --aws`) ended with
 * AccessDeniedException at the first poll after MapRunStarted, the run going on in AWS. The counts are progress only.
 */
const environment = findEnvironment(loadLifeboatConfig(SAMPLE_CONFIG_FILE), 'dev');
const report = { restoreId: 'r1', backupId: '20260301T100000Z-1a2b3c4d', source: 'demo-assets', targetDescription: 's3://lifeboat-dev-restore-x/', vault: 'primary', entries: 308, bytes: 1234, durationMs: 4200, verified: { entries: 308, mismatches: 0 } };
const mapRunArn = `arn:aws:states:${environment.primaryRegion}:${environment.account}:mapRun:lifeboat-dev-restore/Restore shards:abc`;

function stepFunctionsDenyingMapRuns() {
  const client = new SFNClient({ region: environment.primaryRegion });
  const mock = mockClient(client);
  mock.on(StartExecutionCommand).callsFake((asked: { stateMachineArn: string; name: string }) => ({ executionArn: `${asked.stateMachineArn.replace(':stateMachine:', ':execution:')}:${asked.name}`, startDate: new Date(0) }));
  mock.on(GetExecutionHistoryCommand).resolves({
    events: [
      { id: 1, type: 'MapStateEntered', timestamp: new Date(0), stateEnteredEventDetails: { name: 'Restore shards' } },
      { id: 2, type: 'MapRunStarted', timestamp: new Date(0), mapRunStartedEventDetails: { mapRunArn } },
    ],
  });
  mock.on(DescribeMapRunCommand).rejects(Object.assign(new Error(`User: arn:aws:sts::${environment.account}:assumed-role/operator/o is not authorized to perform: states:DescribeMapRun on resource: ${mapRunArn}`), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } }));
  let polls = 0;
  mock.on(DescribeExecutionCommand).callsFake(() => (++polls < 3 ? { status: 'RUNNING', startDate: new Date(0) } : { status: 'SUCCEEDED', output: JSON.stringify(report), startDate: new Date(0) }));
  return { client, mock };
}

describe('an --aws restore whose credentials may not call DescribeMapRun', () => {
  it('follows the run to its end and reports it, saying once that the shard counts are not readable and why', async () => {
    const { client, mock } = stepFunctionsDenyingMapRuns();
    const { out, err, stderr, deps } = capturedCliDeps();
    const runner = awsWorkflowRunner({ environment, client, pollMs: 1, wait: () => Promise.resolve(), output: new ClosedOutputGuard(() => undefined) });
    const code = await restoreCommand({ config: SAMPLE_CONFIG_FILE, env: 'dev', dataDir: '.unused', aws: true, source: 'demo-assets', backup: report.backupId, target: 's3://lifeboat-dev-restore-x' }, { ...deps, runner });
    expect({ code, err }).toEqual({ code: 0, err: [] });
    expect(out[0]).toBe('Restore   r1');
    expect(mock.commandCalls(DescribeMapRunCommand).length).toBeGreaterThanOrEqual(2);
    const told = stderr.filter((line) => line.includes('shard counts are not readable'));
    expect(told).toEqual([
      'restore: shard counts are not readable (DescribeMapRun: AccessDeniedException: User: arn:aws:sts::' +
        `${environment.account}:assumed-role/operator/o is not authorized to perform: states:DescribeMapRun on resource: ${mapRunArn}): ` +
        'the credentials need states:DescribeMapRun on the map runs (docs/RUNBOOKS.md, "What each persona needs"); the run is followed without them\n',
    ]);
    expect(stderr.join('')).toContain('restore: Restore shards · ? shard(s) done (shard counts unreadable)');
  });
});

/**
 * Review r63Q F4: the shard-count note was said once with its first reason, so a later AccessDeniedException (the one
 * with the states:DescribeMapRun advice) was never printed after a first timeout; and the line showed "0 shard(s) done"
 * while the counts could not be read.
 */
describe('an --aws restore whose DescribeMapRun first times out, then is denied', () => {
  it('says the note again for the denial, once, and shows the shard count as unknown while unreadable', async () => {
    const { client, mock } = stepFunctionsDenyingMapRuns();
    let mapRunCalls = 0;
    mock.on(DescribeMapRunCommand).callsFake(() => {
      mapRunCalls += 1;
      if (mapRunCalls === 1) throw Object.assign(new Error('a request has exceeded the configured requestTimeout'), { name: 'TimeoutError' });
      throw Object.assign(new Error('not authorized to perform: states:DescribeMapRun'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } });
    });
    let polls = 0;
    mock.on(DescribeExecutionCommand).callsFake(() => (++polls < 4 ? { status: 'RUNNING', startDate: new Date(0) } : { status: 'SUCCEEDED', output: JSON.stringify(report), startDate: new Date(0) }));
    const { err, stderr, deps } = capturedCliDeps();
    const runner = awsWorkflowRunner({ environment, client, pollMs: 1, wait: () => Promise.resolve(), output: new ClosedOutputGuard(() => undefined) });
    const code = await restoreCommand({ config: SAMPLE_CONFIG_FILE, env: 'dev', dataDir: '.unused', aws: true, source: 'demo-assets', backup: report.backupId, target: 's3://lifeboat-dev-restore-x' }, { ...deps, runner });
    expect({ code, err }).toEqual({ code: 0, err: [] });
    expect(mapRunCalls).toBeGreaterThanOrEqual(3);
    const told = stderr.filter((line) => line.includes('shard counts are not readable'));
    expect(told).toEqual([
      'restore: shard counts are not readable (DescribeMapRun: TimeoutError: a request has exceeded the configured requestTimeout); the run is followed without them\n',
      'restore: shard counts are not readable (DescribeMapRun: AccessDeniedException: not authorized to perform: states:DescribeMapRun): ' +
        'the credentials need states:DescribeMapRun on the map runs (docs/RUNBOOKS.md, "What each persona needs"); the run is followed without them\n',
    ]);
    expect(stderr.join('')).toContain('restore: Restore shards · ? shard(s) done (shard counts unreadable)');
    expect(stderr.join('')).not.toContain('0 shard(s) done (shard counts unreadable)');
  });
});
