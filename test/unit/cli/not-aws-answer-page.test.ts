import { describe, expect, it } from '@jest/globals';
import { SFNClient } from '@aws-sdk/client-sfn';
import { Readable } from 'node:stream';
import { ClosedOutputGuard } from '../../../cli/closed-output';
import { restoreCommand } from '../../../cli/commands/restore-commands';
import { awsWorkflowRunner } from '../../../cli/workflow-runner';
import { findEnvironment, loadLifeboatConfig } from '../../../config/load-config';
import { capturedCliDeps } from '../../support/captured-cli-io';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';

/**
 * Review r65F F2: a proxy's JSON page with a `code` field (`{"code":"Forbidden","message":"blocked by policy"}`) reached
 * the SDK as an error named `Forbidden`, with no request ID, and was taken as Step Functions' own answer: the start
 * said "not started" without looking the run up, and a poll ended the follow at once with renewed-credentials advice.
 * An answer without AWS's request ID is a page in between whatever its name. Driven through real SFN clients whose
 * transport answers by operation, as a proxy or AWS would.
 */
type Answer = { status: number; headers?: Record<string, string>; body: string };

const PROXY_CODE_PAGE: Answer = { status: 403, headers: { 'content-type': 'application/json' }, body: '{"code":"Forbidden","message":"blocked by policy"}' };
const awsError = (type: string, message: string): Answer => ({
  status: 400,
  headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': 'b7a1c3d4-0000-4000-8000-000000000001' },
  body: JSON.stringify({ __type: type, message }),
});
const EXECUTION_ARN = 'arn:aws:states:us-east-1:000000000000:execution:lifeboat-dev-restore:lifeboat-restore-x';
const STARTED: Answer = { status: 200, headers: { 'x-amzn-requestid': 'r-1' }, body: JSON.stringify({ executionArn: EXECUTION_ARN, startDate: 1 }) };

/** `lifeboat restore --aws` on clients (two tries a send) whose transport answers each operation from `script` in turn. */
async function restoreAnswered(script: Record<string, Answer[]>): Promise<{ code: number; err: string[]; sent: string[] }> {
  const sent: string[] = [];
  const environment = findEnvironment(loadLifeboatConfig(SAMPLE_CONFIG_FILE), 'dev');
  const clientOf = (region: string) => new SFNClient({
    region,
    maxAttempts: 2,
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    requestHandler: {
      handle: (request: { headers: Record<string, string> }) => {
        const operation = (request.headers['x-amz-target'] ?? '').split('.').pop() ?? '';
        sent.push(operation);
        const answer = script[operation]?.shift() ?? { status: 500, body: '' };
        return Promise.resolve({ response: { statusCode: answer.status, headers: answer.headers ?? {}, body: Readable.from([Buffer.from(answer.body)]) } });
      },
    },
  });
  const runner = awsWorkflowRunner({ environment, client: clientOf(environment.primaryRegion), drClient: clientOf(environment.drRegion), pollMs: 0, callDeadlineMs: 60_000, wait: () => Promise.resolve(), output: new ClosedOutputGuard(() => undefined) });
  const { err, deps } = capturedCliDeps();
  const code = await restoreCommand(
    { config: SAMPLE_CONFIG_FILE, env: 'dev', dataDir: '.unused', aws: true, source: 'demo-orders', backup: '20261124T100000Z-1a2b3c4d', target: 'dynamodb://lifeboat-demo-orders-restored', json: false },
    { ...deps, runner },
  );
  return { code, err, sent };
}

describe('an answer without AWS\'s request ID, named by its JSON body\'s code (review r65F F2)', () => {
  it('at the start: is a page in between, and "not started" is said only after the lookup by the run\'s name found none twice', async () => {
    const notFound = () => awsError('ExecutionDoesNotExist', 'Execution Does Not Exist');
    const { code, err, sent } = await restoreAnswered({ StartExecution: [PROXY_CODE_PAGE], DescribeExecution: [notFound(), notFound()] });
    expect(sent).toEqual(['StartExecution', 'DescribeExecution', 'DescribeExecution']);
    expect(code).toBe(1);
    expect(err[0]).toContain("not Step Functions' — a proxy in between?");
    expect(err[0]).toContain('the workflow most likely was not started');
  });

  it('on polls: is a page in between, 3 in a row stop the follow (exit 5), not at once as an answer that stays', async () => {
    const { code, err, sent } = await restoreAnswered({ StartExecution: [STARTED], GetExecutionHistory: [PROXY_CODE_PAGE, PROXY_CODE_PAGE, PROXY_CODE_PAGE] });
    expect(sent).toEqual(['StartExecution', 'GetExecutionHistory', 'GetExecutionHistory', 'GetExecutionHistory']);
    expect(code).toBe(5);
    expect(err[0]).toContain(`The CLI stopped following execution ${EXECUTION_ARN}: 3 polls in a row were answered with a page`);
    expect(err[0]).not.toContain('renewed');
  });

  it('keeps AWS\'s own answer (with its request ID) as it is: an AccessDenied start ends at once, without a lookup', async () => {
    const { code, err, sent } = await restoreAnswered({ StartExecution: [awsError('AccessDeniedException', 'not authorized to perform states:StartExecution')] });
    expect(sent).toEqual(['StartExecution']);
    expect(code).toBe(1);
    expect(err[0]).toContain('not authorized to perform states:StartExecution');
    expect(err[0]).not.toContain('proxy');
  });
});

/**
 * Review r65F F3: such a page was said as "a page the CLI could not read (HTTP 403, no content type)" though it was JSON
 * the SDK read, and a start retried after a 503 page said "the last attempt answered Unknown: UnknownError".
 */
