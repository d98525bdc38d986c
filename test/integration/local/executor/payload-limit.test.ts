import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { type SynthesizedStack, synthesizedStackOf } from '../../../../local/assembly/synthesized-stack';
import { runLocalExecution } from '../../../../local/executor/run-local-execution';
import { tempDir } from '../../../support/local-cloud-helpers';

/**
 * The local executor enforces Step Functions' 256 KiB per state (local/executor/payload-limit.ts): a run
 * whose state grows past it fails with States.DataLimitExceeded, as in AWS, where it used to succeed.
 */
const MACHINE = 'lbtest-payload-limit';
const work = tempDir('executor-payload-limit');
let stack: SynthesizedStack;

beforeAll(() => {
  const app = new App({ outdir: path.join(work.dir, 'cdk.out'), builtinCloudFormationValidation: false });
  const cdkStack = new Stack(app, 'LbTestPayloadLimit', { env: { account: '000000000000', region: 'us-east-1' } });
  const grow = new sfn.Pass(cdkStack, 'Grow', { parameters: { 'big.$': '$.s', 'again.$': '$.s' } });
  new sfn.StateMachine(cdkStack, 'Machine', { stateMachineName: MACHINE, definitionBody: sfn.DefinitionBody.fromChainable(grow.next(new sfn.Pass(cdkStack, 'Done'))) });
  stack = synthesizedStackOf(app.synth().directory, cdkStack);
}, 60_000);
afterAll(() => work.remove());

const run = (chars: number) => runLocalExecution({ stack, stateMachine: MACHINE, input: { s: 'x'.repeat(chars) }, endpoints: { s3: {}, dynamodb: {} }, dataDir: work.dir, workers: 1 });

it('fails an execution whose state returns more than 256 KiB with States.DataLimitExceeded', async () => {
  const result = await run(200_000);
  expect({ status: result.status, error: result.error }).toEqual({ status: 'FAILED', error: 'States.DataLimitExceeded' });
  expect(result.cause).toMatch(/^The state\/task 'Grow' returned a result of 400\d{3} bytes, over Step Functions' limit of 262144 bytes/);
  expect(result.output).toBeUndefined();
}, 60_000);

it('runs an execution within the limit to success', async () => {
  const result = await run(100_000);
  expect(result.status).toBe('SUCCEEDED');
}, 60_000);
