import { SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import { Readable } from 'node:stream';
import { WorkflowStartFoundNoneError, WorkflowStartRefusedInBetweenError, WorkflowStartUnansweredError } from '../../../cli/aws-execution-errors';
import { ClosedOutputGuard } from '../../../cli/closed-output';
import { CLI_CLIENT_TIMEOUTS } from '../../../cli/client-timeouts';
import { outcomeUnknownOf } from '../../../cli/outcome-unknown';
import { forgetRunCredentials } from '../../../cli/run-credentials';
import { awsWorkflowRunner } from '../../../cli/workflow-runner';
import { findEnvironment, loadLifeboatConfig } from '../../../config/load-config';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';

/**
 * Review r62P F1: with the CLI's request timeout on the runner's Step Functions client, a StartExecution answered
 * later than the timeout was sent again, and Step Functions started one execution per attempt (no execution name
 * told a retry from a new start): three backups, and the CLI said the backup failed. The endpoint here answers every
 * StartExecution after longer than the CLI's (shortened) timeout and keeps executions by name as Step Functions does
 * for a STANDARD state machine: an attempt that repeats a running execution's name and input gets that execution
 * (review f63C: the runner sends one name with every attempt, then looks its execution up by that name).
 */
const cliTimeouts = { ...CLI_CLIENT_TIMEOUTS };
const VARIABLES = ['AWS_PROFILE', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_SFN'] as const;
const saved = VARIABLES.map((name) => [name, process.env[name]] as const);
/** The executions started, by name (a start without a name gets a fresh one, as in Step Functions). */
const executions = new Map<string, { input: string }>();
const startNames: (string | undefined)[] = [];
const timers = new Set<NodeJS.Timeout>();
const endpoint: Server = createServer((request, response) => {
  let body = '';
  request.on('data', (chunk: Buffer) => (body += chunk.toString()));
  request.on('end', () => {
    const operation = String(request.headers['x-amz-target']).split('.').pop();
    const asked = JSON.parse(body || '{}') as { name?: string; input?: string; executionArn?: string };
    response.setHeader('content-type', 'application/x-amz-json-1.0');
    if (operation === 'StartExecution') {
      startNames.push(asked.name);
      const name = asked.name ?? `unnamed-${executions.size + 1}`;
      if (!executions.has(name)) executions.set(name, { input: asked.input ?? '{}' });
      const executionArn = `arn:aws:states:us-east-1:000000000000:execution:lifeboat-dev-backup:${name}`;
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (!response.destroyed) response.end(JSON.stringify({ executionArn, startDate: 0 }));
      }, 1_500);
      timers.add(timer);
      return;
    }
    if (operation === 'GetExecutionHistory') return void response.end(JSON.stringify({ events: [] }));
    if (operation === 'DescribeExecution') {
      const execution = executions.get(String(asked.executionArn).split(':').pop() ?? '');
      if (!execution) return void response.writeHead(400).end(JSON.stringify({ __type: 'ExecutionDoesNotExist', message: 'Execution Does Not Exist' }));
      return void response.end(JSON.stringify({ status: 'SUCCEEDED', output: '{}', input: execution.input, executionArn: asked.executionArn, stateMachineArn: 'y', startDate: 0 }));
    }
    response.end('{}');
  });
});

beforeAll(async () => {
  Object.assign(CLI_CLIENT_TIMEOUTS, { requestTimeoutMs: 1_000 });
  await new Promise<void>((resolve) => endpoint.listen(0, '127.0.0.1', resolve));
  const address = endpoint.address();
  if (address === null || typeof address === 'string') throw new Error('the endpoint has no TCP address');
  for (const name of VARIABLES) delete process.env[name];
  process.env.AWS_ACCESS_KEY_ID = 'AKIDEXAMPLE';
  process.env.AWS_SECRET_ACCESS_KEY = 'secret';
  process.env.AWS_ENDPOINT_URL_SFN = `http://127.0.0.1:${address.port}`;
  forgetRunCredentials();
});

afterAll(async () => {
  Object.assign(CLI_CLIENT_TIMEOUTS, cliTimeouts);
  for (const timer of timers) clearTimeout(timer);
  endpoint.closeAllConnections();
  await new Promise<void>((resolve) => endpoint.close(() => resolve()));
  for (const [name, value] of saved) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  forgetRunCredentials();
});