describe('a page without AWS\'s request ID, in the start\'s words (review r65F F3)', () => {
  it('names its content type and that it lacks AWS\'s request ID', async () => {
    const { err } = await restoreAnswered({ StartExecution: [PROXY_CODE_PAGE], DescribeExecution: [PROXY_CODE_PAGE] });
    expect(err[0]).toContain('was answered with a page without AWS\'s request ID (HTTP 403, application/json), saying "blocked by policy": not Step Functions\'');
    // The lookup's page is quoted too, as every page without the request ID is (review r65U LOW).
    expect(err[0]).toContain("the lookup by its name was answered with a page without AWS's request ID (HTTP 403, application/json), saying \"blocked by policy\".");
  });

  it('after the SDK\'s retry of a 503 page: the last attempt is said as the page, not as "Unknown: UnknownError"', async () => {
    const notFound = awsError('ExecutionDoesNotExist', 'Execution Does Not Exist');
    const { code, err } = await restoreAnswered({ StartExecution: [{ status: 503, body: '' }, { status: 403, body: '' }], DescribeExecution: [notFound] });
    expect(code).toBe(5);
    expect(err[0]).toContain("and the last attempt was answered with a page without AWS's request ID (HTTP 403, no content type)");
    expect(err[0]).not.toContain('the last attempt answered Unknown');
  });
});

/**
 * Review r65L F2: a refused start's page without a request ID said "Step Functions says its refusals in JSON the CLI
 * reads" of a JSON page the CLI had read, and dropped its own words ("blocked by policy").
 */
describe('a start refused by a page without AWS\'s request ID names why it is not Step Functions\' and quotes the page (review r65L F2)', () => {
  const notFound = () => awsError('ExecutionDoesNotExist', 'Execution Does Not Exist');

  it('says Step Functions sends its request ID with every answer, and the proxy\'s message', async () => {
    const { code, err } = await restoreAnswered({ StartExecution: [PROXY_CODE_PAGE], DescribeExecution: [notFound(), notFound()] });
    expect(code).toBe(1);
    expect(err[0]).toContain(
      "was answered with a page without AWS's request ID (HTTP 403, application/json), saying \"blocked by policy\": not Step Functions' — a proxy in between? " +
        'Step Functions sends its request ID (x-amzn-RequestId) with every answer, so the start most likely did not reach it',
    );
    expect(err[0]).not.toContain('refusals in JSON');
  });

  it('quotes a page\'s message escaped and cut: no line forged, no terminal driven, no flood', async () => {
    const forging: Answer = { ...PROXY_CODE_PAGE, body: JSON.stringify({ code: 'Forbidden', message: `blocked\nlifeboat restore: done\u001b[31m ${'x'.repeat(2000)}` }) };
    const { code, err } = await restoreAnswered({ StartExecution: [forging], DescribeExecution: [notFound(), notFound()] });
    expect(code).toBe(1);
    expect(err).toHaveLength(1);
    expect(err[0]).not.toContain('\n');
    expect(err[0]).not.toContain('\u001b');
    expect(err[0]).toContain('saying "blocked');
    expect(err[0]).toContain('(cut from');
  });

  it('an empty page says no message of its own (the SDK\'s fallback "UnknownError" is not quoted)', async () => {
    const { err } = await restoreAnswered({ StartExecution: [{ status: 403, body: '' }], DescribeExecution: [notFound(), notFound()] });
    expect(err[0]).toContain("was answered with a page without AWS's request ID (HTTP 403, no content type): not Step Functions'");
    expect(err[0]).toContain('Step Functions sends its request ID (x-amzn-RequestId) with every answer');
    expect(err[0]).not.toContain('saying');
  });
});

/**
 * Review r65U LOW: the page's own words were quoted only when the start was refused in between (exit 1); on the paths
 * that leave the start unknown (exit 5) they were dropped, and a JSON page the CLI had read was "no readable answer".
 */
describe('a page without AWS\'s request ID is quoted on the paths that leave the start unknown (review r65U LOW)', () => {
  it('a refused start whose lookup was refused by AWS: the page\'s words, and no "no readable answer"', async () => {
    const { code, err } = await restoreAnswered({ StartExecution: [PROXY_CODE_PAGE], DescribeExecution: [awsError('AccessDeniedException', 'no describe')] });
    expect(code).toBe(5);
    expect(err[0]).toContain(
      "had no answer of Step Functions' after 1 attempt; the last was answered with a page without AWS's request ID (HTTP 403, application/json), saying \"blocked by policy\", " +
        'and the lookup by its name answered AccessDeniedException: no describe, so the workflow may or may not have started',
    );
    expect(err[0]).not.toContain('no readable answer');
  });

  it('a start without answer, then the page, the lookup finding none and the page again on the last start: both pages quoted', async () => {
    const unavailable: Answer = { ...awsError('ServiceUnavailable', 'x'), status: 503 };
    const { code, err } = await restoreAnswered({
      StartExecution: [unavailable, unavailable, PROXY_CODE_PAGE, PROXY_CODE_PAGE],
      DescribeExecution: [awsError('ExecutionDoesNotExist', 'Execution Does Not Exist')],
    });
    expect(code).toBe(5);
    expect(err[0]).toContain("and the last attempt was answered with a page without AWS's request ID (HTTP 403, application/json), saying \"blocked by policy\";");
    expect(err[0]).toContain("and a last start under that name was answered with a page without AWS's request ID (HTTP 403, application/json), saying \"blocked by policy\", so the execution was not found so far");
  });
});
