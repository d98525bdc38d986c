import { describe, expect, it } from '@jest/globals';
import { CloudFormationClient, CloudFormationServiceException, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { KMSClient, KMSServiceException } from '@aws-sdk/client-kms';
import { GetBucketEncryptionCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { type S3BucketSourceConfig } from '../../../config/lifeboat-config';
import { bucketKeyResult } from '../../../cli/doctor/bucket-key-check';
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

  // Review r63H F6: the default encryption's read got "allow s3:GetEncryptionConfiguration" for S3's own 500.
  it.each([
    ['answered with a fault of its own (InternalError (HTTP 500): We encountered an internal error. Please try again.)', 'InternalError', 500, 'server', HEALTH],
    ['throttled the request (SlowDown (HTTP 503): Please reduce your request rate.)', 'SlowDown', 503, 'server', 'run the doctor again in a minute'],
  ] as const)('says a bucket\'s encryption unread as the region\'s trouble, not a missing s3:GetEncryptionConfiguration: %s', async (said, errorName, status, fault, fix) => {
    const message = errorName === 'SlowDown' ? 'Please reduce your request rate.' : 'We encountered an internal error. Please try again.';
    const s3 = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' } });
    s3.send = (async (command: unknown) => {
      if (!(command instanceof GetBucketEncryptionCommand)) throw new Error('only GetBucketEncryption is asked');
      throw new S3ServiceException({ name: errorName, $fault: fault, $metadata: { httpStatusCode: status }, message });
    }) as S3Client['send'];
    const sourceContext = { ...context, sourceField: (source: string) => `environments[dev].plans[0].sources[${source}]` } as unknown as DoctorContext;
    const source = { type: 's3', name: 'docs', bucket: 'docs-bucket' } as S3BucketSourceConfig;
    const result = await bucketKeyResult(s3, sourceContext, source, '000000000000', undefined);
    expect(result).toEqual({
      name: 'source docs',
      verdict: 'warn',
      detail: `us-east-1 ${said}: cannot read the default encryption of bucket docs-bucket, so its key is not compared with environments[dev].plans[0].sources[docs].kmsKeyArn`,
      fix,
    });
  });
});