it('a StartExecution answered later than the CLI\'s request timeout starts the workflow once, and that execution is followed', async () => {
  const environment = findEnvironment(loadLifeboatConfig(SAMPLE_CONFIG_FILE), 'dev');
  const result = await awsWorkflowRunner({ environment, pollMs: 0, wait: () => Promise.resolve() }).run('backup', {}, () => undefined);
  const [name] = executions.keys();
  expect({ status: result.status, executions: executions.size, names: new Set(startNames).size }).toEqual({ status: 'SUCCEEDED', executions: 1, names: 1 });
  expect(result.executionId).toBe(`arn:aws:states:us-east-1:000000000000:execution:lifeboat-dev-backup:${name}`);
}, 60_000);

/**
 * Review r64A F2: a StartExecution answer the SDK cannot read (a 200 whose body was cut on its way, AWS having started
 * the run; a proxy's HTML page) ended the command with the SDK's bare SyntaxError: no lookup by the run's name, nothing
 * saying it may have started. It is an attempt without answer: tried again under the same name, then looked up by it.
 * The client is the real SFNClient with a request handler in place of the network, keeping executions by name.
 */
/** A request's body as text: the SDK hands some commands' JSON over as bytes (DescribeExecution's), others as a string. */
function bodyText(body: unknown): string {
  if (typeof body === 'string') return body;
  return body instanceof Uint8Array ? new TextDecoder().decode(body) : '{}';
}

/**
 * An answer, or `'timeout'`: the request handler fails as the SDK's does when the request timeout passes (the SDK retries
 * it), or `'refused'`: as Node's does when nothing listens at the endpoint (ECONNREFUSED).
 */
type Answer = { status: number; body: string; contentType?: string } | 'timeout' | 'refused';

