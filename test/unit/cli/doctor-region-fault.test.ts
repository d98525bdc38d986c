import { describe, expect, it } from '@jest/globals';
import { CloudFormationClient, CloudFormationServiceException, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DescribeTableCommand, DynamoDBClient, DynamoDBServiceException } from '@aws-sdk/client-dynamodb';
import { KMSClient, KMSServiceException } from '@aws-sdk/client-kms';
import { GetBucketEncryptionCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { type DynamoDbTableSourceConfig, type S3BucketSourceConfig } from '../../../config/lifeboat-config';
import { bucketKeyResult } from '../../../cli/doctor/bucket-key-check';
import { checkBootstrap } from '../../../cli/doctor/bootstrap-checks';
import { checkDrCatalogItems } from '../../../cli/doctor/catalog-plan-checks';
import { type DoctorContext } from '../../../cli/doctor/doctor-context';
import { checkDynamoDbSource } from '../../../cli/doctor/dynamodb-source-check';
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

// Review r63N F2: a source key's DescribeKey and the DR catalog's Scan were not asked whether the region was in trouble.
describe('a throttled read of a source key or of the DR catalog', () => {
  const KEY = 'arn:aws:kms:us-east-1:000000000000:key/11111111-2222-3333-4444-555555555555';
  const environment = { ...context.environment, plans: [] } as unknown as DoctorContext['environment'];
  const sourceContext = {
    ...context,
    environment,
    names: resourceNames(environment),
    request: { configFile: 'lifeboat.config.json', mode: 'aws' },
    sourceField: (source: string) => `environments[0].plans[0].sources[${source}]`,
  } as unknown as DoctorContext;
  const kmsThrottled = (): KMSClient => {
    const kms = new KMSClient({ region: 'us-east-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' } });
    kms.send = (async () => {
      throw new KMSServiceException({ name: 'ThrottlingException', $fault: 'client', $metadata: { httpStatusCode: 400 }, message: 'Rate exceeded' });
    }) as KMSClient['send'];
    return kms;
  };

  it("says a table key's DescribeKey throttled as the region's load, not a missing kms:DescribeKey", async () => {
    const dynamodb = new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' } });
    dynamodb.send = (async (command: unknown) =>
      command instanceof DescribeTableCommand
        ? { Table: { TableName: 'orders-table', TableStatus: 'ACTIVE', SSEDescription: { SSEType: 'KMS', KMSMasterKeyArn: KEY } } }
        : { Items: [{}], Count: 1 }) as DynamoDBClient['send'];
    const kms = kmsThrottled();
    const source = { type: 'dynamodb', name: 'orders', table: 'orders-table' } as DynamoDbTableSourceConfig;
    const result = await checkDynamoDbSource(() => dynamodb, sourceContext, source, { kms: () => kms });
    expect(result).toEqual({
      name: 'source orders',
      verdict: 'warn',
      detail: `us-east-1 throttled the request (ThrottlingException (HTTP 400): Rate exceeded): table orders-table is encrypted with the KMS key ${KEY}, which environments[0].plans[0].sources[orders].kmsKeyArn does not declare, and the doctor cannot tell whether it is customer managed`,
      fix: 'run the doctor again in a minute',
    });
  });

  it("says a bucket key alias's DescribeKey throttled as the region's load, not a key to check by hand", async () => {
    const s3 = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' } });
    s3.send = (async (command: unknown) => {
      if (!(command instanceof GetBucketEncryptionCommand)) throw new Error('only GetBucketEncryption is asked');
      return { ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: 'alias/docs' } }] } };
    }) as S3Client['send'];
    const kms = kmsThrottled();
    const source = { type: 's3', name: 'docs', bucket: 'docs-bucket', kmsKeyArn: KEY } as S3BucketSourceConfig;
    const result = await bucketKeyResult(s3, sourceContext, source, '000000000000', () => kms);
    expect(result).toEqual({
      name: 'source docs',
      verdict: 'warn',
      detail: `us-east-1 throttled the request (ThrottlingException (HTTP 400): Rate exceeded): bucket docs-bucket encrypts by default with alias/docs, which the doctor cannot resolve to a key ARN to compare with ${KEY}, which environments[0].plans[0].sources[docs].kmsKeyArn declares`,
      fix: 'run the doctor again in a minute',
    });
  });

  it("says the DR catalog's Scan throttled as the DR region's load, with the error's name, not a missing dynamodb:Scan", async () => {
    const throttled = {
      summarizePlans: () =>
        Promise.reject(new DynamoDBServiceException({ name: 'ThrottlingException', $fault: 'client', $metadata: { httpStatusCode: 400 }, message: 'Rate of requests exceeds the allowed throughput.' })),
    };
    expect(await checkDrCatalogItems(throttled, sourceContext)).toEqual([
      {
        name: 'dr catalog items',
        verdict: 'warn',
        detail: 'us-west-2 throttled the request (ThrottlingException (HTTP 400): Rate of requests exceeds the allowed throughput.): cannot scan the DR catalog lifeboat-dev-catalog (us-west-2) for backup records that are not valid',
        fix: 'run the doctor again in a minute',
      },
    ]);
  });
});
