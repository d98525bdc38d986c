import { GetBucketEncryptionCommand, type S3Client, type ServerSideEncryptionByDefault } from '@aws-sdk/client-s3';
import { type S3BucketSourceConfig } from '../../config/lifeboat-config';
import { partitionOf } from '../../config/aws-partition';
import { parseKmsKeyArn } from '../../config/kms-key-arn';
import { type CheckResult, fail, warn } from './check-result';
import { type DoctorContext } from './doctor-context';
import { describeError, errorNameOf } from './sdk-error';
import { describeSourceKey, keyField, type KmsClients, type SourceKeyManager, undeclaredKeyResult, unreadableKeyRegionResult } from './source-key';
import { regionUnansweredResult } from './unanswered-region';

const BARE_KEY_ID = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/;
const ALIAS_ARN_ACCOUNT = /^arn:[a-z-]+:kms:[a-z0-9-]+:(\d{12}):alias\//;

/** The bucket's default encryption rule; undefined for a bucket without one (before 2023), which is SSE-S3 today. */
async function defaultEncryption(s3: S3Client, bucket: string, owner: string): Promise<ServerSideEncryptionByDefault | undefined> {
  try {
    const answer = await s3.send(new GetBucketEncryptionCommand({ Bucket: bucket, ExpectedBucketOwner: owner }));
    return answer?.ServerSideEncryptionConfiguration?.Rules?.find((r) => r.ApplyServerSideEncryptionByDefault)?.ApplyServerSideEncryptionByDefault;
  } catch (err) {
    if (errorNameOf(err) === 'ServerSideEncryptionConfigurationNotFoundError') return undefined;
    throw err;
  }
}

/**
 * An S3 source's default encryption against its `kmsKeyArn` (GetBucketEncryption): S3 hands an SSE-KMS object only to
 * a caller that may kms:Decrypt with its key, and the roles are granted the declared key only. The default is the key
 * of every object written without SSE headers, so it is what the doctor can compare; an object written with a key of
 * its own is not seen. undefined: nothing to report.
 */
