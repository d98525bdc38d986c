import { HeadBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { doctorContext } from '../../../cli/doctor/doctor-context';
import { checkS3Source } from '../../../cli/doctor/s3-source-check';
import { loadLifeboatConfig } from '../../../config/load-config';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';

/**
 * The doctor's fix for a source bucket the caller may not read names the bucket's ARN in the region's partition: in
 * GovCloud or China `arn:aws:s3:::…` is not an ARN IAM accepts there (audit R20, left from its F4).
 */
it.each([
  ['us-east-1', 'arn:aws:s3:::'],
  ['us-gov-west-1', 'arn:aws-us-gov:s3:::'],
  ['cn-north-1', 'arn:aws-cn:s3:::'],
])('in %s the fix of a 403 names %s…', async (primaryRegion, arn) => {
  const config = loadLifeboatConfig(SAMPLE_CONFIG_FILE);
  const environment = { ...config.environments[0]!, primaryRegion };
  const ctx = doctorContext({ configFile: SAMPLE_CONFIG_FILE, envName: environment.name, dataDir: '.lifeboat', mode: 'aws' }, { ...config, environments: [environment] }, environment);
  const denied = {
    send: (command: unknown) =>
      command instanceof HeadBucketCommand ? Promise.reject(Object.assign(new Error('Forbidden'), { name: '403', $metadata: { httpStatusCode: 403 } })) : Promise.reject(new Error('not reached')),
  } as unknown as S3Client;
  const result = await checkS3Source(() => denied, ctx, { type: 's3', name: 'assets', bucket: 'prod-assets', prefix: '' } as never, { regionPerServer: false });
  expect(result).toMatchObject({ verdict: 'fail', fix: expect.stringContaining(`else allow s3:ListBucket on ${arn}prod-assets to the caller (and check the bucket policy)`) });
});
