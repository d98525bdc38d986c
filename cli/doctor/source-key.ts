import { DescribeKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import { type CheckResult, fail, warn } from './check-result';
import { type DoctorContext } from './doctor-context';
import { describeError } from './sdk-error';
import { regionUnansweredResult } from './unanswered-region';

/** KMS clients by region: in AWS only; the local cloud has no KMS (and no key policy that could refuse a read). */
export type KmsClients = (region: string) => KMSClient;

/**
 * What DescribeKey says of a source's key: its ARN and who manages it, or why it could not be read (in words, and
 * the error itself with the region asked, for a throttle or a silent region to be told from a refusal).
 */
export type SourceKeyManager = { readonly arn: string; readonly manager: string } | { readonly unreadable: string; readonly error: unknown; readonly region: string };

/** DescribeKey of `keyId` with `kms`, the KMS client of `region`. */
export async function describeSourceKey(kms: KMSClient, region: string, keyId: string): Promise<SourceKeyManager> {
  try {
    const metadata = (await kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata;
    return { arn: metadata?.Arn ?? keyId, manager: metadata?.KeyManager ?? 'unknown' };
  } catch (err) {
    return { unreadable: describeError(err), error: err, region };
  }
}

/**
 * The warning for a DescribeKey that KMS's region did not answer, answered with a fault, throttled (or its STS not
 * activated for the credentials' role), `what` saying what the doctor then cannot tell; undefined when it was read or
 * refused. Until review r63N F2 a throttled DescribeKey ended in the advice to allow kms:DescribeKey.
 */
export function unreadableKeyRegionResult(name: string, described: SourceKeyManager | undefined, what: string): CheckResult | undefined {
  if (described === undefined || !('unreadable' in described)) return undefined;
  return regionUnansweredResult(name, described.region, described.error, what, 'warn');
}

/** `environments[0].plans[0].sources[1].kmsKeyArn`: the field that declares a source's key. */
export function keyField(ctx: DoctorContext, sourceName: string): string {
  return `${ctx.sourceField(sourceName)}.kmsKeyArn`;
}

/**
 * A source encrypted with `keyId`, a key its `kmsKeyArn` does not declare. Lifeboat's roles get kms:Decrypt only on
 * the declared key (config/lifeboat-config.ts), so a customer managed key whose policy delegates to IAM refuses every
 * backup's reads; an AWS managed key admits the account's principals by itself. DescribeKey tells the two apart;
 * without it (refused, or the local cloud, whose reads no key policy refuses: undefined) the line only warns.
 */
export function undeclaredKeyResult(ctx: DoctorContext, sourceName: string, what: string, keyId: string, described: SourceKeyManager | undefined): CheckResult | undefined {
  const name = `source ${sourceName}`;
  const field = keyField(ctx, sourceName);
  if (described === undefined) return undefined;
  if ('unreadable' in described || (described.manager !== 'CUSTOMER' && described.manager !== 'AWS')) {
    const unanswered = unreadableKeyRegionResult(name, described, `${what} the KMS key ${keyId}, which ${field} does not declare, and the doctor cannot tell whether it is customer managed`);
    if (unanswered !== undefined) return unanswered;
    const why = 'unreadable' in described ? described.unreadable : `KeyManager ${described.manager}`;
    return warn(
      name,
      `${what} the KMS key ${keyId}, which ${field} does not declare, and the doctor cannot tell whether it is customer managed (DescribeKey: ${why})`,
      `if \`aws kms describe-key --key-id ${keyId}\` says KeyManager CUSTOMER, set ${field} to its Arn in ${ctx.request.configFile} (an AWS managed key needs nothing); allow kms:DescribeKey on it to the caller to let the doctor tell`,
    );
  }
  if (described.manager === 'AWS') return undefined;
  return fail(
    name,
    `${what} the customer managed key ${described.arn}, which ${field} does not declare: Lifeboat's roles get no kms:Decrypt on it, so the backups of this source fail with AccessDenied unless the key's policy admits them by itself`,
    `set ${field} to "${described.arn}" in ${ctx.request.configFile}`,
  );
}