export async function bucketKeyResult(s3: S3Client, ctx: DoctorContext, source: S3BucketSourceConfig, owner: string, kms: KmsClients | undefined): Promise<CheckResult | undefined> {
  const name = `source ${source.name}`;
  const field = keyField(ctx, source.name);
  const { primaryRegion, account } = ctx.environment;
  let rule: ServerSideEncryptionByDefault | undefined;
  try {
    rule = await defaultEncryption(s3, source.bucket, owner);
  } catch (err) {
    // S3's 500 or silence is the region's, not a missing grant (review r63H F6), as for the listing before it.
    const unread = `cannot read the default encryption of bucket ${source.bucket}, so its key is not compared with ${field}`;
    return (
      regionUnansweredResult(name, primaryRegion, err, unread, 'warn') ??
      warn(name, `${unread} (${describeError(err)})`, `allow s3:GetEncryptionConfiguration on arn:${partitionOf(primaryRegion)}:s3:::${source.bucket} to the caller, then run the doctor again`)
    );
  }
  const sseKms = rule?.SSEAlgorithm === 'aws:kms' || rule?.SSEAlgorithm === 'aws:kms:dsse';
  const keyId = sseKms ? rule?.KMSMasterKeyID : undefined;
  const foreign = owner !== account;
  const awsManaged = (keyName: string): CheckResult | undefined =>
    foreign
      ? fail(
          name,
          `bucket ${source.bucket} encrypts by default with ${keyName}, an AWS managed key of account ${owner}: its policy admits only that account's principals, so Lifeboat's roles of account ${account} cannot decrypt the objects written under it`,
          `in account ${owner}, make the bucket's default encryption a customer managed key whose policy admits Lifeboat's roles, and declare it in ${field} (docs/DEPLOYMENT.md, "An S3 source in another account"); objects already written stay under ${keyName} until they are copied over themselves`,
        )
      : undefined;
  const notUnderDeclared = (what: string): CheckResult =>
    warn(
      name,
      `bucket ${source.bucket} encrypts by default with ${what}, but ${field} declares ${source.kmsKeyArn}: objects written without SSE headers are not under the declared key`,
      `if the bucket's objects are written with SSE-KMS headers naming ${source.kmsKeyArn}, nothing to do; else set ${field} to the key of the default encryption (aws s3api get-bucket-encryption --bucket ${source.bucket}), or remove it`,
    );

  if (!sseKms) return source.kmsKeyArn !== undefined ? notUnderDeclared('SSE-S3') : undefined;
  if (keyId === undefined) return source.kmsKeyArn !== undefined ? notUnderDeclared('the AWS managed key aws/s3') : awsManaged('aws/s3');

  // S3 takes a key id, a key ARN or an alias: only an ARN compares as it stands; a bare id is a key of the bucket's account and region.
  const partition = partitionOf(primaryRegion);
  let keyArn = parseKmsKeyArn(keyId) ? keyId : BARE_KEY_ID.test(keyId) ? `arn:${partition}:kms:${primaryRegion}:${owner}:key/${keyId}` : undefined;
  if (keyArn !== undefined && keyArn === source.kmsKeyArn) return undefined;
  // An alias name resolves in the caller's account (the environment's), so another account's alias is described by its ARN.
  const aliasArn = foreign && keyId.startsWith('alias/') ? `arn:${partition}:kms:${primaryRegion}:${owner}:${keyId}` : undefined;
  const otherAccountKey = (arn: string | undefined): CheckResult | undefined => {
    const keyAccount = arn !== undefined ? parseKmsKeyArn(arn)?.account : aliasArn !== undefined ? owner : ALIAS_ARN_ACCOUNT.exec(keyId)?.[1];
    if (source.kmsKeyArn !== undefined || kms === undefined || keyAccount === undefined || keyAccount === account) return undefined;
    const named = arn ?? aliasArn ?? keyId;
    return fail(
      name,
      `bucket ${source.bucket} encrypts by default with the KMS key ${named} of account ${keyAccount}, which ${field} does not declare: Lifeboat's roles get kms:Decrypt on the declared key only, and a key of another account needs both that IAM permission and a statement of its own key policy (docs/DEPLOYMENT.md, "An S3 source in another account"), so the backups' reads of objects under it are refused`,
      `set ${field} in ${ctx.request.configFile} to ${arn !== undefined ? `"${arn}"` : `the key ARN that \`aws kms describe-key --key-id ${named}\` prints with account ${keyAccount}'s credentials`}, and add the key-policy statement of docs/DEPLOYMENT.md, "An S3 source in another account", to the key's policy in account ${keyAccount} (an AWS managed key of another account cannot be shared: make the bucket's default a customer managed key first)`,
    );
  };
  // The key's account is in its ARN: an undeclared key of another account is refused whatever its KeyManager (an AWS
  // managed one is never shared), and DescribeKey across accounts is normally refused to the operator anyway.
  const undeclaredForeign = keyArn !== undefined ? otherAccountKey(keyArn) : undefined;
  if (undeclaredForeign !== undefined) return undeclaredForeign;
  let described: SourceKeyManager | undefined;
  if (kms) {
    const keyRegion = parseKmsKeyArn(keyArn ?? '')?.region ?? primaryRegion;
    described = await describeSourceKey(kms(keyRegion), keyRegion, keyArn ?? aliasArn ?? keyId);
    if ('arn' in described) keyArn = described.arn;
  }
  if (keyArn !== undefined && keyArn === source.kmsKeyArn) return undefined;
  if (described !== undefined && 'manager' in described && described.manager === 'AWS') {
    return source.kmsKeyArn !== undefined ? notUnderDeclared(`the AWS managed key ${keyArn ?? keyId}`) : awsManaged(keyArn ?? keyId);
  }
  const resolvedForeign = otherAccountKey(keyArn);
  if (resolvedForeign !== undefined) return resolvedForeign;
  if (source.kmsKeyArn !== undefined) {
    if (keyArn === undefined) {
      const unresolved = `bucket ${source.bucket} encrypts by default with ${aliasArn ?? keyId}, which the doctor cannot resolve to a key ARN to compare with ${source.kmsKeyArn}, which ${field} declares`;
      const unanswered = unreadableKeyRegionResult(name, described, unresolved);
      if (unanswered !== undefined) return unanswered;
      return warn(
        name,
        `${unresolved}${described && 'unreadable' in described ? ` (DescribeKey: ${described.unreadable})` : ''}`,
        `check that \`aws kms describe-key --key-id ${aliasArn ?? keyId}\` prints ${source.kmsKeyArn}; else set ${field} to the Arn it prints`,
      );
    }
    return fail(
      name,
      `bucket ${source.bucket} encrypts by default with ${keyArn}, not with ${source.kmsKeyArn}, which ${field} declares: Lifeboat's roles get kms:Decrypt on the declared key only, so the backups' reads of objects under ${keyArn} are refused`,
      `set ${field} to "${keyArn}" in ${ctx.request.configFile}`,
    );
  }
  return undeclaredKeyResult(ctx, source.name, `bucket ${source.bucket} encrypts by default with`, keyArn ?? keyId, described);
}
