import { DescribeKeyCommand, type KeyMetadata, type KMSClient } from '@aws-sdk/client-kms';
import { type CheckResult, fail, ok, warn } from './check-result';
import { type DoctorContext } from './doctor-context';
import { describeError, errorNameOf } from './sdk-error';
import { regionUnansweredResult } from './unanswered-region';

/**
 * Group 5, after a deploy, in AWS: the state of each vault's KMS key, by the alias the stack gives it. Every
 * object of a vault is encrypted under keys that key wraps (docs/FORMAT.md, "Keys"): a key disabled stops
 * every backup, restore and replication of that vault, and a key scheduled for deletion makes every backup in
 * the vault unreadable, for good, once its waiting period ends. Neither shows anywhere else until a run
 * fails, so the doctor reads it (DescribeKey; the alarms do not watch KMS).
 */
export async function checkVaultKey(kms: KMSClient, ctx: DoctorContext, side: 'primary' | 'dr'): Promise<CheckResult> {
  const { environment, names } = ctx;
  const region = side === 'primary' ? environment.primaryRegion : environment.drRegion;
  const alias = side === 'primary' ? names.primaryVaultKeyAlias : names.drVaultKeyAlias;
  const name = `vault key ${region}`;
  const vault = side === 'primary' ? 'the primary vault' : 'the DR vault';
  if (side === 'dr' && environment.drAccount !== undefined && environment.drAccount !== environment.account) {
    return warn(
      name,
      `${alias} is in account ${environment.drAccount}, which the doctor does not read with account ${environment.account}'s credentials`,
      `with account ${environment.drAccount}'s credentials: aws kms describe-key --key-id ${alias} --region ${region} (KeyState must be Enabled)`,
    );
  }
  let metadata: KeyMetadata | undefined;
  try {
    metadata = (await kms.send(new DescribeKeyCommand({ KeyId: alias }))).KeyMetadata;
  } catch (err) {
    if (errorNameOf(err) === 'NotFoundException') {
      return fail(
        name,
        `no key answers to ${alias} in ${region}: its alias was removed, or the key was deleted (then ${vault}'s backups cannot be decrypted; restore from the other region's vault)`,
        `${ctx.cdk(`deploy ${side === 'primary' ? names.primaryStack : names.drStack}`)} puts the alias back if the key still exists (aws kms list-keys --region ${region})`,
      );
    }
    const unanswered = regionUnansweredResult(name, region, err, `cannot read ${alias}`, 'warn');
    if (unanswered) return unanswered;
    return warn(name, `cannot read ${alias} in ${region}: ${describeError(err)}`, `allow kms:DescribeKey on ${vault}'s key to the caller, then run the doctor again`);
  }
  const keyId = metadata?.KeyId ?? alias;
  const state = metadata?.KeyState ?? 'Unknown';
  const cli = (command: string) => `aws kms ${command} --key-id ${keyId} --region ${region}`;
  switch (state) {
    case 'Enabled':
      return ok(name, `${alias} (${keyId}) is Enabled`);
    case 'PendingDeletion': {
      const when = metadata?.DeletionDate ? ` on ${metadata.DeletionDate.toISOString()}` : '';
      return fail(
        name,
        `${alias} (${keyId}) is scheduled for deletion${when}: from then on every backup in ${vault} is unreadable, for good; until then every run that uses the vault fails`,
        `cancel it now: ${cli('cancel-key-deletion')} && ${cli('enable-key')}; then find who scheduled it (CloudTrail ScheduleKeyDeletion)`,
      );
    }
    case 'Disabled':
      return fail(name, `${alias} (${keyId}) is Disabled: every backup, restore and replication that uses ${vault} fails`, `${cli('enable-key')}; then find who disabled it (CloudTrail DisableKey)`);
    case 'Creating':
    case 'Updating':
      return warn(name, `${alias} (${keyId}) is ${state}`, 'run the doctor again in a few minutes');
    default:
      // Unavailable (a custom key store disconnected), PendingImport (key material missing), PendingReplicaDeletion, …
      return fail(name, `${alias} (${keyId}) is ${state}: ${vault} cannot be read or written until it is Enabled`, `${cli('describe-key')} says why; see the KMS documentation for key state ${state}`);
  }
}
