import { describe, expect, it } from '@jest/globals';
import { SFNClient } from '@aws-sdk/client-sfn';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { Readable } from 'node:stream';
import { ClosedOutputGuard } from '../../../cli/closed-output';
import { restoreCommand } from '../../../cli/commands/restore-commands';
import { markIfStsTrouble } from '../../../cli/credentials-sts-unanswered';
import { awsWorkflowRunner } from '../../../cli/workflow-runner';
import { findEnvironment, loadLifeboatConfig } from '../../../config/load-config';
import { capturedCliDeps } from '../../support/captured-cli-io';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';

/**
 * Review r65F F1: a proxy's 403 page on the way to STS, while the SFN client's credentials were asked for (AssumeRole),
 * was blamed on Step Functions: the start said "not Step Functions' … most likely was not started … check the network
 * path to Step Functions", and polls counted it as Step Functions' page. Nothing had been sent to Step Functions: the
 * start was surely not started, and what to mend is the way to STS. Real STS and SFN clients on scripted transports.
 */
/** `reset`: the connection breaks after the request left (ECONNRESET), with no answer. */
type Answer = { status: number; headers?: Record<string, string>; body: string; reset?: true };

const EXECUTION_ARN = 'arn:aws:states:us-east-1:000000000000:execution:lifeboat-dev-restore:lifeboat-restore-x';

