import { DescribeTableCommand, DynamoDBClient, ScanCommand, type TableDescription } from '@aws-sdk/client-dynamodb';
import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { GetBucketEncryptionCommand, GetBucketLocationCommand, HeadBucketCommand, ListObjectsV2Command, S3Client, type ServerSideEncryptionByDefault } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { doctorContext, type DoctorMode } from '../../../cli/doctor/doctor-context';
import { checkDynamoDbSource } from '../../../cli/doctor/dynamodb-source-check';
import { checkS3Source } from '../../../cli/doctor/s3-source-check';
import { type DynamoDbTableSourceConfig, type S3BucketSourceConfig } from '../../../config/lifeboat-config';
import { parseLifeboatConfig } from '../../../config/load-config';

/**
 * Audit R44 F1–F3: the doctor's S3 source check asks for the bucket owner the backups require (ExpectedBucketOwner),
 * a cross-account source whose policy admits only Lifeboat's tagged roles warns instead of failing with a fix the
 * operator cannot apply, and a source's KMS key (a table's, a bucket's default encryption's) is compared with the
 * declared `kmsKeyArn`. S3 and KMS are faked as AWS answers: ExpectedBucketOwner other than the owner is 403, and so
 * is the untagged operator of another account unless the bucket's policy admits them.
 */

const ACCOUNT = '000000000000';
const OTHER = '999999999999';
const REGION = 'us-east-1';
const CONFIG_FILE = '/configs/lifeboat.config.json';
const FIELD = 'environments[0].plans[0].sources[0]';
const key = (account: string, id: string) => `arn:aws:kms:${REGION}:${account}:key/${id.repeat(8)}-${id.repeat(4)}-${id.repeat(4)}-${id.repeat(4)}-${id.repeat(12)}`;
const K1 = key(ACCOUNT, '1');
const K2 = key(ACCOUNT, '2');
const AWS_S3_KEY = key(OTHER, 'a');

const s3 = mockClient(S3Client);
const dynamodb = mockClient(DynamoDBClient);
const kms = mockClient(KMSClient);
const awsError = (name: string, status: number) => Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });

type Bucket = { owner: string; callerAdmitted: boolean; encryption?: ServerSideEncryptionByDefault | 'denied'; empty?: boolean };

/** The bucket `assets` as S3 answers for it; `keys` are what DescribeKey finds (ARN or alias → its ARN and manager). */
function world(bucket: Bucket, keys: Record<string, { arn: string; manager: 'AWS' | 'CUSTOMER' } | 'denied'> = {}): void {
  s3.reset();
  kms.reset();
  const answer = <T>(input: { Bucket?: string; ExpectedBucketOwner?: string }, result: T): T => {
    if (input.Bucket !== 'assets') throw awsError('NotFound', 404);
    if (input.ExpectedBucketOwner !== undefined && input.ExpectedBucketOwner !== bucket.owner) throw awsError('AccessDenied', 403);
    if (bucket.owner !== ACCOUNT && !bucket.callerAdmitted) throw awsError('AccessDenied', 403);
    return result;
  };
  s3.on(HeadBucketCommand).callsFake((input) => answer(input, {}));
  s3.on(GetBucketLocationCommand).callsFake((input) => answer(input, { LocationConstraint: undefined }));
  s3.on(ListObjectsV2Command).callsFake((input) => answer(input, bucket.empty ? { KeyCount: 0 } : { KeyCount: 1, Contents: [{ Key: 'a' }] }));
  s3.on(GetBucketEncryptionCommand).callsFake((input) => {
    if (bucket.encryption === 'denied') throw awsError('AccessDenied', 403);
    return answer(input, { ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: bucket.encryption ?? { SSEAlgorithm: 'AES256' } }] } });
  });
  kms.on(DescribeKeyCommand).callsFake((input: { KeyId: string }) => {
    const found = keys[input.KeyId];
    if (found === 'denied') throw awsError('AccessDeniedException', 400);
    if (!found) throw awsError('NotFoundException', 400);
    return { KeyMetadata: { KeyId: input.KeyId, Arn: found.arn, KeyManager: found.manager } };
  });
}

