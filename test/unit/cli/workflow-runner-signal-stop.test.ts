import { EventEmitter } from 'node:events';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { ClosedOutputGuard } from '../../../cli/closed-output';
import { backupCommand } from '../../../cli/commands/backup-commands';
import { type FollowingSignal, FollowingSignalGuard } from '../../../cli/following-signals';
import { DUPLICATE_SIGNAL_MS } from '../../../cli/stop-on-signals';
import { awsWorkflowRunner, StoppedFollowingError } from '../../../cli/workflow-runner';
import { findEnvironment, loadLifeboatConfig } from '../../../config/load-config';
import { capturedCliDeps } from '../../support/captured-cli-io';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';

/**
 * Review r64D F2: the AWS runner had no SIGINT or SIGTERM listener, so a Ctrl-C (or `timeout`'s TERM) during the follow
 * ended the process at once, exit 130 or 143 with `--json`'s stdout empty: a script had no ARN of the execution, which
 * goes on in AWS. The first signal now stops the following as a closed output does (StoppedFollowingError: the command
 * writes its UNKNOWN object), the process keeps the signal's exit code, and a second signal ends it at once.
 */
const environment = findEnvironment(loadLifeboatConfig(SAMPLE_CONFIG_FILE), 'dev');
const REGION = environment.primaryRegion;
const STATE_MACHINE = `arn:aws:states:${REGION}:${environment.account}:stateMachine:lifeboat-dev-backup`;
const executionArnOf = (name: string) => `${STATE_MACHINE.replace(':stateMachine:', ':execution:')}:${name}`;

/**
 * Signals sent by the test, not the OS: what was written, and which signals ended the process (a second signal the
 * guard raised again, or one that found no listener: Node's default).
 */
function fakeSignals() {
  const emitter = new EventEmitter();
  const written: string[] = [];
  const killed: FollowingSignal[] = [];
  const clock = { ms: 0 };
  const timers: { at: number; then: () => void }[] = [];
  const guard = new FollowingSignalGuard({
    on: (signal, listener) => emitter.on(signal, listener),
    off: (signal, listener) => emitter.off(signal, listener),
    kill: (signal) => killed.push(signal),
    write: (line) => written.push(line),
    now: () => clock.ms,
    later: (ms, then) => timers.push({ at: clock.ms + ms, then }),
  });
  const send = (signal: FollowingSignal) => {
    if (!emitter.emit(signal, signal)) killed.push(signal);
  };
  const listening = () => emitter.listenerCount('SIGINT') + emitter.listenerCount('SIGTERM') + emitter.listenerCount('SIGHUP');
  /** The clock moved on by `ms`: the timers due by then have run. */
  const elapse = (ms: number) => {
    clock.ms += ms;
    for (const timer of timers.splice(0).filter((t) => (t.at <= clock.ms ? (t.then(), false) : true))) timers.push(timer);
  };
  /** What listens once a copy of the first signal can no longer come. */
  const listeningAfterCopies = () => (elapse(DUPLICATE_SIGNAL_MS), listening());
  return { guard, send, listening, listeningAfterCopies, elapse, written, killed, clock };
}

/** A Step Functions whose execution runs until the test's end; `inFlight`: its DescribeExecution never answers. */
function runningStepFunctions(options: { inFlight?: () => void; started?: () => void } = {}) {
  const client = new SFNClient({ region: REGION });
  const mock = mockClient(client);
  mock.on(StartExecutionCommand).callsFake((asked: { name: string }) => (options.started?.(), { executionArn: executionArnOf(asked.name), startDate: new Date(0) }));
  mock.on(GetExecutionHistoryCommand).resolves({ events: [] });
  mock.on(DescribeExecutionCommand).callsFake((asked: { executionArn: string }) => {
    if (options.inFlight) {
      options.inFlight();
      return new Promise<never>(() => undefined);
    }
    return { executionArn: asked.executionArn, status: 'RUNNING', stateMachineArn: STATE_MACHINE, startDate: new Date(0) };
  });
  return client;
}

