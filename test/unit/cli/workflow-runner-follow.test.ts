import { DescribeExecutionCommand, ExecutionAlreadyExists, GetExecutionHistoryCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { ExecutionNameTakenError, FollowingFailedError, FollowingGaveUpError, WorkflowStartFoundNoneError, WorkflowStartUnansweredError } from '../../../cli/aws-execution-errors';
import { CredentialsUnansweredError } from '../../../cli/credentials-unanswered';
import { progressLine } from '../../../cli/progress-line';
import { ClosedOutputGuard } from '../../../cli/closed-output';
import { awsWorkflowRunner } from '../../../cli/workflow-runner';
import { findEnvironment, loadLifeboatConfig } from '../../../config/load-config';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';

/**
 * Review f63C: the runner's Step Functions clients had no request timeout, so a silent endpoint held `lifeboat backup
 * --aws`, restore, drill and failover for ever; a timeout alone started a slow region's workflow once per attempt
 * (review r62P F1), and one failed poll ended the follow of a run that may last hours (F2). A fake Step Functions here
 * keeps executions by name as AWS does for a STANDARD state machine: a start that repeats a running execution's name
 * and input gets that execution, one that repeats an ended one's (or another input) ExecutionAlreadyExists.
 */
const environment = findEnvironment(loadLifeboatConfig(SAMPLE_CONFIG_FILE), 'dev');
const STATE_MACHINE = `arn:aws:states:${environment.primaryRegion}:${environment.account}:stateMachine:lifeboat-dev-backup`;

type Execution = { input: string; status: 'RUNNING' | 'SUCCEEDED' };
const timeout = () => Object.assign(new Error('a request has exceeded the configured requestTimeout'), { name: 'TimeoutError' });
const unavailable = () => Object.assign(new Error('Service Unavailable'), { name: 'ServiceUnavailable', $fault: 'server', $metadata: { httpStatusCode: 503 } });
const never = () => new Promise<never>(() => undefined);

function fakeStepFunctions() {
  const client = new SFNClient({ region: environment.primaryRegion });
  const mock = mockClient(client);
  const executions = new Map<string, Execution>();
  const arnOf = (name: string) => `${STATE_MACHINE.replace(':stateMachine:', ':execution:')}:${name}`;
  /** What AWS does with a StartExecution (a STANDARD state machine); `late` loses its answer (the client times out after AWS started it). */
  const start = (asked: { name?: string; input?: string }, late: boolean) => {
    const name = asked.name ?? `unnamed-${executions.size + 1}`;
    const existing = executions.get(name);
    if (existing && (existing.status !== 'RUNNING' || existing.input !== asked.input)) throw new ExecutionAlreadyExists({ message: `Execution Already Exists: '${arnOf(name)}'`, $metadata: {} });
    if (!existing) executions.set(name, { input: asked.input ?? '{}', status: 'RUNNING' });
    if (late) throw timeout();
    return { executionArn: arnOf(name), startDate: new Date(0) };
  };
  mock.on(GetExecutionHistoryCommand).resolves({ events: [] });
  mock.on(DescribeExecutionCommand).callsFake((asked: { executionArn: string }) => {
    const execution = executions.get(asked.executionArn.split(':').pop() ?? '');
    if (!execution) throw Object.assign(new Error('Execution Does Not Exist'), { name: 'ExecutionDoesNotExist', $metadata: { httpStatusCode: 400 } });
    const answer = { executionArn: asked.executionArn, status: execution.status, input: execution.input, output: '{"done":true}', stateMachineArn: STATE_MACHINE, startDate: new Date(0) };
    // A running execution ends before the next poll.
    execution.status = 'SUCCEEDED';
    return answer;
  });
  return { client, mock, executions, start, arnOf };
}

/** A clock that only the runner's waits move: no test here depends on real time passing. */
function fakeClock() {
  const clock = { ms: 0, now: () => clock.ms, wait: (ms: number) => ((clock.ms += ms), Promise.resolve()) };
  return clock;
}

const quietOutput = () => new ClosedOutputGuard(() => undefined);

describe('an --aws run whose Step Functions endpoint does not answer', () => {
  it('fails its start naming the state machine, says the workflow may or may not have started and how to look for it', async () => {
    const { client, mock } = fakeStepFunctions();
    mock.on(StartExecutionCommand).callsFake(never);
    mock.on(DescribeExecutionCommand).callsFake(never);
    const clock = fakeClock();
    const run = awsWorkflowRunner({ environment, client, pollMs: 1, callDeadlineMs: 1, now: clock.now, wait: clock.wait, output: quietOutput() }).run('backup', {}, () => undefined);
    await expect(run).rejects.toBeInstanceOf(WorkflowStartUnansweredError);
    const [name] = mock.commandCalls(StartExecutionCommand).map((c) => c.args[0].input.name);
    await expect(run).rejects.toThrow(`StartExecution of state machine ${STATE_MACHINE} had no answer after 3 attempts`);
    await expect(run).rejects.toThrow(
      // describe-execution, which the operator persona may call; list-executions needs states:ListExecutions (review r63F F2).
      `so the workflow may or may not have started. Look for its execution ${name} with \`aws stepfunctions describe-execution --region ${environment.primaryRegion} --execution-arn ` +
        `${STATE_MACHINE.replace(':stateMachine:', ':execution:')}:${name}\` before running the command again (ExecutionDoesNotExist there: it has not started so far).`,
    );
  }, 10_000);

  it('stops following an execution whose polls have no answer for the bound, naming its ARN and the describe and stop commands', async () => {
    const { client, mock, start, arnOf } = fakeStepFunctions();
    mock.on(StartExecutionCommand).callsFake((asked: { name?: string; input?: string }) => start(asked, false));
    mock.on(DescribeExecutionCommand).callsFake(never);
    const clock = fakeClock();
    const run = awsWorkflowRunner({ environment, client, pollMs: 1, callDeadlineMs: 1, pollGiveUpMs: 10 * 60_000, now: clock.now, wait: clock.wait, output: quietOutput() }).run('backup', {}, () => undefined);
    await expect(run).rejects.toBeInstanceOf(FollowingGaveUpError);
    const arn = arnOf(mock.commandCalls(StartExecutionCommand)[0]?.args[0].input.name ?? '');
    await expect(run).rejects.toThrow(`The CLI gave up following execution ${arn} after 10 minutes in which every poll failed (the last: CallDeadlineError: DescribeExecution had no answer within 1 ms)`);
    await expect(run).rejects.toThrow(`Follow it with \`aws stepfunctions describe-execution --region ${environment.primaryRegion} --execution-arn ${arn}\`, or stop it with \`aws stepfunctions stop-execution --region ${environment.primaryRegion} --execution-arn ${arn}\`.`);
    expect(clock.ms).toBeGreaterThanOrEqual(10 * 60_000);
  }, 10_000);
});

describe('an --aws run whose start is answered late', () => {
  it('starts one execution when the first attempt timed out after AWS had started it, and follows that one', async () => {
    const { client, mock, executions, start, arnOf } = fakeStepFunctions();
    let attempts = 0;
    mock.on(StartExecutionCommand).callsFake((asked: { name?: string; input?: string }) => start(asked, ++attempts === 1));
    const outcome = await awsWorkflowRunner({ environment, client, pollMs: 1, wait: fakeClock().wait, output: quietOutput() }).run('backup', { plan: 'p' }, () => undefined);
    const names = mock.commandCalls(StartExecutionCommand).map((c) => c.args[0].input.name);
    expect({ attempts, names: new Set(names).size, executions: executions.size }).toEqual({ attempts: 2, names: 1, executions: 1 });
    expect(names[0]).toMatch(/^lifeboat-backup-\d{8}T\d{6}Z-[0-9a-f]{12}$/);
    expect(outcome).toEqual({ executionId: arnOf(names[0] ?? ''), status: 'SUCCEEDED', output: { done: true } });
  });

  it('follows the execution of its name when a retry gets ExecutionAlreadyExists and that execution has this command\'s input', async () => {
    const { client, mock, executions, start, arnOf } = fakeStepFunctions();
    let attempts = 0;
    mock.on(StartExecutionCommand).callsFake((asked: { name?: string; input?: string }) => {
      attempts += 1;
      if (attempts > 1) return start(asked, false);
      // The first attempt's execution ran and ended before the retry came.
      executions.set(asked.name ?? '', { input: asked.input ?? '', status: 'SUCCEEDED' });
      throw timeout();
    });
    const outcome = await awsWorkflowRunner({ environment, client, pollMs: 1, wait: fakeClock().wait, output: quietOutput() }).run('backup', { plan: 'p' }, () => undefined);
    const [name] = executions.keys();
    expect(outcome).toEqual({ executionId: arnOf(name ?? ''), status: 'SUCCEEDED', output: { done: true } });
    expect(executions.size).toBe(1);
  });

  it('refuses to follow an execution of its name with another input, naming it', async () => {
    const { client, mock, executions, arnOf, start } = fakeStepFunctions();
    let attempts = 0;
    mock.on(StartExecutionCommand).callsFake((asked: { name?: string; input?: string }) => {
      attempts += 1;
      if (attempts > 1) return start(asked, false);
      executions.set(asked.name ?? '', { input: '{"plan":"someone else\'s"}', status: 'RUNNING' });
      throw timeout();
    });
    const run = awsWorkflowRunner({ environment, client, pollMs: 1, wait: fakeClock().wait, output: quietOutput() }).run('backup', { plan: 'p' }, () => undefined);
    await expect(run).rejects.toBeInstanceOf(ExecutionNameTakenError);
    const [name] = executions.keys();
    await expect(run).rejects.toThrow(`Execution ${arnOf(name ?? '')} already exists with another input than this command's, so it is not this command's run and the CLI does not follow it.`);
    expect(mock.commandCalls(GetExecutionHistoryCommand)).toHaveLength(0);
  });
});

describe('an --aws run whose polls fail for a while', () => {
  it('polls again with backoff and reports the outcome once a poll answers', async () => {
    const { client, mock, executions, start, arnOf } = fakeStepFunctions();
    mock.on(StartExecutionCommand).callsFake((asked: { name?: string; input?: string }) => start(asked, false));
    let polls = 0;
    mock.on(DescribeExecutionCommand).callsFake((asked: { executionArn: string }) => {
      polls += 1;
      if (polls === 1) throw timeout();
      if (polls === 2) throw unavailable();
      return { executionArn: asked.executionArn, status: 'SUCCEEDED', output: '{"done":true}', stateMachineArn: STATE_MACHINE, startDate: new Date(0) };
    });
    const clock = fakeClock();
    const outcome = await awsWorkflowRunner({ environment, client, pollMs: 1, now: clock.now, wait: clock.wait, output: quietOutput() }).run('backup', {}, () => undefined);
    const [name] = executions.keys();
    expect({ outcome, polls }).toEqual({ outcome: { executionId: arnOf(name ?? ''), status: 'SUCCEEDED', output: { done: true } }, polls: 3 });
  });

  it('gives up after the bound of polls failing in a row, with the execution\'s ARN', async () => {
    const { client, mock, start, arnOf } = fakeStepFunctions();
    mock.on(StartExecutionCommand).callsFake((asked: { name?: string; input?: string }) => start(asked, false));
    mock.on(DescribeExecutionCommand).callsFake(() => Promise.reject(unavailable()));
    const clock = fakeClock();
    const run = awsWorkflowRunner({ environment, client, pollMs: 1, now: clock.now, wait: clock.wait, output: quietOutput() }).run('backup', {}, () => undefined);
    await expect(run).rejects.toBeInstanceOf(FollowingGaveUpError);
    const arn = arnOf(mock.commandCalls(StartExecutionCommand)[0]?.args[0].input.name ?? '');
    await expect(run).rejects.toThrow(`The CLI gave up following execution ${arn} after 10 minutes in which every poll failed (the last: ServiceUnavailable: Service Unavailable); it goes on in AWS.`);
    expect(clock.ms).toBeGreaterThanOrEqual(10 * 60_000);
  });

  it('ends at once on an answer that stays (access denied): that is no outage to wait out', async () => {
    const { client, mock, start } = fakeStepFunctions();
    mock.on(StartExecutionCommand).callsFake((asked: { name?: string; input?: string }) => start(asked, false));
    mock.on(DescribeExecutionCommand).rejects(Object.assign(new Error('not authorized to perform: states:DescribeExecution'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } }));
    const run = awsWorkflowRunner({ environment, client, pollMs: 1, wait: fakeClock().wait, output: quietOutput() }).run('backup', {}, () => undefined);
    await expect(run).rejects.toThrow('not authorized to perform: states:DescribeExecution');
    expect(mock.commandCalls(DescribeExecutionCommand)).toHaveLength(1);
  });
});