function contextOf(source: Record<string, unknown>, mode: DoctorMode = 'aws') {
  const config = parseLifeboatConfig({
    environments: [
      {
        name: 'dev',
        account: ACCOUNT,
        primaryRegion: REGION,
        drRegion: 'us-west-2',
        plans: [{ name: 'demo', schedule: 'rate(1 day)', strategy: 'incremental', retention: { keepLast: 7 }, objectives: { rpoMinutes: 1500, rtoMinutes: 60 }, sources: [source] }],
      },
    ],
  });
  const environment = config.environments[0];
  const parsed = environment?.plans[0]?.sources[0];
  if (!environment || !parsed) throw new Error('the config has its one source');
  return { ctx: doctorContext({ configFile: CONFIG_FILE, envName: 'dev', dataDir: '.lifeboat', mode }, config, environment), source: parsed };
}

async function s3Check(source: Record<string, unknown>, mode: DoctorMode = 'aws') {
  const { ctx, source: parsed } = contextOf({ type: 's3', name: 'assets', bucket: 'assets', ...source }, mode);
  return checkS3Source(() => new S3Client({ region: REGION }), ctx, parsed as S3BucketSourceConfig, {
    regionPerServer: mode === 'local',
    ...(mode === 'aws' ? { kms: () => new KMSClient({ region: REGION }) } : {}),
  });
}

describe('the S3 source check asks for the owner the backups require (F1)', () => {
  it('sends ExpectedBucketOwner = the environment\'s account on every call when the source names no account', async () => {
    world({ owner: ACCOUNT, callerAdmitted: true });
    expect(await s3Check({})).toMatchObject({ verdict: 'ok' });
    const owners = [HeadBucketCommand, GetBucketLocationCommand, ListObjectsV2Command, GetBucketEncryptionCommand].map((c) => s3.commandCalls(c).map((call) => call.args[0].input.ExpectedBucketOwner));
    expect(owners).toEqual([[ACCOUNT], [ACCOUNT], [ACCOUNT], [ACCOUNT]]);
  });

  it('fails on a bucket another account owns that the config does not name, saying so and naming the account field', async () => {
    world({ owner: OTHER, callerAdmitted: true });
    expect(await s3Check({})).toEqual({
      name: 'source assets',
      verdict: 'fail',
      detail: `bucket assets: the caller may not read it, or account ${ACCOUNT} does not own it (HeadBucket with ExpectedBucketOwner ${ACCOUNT} answered 403; the backups send the same)`,
      fix: `if assets is another account's bucket, set ${FIELD}.account to its owner (docs/DEPLOYMENT.md, "An S3 source in another account") or correct ${FIELD}.bucket; else allow s3:ListBucket on arn:aws:s3:::assets to the caller (and check the bucket policy)`,
    });
  });

  it('passes that bucket once the source names its owner, sending that account', async () => {
    world({ owner: OTHER, callerAdmitted: true });
    expect(await s3Check({ account: OTHER })).toMatchObject({ verdict: 'ok', detail: 'bucket assets in us-east-1, listable' });
    expect(s3.commandCalls(ListObjectsV2Command)[0]?.args[0].input.ExpectedBucketOwner).toBe(OTHER);
  });

  it('does not pass a bucket whose owner is not the account the source names', async () => {
    world({ owner: OTHER, callerAdmitted: true });
    const result = await s3Check({ account: '111111111111' });
    expect(result.verdict).toBe('warn');
    expect(result.detail).toContain('a bucket that account 111111111111 does not own answers the same');
  });

  it('fails a source naming another account for a bucket the environment\'s account owns, which the backups could not read', async () => {
    world({ owner: ACCOUNT, callerAdmitted: true });
    expect(await s3Check({ account: OTHER })).toEqual({
      name: 'source assets',
      verdict: 'fail',
      detail: `bucket assets is owned by the environment's account ${ACCOUNT}, not by account ${OTHER}, which ${FIELD}.account names: the backups send ExpectedBucketOwner ${OTHER} and every read of the bucket is refused`,
      fix: `remove ${FIELD}.account from ${CONFIG_FILE}, or set it to ${ACCOUNT}`,
    });
    expect(s3.commandCalls(HeadBucketCommand).map((call) => call.args[0].input.ExpectedBucketOwner)).toEqual([OTHER, ACCOUNT]);
  });
});

