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
 * tells a retry from a new start): three backups, and the CLI said the backup failed. The endpoint here starts an
 * execution for every StartExecution it receives and answers it after longer than the CLI's (shortened) timeout.
 */
const cliTimeouts = { ...CLI_CLIENT_TIMEOUTS };
const VARIABLES = ['AWS_PROFILE', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_SFN'] as const;
const saved = VARIABLES.map((name) => [name, process.env[name]] as const);
let starts = 0;
const timers = new Set<NodeJS.Timeout>();
const endpoint: Server = createServer((request, response) => {
  let body = '';
  request.on('data', (chunk: Buffer) => (body += chunk.toString()));
  request.on('end', () => {
    const operation = String(request.headers['x-amz-target']).split('.').pop();
    response.setHeader('content-type', 'application/x-amz-json-1.0');
    if (operation === 'StartExecution') {
      starts += 1;
      const executionArn = `arn:aws:states:us-east-1:111111111111:execution:m:exec-${starts}`;
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (!response.destroyed) response.end(JSON.stringify({ executionArn, startDate: 0 }));
      }, 1_500);
      timers.add(timer);
      return;
    }
    if (operation === 'GetExecutionHistory') return void response.end(JSON.stringify({ events: [] }));
    if (operation === 'DescribeExecution') return void response.end(JSON.stringify({ status: 'SUCCEEDED', output: '{}', executionArn: 'x', stateMachineArn: 'y', startDate: 0 }));
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

it('a StartExecution answered later than the CLI\'s request timeout starts the workflow once, and the run is followed', async () => {
  const environment = findEnvironment(loadLifeboatConfig(SAMPLE_CONFIG_FILE), 'dev');
  const result = await awsWorkflowRunner({ environment, pollMs: 0 }).run('backup', {}, () => undefined);
  expect({ status: result.status, starts }).toEqual({ status: 'SUCCEEDED', starts: 1 });
}, 30_000);