/**
 * Review r63F F3: after the start, a poll answered with a failure that stays (an expired token or SSO session, access
 * denied, unknown credentials) ended the command with the SDK's words only, never the execution's ARN, though the
 * workflow runs on for up to 24–72 h; and an SSO portal's silence, which may pass, ended it as well.
 */
describe('an --aws run whose polls are refused after the start', () => {
  const expiredToken = () => Object.assign(new Error('The security token included in the request is expired'), { name: 'ExpiredTokenException', $fault: 'client', $metadata: { httpStatusCode: 400 } });

  it.each([
    ['an expired token', expiredToken, 'ExpiredTokenException: The security token included in the request is expired'],
    // As the SDK throws AWS's answers: with the `$response` it read (review r63Z F1: read as a page it could not read,
    // such a refusal was polled for 10 minutes).
    ['an expired token as the SDK throws it', () => Object.assign(expiredToken(), { $response: { statusCode: 400, headers: {} } }), 'ExpiredTokenException: The security token included in the request is expired'],
    ['unknown credentials', () => Object.assign(new Error('The security token included in the request is invalid.'), { name: 'UnrecognizedClientException', $metadata: { httpStatusCode: 400 } }), 'UnrecognizedClientException: The security token included in the request is invalid.'],
    ['an expired SSO session', () => Object.assign(new Error('The SSO session associated with this profile has expired or is otherwise invalid.'), { name: 'CredentialsProviderError' }), 'CredentialsProviderError: The SSO session associated with this profile has expired or is otherwise invalid.'],
  ])('fails on %s naming the execution, its region and the describe and stop lines', async (_, refusal, words) => {
    const { client, mock, start, arnOf } = fakeStepFunctions();
    mock.on(StartExecutionCommand).callsFake((asked: { name?: string; input?: string }) => start(asked, false));
    mock.on(DescribeExecutionCommand).callsFake(() => Promise.reject(refusal()));
    // The clock's `now` too, so that a refusal read as passing ends in FollowingGaveUpError, not a loop on real time.
    const clock = fakeClock();
    const run = awsWorkflowRunner({ environment, client, pollMs: 1, now: clock.now, wait: clock.wait, output: quietOutput() }).run('backup', {}, () => undefined);
    await expect(run).rejects.toBeInstanceOf(FollowingFailedError);
    const arn = arnOf(mock.commandCalls(StartExecutionCommand)[0]?.args[0].input.name ?? '');
    const region = environment.primaryRegion;
    await expect(run).rejects.toThrow(
      `The CLI stopped following execution ${arn}: a poll failed with an answer that stays (${words}); it goes on in AWS. With credentials that may (renewed ones, if these expired): ` +
        `Follow it with \`aws stepfunctions describe-execution --region ${region} --execution-arn ${arn}\`, or stop it with \`aws stepfunctions stop-execution --region ${region} --execution-arn ${arn}\`.`,
    );
    expect(mock.commandCalls(DescribeExecutionCommand)).toHaveLength(1);
  });

  /**
   * Review r63Q F3: every poll failure that may not pass read as "an answer that stays" with renewed-credentials advice:
   * a TypeError of the CLI's own, and a proxy's HTML page the SDK could not deserialize, ended the follow so.
   */
  it('words a failure of the CLI\'s own as a poll it could not read, without credentials advice', async () => {
    const { client, mock, start, arnOf } = fakeStepFunctions();
    mock.on(StartExecutionCommand).callsFake((asked: { name?: string; input?: string }) => start(asked, false));
    mock.on(DescribeExecutionCommand).callsFake(() => Promise.reject(new TypeError("Cannot read properties of undefined (reading 'status')")));
    const run = awsWorkflowRunner({ environment, client, pollMs: 1, wait: fakeClock().wait, output: quietOutput() }).run('backup', {}, () => undefined);
    await expect(run).rejects.toBeInstanceOf(FollowingFailedError);
    const arn = arnOf(mock.commandCalls(StartExecutionCommand)[0]?.args[0].input.name ?? '');
    const region = environment.primaryRegion;
    await expect(run).rejects.toThrow(
      `The CLI stopped following execution ${arn}: the CLI could not read the poll (TypeError: Cannot read properties of undefined (reading 'status')); it goes on in AWS. ` +
        `Follow it with \`aws stepfunctions describe-execution --region ${region} --execution-arn ${arn}\`, or stop it with \`aws stepfunctions stop-execution --region ${region} --execution-arn ${arn}\`.`,
    );
    await expect(run).rejects.not.toThrow('credentials');
  });

  // Review r63AC F1: a proxy's 403 or 407 page (the SDK's SyntaxError, with $response and the page's status, no $fault)
  // ended the follow as an answer that stays.
  it.each([200, 403, 407])('polls again through a page the SDK could not deserialize (a proxy\'s, HTTP %i), and reports the outcome once Step Functions answers', async (statusCode) => {
    const { client, mock, executions, start, arnOf } = fakeStepFunctions();
    mock.on(StartExecutionCommand).callsFake((asked: { name?: string; input?: string }) => start(asked, false));
    let polls = 0;
    mock.on(DescribeExecutionCommand).callsFake((asked: { executionArn: string }) => {
      polls += 1;
      if (polls === 1) {
        throw Object.assign(new SyntaxError("Unexpected token '<', \"<html><bod\"... is not valid JSON"), {
          $response: { statusCode, headers: { 'content-type': 'text/html' } },
          $responseBodyText: '<html><body>Sign in to the guest network</body></html>',
          $metadata: { httpStatusCode: statusCode },
        });
      }
      return { executionArn: asked.executionArn, status: 'SUCCEEDED', output: '{"done":true}', stateMachineArn: STATE_MACHINE, startDate: new Date(0) };
    });
    const clock = fakeClock();
    const outcome = await awsWorkflowRunner({ environment, client, pollMs: 1, now: clock.now, wait: clock.wait, output: quietOutput() }).run('backup', {}, () => undefined);
    const [name] = executions.keys();
    expect({ outcome, polls }).toEqual({ outcome: { executionId: arnOf(name ?? ''), status: 'SUCCEEDED', output: { done: true } }, polls: 2 });
  });

  // f65F: a proxy's 403 or 404 page on every poll was polled for the 10 minutes of the give-up bound.
  it.each([403, 404])('stops following after 3 polls in a row answered with a proxy\'s HTTP %i page, naming the execution and how to follow it', async (statusCode) => {
    const { client, mock, start, arnOf } = fakeStepFunctions();
    mock.on(StartExecutionCommand).callsFake((asked: { name?: string; input?: string }) => start(asked, false));
    let polls = 0;
    mock.on(DescribeExecutionCommand).callsFake(() => {
      polls += 1;
      throw Object.assign(new SyntaxError("Unexpected token '<', \"<html><bod\"... is not valid JSON"), {
        $response: { statusCode, headers: { 'content-type': 'text/html' } },
        $metadata: { httpStatusCode: statusCode },
      });
    });
    const clock = fakeClock();
    const run = awsWorkflowRunner({ environment, client, pollMs: 1, now: clock.now, wait: clock.wait, output: quietOutput() }).run('backup', {}, () => undefined);
    await expect(run).rejects.toBeInstanceOf(FollowingFailedError);
    const arn = arnOf(mock.commandCalls(StartExecutionCommand)[0]?.args[0].input.name ?? '');
    await expect(run).rejects.toThrow(
      `The CLI stopped following execution ${arn}: 3 polls in a row were answered with a page the CLI could not read (HTTP ${statusCode}, text/html), not Step Functions' — a proxy or firewall in between refuses them; it goes on in AWS. ` +
        `Through a network that reaches Step Functions: Follow it with \`aws stepfunctions describe-execution --region ${environment.primaryRegion} --execution-arn ${arn}\``,
    );
    expect(polls).toBe(3);
    expect(clock.ms).toBeLessThan(60_000);
  });

  // f65F: a proxy's 403 with an empty or JSON body reaches the SDK as `Unknown: UnknownError` ($fault, no request ID): it
  // ended the follow at once as an answer that stays, with renewed-credentials advice.
  it('takes a 403 the SDK names by its fallback (no AWS error name, no request ID) as a proxy\'s page: stops after 3 in a row', async () => {
    const { client, mock, start } = fakeStepFunctions();
    mock.on(StartExecutionCommand).callsFake((asked: { name?: string; input?: string }) => start(asked, false));
    let polls = 0;
    mock.on(DescribeExecutionCommand).callsFake(() => {
      polls += 1;
      throw Object.assign(new Error('UnknownError'), { name: 'Unknown', $fault: 'client', $metadata: { httpStatusCode: 403 } });
    });
    const clock = fakeClock();
    const run = awsWorkflowRunner({ environment, client, pollMs: 1, now: clock.now, wait: clock.wait, output: quietOutput() }).run('backup', {}, () => undefined);
    await expect(run).rejects.toThrow('3 polls in a row were answered with a page without AWS\'s request ID (HTTP 403, no content type), not Step Functions\' — a proxy or firewall in between refuses them');
    expect(polls).toBe(3);
  });

  it('keeps polling through a proxy\'s HTTP 429 page (throttling passes) until the give-up bound', async () => {
    const { client, mock, start } = fakeStepFunctions();
    mock.on(StartExecutionCommand).callsFake((asked: { name?: string; input?: string }) => start(asked, false));
    mock.on(DescribeExecutionCommand).callsFake(() => {
      throw Object.assign(new SyntaxError('Unexpected token'), { $response: { statusCode: 429, headers: { 'content-type': 'text/html' } }, $metadata: { httpStatusCode: 429 } });
    });
    const clock = fakeClock();
    const run = awsWorkflowRunner({ environment, client, pollMs: 1, now: clock.now, wait: clock.wait, output: quietOutput() }).run('backup', {}, () => undefined);
    await expect(run).rejects.toBeInstanceOf(FollowingGaveUpError);
    expect(clock.ms).toBeGreaterThanOrEqual(10 * 60_000);
  });

  it('polls again through an SSO portal that does not answer, and reports the outcome once it does', async () => {
    const { client, mock, executions, start, arnOf } = fakeStepFunctions();
    mock.on(StartExecutionCommand).callsFake((asked: { name?: string; input?: string }) => start(asked, false));
    let polls = 0;
    mock.on(DescribeExecutionCommand).callsFake((asked: { executionArn: string }) => {
      polls += 1;
      if (polls === 1) throw Object.assign(new Error('TimeoutError: socket hang up (the SSO portal)'), { name: 'CredentialsProviderError' });
      if (polls === 2) throw new CredentialsUnansweredError('the credentials of profile ops could not be had, their provider did not answer (TimeoutError)');
      return { executionArn: asked.executionArn, status: 'SUCCEEDED', output: '{"done":true}', stateMachineArn: STATE_MACHINE, startDate: new Date(0) };
    });
    const clock = fakeClock();
    const outcome = await awsWorkflowRunner({ environment, client, pollMs: 1, now: clock.now, wait: clock.wait, output: quietOutput() }).run('backup', {}, () => undefined);
    const [name] = executions.keys();
    expect({ outcome, polls }).toEqual({ outcome: { executionId: arnOf(name ?? ''), status: 'SUCCEEDED', output: { done: true } }, polls: 3 });
  });

  it('names the execution on stderr as soon as it has started, before any poll, so that a Ctrl-C leaves it on screen', async () => {
    const { client, mock, start, arnOf } = fakeStepFunctions();
    mock.on(StartExecutionCommand).callsFake((asked: { name?: string; input?: string }) => start(asked, false));
    const written: string[] = [];
    const line = progressLine({ isTTY: true, write: (s) => written.push(s) > 0 }, 'backup demo');
    let pollsAtFirstProgress: number | undefined;
    await awsWorkflowRunner({ environment, client, pollMs: 1, wait: fakeClock().wait, output: quietOutput() }).run('backup', {}, (p) => {
      pollsAtFirstProgress ??= mock.commandCalls(DescribeExecutionCommand).length;
      line.update(p);
    });
    const arn = arnOf(mock.commandCalls(StartExecutionCommand)[0]?.args[0].input.name ?? '');
    expect(pollsAtFirstProgress).toBe(0);
    const told = written.filter((s) => s.includes(arn));
    expect(told).toEqual([`backup demo: starting execution ${arn} …\n`, `backup demo: execution ${arn} (it runs in AWS: a Ctrl-C stops only this command's following)\n`]);
  });

  /**
   * Review r63Q F2: the ARN was said only once StartExecution answered, up to minutes with its attempts and deadlines; a
   * Ctrl-C meanwhile left no name, and the operator's policy has no states:ListExecutions to find it by.
   */
  it('says the ARN the start will have before its first attempt, once, even when the start never answers', async () => {
    const { client, mock } = fakeStepFunctions();
    mock.on(StartExecutionCommand).callsFake(() => Promise.reject(timeout()));
    mock.on(DescribeExecutionCommand).callsFake(() => Promise.reject(timeout()));
    const written: string[] = [];
    const line = progressLine({ isTTY: false, write: (s) => written.push(s) > 0 }, 'restore');
    let attemptsAtFirstProgress: number | undefined;
    const run = awsWorkflowRunner({ environment, client, pollMs: 1, wait: fakeClock().wait, output: quietOutput() }).run('backup', {}, (p) => {
      attemptsAtFirstProgress ??= mock.commandCalls(StartExecutionCommand).length;
      line.update(p);
    });
    await expect(run).rejects.toBeInstanceOf(WorkflowStartUnansweredError);
    const name = mock.commandCalls(StartExecutionCommand)[0]?.args[0].input.name ?? '';
    expect(attemptsAtFirstProgress).toBe(0);
    expect(written).toEqual([`restore: starting execution ${STATE_MACHINE.replace(':stateMachine:', ':execution:')}:${name} …\n`]);
  });
});