describe('locally, a source bucket created in the DR region (review 44e F4)', () => {
  const DR_ACCOUNT = '222222222222';
  const status = (code: number) => Object.assign(new Error(String(code)), { name: String(code), $metadata: { httpStatusCode: code } });
  /** One S3 server per region: the primary has no bucket; the DR server, run with drAccount, owns `assets` as that account. */
  const server = (region: string): S3Client =>
    ({
      send: (command: { input: { Bucket?: string; ExpectedBucketOwner?: string } }) => {
        if (region === REGION) return Promise.reject(status(404));
        if (command.input.ExpectedBucketOwner !== undefined && command.input.ExpectedBucketOwner !== DR_ACCOUNT) return Promise.reject(status(403));
        return Promise.resolve({});
      },
    }) as unknown as S3Client;

  it('is reported as in the DR region even when the DR server owns its buckets as drAccount', async () => {
    const config = parseLifeboatConfig({
      environments: [
        {
          name: 'dev',
          account: ACCOUNT,
          drAccount: DR_ACCOUNT,
          primaryRegion: REGION,
          drRegion: 'us-west-2',
          plans: [{ name: 'demo', schedule: 'rate(1 day)', strategy: 'incremental', retention: { keepLast: 7 }, objectives: { rpoMinutes: 1500, rtoMinutes: 60 }, sources: [{ type: 's3', name: 'assets', bucket: 'assets' }] }],
        },
      ],
    });
    const environment = config.environments[0];
    const source = environment?.plans[0]?.sources[0];
    if (!environment || !source) throw new Error('the config has its one source');
    const ctx = doctorContext({ configFile: CONFIG_FILE, envName: 'dev', dataDir: '.lifeboat', mode: 'local' }, config, environment);
    expect(await checkS3Source(server, ctx, source as S3BucketSourceConfig, { regionPerServer: true })).toMatchObject({
      verdict: 'fail',
      detail: 'bucket assets is in us-west-2, not in the primary region us-east-1',
    });
  });
});

describe('a cross-account source as docs/DEPLOYMENT.md sets it up (F2)', () => {
  it('warns that the doctor cannot read it, not a failure with a grant on the caller\'s side', async () => {
    world({ owner: OTHER, callerAdmitted: false });
    expect(await s3Check({ account: OTHER })).toEqual({
      name: 'source assets',
      verdict: 'warn',
      detail: `bucket assets of account ${OTHER} answered HeadBucket with 403: its policy as docs/DEPLOYMENT.md writes it admits only Lifeboat's roles (tagged lifeboat:key-user=lifeboat-dev), not the doctor's caller, so the doctor cannot read it; a bucket that account ${OTHER} does not own answers the same`,
      fix: `with account ${OTHER}'s credentials, check that assets exists in us-east-1 and that its policy has the statement of docs/DEPLOYMENT.md, "An S3 source in another account" (aws s3api get-bucket-policy --bucket assets); the next backup of the source proves the read`,
    });
  });

  it('still fails a 403 of a bucket the source says is the environment\'s own', async () => {
    world({ owner: OTHER, callerAdmitted: false });
    expect((await s3Check({ account: ACCOUNT })).verdict).toBe('fail');
  });
});

