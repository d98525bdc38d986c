import { InvalidConfigError } from '../../../config/config-errors';
import { parseKmsKeyArn } from '../../../config/kms-key-arn';
import { loadLifeboatConfig, parseLifeboatConfig } from '../../../config/load-config';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';

/**
 * An S3 source's `kmsKeyArn` (audit R28 F1): the customer managed key of the bucket's SSE-KMS encryption, which the
 * functions are granted. The sample's dev environment is in us-east-1; its first source is the S3 bucket.
 */
const sample = loadLifeboatConfig(SAMPLE_CONFIG_FILE);
const FIELD = 'environments[0].plans[0].sources[0].kmsKeyArn';

function withKey(kmsKeyArn: unknown, primaryRegion = 'us-east-1'): unknown {
  const raw = JSON.parse(JSON.stringify(sample)) as { environments: { primaryRegion: string; drRegion: string; plans: { sources: Record<string, unknown>[] }[] }[] };
  const env = raw.environments[0];
  const source = env?.plans[0]?.sources[0];
  if (!env || source?.type !== 's3') throw new Error('the sample config starts with an S3 source');
  source.kmsKeyArn = kmsKeyArn;
  env.primaryRegion = primaryRegion;
  if (env.drRegion === primaryRegion) env.drRegion = 'us-west-2';
  return raw;
}

function issuesOf(raw: unknown): string[] {
  try {
    parseLifeboatConfig(raw, 'test.json');
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidConfigError);
    return (err as InvalidConfigError).issues as string[];
  }
  throw new Error('expected the config to be rejected');
}

const sourceOf = (raw: unknown) => parseLifeboatConfig(raw).environments[0]?.plans[0]?.sources[0];

describe('an S3 source\'s kmsKeyArn', () => {
  it.each([
    'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    // A multi-Region key, and one of another account (a cross-account source's key).
    'arn:aws:kms:us-east-1:333333333333:key/mrk-0123456789abcdef0123456789abcdef',
  ])('accepts the key ARN %s of the primary region and keeps it', (arn) => {
    expect(sourceOf(withKey(arn))).toEqual(expect.objectContaining({ type: 's3', kmsKeyArn: arn }));
  });

  it.each([
    ['an alias ARN', 'arn:aws:kms:us-east-1:111122223333:alias/assets'],
    ['a bare key id', '1234abcd-12ab-34cd-56ef-1234567890ab'],
    ['the ARN of another service', 'arn:aws:s3:::assets'],
    ['a key id that is no UUID', 'arn:aws:kms:us-east-1:111122223333:key/1111'],
    ['a short account', 'arn:aws:kms:us-east-1:1111:key/1234abcd-12ab-34cd-56ef-1234567890ab'],
  ])('refuses %s, naming the field and what a key ARN looks like', (_what, arn) => {
    const issues = issuesOf(withKey(arn));
    expect(issues).toEqual([
      `${FIELD}: must be a KMS key ARN, arn:<partition>:kms:<region>:<account>:key/<key id>, such as arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab (the key's ARN, not an alias's: aws kms describe-key --key-id <alias or id> prints it)`,
    ]);
  });

  it('refuses a key of another region than the primary one, where the bucket is', () => {
    expect(issuesOf(withKey('arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab'))).toEqual([
      `${FIELD}: is a key of eu-west-1, but the bucket is in the primary region us-east-1 (S3 encrypts a bucket's objects only with a key of the bucket's region): give the key the bucket's default encryption names (aws s3api get-bucket-encryption --bucket <bucket>)`,
    ]);
  });

  it('refuses an inventory.kmsKeyArn of another region than the primary one, where the source and inventory buckets are, and keeps one of it', () => {
    const withInventoryKey = (kmsKeyArn: string): unknown => {
      const raw = withKey(undefined) as { environments: { plans: { sources: Record<string, unknown>[] }[] }[] };
      const source = raw.environments[0]?.plans[0]?.sources[0];
      if (!source) throw new Error('the sample config starts with an S3 source');
      source.inventory = { bucket: 'inventory-reports', prefix: 'inv', kmsKeyArn };
      return raw;
    };
    expect(issuesOf(withInventoryKey('arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab'))).toEqual([
      'environments[0].plans[0].sources[0].inventory.kmsKeyArn: is a key of eu-west-1, but the inventory bucket is in the source bucket\'s region, the primary region us-east-1 (S3 encrypts inventory reports only with a key of that region): give the key the inventory configuration names (aws s3api get-bucket-inventory-configuration --bucket <source bucket> --id <configId>: Destination.S3BucketDestination.Encryption.SSEKMS.KeyId)',
    ]);
    const arn = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    expect(sourceOf(withInventoryKey(arn))).toEqual(expect.objectContaining({ inventory: expect.objectContaining({ kmsKeyArn: arn }) as unknown }));
  });

  it('refuses a partition that is not its region\'s, and accepts the right one', () => {
    expect(issuesOf(withKey('arn:aws:kms:cn-north-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab', 'cn-north-1'))).toEqual([
      `${FIELD}: names partition aws, but keys of cn-north-1 are in partition aws-cn: write arn:aws-cn:kms:…`,
    ]);
    const govArn = 'arn:aws-us-gov:kms:us-gov-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    expect(sourceOf(withKey(govArn, 'us-gov-west-1'))).toEqual(expect.objectContaining({ kmsKeyArn: govArn }));
  });
});

describe('parseKmsKeyArn', () => {
  it('gives the parts of a key ARN, and nothing for an alias ARN', () => {
    expect(parseKmsKeyArn('arn:aws-cn:kms:cn-north-1:111122223333:key/mrk-0123456789abcdef0123456789abcdef')).toEqual({
      partition: 'aws-cn',
      region: 'cn-north-1',
      account: '111122223333',
      keyId: 'mrk-0123456789abcdef0123456789abcdef',
    });
    expect(parseKmsKeyArn('arn:aws:kms:us-east-1:111122223333:alias/assets')).toBeUndefined();
  });
});