/**
 * Review r63F F5: after a start without answer, an attempt answered with a failure that stays (ExecutionLimitExceeded)
 * ended the start unlooked-for, though the first attempt may have started the workflow, and said it "had no answer after
 * 2 attempts"; and a look-up answered ExecutionDoesNotExist (not started) read as "may or may not have started".
 */
describe('an --aws run whose start had no answer, then an answer that stays', () => {
  const limitExceeded = () => Object.assign(new Error('Maximum number of running executions reached'), { name: 'ExecutionLimitExceeded', $metadata: { httpStatusCode: 400 } });

  it('follows the execution the attempt without answer started, found by its name', async () => {
    const { client, mock, executions, start, arnOf } = fakeStepFunctions();
    let attempts = 0;
    mock.on(StartExecutionCommand).callsFake((asked: { name?: string; input?: string }) => (++attempts === 1 ? start(asked, true) : Promise.reject(limitExceeded())));
    const outcome = await awsWorkflowRunner({ environment, client, pollMs: 1, wait: fakeClock().wait, output: quietOutput() }).run('backup', { plan: 'p' }, () => undefined);
    const [name] = executions.keys();
    expect({ attempts, executions: executions.size }).toEqual({ attempts: 2, executions: 1 });
    expect(outcome).toEqual({ executionId: arnOf(name ?? ''), status: 'SUCCEEDED', output: { done: true } });
  });

  it('says the execution was not found so far when Step Functions has no execution of its name and a last start under it fails, and what the attempts answered', async () => {
    const { client, mock, executions, arnOf } = fakeStepFunctions();
    let attempts = 0;
    mock.on(StartExecutionCommand).callsFake(() => Promise.reject(++attempts === 1 ? timeout() : limitExceeded()));
    const run = awsWorkflowRunner({ environment, client, pollMs: 1, wait: fakeClock().wait, output: quietOutput() }).run('backup', { plan: 'p' }, () => undefined);
    await expect(run).rejects.toBeInstanceOf(WorkflowStartFoundNoneError);
    const name = mock.commandCalls(StartExecutionCommand)[0]?.args[0].input.name ?? '';
    await expect(run).rejects.toThrow(
      `StartExecution of state machine ${STATE_MACHINE} had no answer after 1 attempt (the last: TimeoutError: a request has exceeded the configured requestTimeout), ` +
        'and the last attempt answered ExecutionLimitExceeded: Maximum number of running executions reached; ' +
        `Step Functions had no execution ${name} when looked up (DescribeExecution answered ExecutionDoesNotExist, which may lag a start), ` +
        'and a last start under that name answered ExecutionLimitExceeded: Maximum number of running executions reached, so the execution was not found so far. ' +
        `Describe it again in a minute with \`aws stepfunctions describe-execution --region ${environment.primaryRegion} --execution-arn ${arnOf(name)}\` ` +
        'before running the command again (ExecutionDoesNotExist then: it was not started).',
    );
    const names = new Set(mock.commandCalls(StartExecutionCommand).map((c) => c.args[0].input.name));
    expect({ attempts, names: names.size, lookups: mock.commandCalls(DescribeExecutionCommand).length, executions: executions.size }).toEqual({ attempts: 3, names: 1, lookups: 1, executions: 0 });
  });

  it('does not say the workflow was not started when no attempt had an answer and the look-up finds no execution of its name', async () => {
    const { client, mock } = fakeStepFunctions();
    mock.on(StartExecutionCommand).callsFake(() => Promise.reject(timeout()));
    const run = awsWorkflowRunner({ environment, client, pollMs: 1, wait: fakeClock().wait, output: quietOutput() }).run('backup', {}, () => undefined);
    await expect(run).rejects.toBeInstanceOf(WorkflowStartFoundNoneError);
    await expect(run).rejects.toThrow('had no answer after 3 attempts (the last: TimeoutError: a request has exceeded the configured requestTimeout); Step Functions had no execution');
    await expect(run).rejects.toThrow('so the execution was not found so far. Describe it again in a minute');
    await expect(run).rejects.not.toThrow('was not started. Run the command again');
  });

  /**
   * Review r63Q F1: DescribeExecution is eventually consistent, and an attempt that timed out may still be queued: one
   * look-up's ExecutionDoesNotExist was taken for "not started. Run the command again (it takes a new execution name)",
   * and the command run again made a second execution. The start under the same name, sent once more after a pause,
   * is answered with the late attempt's execution: the command follows it, and AWS holds one.
   */
  it('follows the execution a late attempt started though the look-up did not see it yet: one execution', async () => {
    const { client, mock, executions, arnOf } = fakeStepFunctions();
    const queued: { name?: string; input?: string }[] = [];
    mock.on(StartExecutionCommand).callsFake((asked: { name?: string; input?: string }) => {
      // Every attempt times out; Step Functions commits the first only after the CLI's look-up.
      if (mock.commandCalls(DescribeExecutionCommand).length === 0) {
        queued.push(asked);
        return Promise.reject(timeout());
      }
      for (const late of queued.splice(0)) if (!executions.has(late.name ?? '')) executions.set(late.name ?? '', { input: late.input ?? '{}', status: 'RUNNING' });
      return { executionArn: arnOf(asked.name ?? ''), startDate: new Date(0) };
    });
    const outcome = await awsWorkflowRunner({ environment, client, pollMs: 1, wait: fakeClock().wait, output: quietOutput() }).run('backup', { plan: 'p' }, () => undefined);
    const [name] = executions.keys();
    expect(executions.size).toBe(1);
    expect(outcome).toEqual({ executionId: arnOf(name ?? ''), status: 'SUCCEEDED', output: { done: true } });
  });
});