describe('the S3 source\'s default encryption against kmsKeyArn (F3)', () => {
  it('passes the declared key, given by ARN or by the bare key id', async () => {
    world({ owner: ACCOUNT, callerAdmitted: true, encryption: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: K1 } });
    expect((await s3Check({ kmsKeyArn: K1 })).verdict).toBe('ok');
    world({ owner: ACCOUNT, callerAdmitted: true, encryption: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: K1.split('/')[1] } });
    expect((await s3Check({ kmsKeyArn: K1 })).verdict).toBe('ok');
    expect(kms.commandCalls(DescribeKeyCommand)).toHaveLength(0);
  });

  it('passes the declared key named by an alias, which DescribeKey resolves', async () => {
    world({ owner: ACCOUNT, callerAdmitted: true, encryption: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: 'alias/assets' } }, { 'alias/assets': { arn: K1, manager: 'CUSTOMER' } });
    expect((await s3Check({ kmsKeyArn: K1 })).verdict).toBe('ok');
  });

  it('fails a default key other than the declared one, naming the key to declare', async () => {
    world({ owner: ACCOUNT, callerAdmitted: true, encryption: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: K2 } }, { [K2]: { arn: K2, manager: 'CUSTOMER' } });
    expect(await s3Check({ kmsKeyArn: K1 })).toMatchObject({
      verdict: 'fail',
      detail: `bucket assets encrypts by default with ${K2}, not with ${K1}, which ${FIELD}.kmsKeyArn declares: Lifeboat's roles get kms:Decrypt on the declared key only, so the backups' reads of objects under ${K2} are refused`,
      fix: `set ${FIELD}.kmsKeyArn to "${K2}" in ${CONFIG_FILE}`,
    });
  });

  it('fails an undeclared customer managed key, and the failure outranks an empty listing', async () => {
    world({ owner: ACCOUNT, callerAdmitted: true, empty: true, encryption: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: K2 } }, { [K2]: { arn: K2, manager: 'CUSTOMER' } });
    expect(await s3Check({})).toMatchObject({
      verdict: 'fail',
      detail: `bucket assets encrypts by default with the customer managed key ${K2}, which ${FIELD}.kmsKeyArn does not declare: Lifeboat's roles get no kms:Decrypt on it, so the backups of this source fail with AccessDenied unless the key's policy admits them by itself`,
      fix: `set ${FIELD}.kmsKeyArn to "${K2}" in ${CONFIG_FILE}`,
    });
  });

  it('warns on an undeclared key DescribeKey does not answer for, naming the field to set', async () => {
    world({ owner: ACCOUNT, callerAdmitted: true, encryption: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: K2 } }, { [K2]: 'denied' });
    const result = await s3Check({});
    expect(result.verdict).toBe('warn');
    expect(result.fix).toContain(`set ${FIELD}.kmsKeyArn to its Arn`);
  });

  it('fails an undeclared key of another account without DescribeKey, naming the key to declare (review 44e F2)', async () => {
    const foreignKey = key(OTHER, 'b');
    world({ owner: OTHER, callerAdmitted: true, encryption: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: foreignKey } }, { [foreignKey]: 'denied' });
    expect(await s3Check({ account: OTHER })).toEqual({
      name: 'source assets',
      verdict: 'fail',
      detail: `bucket assets encrypts by default with the KMS key ${foreignKey} of account ${OTHER}, which ${FIELD}.kmsKeyArn does not declare: Lifeboat's roles get kms:Decrypt on the declared key only, and a key of another account needs both that IAM permission and a statement of its own key policy (docs/DEPLOYMENT.md, "An S3 source in another account"), so the backups' reads of objects under it are refused`,
      fix: `set ${FIELD}.kmsKeyArn in ${CONFIG_FILE} to "${foreignKey}", and add the key-policy statement of docs/DEPLOYMENT.md, "An S3 source in another account", to the key's policy in account ${OTHER} (an AWS managed key of another account cannot be shared: make the bucket's default a customer managed key first)`,
    });
    expect(kms.commandCalls(DescribeKeyCommand)).toHaveLength(0);
    // The bare key id of a bucket of another account is that account's key, and a bucket of the environment's account
    // whose default names another account's key is the same case.
    world({ owner: OTHER, callerAdmitted: true, encryption: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: foreignKey.split('/')[1] } });
    expect(await s3Check({ account: OTHER })).toMatchObject({ verdict: 'fail', fix: expect.stringContaining(`to "${foreignKey}"`) });
    world({ owner: ACCOUNT, callerAdmitted: true, encryption: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: foreignKey } }, { [foreignKey]: { arn: foreignKey, manager: 'CUSTOMER' } });
    expect(await s3Check({})).toMatchObject({ verdict: 'fail', fix: expect.stringContaining(`to "${foreignKey}"`) });
    expect(kms.commandCalls(DescribeKeyCommand)).toHaveLength(0);
  });

  it('resolves an alias name of a bucket of another account in that account, not the caller\'s (review 44e F3)', async () => {
    const foreignKey = key(OTHER, 'b');
    const aliasArn = `arn:aws:kms:${REGION}:${OTHER}:alias/data`;
    // The caller's own account has an alias of the same name, for its own key.
    const keys = { 'alias/data': { arn: K1, manager: 'CUSTOMER' as const }, [aliasArn]: { arn: foreignKey, manager: 'CUSTOMER' as const } };
    world({ owner: OTHER, callerAdmitted: true, encryption: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: 'alias/data' } }, keys);
    expect(await s3Check({ account: OTHER, kmsKeyArn: foreignKey })).toMatchObject({ verdict: 'ok' });
    expect(kms.commandCalls(DescribeKeyCommand).map((call) => call.args[0].input.KeyId)).toEqual([aliasArn]);
    // Undeclared, it fails naming the key the alias names; unresolved, naming the alias ARN to describe.
    world({ owner: OTHER, callerAdmitted: true, encryption: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: 'alias/data' } }, keys);
    expect(await s3Check({ account: OTHER })).toMatchObject({ verdict: 'fail', fix: expect.stringContaining(`to "${foreignKey}"`) });
    world({ owner: OTHER, callerAdmitted: true, encryption: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: 'alias/data' } }, { [aliasArn]: 'denied' });
    expect(await s3Check({ account: OTHER })).toMatchObject({
      verdict: 'fail',
      fix: expect.stringContaining(`to the key ARN that \`aws kms describe-key --key-id ${aliasArn}\` prints with account ${OTHER}'s credentials`),
    });
  });

  it('passes SSE-S3 and the AWS managed aws/s3 key of the environment\'s account without a declaration', async () => {
    world({ owner: ACCOUNT, callerAdmitted: true });
    expect((await s3Check({})).verdict).toBe('ok');
    world({ owner: ACCOUNT, callerAdmitted: true, encryption: { SSEAlgorithm: 'aws:kms' } });
    expect((await s3Check({})).verdict).toBe('ok');
  });

  it('fails the aws/s3 key of another account: its policy admits only that account\'s principals', async () => {
    world({ owner: OTHER, callerAdmitted: true, encryption: { SSEAlgorithm: 'aws:kms' } });
    expect(await s3Check({ account: OTHER })).toMatchObject({ verdict: 'fail', detail: expect.stringContaining(`aws/s3, an AWS managed key of account ${OTHER}`) });
    world({ owner: OTHER, callerAdmitted: true, encryption: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: AWS_S3_KEY } }, { [AWS_S3_KEY]: { arn: AWS_S3_KEY, manager: 'AWS' } });
    expect((await s3Check({ account: OTHER })).verdict).toBe('fail');
  });

  it('warns when the declared key is not the default\'s (SSE-S3), and when the default encryption cannot be read', async () => {
    world({ owner: ACCOUNT, callerAdmitted: true });
    expect(await s3Check({ kmsKeyArn: K1 })).toMatchObject({ verdict: 'warn', detail: `bucket assets encrypts by default with SSE-S3, but ${FIELD}.kmsKeyArn declares ${K1}: objects written without SSE headers are not under the declared key` });
    world({ owner: ACCOUNT, callerAdmitted: true, encryption: 'denied' });
    expect(await s3Check({ kmsKeyArn: K1 })).toMatchObject({ verdict: 'warn', fix: 'allow s3:GetEncryptionConfiguration on arn:aws:s3:::assets to the caller, then run the doctor again' });
  });

  it('locally (no KMS) judges only a declared key', async () => {
    world({ owner: ACCOUNT, callerAdmitted: true, encryption: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: K2 } });
    expect((await s3Check({}, 'local')).verdict).toBe('ok');
    expect((await s3Check({ kmsKeyArn: K1 }, 'local')).verdict).toBe('fail');
  });
});

