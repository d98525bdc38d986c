import { DescribeExecutionCommand, GetExecutionHistoryCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { partitionOf } from '../../../config/aws-partition';
import { EventEmitter } from 'node:events';
import { ClosedOutputGuard, EXIT_OUTPUT_CLOSED } from '../../../cli/closed-output';
import { awsWorkflowRunner, StoppedFollowingError, type WorkflowName, type WorkflowRegion } from '../../../cli/workflow-runner';
import { type EnvironmentConfig } from '../../../config/lifeboat-config';
import { findEnvironment, loadLifeboatConfig } from '../../../config/load-config';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';

/**
 * `lifeboat backup/restore/failover/drill run/catalog rebuild --aws` start a state machine by the ARN
 * the config implies (audit R20, F4): its partition follows the region (GovCloud and China have their
 * own), its account the stack that holds it (the DR stack is in `drAccount` when the config names one).
 */
const sample = findEnvironment(loadLifeboatConfig(SAMPLE_CONFIG_FILE), 'dev');

describe('partitionOf', () => {
  it('is aws-us-gov for GovCloud regions, aws-cn for China regions, aws for the others', () => {
    const regions = ['us-gov-west-1', 'us-gov-east-1', 'cn-north-1', 'cn-northwest-1', 'us-east-1', 'eu-west-1'];
    expect(regions.map((region) => [region, partitionOf(region)])).toEqual([
      ['us-gov-west-1', 'aws-us-gov'],
      ['us-gov-east-1', 'aws-us-gov'],
      ['cn-north-1', 'aws-cn'],
      ['cn-northwest-1', 'aws-cn'],
      ['us-east-1', 'aws'],
      ['eu-west-1', 'aws'],
    ]);
  });
});

/** The ARN StartExecution was given when `workflow` ran in `side`'s region of `environment`. */
async function startedArn(environment: EnvironmentConfig, workflow: WorkflowName, side: WorkflowRegion): Promise<string | undefined> {
  const primary = new SFNClient({ region: environment.primaryRegion });
  const dr = new SFNClient({ region: environment.drRegion });
  const mocks = [mockClient(primary), mockClient(dr)];
  for (const mock of mocks) {
    mock.on(StartExecutionCommand).callsFake((input: { stateMachineArn: string }) => ({ executionArn: `${input.stateMachineArn.replace(':stateMachine:', ':execution:')}:e1` }));
    mock.on(GetExecutionHistoryCommand).resolves({ events: [] });
    mock.on(DescribeExecutionCommand).resolves({ status: 'SUCCEEDED', output: '{}' });
  }
  const runner = awsWorkflowRunner({ environment, client: primary, drClient: dr, pollMs: 1 });
  expect((await runner.run(workflow, {}, () => undefined, { region: side })).status).toBe('SUCCEEDED');
  const [asked] = mocks.flatMap((m) => m.commandCalls(StartExecutionCommand)).map((c) => c.args[0].input.stateMachineArn);
  return asked;
}

describe('the state machine ARN of an --aws run', () => {
  it('is in the partition of its region: aws-us-gov in GovCloud, aws-cn in China, aws elsewhere', async () => {
    const gov = { ...sample, primaryRegion: 'us-gov-west-1', drRegion: 'us-gov-east-1' };
    expect(await startedArn(gov, 'backup', 'primary')).toBe(`arn:aws-us-gov:states:us-gov-west-1:${sample.account}:stateMachine:lifeboat-dev-backup`);
    expect(await startedArn(gov, 'failover', 'dr')).toBe(`arn:aws-us-gov:states:us-gov-east-1:${sample.account}:stateMachine:lifeboat-dev-failover`);
    const china = { ...sample, primaryRegion: 'cn-north-1', drRegion: 'cn-northwest-1' };
    expect(await startedArn(china, 'restore', 'dr')).toBe(`arn:aws-cn:states:cn-northwest-1:${sample.account}:stateMachine:lifeboat-dev-restore`);
    expect(await startedArn(sample, 'backup', 'primary')).toBe(`arn:aws:states:${sample.primaryRegion}:${sample.account}:stateMachine:lifeboat-dev-backup`);
  });

  it("is in the DR account for the DR region's runbooks when the config names a drAccount", async () => {
    const crossAccount = { ...sample, drAccount: '111111111111' };
    expect(await startedArn(crossAccount, 'failover', 'dr')).toBe(`arn:aws:states:${sample.drRegion}:111111111111:stateMachine:lifeboat-dev-failover`);
    expect(await startedArn(crossAccount, 'restore', 'primary')).toBe(`arn:aws:states:${sample.primaryRegion}:${sample.account}:stateMachine:lifeboat-dev-restore`);
  });
});

describe('an --aws run whose output closes', () => {
  it('stops following the execution, as a Ctrl-C does there, and fails with its ARN instead of waiting for or reporting a result', async () => {
    const client = new SFNClient({ region: sample.primaryRegion });
    const mock = mockClient(client);
    const executionArn = `arn:aws:states:${sample.primaryRegion}:${sample.account}:execution:lifeboat-dev-backup:e1`;
    mock.on(StartExecutionCommand).resolves({ executionArn });
    mock.on(GetExecutionHistoryCommand).resolves({ events: [] });
    mock.on(DescribeExecutionCommand).resolves({ status: 'RUNNING' });
    const output = new ClosedOutputGuard(() => undefined);
    const stderr = new EventEmitter();
    output.watch(stderr);
    // An hour's poll: the close must end the wait, not the next poll.
    const runner = awsWorkflowRunner({ environment: sample, client, pollMs: 3_600_000, output });
    // The output closes after the first poll's progress (the first progress, the start's, names the execution; the one
    // before the start's attempts is not counted).
    let updates = 0;
    const run = runner.run('backup', {}, (p) => p.starting !== true && ++updates === 2 && stderr.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' })));
    await expect(run).rejects.toBeInstanceOf(StoppedFollowingError);
    await expect(run).rejects.toThrow(`stopped following execution ${executionArn}; it goes on in AWS`);
    // Its region given: the operator's shell may default to another one (review r63F F3).
    await expect(run).rejects.toThrow(
      `Follow it with \`aws stepfunctions describe-execution --region ${sample.primaryRegion} --execution-arn ${executionArn}\`, or stop it with \`aws stepfunctions stop-execution --region ${sample.primaryRegion} --execution-arn ${executionArn}\`.`,
    );
    expect([mock.commandCalls(DescribeExecutionCommand).length, output.exitCodeOverride()]).toEqual([1, EXIT_OUTPUT_CLOSED]);
  });
});