const quietOutput = () => new ClosedOutputGuard(() => undefined);

/** The runner's wait between polls, during which the operator's signal comes (a turn of the event loop later). */
const signalledWait = (signals: ReturnType<typeof fakeSignals>, signal: FollowingSignal) => () =>
  new Promise<void>((resolve) => setImmediate(() => (signals.send(signal), resolve())));

describe('a Ctrl-C or SIGTERM while the CLI follows an execution in AWS', () => {
  // SIGHUP: an ssh session dropped (review r64M F3: it ended the process at once, --json empty).
  it.each(['SIGINT', 'SIGTERM', 'SIGHUP'] as const)('%s between polls stops the following with the execution named; the process keeps the signal code', async (signal) => {
    const signals = fakeSignals();
    const client = runningStepFunctions();
    let executionId: string | undefined;
    const run = awsWorkflowRunner({
      environment,
      client,
      output: quietOutput(),
      signals: signals.guard,
      now: () => 0,
      wait: signalledWait(signals, signal),
    }).run('backup', {}, (p) => (executionId = p.executionId));
    const stopped = await run.then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(stopped).toBeInstanceOf(StoppedFollowingError);
    const arn = executionId ?? '';
    expect(stopped).toMatchObject({ executionArn: arn, region: REGION, by: signal });
    expect((stopped as Error).message).toBe(
      `${signal}: the CLI stopped following execution ${arn}; it goes on in AWS. Follow it with \`aws stepfunctions describe-execution --region ${REGION} --execution-arn ${arn}\`, ` +
        `or stop it with \`aws stepfunctions stop-execution --region ${REGION} --execution-arn ${arn}\`.`,
    );
    expect(signals.written.join('')).toContain(`${signal}: the CLI stops following the execution, which goes on in AWS`);
    expect({ exit: signals.guard.exitCodeOverride(), killed: signals.killed, listening: signals.listeningAfterCopies() }).toEqual({ exit: { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 }[signal], killed: [], listening: 0 });
  });

  it('a poll in flight that never answers is left at once, not at its deadline', async () => {
    const signals = fakeSignals();
    const client = runningStepFunctions({ inFlight: () => setImmediate(() => signals.send('SIGINT')) });
    // A deadline no test waits out: the stop must end the poll.
    const run = awsWorkflowRunner({ environment, client, output: quietOutput(), signals: signals.guard, callDeadlineMs: 3_600_000, now: () => 0, wait: () => Promise.resolve() }).run('backup', {}, () => undefined);
    await expect(run).rejects.toMatchObject({ name: 'StoppedFollowingError', by: 'SIGINT', region: REGION });
  });

  it('with --json, the command writes the UNKNOWN object of the execution it stopped following', async () => {
    const signals = fakeSignals();
    const client = runningStepFunctions();
    const runner = awsWorkflowRunner({ environment, client, output: quietOutput(), signals: signals.guard, now: () => 0, wait: signalledWait(signals, 'SIGTERM') });
    const { out, err, deps } = capturedCliDeps();
    const code = await backupCommand({ config: SAMPLE_CONFIG_FILE, env: 'dev', dataDir: '.unused', aws: true, plan: 'demo', json: true }, { ...deps, runner });
    const json = out.map((line) => JSON.parse(line) as { executionId: string });
    expect({ code, json }).toEqual({ code: 5, json: [expect.objectContaining({ status: 'UNKNOWN', region: REGION, error: 'StoppedFollowingError' })] });
    expect(json[0]?.executionId).toMatch(/^arn:aws:states:.*:execution:lifeboat-dev-backup:/);
    expect(err.join('\n')).toContain(`SIGTERM: the CLI stopped following execution ${json[0]?.executionId ?? ''}`);
    // bin/lifeboat.ts exits with this over the command's 5.
    expect(signals.guard.exitCodeOverride()).toBe(143);
  });

  it('a second signal ends the process at once; the first delivered twice does not', () => {
    const signals = fakeSignals();
    const stops: FollowingSignal[] = [];
    const remove = signals.guard.stopOnSignals((signal) => (stops.push(signal), 'the test stops'));
    signals.send('SIGINT');
    signals.send('SIGINT'); // tsx relays the terminal's Ctrl-C: the same one
    expect({ stops, killed: signals.killed }).toEqual({ stops: ['SIGINT'], killed: [] });
    signals.clock.ms += 5_000;
    signals.send('SIGINT');
    expect({ stops, killed: signals.killed, listening: signals.listening() }).toEqual({ stops: ['SIGINT'], killed: ['SIGINT'], listening: 0 });
    // The line says when a second Ctrl-C counts, so "exits at once" is what the operator gets.
    expect(signals.written).toEqual(['\nSIGINT: the test stops; Ctrl-C again a second or more after this one exits at once\n']);
    remove();
  });

  it("during a FAILED run's failure report read, a signal stops the read: the FAILED outcome without its note, the command's own exit code (review r64M F1)", async () => {
    const signals = fakeSignals();
    const client = new SFNClient({ region: REGION });
    const mock = mockClient(client);
    mock.on(StartExecutionCommand).callsFake((asked: { name: string }) => ({ executionArn: executionArnOf(asked.name), startDate: new Date(0) }));
    mock.on(DescribeExecutionCommand).callsFake((asked: { executionArn: string }) => ({ executionArn: asked.executionArn, status: 'FAILED', error: 'States.TaskFailed', cause: 'boom', stateMachineArn: STATE_MACHINE, startDate: new Date(0) }));
    const reportEvent = { id: 9, type: 'PassStateEntered', timestamp: new Date(0), stateEnteredEventDetails: { name: 'Failure report', input: '{"note":"x"}' } };
    mock.on(GetExecutionHistoryCommand).callsFake((asked: { reverseOrder?: boolean }) => {
      if (asked.reverseOrder !== true) return { events: [] };
      // The report's read (newest first): the operator's Ctrl-C comes while it is in flight; its answer comes after.
      return new Promise((resolve) => setImmediate(() => (signals.send('SIGINT'), setImmediate(() => resolve({ events: [reportEvent] })))));
    });
    const outcome = await awsWorkflowRunner({ environment, client, output: quietOutput(), signals: signals.guard, now: () => 0, wait: () => Promise.resolve() }).run('backup', {}, () => undefined);
    expect(outcome).toMatchObject({ status: 'FAILED', error: 'States.TaskFailed', cause: 'boom' });
    expect(outcome).not.toHaveProperty('failureReportInput');
    // Not 130: the command reports the FAILED outcome, and its exit code must say what its stdout says.
    expect({ exit: signals.guard.exitCodeOverride(), killed: signals.killed, listening: signals.listeningAfterCopies() }).toEqual({ exit: undefined, killed: [], listening: 0 });
    expect(signals.written.join('')).toContain('SIGINT: the execution ended FAILED; the CLI reports it without reading its failure report');
    expect(signals.written.join('')).not.toContain('goes on in AWS');
  });

  it("a signal during the start's attempts stops them: the UNKNOWN object names the ARN the run's name would have, exit 130 (review r64M F4)", async () => {
    const signals = fakeSignals();
    const client = new SFNClient({ region: REGION });
    const mock = mockClient(client);
    // The attempt never answers: the operator's Ctrl-C comes while it is in flight.
    mock.on(StartExecutionCommand).callsFake(() => (setImmediate(() => signals.send('SIGINT')), new Promise<never>(() => undefined)));
    const runner = awsWorkflowRunner({ environment, client, output: quietOutput(), signals: signals.guard, callDeadlineMs: 3_600_000, now: () => 0, wait: () => Promise.resolve() });
    const { out, err, deps } = capturedCliDeps();
    const code = await backupCommand({ config: SAMPLE_CONFIG_FILE, env: 'dev', dataDir: '.unused', aws: true, plan: 'demo', json: true }, { ...deps, runner });
    const json = out.map((line) => JSON.parse(line) as { executionId: string });
    const name = (mock.commandCalls(StartExecutionCommand)[0]?.args[0].input.name ?? '') as string;
    expect({ code, json, starts: mock.commandCalls(StartExecutionCommand).length }).toEqual({
      code: 5,
      json: [expect.objectContaining({ executionId: executionArnOf(name), status: 'UNKNOWN', region: REGION, error: 'WorkflowStartStoppedError' })],
      starts: 1,
    });
    expect(err.join('\n')).toContain(`SIGINT: the CLI stopped starting execution ${executionArnOf(name)} during its attempts, so the workflow may or may not have started.`);
    expect(signals.written.join('')).toContain('SIGINT: the CLI stops starting the execution, which may or may not have started in AWS');
    expect({ exit: signals.guard.exitCodeOverride(), killed: signals.killed, listening: signals.listeningAfterCopies() }).toEqual({ exit: 130, killed: [], listening: 0 });
  });

  it("the copy of the first Ctrl-C that npx's wrapper passes on after the run has returned is swallowed: the command keeps its own exit code (review r64AA F2)", async () => {
    const signals = fakeSignals();
    const client = new SFNClient({ region: REGION });
    const mock = mockClient(client);
    mock.on(StartExecutionCommand).callsFake((asked: { name: string }) => ({ executionArn: executionArnOf(asked.name), startDate: new Date(0) }));
    mock.on(DescribeExecutionCommand).callsFake((asked: { executionArn: string }) => ({ executionArn: asked.executionArn, status: 'FAILED', error: 'States.TaskFailed', cause: 'boom', stateMachineArn: STATE_MACHINE, startDate: new Date(0) }));
    mock.on(GetExecutionHistoryCommand).callsFake((asked: { reverseOrder?: boolean }) => (asked.reverseOrder === true ? new Promise((resolve) => setImmediate(() => (signals.send('SIGINT'), resolve({ events: [] })))) : { events: [] }));
    const outcome = await awsWorkflowRunner({ environment, client, output: quietOutput(), signals: signals.guard, now: () => 0, wait: () => Promise.resolve() }).run('backup', {}, () => undefined);
    expect(outcome).toMatchObject({ status: 'FAILED' });
    // The command now reads the catalog for its FAILED report; bin/lifeboat.cjs passes its SIGINT on 0.1 s after the terminal's.
    signals.elapse(100);
    signals.send('SIGINT');
    expect({ exit: signals.guard.exitCodeOverride(), killed: signals.killed, written: signals.written.length }).toEqual({ exit: undefined, killed: [], written: 1 });
    // Nothing listens once no copy can come: a Ctrl-C then ends the process, as Node's default does.
    expect(signals.listeningAfterCopies()).toBe(0);
    signals.send('SIGINT');
    expect(signals.killed).toEqual(['SIGINT']);
  });

  it('after the run, a signal other than the first, or the first once its copies cannot come, is not swallowed', () => {
    const signals = fakeSignals();
    const remove = signals.guard.stopOnSignals(() => 'the test stops');
    signals.send('SIGINT');
    remove();
    // SIGTERM is another signal: Node's default ends the process at once.
    signals.send('SIGTERM');
    // A timer late past the window: the SIGINT then is a new one, raised again for Node's default.
    signals.clock.ms += DUPLICATE_SIGNAL_MS;
    signals.send('SIGINT');
    expect({ killed: signals.killed, listening: signals.listening() }).toEqual({ killed: ['SIGTERM', 'SIGINT'], listening: 0 });
  });

  it('a listener while the start runs, and none after the run', async () => {
    const signals = fakeSignals();
    const during: number[] = [];
    const client = runningStepFunctions({ started: () => during.push(signals.listening()) });
    const run = awsWorkflowRunner({ environment, client, output: quietOutput(), signals: signals.guard, now: () => 0, wait: signalledWait(signals, 'SIGINT') }).run('backup', {}, () => undefined);
    await expect(run).rejects.toBeInstanceOf(StoppedFollowingError);
    expect({ during, after: signals.listeningAfterCopies(), exit: signals.guard.exitCodeOverride() }).toEqual({ during: [3], after: 0, exit: 130 });
  });
});

