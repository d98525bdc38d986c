import { describe, expect, it } from '@jest/globals';
import { CloudFormationClient, CloudFormationServiceException, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { checkBootstrap } from '../../../cli/doctor/bootstrap-checks';
import { type DoctorContext } from '../../../cli/doctor/doctor-context';

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

  it('still gives a throttled read the caller\'s wording, as the region is up', async () => {
    const throttled = new CloudFormationServiceException({ name: 'Throttling', $fault: 'client', $metadata: { httpStatusCode: 400 }, message: 'Rate exceeded' });
    const result = await checkBootstrap(cloudFormationFailing(throttled), context, 'us-east-1', {}, 'CDKToolkit');
    expect(result.detail).toBe('cannot read stack CDKToolkit in us-east-1: Throttling (HTTP 400): Rate exceeded');
  });
});