function clientAnswering(answer: (operation: string, asked: { name?: string; input?: string; executionArn?: string }) => Answer, maxAttempts = 1) {
  const sent: string[] = [];
  const client = new SFNClient({
    region: 'us-east-1',
    maxAttempts,
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    requestHandler: {
      handle: async (request: { headers: Record<string, string>; body?: unknown }) => {
        const operation = String(request.headers['x-amz-target']).split('.').pop() ?? '';
        sent.push(operation);
        const answered = answer(operation, JSON.parse(bodyText(request.body)) as { name?: string; input?: string; executionArn?: string });
        if (answered === 'timeout') throw Object.assign(new Error('a request has exceeded the configured requestTimeout'), { name: 'TimeoutError' });
        if (answered === 'refused') throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:443'), { code: 'ECONNREFUSED', errno: -111, syscall: 'connect' });
        const { status, body, contentType } = answered;
        // AWS's own answers (no content type given here) carry its request ID, which a proxy's pages lack (review r65F F2).
        const headers = contentType === undefined ? { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': `req-${sent.length}` } : { 'content-type': contentType };
        return { response: { statusCode: status, headers, body: Readable.from([Buffer.from(body)]) } };
      },
    },
  });
  return { client, sent };
}

it('a StartExecution whose 200 was cut on its way is tried again under the same name: the workflow starts once and is followed', async () => {
  const started = new Map<string, string>();
  const { client, sent } = clientAnswering((operation, asked) => {
    const arn = (name: string) => `arn:aws:states:us-east-1:000000000000:execution:lifeboat-dev-backup:${name}`;
    if (operation === 'StartExecution') {
      const name = asked.name ?? 'unnamed';
      const first = !started.has(name);
      if (first) started.set(name, asked.input ?? '{}');
      const whole = JSON.stringify({ executionArn: arn(name), startDate: 17 });
      // The first answer is cut mid-body: Step Functions started the execution, the CLI cannot read that it did.
      return { status: 200, body: first ? whole.slice(0, -4) : whole };
    }
    if (operation === 'GetExecutionHistory') return { status: 200, body: JSON.stringify({ events: [] }) };
    const name = String(asked.executionArn).split(':').pop() ?? '';
    return { status: 200, body: JSON.stringify({ status: 'SUCCEEDED', output: '{}', input: started.get(name), executionArn: asked.executionArn, stateMachineArn: 'y', startDate: 0 }) };
  });
  const environment = findEnvironment(loadLifeboatConfig(SAMPLE_CONFIG_FILE), 'dev');
  const result = await awsWorkflowRunner({ environment, client, pollMs: 0, callDeadlineMs: 60_000, wait: () => Promise.resolve(), output: new ClosedOutputGuard(() => undefined) }).run(
    'backup',
    {},
    () => undefined,
  );
  expect({ status: result.status, executions: started.size, starts: sent.filter((operation) => operation === 'StartExecution').length }).toEqual({ status: 'SUCCEEDED', executions: 1, starts: 2 });
  expect(result.executionId).toBe(`arn:aws:states:us-east-1:000000000000:execution:lifeboat-dev-backup:${[...started.keys()][0]}`);
});

/** The runner of the sample config's dev environment on `client`, with no waits; the run's first progress is its execution. */
function startWith(client: SFNClient) {
  const environment = findEnvironment(loadLifeboatConfig(SAMPLE_CONFIG_FILE), 'dev');
  const progress: (string | undefined)[] = [];
  const run = awsWorkflowRunner({ environment, client, pollMs: 0, callDeadlineMs: 60_000, wait: () => Promise.resolve(), output: new ClosedOutputGuard(() => undefined) }).run(
    'backup',
    {},
    (p) => progress.push(p.executionId),
  );
  return { run: run.then(() => undefined, (err: unknown) => err), progress };
}

const PROXY_PAGE = '<html><body>403 Forbidden: blocked by corporate proxy policy</body></html>';

/**
 * Review r64I F1: a proxy's 403 or 407 HTML page (nothing reached Step Functions, which says its refusals in JSON the
 * SDK reads) was retried 3 times, looked up and said "had no answer after 3 attempts … may or may not have started",
 * exit 5 with the ARN of an execution that does not exist; the status and the page's kind were never said.
 */
it.each([403, 407])('a proxy\'s HTTP %i HTML page answering StartExecution is a refusal in between: not retried, looked up once, most likely not started, exit 1, the status and content type said', async (status) => {
  const { client, sent } = clientAnswering((operation) =>
    operation === 'StartExecution'
      ? { status, body: PROXY_PAGE, contentType: 'text/html; charset=utf-8' }
      : { status: 400, body: JSON.stringify({ __type: 'ExecutionDoesNotExist', message: 'Execution Does Not Exist' }) },
  );
  const { run } = startWith(client);
  const err = await run;
  expect(err).toBeInstanceOf(WorkflowStartRefusedInBetweenError);
  const name = (err as WorkflowStartRefusedInBetweenError).executionName;
  expect((err as Error).message).toBe(
    'StartExecution of state machine arn:aws:states:us-east-1:000000000000:stateMachine:lifeboat-dev-backup was answered with a page the CLI could not read ' +
      `(HTTP ${status}, text/html): not Step Functions' — a proxy in between? Step Functions says its refusals in JSON the CLI reads, so the start most likely did not reach it ` +
      'and the workflow most likely was not started, and the lookup by its name, made again 10 s later (DescribeExecution may lag a start), ' +
      'answered ExecutionDoesNotExist: Execution Does Not Exist. ' +
      'Check the network path to Step Functions in us-east-1 (HTTPS_PROXY, NO_PROXY, a firewall, a VPC endpoint), then look for its execution with ' +
      `\`aws stepfunctions describe-execution --region us-east-1 --execution-arn arn:aws:states:us-east-1:000000000000:execution:lifeboat-dev-backup:${name}\` ` +
      'before running the command again (a proxy may pass a request on and answer with its own page).',
  );
  // Not an unknown outcome: the command exits 1 and writes no --json object with an execution that does not exist.
  expect(outcomeUnknownOf(err)).toBeUndefined();
  expect(sent).toEqual(['StartExecution', 'DescribeExecution', 'DescribeExecution']);
});

/**
 * Review r64X F1: after a proxy's page on the very first try, one DescribeExecution at once, and its ExecutionDoesNotExist
 * ended the command "most likely was not started", exit 1, though DescribeExecution may lag a start the proxy passed on:
 * a rerun (a new name) made a second run. It is looked up once more after the pause, and found there, followed.
 */
it('[lag] a start a proxy passed on and answered with its page, not found at once but on the second lookup, is followed', async () => {
  const started = new Map<string, string>();
  let lookups = 0;
  const { client, sent } = clientAnswering((operation, asked) => {
    if (operation === 'StartExecution') {
      started.set(asked.name ?? 'unnamed', asked.input ?? '{}');
      return { status: 403, body: PROXY_PAGE, contentType: 'text/html' };
    }
    if (operation === 'GetExecutionHistory') return { status: 200, body: JSON.stringify({ events: [] }) };
    if (++lookups === 1) return { status: 400, body: JSON.stringify({ __type: 'ExecutionDoesNotExist', message: 'Execution Does Not Exist' }) };
    const input = started.get(String(asked.executionArn).split(':').pop() ?? '');
    return { status: 200, body: JSON.stringify({ status: 'SUCCEEDED', output: '{}', input, executionArn: asked.executionArn, stateMachineArn: 'y', startDate: 0 }) };
  });
  const { run, progress } = startWith(client);
  expect(await run).toBeUndefined();
  expect(progress[0]).toBe(`arn:aws:states:us-east-1:000000000000:execution:lifeboat-dev-backup:${[...started.keys()][0] ?? ''}`);
  expect(sent.slice(0, 3)).toEqual(['StartExecution', 'DescribeExecution', 'DescribeExecution']);
  expect(sent.filter((operation) => operation === 'StartExecution')).toHaveLength(1);
});

/**
 * Review r64X F2: after a proxy's page on the very first try, a lookup that had no answer (a timeout, a refused
 * connection, a 5xx page, an AccessDenied) still ended "most likely was not started", exit 1: nothing had settled it.
 * The start is unknown: WorkflowStartUnansweredError, exit 5 with the UNKNOWN object of the execution its name would have.
 */
const notFound: Answer = { status: 400, body: JSON.stringify({ __type: 'ExecutionDoesNotExist', message: 'Execution Does Not Exist' }) };
const unansweredLookups: [string, Answer[], string][] = [
  ['[hang] timed out', ['timeout'], 'failed (TimeoutError: a request has exceeded the configured requestTimeout)'],
  ['was refused a connection (ECONNREFUSED)', ['refused'], 'failed (Error: connect ECONNREFUSED 127.0.0.1:443)'],
  ['got a 502 page', [{ status: 502, body: '<html>Bad Gateway</html>', contentType: 'text/html' }], 'was answered with a page the CLI could not read (HTTP 502, text/html)'],
  [
    'answered AccessDeniedException',
    [{ status: 400, body: JSON.stringify({ __type: 'com.amazon.coral.service#AccessDeniedException', message: 'not authorized' }) }],
    'answered AccessDeniedException: not authorized',
  ],
  // The first lookup's answer is said with the second's failure (review r65L F4).
  [
    'answered ExecutionDoesNotExist, then timed out',
    [notFound, 'timeout'],
    'answered ExecutionDoesNotExist: Execution Does Not Exist, and made again (DescribeExecution may lag a start) failed (TimeoutError: a request has exceeded the configured requestTimeout)',
  ],
];
it.each(unansweredLookups)('a proxy\'s page on the first try, then a lookup by the run\'s name that %s: may or may not have started, exit 5', async (_, lookupAnswers, said) => {
  let lookups = 0;
  const { client, sent } = clientAnswering((operation) =>
    operation === 'StartExecution' ? { status: 403, body: PROXY_PAGE, contentType: 'text/html' } : (lookupAnswers[lookups++] ?? 'timeout'),
  );
  const { run, progress } = startWith(client);
  const err = await run;
  expect(err).toBeInstanceOf(WorkflowStartUnansweredError);
  expect((err as Error).message).toContain(
    `had no readable answer after 1 attempt; the last was answered with a page the CLI could not read (HTTP 403, text/html), and the lookup by its name ${said}, ` +
      'so the workflow may or may not have started.',
  );
  expect((err as Error).message).not.toContain('most likely');
  expect(outcomeUnknownOf(err)?.executionArn).toBe(progress[0]);
  expect(sent).toEqual(['StartExecution', ...lookupAnswers.map(() => 'DescribeExecution')]);
});

/**
 * Review r64S F2: a proxy may pass the start on to Step Functions, then answer with its own 403 block page: "the
 * workflow was not started, run the command again" started a second run. The lookup by the run's name finds it.
 */
it('a start a proxy passed on and then answered with its 403 page is found by its name and followed', async () => {
  const started = new Map<string, string>();
  const { client, sent } = clientAnswering((operation, asked) => {
    if (operation === 'StartExecution') {
      started.set(asked.name ?? 'unnamed', asked.input ?? '{}');
      return { status: 403, body: PROXY_PAGE, contentType: 'text/html' };
    }
    if (operation === 'GetExecutionHistory') return { status: 200, body: JSON.stringify({ events: [] }) };
    const input = started.get(String(asked.executionArn).split(':').pop() ?? '');
    return { status: 200, body: JSON.stringify({ status: 'SUCCEEDED', output: '{}', input, executionArn: asked.executionArn, stateMachineArn: 'y', startDate: 0 }) };
  });
  const { run, progress } = startWith(client);
  expect(await run).toBeUndefined();
  expect(progress[0]).toBe(`arn:aws:states:us-east-1:000000000000:execution:lifeboat-dev-backup:${[...started.keys()][0] ?? ''}`);
  expect(sent.slice(0, 2)).toEqual(['StartExecution', 'DescribeExecution']);
  expect(sent.filter((operation) => operation === 'StartExecution')).toHaveLength(1);
});

it('a 200 page the SDK cannot read answering every StartExecution is tried again under the same name and looked up: it may have started, and the message says the page\'s status', async () => {
  const { client, sent } = clientAnswering(() => ({ status: 200, body: '<html>Sign in to the network</html>', contentType: 'text/html' }));
  const { run, progress } = startWith(client);
  const err = await run;
  expect(err).toBeInstanceOf(WorkflowStartUnansweredError);
  expect((err as Error).message).toMatch(
    /^StartExecution of state machine \S+ had no readable answer after 3 attempts; the last was answered with a page the CLI could not read \(HTTP 200, text\/html\)[,;]/,
  );
  expect((err as Error).message).toMatch(/so the workflow may or may not have started\. Look for its execution lifeboat-backup-/);
  expect((err as Error).message).not.toContain('SyntaxError');
  expect((err as Error).message).toContain(`--execution-arn ${progress[0]}`);
  expect(outcomeUnknownOf(err)?.executionArn).toBe(progress[0]);
  expect(sent).toEqual(['StartExecution', 'StartExecution', 'StartExecution', 'DescribeExecution']);
});

/**
 * Review r64I F2: the lookup by the run's name threw its own failure away (an AccessDenied for states:DescribeExecution,
 * a proxy's page), so the message did not say why the start could not be settled.
 */
it.each([
  [
    'answered AccessDeniedException',
    { status: 400, body: JSON.stringify({ __type: 'com.amazon.coral.service#AccessDeniedException', message: 'User is not authorized to perform: states:DescribeExecution' }) },
    ', and the lookup by its name answered AccessDeniedException: User is not authorized to perform: states:DescribeExecution, so the workflow may or may not have started.',
  ],
  [
    'answered with a proxy\'s page',
    { status: 403, body: PROXY_PAGE, contentType: 'text/html' },
    ', and the lookup by its name was answered with a page the CLI could not read (HTTP 403, text/html), so the workflow may or may not have started.',
  ],
])('a lookup after starts without a readable answer that %s says so', async (_, lookupAnswer, said) => {
  const { client, sent } = clientAnswering((operation) => (operation === 'StartExecution' ? { status: 200, body: '<html>rewritten</html>', contentType: 'text/html' } : lookupAnswer));
  const { run } = startWith(client);
  const err = await run;
  expect(err).toBeInstanceOf(WorkflowStartUnansweredError);
  expect((err as Error).message).toContain(`had no readable answer after 3 attempts; the last was answered with a page the CLI could not read (HTTP 200, text/html)${said}`);
  expect(sent).toEqual(['StartExecution', 'StartExecution', 'StartExecution', 'DescribeExecution']);
});

/**
 * Review r64I F3: a StartExecution answered 200 with an empty body (or one without executionArn) ended the command with
 * a plain Error, exit 1, though Step Functions may have started the run: a rerun (a new name) started a second one. It
 * is an attempt without a readable answer: tried again under the same name, then looked up by it.
 */
it.each([
  ['an empty body, then the execution', (first: boolean, whole: string) => (first ? '' : whole), 2],
  ['a body without executionArn every time, then the lookup', () => '{}', 3],
])('a StartExecution answered 200 with %s starts the workflow once, and that execution is followed', async (_, bodyOf, starts) => {
  const started = new Map<string, string>();
  const arn = (name: string) => `arn:aws:states:us-east-1:000000000000:execution:lifeboat-dev-backup:${name}`;
  const { client, sent } = clientAnswering((operation, asked) => {
    if (operation === 'StartExecution') {
      const name = asked.name ?? 'unnamed';
      const first = !started.has(name);
      if (first) started.set(name, asked.input ?? '{}');
      return { status: 200, body: bodyOf(first, JSON.stringify({ executionArn: arn(name), startDate: 17 })) };
    }
    if (operation === 'GetExecutionHistory') return { status: 200, body: JSON.stringify({ events: [] }) };
    const name = String(asked.executionArn).split(':').pop() ?? '';
    return { status: 200, body: JSON.stringify({ status: 'SUCCEEDED', output: '{}', input: started.get(name), executionArn: asked.executionArn, stateMachineArn: 'y', startDate: 0 }) };
  });
  const environment = findEnvironment(loadLifeboatConfig(SAMPLE_CONFIG_FILE), 'dev');
  const result = await awsWorkflowRunner({ environment, client, pollMs: 0, callDeadlineMs: 60_000, wait: () => Promise.resolve(), output: new ClosedOutputGuard(() => undefined) }).run(
    'backup',
    {},
    () => undefined,
  );
  expect({ status: result.status, executions: started.size, starts: sent.filter((operation) => operation === 'StartExecution').length }).toEqual({ status: 'SUCCEEDED', executions: 1, starts });
  expect(result.executionId).toBe(arn([...started.keys()][0] ?? ''));
});

it('a StartExecution answered 200 without executionArn every time, and no execution found, says the answers held none', async () => {
  const { client } = clientAnswering((operation) =>
    operation === 'StartExecution' ? { status: 200, body: '' } : { status: 400, body: JSON.stringify({ __type: 'com.amazon.coral.service#AccessDeniedException', message: 'not authorized' }) },
  );
  const err = await startWith(client).run;
  expect(err).toBeInstanceOf(WorkflowStartUnansweredError);
  expect((err as Error).message).toMatch(/ had no readable answer after 3 attempts; the last answered \(HTTP 200\) with no execution ARN in its body[,;]/);
  expect((err as Error).message).toContain('so the workflow may or may not have started.');
});

/**
 * Review r64S F1: the runner's client retries inside one send (the CLI's requestMaxAttempts is 2). A first try that
 * reached Step Functions, which started the execution, then timed out or got a 502 page, and a retry answered by a
 * proxy's 4xx page (or a 403 JSON without a type) said "the workflow was not started … run the command again", exit 1,
 * while the execution ran. The first try may have started it: the execution is looked up by the run's name.
 */
const retryRefusals: [string, Answer, Answer][] = [
  ['timed out, then a proxy\'s HTTP 407 page', 'timeout', { status: 407, body: PROXY_PAGE, contentType: 'text/html' }],
  ['got a 502 page, then a proxy\'s HTTP 429 page', { status: 502, body: '<html>502 Bad Gateway</html>', contentType: 'text/html' }, { status: 429, body: PROXY_PAGE, contentType: 'text/html' }],
  ['timed out, then a 403 JSON without a type', 'timeout', { status: 403, body: JSON.stringify({ message: 'Forbidden' }), contentType: 'application/json' }],
];

it.each(retryRefusals)('a start whose first try reached Step Functions and %s is looked up by its name, and the execution it began is followed', async (_, first, retry) => {
  const started = new Map<string, string>();
  const arn = (name: string) => `arn:aws:states:us-east-1:000000000000:execution:lifeboat-dev-backup:${name}`;
  let starts = 0;
  const { client, sent } = clientAnswering((operation, asked) => {
    if (operation === 'StartExecution') {
      starts++;
      if (starts > 1) return retry;
      // Step Functions takes the start; its answer never reaches the CLI.
      started.set(asked.name ?? 'unnamed', asked.input ?? '{}');
      return first;
    }
    if (operation === 'GetExecutionHistory') return { status: 200, body: JSON.stringify({ events: [] }) };
    const input = started.get(String(asked.executionArn).split(':').pop() ?? '');
    if (input === undefined) return { status: 400, body: JSON.stringify({ __type: 'ExecutionDoesNotExist', message: 'Execution Does Not Exist' }) };
    return { status: 200, body: JSON.stringify({ status: 'SUCCEEDED', output: '{}', input, executionArn: asked.executionArn, stateMachineArn: 'y', startDate: 0 }) };
  }, 2);
  const { run, progress } = startWith(client);
  expect(await run).toBeUndefined();
  expect(started.size).toBe(1);
  expect(progress[0]).toBe(arn([...started.keys()][0] ?? ''));
  expect(sent.slice(0, 3)).toEqual(['StartExecution', 'StartExecution', 'DescribeExecution']);
});

it('a start whose first try timed out and whose retry a proxy refused, its execution not found, may or may not have started: exit 5, not "not started"', async () => {
  let starts = 0;
  const { client, sent } = clientAnswering((operation) => {
    if (operation !== 'StartExecution') return { status: 400, body: JSON.stringify({ __type: 'com.amazon.coral.service#AccessDeniedException', message: 'not authorized' }) };
    return ++starts === 1 ? 'timeout' : { status: 407, body: PROXY_PAGE, contentType: 'text/html' };
  }, 2);
  const { run, progress } = startWith(client);
  const err = await run;
  expect(err).toBeInstanceOf(WorkflowStartUnansweredError);
  expect((err as Error).message).toContain(
    "had no answer after 1 attempt (the last: UnansweredStartTry: the client's try 1 of it reached the network and failed (TimeoutError: a request has exceeded the configured requestTimeout), " +
      'and the client sent it again), and the last attempt was answered with a page the CLI could not read (HTTP 407, text/html), and the lookup by its name answered AccessDeniedException: not authorized, ' +
      'so the workflow may or may not have started.',
  );
  expect(outcomeUnknownOf(err)?.executionArn).toBe(progress[0]);
  expect(sent).toEqual(['StartExecution', 'StartExecution', 'DescribeExecution']);
});

it('a proxy\'s page on the very first try of a client that retries is still a refusal in between: sent once, most likely not started', async () => {
  const { client, sent } = clientAnswering(() => ({ status: 407, body: PROXY_PAGE, contentType: 'text/html' }), 2);
  const err = await startWith(client).run;
  expect(err).toBeInstanceOf(WorkflowStartRefusedInBetweenError);
  expect((err as Error).message).toContain('the workflow most likely was not started, and the lookup by its name was answered with a page the CLI could not read (HTTP 407, text/html).');
  expect(sent).toEqual(['StartExecution', 'DescribeExecution']);
});

/** Review r64S F3: WorkflowStartFoundNoneError quoted the SDK's SyntaxError for a last start answered with a page. */
it('a last start answered with a proxy\'s page is said by its status and content type, not the SDK\'s parse error', async () => {
  let starts = 0;
  const { client } = clientAnswering((operation) => {
    if (operation !== 'StartExecution') return { status: 400, body: JSON.stringify({ __type: 'ExecutionDoesNotExist', message: 'Execution Does Not Exist' }) };
    return ++starts <= 3 ? 'timeout' : { status: 403, body: PROXY_PAGE, contentType: 'text/html' };
  });
  const err = await startWith(client).run;
  expect(err).toBeInstanceOf(WorkflowStartFoundNoneError);
  expect((err as Error).message).toContain('and a last start under that name was answered with a page the CLI could not read (HTTP 403, text/html), so the execution was not found so far.');
  expect((err as Error).message).not.toContain('SyntaxError');
});