describe('the DynamoDB source\'s key against kmsKeyArn (F3)', () => {
  async function tableCheck(source: Record<string, unknown>, sse: TableDescription['SSEDescription'], keys: Parameters<typeof world>[1] = {}, mode: DoctorMode = 'aws') {
    world({ owner: ACCOUNT, callerAdmitted: true }, keys);
    dynamodb.reset();
    dynamodb.on(DescribeTableCommand).resolves({ Table: { TableName: 'orders', TableStatus: 'ACTIVE', ...(sse ? { SSEDescription: sse } : {}) } });
    dynamodb.on(ScanCommand).resolves({ Items: [], Count: 0 });
    const { ctx, source: parsed } = contextOf({ type: 'dynamodb', name: 'orders', table: 'orders', ...source }, mode);
    return checkDynamoDbSource(() => new DynamoDBClient({ region: REGION }), ctx, parsed as DynamoDbTableSourceConfig, mode === 'aws' ? { kms: () => new KMSClient({ region: REGION }) } : {});
  }
  const underKms = (arn: string) => ({ Status: 'ENABLED' as const, SSEType: 'KMS' as const, KMSMasterKeyArn: arn });

  it('passes the declared key', async () => {
    expect(await tableCheck({ kmsKeyArn: K1 }, underKms(K1))).toMatchObject({ verdict: 'ok', detail: 'table orders in us-east-1, ACTIVE, readable' });
  });

  it('fails a table under another key than the declared one, naming the table\'s key', async () => {
    expect(await tableCheck({ kmsKeyArn: K1 }, underKms(K2))).toEqual({
      name: 'source orders',
      verdict: 'fail',
      detail: `table orders is encrypted with ${K2}, not with ${K1}, which ${FIELD}.kmsKeyArn declares: Lifeboat's roles are granted the declared key, not the table's, and a restore into a new table would create it under the declared one`,
      fix: `set ${FIELD}.kmsKeyArn to "${K2}" in ${CONFIG_FILE} (or remove it if that is the AWS managed key aws/dynamodb)`,
    });
  });

  it('fails a declared key on a table under the AWS owned key', async () => {
    expect(await tableCheck({ kmsKeyArn: K1 }, undefined)).toMatchObject({ verdict: 'fail', fix: expect.stringMatching(new RegExp(`^remove ${FIELD.replace(/[[\]]/g, '\\$&')}\\.kmsKeyArn from `)) });
  });

  it('fails an undeclared customer managed key, passes an AWS managed one, warns when DescribeKey is refused', async () => {
    expect(await tableCheck({}, underKms(K2), { [K2]: { arn: K2, manager: 'CUSTOMER' } })).toMatchObject({
      verdict: 'fail',
      detail: `table orders is encrypted with the customer managed key ${K2}, which ${FIELD}.kmsKeyArn does not declare: Lifeboat's roles get no kms:Decrypt on it, so the backups of this source fail with AccessDenied unless the key's policy admits them by itself`,
      fix: `set ${FIELD}.kmsKeyArn to "${K2}" in ${CONFIG_FILE}`,
    });
    expect((await tableCheck({}, underKms(K2), { [K2]: { arn: K2, manager: 'AWS' } })).verdict).toBe('ok');
    const refused = await tableCheck({}, underKms(K2), { [K2]: 'denied' });
    expect(refused).toMatchObject({ verdict: 'warn', detail: expect.stringContaining('cannot tell whether it is customer managed (DescribeKey: AccessDeniedException') });
    expect(refused.fix).toContain(`set ${FIELD}.kmsKeyArn to its Arn in ${CONFIG_FILE}`);
  });

  it('passes an unencrypted-by-KMS table without a declaration, and locally an undeclared key', async () => {
    expect((await tableCheck({}, undefined)).verdict).toBe('ok');
    expect((await tableCheck({}, underKms(K2), {}, 'local')).verdict).toBe('ok');
    expect(kms.commandCalls(DescribeKeyCommand)).toHaveLength(0);
  });
});