/** `lifeboat restore --aws` whose credentials come from a role's STS that answers from `sts`, and SFN from `sfn`. */
async function restoreWithStsAnswering(sts: (sentToSfn: readonly string[]) => Answer, sfn: Record<string, Answer[]>): Promise<{ code: number; err: string[]; sent: string[] }> {
  const sent: string[] = [];
  const transport = (answer: Answer) =>
    answer.reset === true
      ? Promise.reject(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))
      : Promise.resolve({ response: { statusCode: answer.status, headers: answer.headers ?? {}, body: Readable.from([Buffer.from(answer.body)]) } });
  const stsClient = new STSClient({ region: 'us-east-1', maxAttempts: 1, credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }, requestHandler: { handle: () => transport(sts(sent)) } });
  // As run-credentials.ts does: the role's credentials from STS, its trouble marked as STS's.
  const credentials = async () => {
    try {
      const { Credentials: got } = await stsClient.send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::000000000000:role/operator', RoleSessionName: 'lifeboat' }));
      return { accessKeyId: got?.AccessKeyId ?? '', secretAccessKey: got?.SecretAccessKey ?? '', sessionToken: got?.SessionToken, expiration: got?.Expiration };
    } catch (err) {
      markIfStsTrouble(err, 'us-east-1');
      throw err;
    }
  };
  const environment = findEnvironment(loadLifeboatConfig(SAMPLE_CONFIG_FILE), 'dev');
  const clientOf = (region: string) => new SFNClient({
    region,
    maxAttempts: 2,
    credentials,
    requestHandler: {
      handle: (request: { headers: Record<string, string> }) => {
        const operation = (request.headers['x-amz-target'] ?? '').split('.').pop() ?? '';
        sent.push(operation);
        // Anything not scripted is refused by AWS itself, which ends the command at once.
        return transport(sfn[operation]?.shift() ?? { status: 400, headers: { 'x-amzn-requestid': 'r-0' }, body: JSON.stringify({ __type: 'AccessDeniedException', message: 'not scripted' }) });
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

const PROXY_PAGE: Answer = { status: 403, body: '' };
const ASSUMED: Answer = {
  status: 200,
  headers: { 'content-type': 'text/xml', 'x-amzn-requestid': 'sts-1' },
  body: '<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>ASIA</AccessKeyId><SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken><Expiration>2999-01-01T00:00:00Z</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>',
};

describe('a proxy\'s page on the way to STS for the credentials\' role (review r65F F1)', () => {
  it('at the start: nothing reached Step Functions, so it was not started; the message sends the operator to the way to STS', async () => {
    const { code, err, sent } = await restoreWithStsAnswering(() => PROXY_PAGE, {});
    expect(sent).toEqual([]);
    expect(code).toBe(1);
    expect(err[0]).toContain('was not sent, so the workflow was not started: the request for the credentials\' role to STS in us-east-1 was answered with a page without AWS\'s request ID (HTTP 403, no content type)');
    expect(err[0]).toContain('Check the network path to STS in us-east-1');
    expect(err[0]).not.toContain("not Step Functions'");
    expect(err[0]).not.toContain('most likely');
  });

  it('on polls: 3 in a row stop the follow naming the credentials\' path, not a page of Step Functions', async () => {
    const started: Answer = { status: 200, headers: { 'x-amzn-requestid': 'r-1' }, body: JSON.stringify({ executionArn: EXECUTION_ARN, startDate: 1 }) };
    // Credentials that have expired are asked for again on each send: the start's get them, the polls' meet the page.
    const { code, err, sent } = await restoreWithStsAnswering((sentToSfn) => (sentToSfn.length === 0 ? { ...ASSUMED, body: ASSUMED.body.replace('2999-01-01T00:00:00Z', '2000-01-01T00:00:00Z') } : PROXY_PAGE), { StartExecution: [started] });
    expect(sent).toEqual(['StartExecution']);
    expect(code).toBe(5);
    expect(err[0]).toContain(`The CLI stopped following execution ${EXECUTION_ARN}: 3 polls in a row met a page in between; the last was not sent: the request for the credentials' role to STS in us-east-1 was answered with a page`);
    expect(err[0]).toContain('Through a network that reaches STS in us-east-1 and Step Functions');
    expect(err[0]).not.toContain("not Step Functions'");
  });

  // Review r65L F1: an STS error carries the page mark, and was asked before the credentials' failure.
  const EXPIRED_ASSUMED: Answer = { ...ASSUMED, body: ASSUMED.body.replace('2999-01-01T00:00:00Z', '2000-01-01T00:00:00Z') };
  const UNAVAILABLE: Answer = { status: 503, headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': 'r-2' }, body: JSON.stringify({ __type: 'ServiceUnavailable', message: 'x' }) };

  it('a 503 of Step Functions whose SDK retry could not be sent: the 503 is said, the STS page as not sent, never as Step Functions\' page (review r65L F1)', async () => {
    // The start's first try gets credentials (expired, so asked for again on the retry) and a 503; the retry meets the page.
    const { code, err, sent } = await restoreWithStsAnswering((sentToSfn) => (sentToSfn.length === 0 ? EXPIRED_ASSUMED : PROXY_PAGE), { StartExecution: [UNAVAILABLE] });
    expect(sent).toEqual(['StartExecution']);
    expect(code).toBe(5);
    expect(err[0]).toContain(
      "had no answer after 1 attempt (the last: UnansweredStartTry: the client's try 1 of it reached the network and was answered with HTTP 503, " +
        "and the client's retry of it could not be sent: the request for the credentials' role to STS in us-east-1 was answered with a page",
    );
    expect(err[0]).not.toContain('the last was answered with a page');
    expect(err[0]).toContain('so the workflow may or may not have started');
  });

  it('a last start under the run\'s name refused on the way to STS: said as not sent, not as answered with a page (review r65L F1)', async () => {
    const notFound: Answer = { status: 400, headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': 'r-3' }, body: JSON.stringify({ __type: 'ExecutionDoesNotExist', message: 'Execution Does Not Exist' }) };
    // Every try of the start gets a 503 (2 SDK tries × 3 attempts); the lookup finds none; the last start meets the STS page.
    const { code, err } = await restoreWithStsAnswering((sentToSfn) => (sentToSfn.includes('DescribeExecution') ? PROXY_PAGE : EXPIRED_ASSUMED), {
      StartExecution: Array.from({ length: 6 }, () => UNAVAILABLE),
      DescribeExecution: [notFound],
    });
    expect(code).toBe(5);
    expect(err[0]).toContain("and a last start under that name could not be sent: the request for the credentials' role to STS in us-east-1 was answered with a page");
    expect(err[0]).not.toContain('a last start under that name was answered with a page');
  });

  // Review r65U F1: the last start's first try reached Step Functions (a 503, a broken connection) and only the SDK's
  // retry met the STS page: "could not be sent" said the run was not started by it, when it may have been.
  describe('a last start under the run\'s name whose first try reached the network, its SDK retry refused on the way to STS (review r65U F1)', () => {
    const notFound: Answer = { status: 400, headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': 'r-5' }, body: JSON.stringify({ __type: 'ExecutionDoesNotExist', message: 'Execution Does Not Exist' }) };
    const lastStartReached = (sentToSfn: readonly string[]) => sentToSfn.slice(sentToSfn.indexOf('DescribeExecution') + 1).includes('StartExecution');
    // Credentials expire at once, so each try asks STS: the page meets only the retry of the last start's first try.
    const stsAnswer = (sentToSfn: readonly string[]) => (sentToSfn.includes('DescribeExecution') && lastStartReached(sentToSfn) ? PROXY_PAGE : EXPIRED_ASSUMED);

    it.each([
      ['a 503', UNAVAILABLE, "was answered with HTTP 503"],
      ['a broken connection', { status: 0, body: '', reset: true } as Answer, 'failed (Error: socket hang up)'],
    ])('its first try got %s: said as that try, which may have started the run, not "could not be sent"', async (_what, firstTry, how) => {
      const { code, err, sent } = await restoreWithStsAnswering(stsAnswer, {
        StartExecution: [...Array.from({ length: 6 }, () => UNAVAILABLE), firstTry],
        DescribeExecution: [notFound],
      });
      expect(sent.slice(-2)).toEqual(['DescribeExecution', 'StartExecution']);
      expect(code).toBe(5);
      expect(err[0]).toContain(
        `and a last start under that name had no answer: the client's try 1 of it reached the network and ${how}, ` +
          "and the client's retry of it could not be sent: the request for the credentials' role to STS in us-east-1 was answered with a page",
      );
      expect(err[0]).not.toContain('a last start under that name could not be sent');
      expect(err[0]).toContain('Describe it again in a minute');
    });
  });

  it('on polls: 2 pages on Step Functions\' path then one on the way to STS are not "3 polls not sent": only the last was (review r65L F3)', async () => {
    const started: Answer = { status: 200, headers: { 'x-amzn-requestid': 'r-1' }, body: JSON.stringify({ executionArn: EXECUTION_ARN, startDate: 1 }) };
    const { code, err, sent } = await restoreWithStsAnswering((sentToSfn) => (sentToSfn.filter((operation) => operation === 'GetExecutionHistory').length >= 2 ? PROXY_PAGE : EXPIRED_ASSUMED), {
      StartExecution: [started],
      GetExecutionHistory: [PROXY_PAGE, PROXY_PAGE],
    });
    expect(sent).toEqual(['StartExecution', 'GetExecutionHistory', 'GetExecutionHistory']);
    expect(code).toBe(5);
    expect(err[0]).toContain(`The CLI stopped following execution ${EXECUTION_ARN}: 3 polls in a row met a page in between; the last was not sent: the request for the credentials' role to STS in us-east-1`);
    expect(err[0]).not.toContain('polls in a row were not sent');
  });

  it('a start refused on Step Functions\' path, looked up (none), then the lookup again refused on the way to STS: both lookups are said (review r65L F4)', async () => {
    const notFound: Answer = { status: 400, headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': 'r-4' }, body: JSON.stringify({ __type: 'ExecutionDoesNotExist', message: 'Execution Does Not Exist' }) };
    const { code, err, sent } = await restoreWithStsAnswering((sentToSfn) => (sentToSfn.includes('DescribeExecution') ? PROXY_PAGE : EXPIRED_ASSUMED), {
      StartExecution: [PROXY_PAGE],
      DescribeExecution: [notFound],
    });
    expect(sent).toEqual(['StartExecution', 'DescribeExecution']);
    expect(code).toBe(5);
    expect(err[0]).toContain(
      'and the lookup by its name answered ExecutionDoesNotExist: Execution Does Not Exist, and made again (DescribeExecution may lag a start) ' +
        "could not be sent: the request for the credentials' role to STS in us-east-1 was answered with a page",
    );
    expect(err[0]).toContain('so the workflow may or may not have started');
  });
});

