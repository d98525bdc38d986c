import { SFNClient } from '@aws-sdk/client-sfn';
import { expect, it } from '@jest/globals';
import { WorkflowNotStartedError, WorkflowStartUnansweredError } from '../../../cli/aws-execution-errors';
import { ClosedOutputGuard } from '../../../cli/closed-output';
import { awsWorkflowRunner } from '../../../cli/workflow-runner';
import { findEnvironment, loadLifeboatConfig } from '../../../config/load-config';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';

/**
 * Review r63W F1: the SDK asks for credentials again for each of its own retries inside one send. A StartExecution
 * signed and sent, then unanswered, whose SDK retry failed on credentials (STS down as they expired), was called "not
 * sent, so the workflow was not started": running the command again would start the workflow a second time. The
 * client here is the real SFNClient with a request handler in place of the network: the first request it is given
 * fails as a reset connection (the SDK retries it), and the credentials provider (whose credentials expire at once, so
 * that each attempt asks again) answers no ask after a request was sent.
 */
const environment = findEnvironment(loadLifeboatConfig(SAMPLE_CONFIG_FILE), 'dev');

function clientWhoseRetryLacksCredentials() {
  const sent: string[] = [];
  const client = new SFNClient({
    region: environment.primaryRegion,
    maxAttempts: 2,
    credentials: async () => {
      if (sent.length > 0) throw Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' });
      return { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret', expiration: new Date(Date.now() + 1) };
    },
    requestHandler: {
      handle: async (request: { headers: Record<string, string> }) => {
        sent.push(String(request.headers['x-amz-target']).split('.').pop() ?? '');
        throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
      },
    },
  });
  return { client, sent };
}

it('does not call a start "not sent" when an attempt of its send reached the transport before the credentials failed', async () => {
  const { client, sent } = clientWhoseRetryLacksCredentials();
  const run = awsWorkflowRunner({ environment, client, pollMs: 1, callDeadlineMs: 60_000, wait: () => Promise.resolve(), output: new ClosedOutputGuard(() => undefined) }).run('backup', {}, () => undefined);
  await expect(run).rejects.toBeInstanceOf(WorkflowStartUnansweredError);
  await expect(run).rejects.not.toBeInstanceOf(WorkflowNotStartedError);
  await expect(run).rejects.toThrow('may or may not have started');
  expect(sent).toEqual(['StartExecution']);
});
