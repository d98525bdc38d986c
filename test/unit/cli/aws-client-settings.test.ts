import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { awsRequestSettings } from '../../../cli/aws-client-settings';
import { CLI_CLIENT_TIMEOUTS } from '../../../cli/client-timeouts';
import { forgetRunCredentials } from '../../../cli/run-credentials';

/**
 * Read-back rb62A item 12: each of the CLI's AWS clients wrote its region, its timeouts and the run's credentials by
 * hand. One builder now (awsRequestSettings). The workflow runner's Step Functions clients do not take it (review r62P
 * F1: workflow-runner-start-once.test.ts).
 */
const VARIABLES = ['AWS_PROFILE', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'] as const;
const saved = VARIABLES.map((name) => [name, process.env[name]] as const);

beforeAll(() => {
  for (const name of VARIABLES) delete process.env[name];
  process.env.AWS_ACCESS_KEY_ID = 'AKIDEXAMPLE';
  process.env.AWS_SECRET_ACCESS_KEY = 'secret';
  forgetRunCredentials();
});

afterAll(() => {
  for (const [name, value] of saved) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  forgetRunCredentials();
});

it('a client\'s settings carry its region, the CLI\'s timeouts and the run\'s credentials of that region', async () => {
  const client = new DynamoDBClient(awsRequestSettings('eu-west-1'));
  try {
    expect(await client.config.region()).toBe('eu-west-1');
    expect(await client.config.maxAttempts()).toBe(CLI_CLIENT_TIMEOUTS.requestMaxAttempts);
    expect((await client.config.credentials()).accessKeyId).toBe('AKIDEXAMPLE');
  } finally {
    client.destroy();
  }
});