/**
 * Review r64AA F1: a signal while the start was between attempts (or in the late-start pause) let the waits resolve,
 * and the next attempt was sent all the same; the SDK's promise of that aborted send rejected ("Request aborted") with
 * no handler, which ended the process with exit 1 and a stack trace, not 130, after a StartExecution the operator had
 * stopped. The client here is the SDK's shape: its send rejects once its abort signal is (or was) aborted.
 */
describe('a signal between the start attempts', () => {
  function abortingClient(answer: (command: string) => Promise<unknown>) {
    const sent: string[] = [];
    const client = {
      send(command: { constructor: { name: string } }, options: { abortSignal: AbortSignal }): Promise<unknown> {
        const name = command.constructor.name.replace(/Command$/, '');
        sent.push(name);
        const aborted = (): Error => Object.assign(new Error('Request aborted'), { name: 'AbortError' });
        if (options.abortSignal.aborted) return Promise.reject(aborted());
        return new Promise((resolve, reject) => {
          options.abortSignal.addEventListener('abort', () => reject(aborted()), { once: true });
          answer(name).then(resolve, reject);
        });
      },
    };
    return { client: client as unknown as SFNClient, sent };
  }
  const throttled = (): Promise<never> => Promise.reject(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } }));
  const notFound = (): Promise<never> => Promise.reject(Object.assign(new Error('no such execution'), { name: 'ExecutionDoesNotExist', $metadata: { httpStatusCode: 400 } }));

  async function runStoppedIn(pauseMs: number, answer: (command: string) => Promise<unknown>, signal: FollowingSignal) {
    const signals = fakeSignals();
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const { client, sent } = abortingClient(answer);
      // The operator's signal comes during the pause of `pauseMs`, which it ends (as the runner's real wait does).
      const wait = (ms: number): Promise<void> => (ms === pauseMs ? (signals.send(signal), Promise.resolve()) : Promise.resolve());
      const runner = awsWorkflowRunner({ environment, client, output: quietOutput(), signals: signals.guard, callDeadlineMs: 3_600_000, now: () => 0, wait });
      const { out, deps } = capturedCliDeps();
      const code = await backupCommand({ config: SAMPLE_CONFIG_FILE, env: 'dev', dataDir: '.unused', aws: true, plan: 'demo', json: true }, { ...deps, runner });
      // An unheard rejection is reported a turn or two of the event loop later.
      await new Promise<void>((resolve) => setImmediate(() => setImmediate(resolve)));
      const json = out.map((line) => JSON.parse(line) as { status: string; error: string });
      return { code, json: json.map(({ status, error }) => ({ status, error })), sent, unhandled, exit: signals.guard.exitCodeOverride(), listening: signals.listeningAfterCopies() };
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  }

  it('SIGINT in the pause after a throttled first attempt: no attempt after it, no unhandled rejection, exit 130', async () => {
    const result = await runStoppedIn(1_000, () => throttled(), 'SIGINT');
    expect(result).toEqual({ code: 5, json: [{ status: 'UNKNOWN', error: 'WorkflowStartStoppedError' }], sent: ['StartExecution'], unhandled: [], exit: 130, listening: 0 });
  });

  it('SIGTERM in the late-start pause after a lookup found nothing: the start is not sent once more, exit 143', async () => {
    const result = await runStoppedIn(10_000, (command) => (command === 'DescribeExecution' ? notFound() : throttled()), 'SIGTERM');
    expect(result).toEqual({
      code: 5,
      json: [{ status: 'UNKNOWN', error: 'WorkflowStartStoppedError' }],
      sent: ['StartExecution', 'StartExecution', 'StartExecution', 'DescribeExecution'],
      unhandled: [],
      exit: 143,
      listening: 0,
    });
  });
});
