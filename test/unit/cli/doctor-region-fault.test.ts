import { describe, expect, it } from '@jest/globals';
import { CloudFormationClient, CloudFormationServiceException, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { KMSClient, KMSServiceException } from '@aws-sdk/client-kms';
import { checkBootstrap } from '../../../cli/doctor/bootstrap-checks';
import { type DoctorContext } from '../../../cli/doctor/doctor-context';
import { checkVaultKey } from '../../../cli/doctor/vault-key-checks';
import { resourceNames } from '../../../lib/stacks/resource-names';

/**
 * Review r63A F3: a region's checks recognised only its silence as the region's trouble, so CloudFormation answering
 * 503 (a region in an outage answers 5xx before it stops answering) got "allow cloudformation:DescribeStacks" advice.
 */
const context = {
  environment: { name: 'dev', account: '000000000000', primaryRegion: 'us-east-1', drRegion: 'us-west-2' },
  request: { configFile: 'lifeboat.config.json' },
} as unknown as DoctorContext;

function cloudFormationFailing(err: Error): CloudFormationClient {
  const client = new CloudFormationClient({ region: 'us-east-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' } });
  client.send = (async (command: unknown) => {
    if (!(command instanceof DescribeStacksCommand)) throw new Error('only DescribeStacks is asked');
    throw err;
  }) as CloudFormationClient['send'];
  return client;
}

const HEALTH = 'run the doctor again; if it persists, see the AWS Health Dashboard (https://health.aws.amazon.com/health/status)';

describe('a region check when the region answers with a fault of its own', () => {
  it('says the bootstrap stack could not be read as the region\'s fault, not a missing permission', async () => {
    const unavailable = new CloudFormationServiceException({ name: 'ServiceUnavailable', $fault: 'server', $metadata: { httpStatusCode: 503 }, message: 'Service unavailable' });
    const result = await checkBootstrap(cloudFormationFailing(unavailable), context, 'us-east-1', {}, 'CDKToolkit');
    expect(result).toEqual({
      name: 'bootstrap us-east-1',
      verdict: 'fail',
      detail: 'us-east-1 answered with a fault of its own (ServiceUnavailable (HTTP 503): Service unavailable): cannot read stack CDKToolkit',
      fix: HEALTH,
    });
  });

  // Review r63H F1: a throttle was left to the caller, whose advice was the permission it had been allowed.
  it.each([
    ['a Throttling 400', 'Throttling', 400],
    ['a 429 under a name of its own', 'TooManyRequests', 429],
  ] as const)('says the region throttled the read (%s) with the fix to run again in a minute, not a permission', async (_label, errorName, status) => {
    const throttled = new CloudFormationServiceException({ name: errorName, $fault: 'client', $metadata: { httpStatusCode: status }, message: 'Rate exceeded' });
    const result = await checkBootstrap(cloudFormationFailing(throttled), context, 'us-east-1', {}, 'CDKToolkit');
    expect(result).toEqual({
      name: 'bootstrap us-east-1',
      verdict: 'fail',
      detail: `us-east-1 throttled the request (${errorName} (HTTP ${status}): Rate exceeded): cannot read stack CDKToolkit`,
      fix: 'run the doctor again in a minute',
    });
  });

  it('says a throttled DescribeKey of the vault key as the region\'s load, not a missing kms:DescribeKey (review r63H F1)', async () => {
    const environment = { ...context.environment, plans: [] } as unknown as DoctorContext['environment'];
    const kms = new KMSClient({ region: 'us-west-2', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' } });
    kms.send = (async () => {
      throw new KMSServiceException({ name: 'ThrottlingException', $fault: 'client', $metadata: { httpStatusCode: 400 }, message: 'Rate exceeded' });
    }) as KMSClient['send'];
    const result = await checkVaultKey(kms, { ...context, environment, names: resourceNames(environment) } as DoctorContext, 'dr');
    expect(result).toEqual({
      name: 'vault key us-west-2',
      verdict: 'warn',
      detail: 'us-west-2 throttled the request (ThrottlingException (HTTP 400): Rate exceeded): cannot read alias/lifeboat-dev-dr-vault',
      fix: 'run the doctor again in a minute',
    });
  });
});
