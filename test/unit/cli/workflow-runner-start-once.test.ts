import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import { CLI_CLIENT_TIMEOUTS } from '../../../cli/client-timeouts';
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
