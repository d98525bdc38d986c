import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { loggedStateMachine } from '../../../../lib/constructs/logged-state-machine';
import { type CfnTemplate, type SynthesizedStack } from '../../../../local/assembly/synthesized-stack';
import { runLocalExecution } from '../../../../local/executor/run-local-execution';

/**
 * The input guard every runbook starts with, on the local executor: whatever is no JSON object ends
 * in InvalidInputError with its cause before any step runs, and an object reaches the first step as
 * it came. The first step here merges a result into its input (`ResultPath: "$.firstStep"`), as the
 * runbooks' Catch does with `$.error`: a non-object that got that far failed with
 * States.ResultPathMatchFailure, which is what `[]` did before the guard read the input as JSON text.
 */
const STATE_MACHINE = 'lifeboat-test-object-input';

let dir: string;
let stack: SynthesizedStack;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'lifeboat-object-input-'));
  const app = new App({ outdir: path.join(dir, 'cdk.out'), builtinCloudFormationValidation: false });
  const cdkStack = new Stack(app, 'ObjectInput', { env: { account: '000000000000', region: 'us-east-1' } });
  const firstStep = new sfn.Pass(cdkStack, 'First step', { result: sfn.Result.fromObject({ ran: true }), resultPath: '$.firstStep' });
  loggedStateMachine(cdkStack, { stateMachineName: STATE_MACHINE, definition: firstStep, timeout: Duration.minutes(1) });
  const assembly = app.synth();
  stack = {
    stackName: cdkStack.stackName,
    role: 'primary',
    account: '000000000000',
    region: 'us-east-1',
    template: JSON.parse(readFileSync(path.join(assembly.directory, cdkStack.templateFile), 'utf8')) as CfnTemplate,
    assemblyDir: path.resolve(assembly.directory),
  };
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (input: unknown) => runLocalExecution({ stack, stateMachine: STATE_MACHINE, input, endpoints: { s3: {}, dynamodb: {} }, dataDir: dir, workers: 1 });

it.each([[[]], [['demo']], ['demo'], ['{"plan": "daily"}'], [42], [0], [true], [false], [null]])('refuses the input %j with InvalidInputError and its cause, before any step runs', async (input) => {
  const result = await run(input);
  expect({ status: result.status, error: result.error, cause: result.cause }).toEqual({
    status: 'FAILED',
    error: 'InvalidInputError',
    cause: 'Invalid input: the execution input must be a JSON object, such as {} or {"plan": "daily"}: see docs/RUNBOOKS.md for each runbook\'s fields',
  });
  expect(result.events.filter((e) => e.type === 'StateEntered').map((e) => e.state)).toEqual(['Input as JSON text', 'Input is an object?', 'Input refused']);
});

it.each([[{}], [{ plan: 'daily', sources: ['orders', { name: 'media', prefix: '{x' }], dryRun: false, limit: 0, note: null }]])('hands the object %j to the first step unchanged, nothing added', async (input) => {
  const result = await run(input);
  expect(result.status).toBe('SUCCEEDED');
  const firstStep = result.events.find((e) => e.type === 'StateEntered' && e.state === 'First step');
  expect(JSON.stringify(firstStep?.input)).toBe(JSON.stringify(input));
  expect(JSON.stringify(result.output)).toBe(JSON.stringify({ ...input, firstStep: { ran: true } }));
});
