import { type DenyingPolicy, refusalOf } from '../../vault';
import { BACKUP_ID_PLACEHOLDER } from '../catalog/pasted-id-word';
import { type VaultSide } from '../runtime/runtime-config';
import { refusedWords } from './refused-words';
import { notPermissionRefusalAdvice } from './not-permission-refusal-advice';

/** Said of an explicit deny: which policy it is in says who lifts it. */
const EXPLICIT = ' (an explicit deny, which no permission of the credentials overrides)';

/**
 * The reason of a repair whose write `vault` refused with an AccessDenied (`cause`, S3's error; `held` as for
 * refusedWriteAdvice, undefined when the damaged copy's hold could not be read): `overwrite`, the write replaced a
 * damaged copy, else it created a missing one. A missing copy's refusal stopped the run with S3's bare words (review
 * r63E F6): it is said, with the same advice, as a damaged one's. Only an overwrite meets a DR vault's deny of this
 * account's overwrites: a missing copy is written create-only.
 */
export function refusedRepairReason(vault: VaultSide, overwrite: boolean, cause: unknown, held: boolean | undefined): string {
  const words = refusedWords(cause);
  // A 403 for the clock or the credentials' key (RequestTimeTooSkewed) was advised a permission, or a DR copy's delete,
  // neither of which could help (review f65M): it says what the 403 was.
  const notRefusal = notPermissionRefusalAdvice(cause, 'scrub with repair');
  if (notRefusal !== undefined) return `the ${vault} vault did not take the ${overwrite ? 'new copy over its damaged one' : 'copy of its missing object'} (${words}); ${notRefusal}`;
  if (!overwrite) return `the ${vault} vault refused the copy of its missing object (${words}); ${refusedWriteAdvice(cause, held === true)}`;
  return `the ${vault} vault refused to replace its damaged copy (${words}); ${vault === 'dr' ? drOverwriteAdvice(cause, held) : refusedWriteAdvice(cause, held === true)}`;
}

/** The way out of a damaged DR copy: the DR account deletes it, and the primary's scrub copies it, create-only (docs/DEPLOYMENT.md). */
const DR_DELETES = 'have an administrator of the DR account delete the damaged object (`aws s3 rm`: a plain delete keeps its version), and the next scrub with repair copies it as missing (docs/DEPLOYMENT.md, "The DR vault in another account")';

/**
 * A DR vault in another account refuses any overwrite by this account (docs/SECURITY.md, "The DR vault in another
 * account"): its bucket policy's DenyOverwritesByThePrimaryAccount, an explicit deny in a resource-based policy. Lifting
 * it, as the advice for such words said (review r63E F2), would undo the DR vault's protection against a compromised primary
 * account; and the scrub reads the primary vault, which credentials of the DR account do not, so they cannot repair it
 * either. The DR account deletes the damaged copy, and the next scrub copies it as missing. The same refusal comes from
 * credentials of the vault's own account without s3:PutObject, or, for a held copy written over with its hold, without
 * s3:PutObjectLegalHold (review r62B F2): words that do not name that deny name both. A DR vault in this account has no
 * such deny (review r63L F4): words naming a bucket policy's deny say what each case means.
 */
function drOverwriteAdvice(cause: unknown, held: boolean | undefined): string {
  const { action, explicitDeny, policy } = refusalOf(cause);
  // S3 decides on its bucket policy before it asks KMS: a refused kms: action got past it, so no overwrite deny refused
  // this write, and a delete would meet the same refusal (review r63L F3).
  if (action?.startsWith('kms:') === true) return refusedWriteAdvice(cause, held === true);
  const rehold = reholdAfterDelete(held);
  if (explicitDeny && policy === 'resource-based policy') {
    // Whether the DR vault is in another account the scrub is not told (review r63L F4): one in this account has no such
    // deny, so there it is a policy changed since deploy (bucketPolicyAdvice).
    return `the DR vault's bucket policy denies this overwrite (an explicit deny): if the DR vault is in another account, that is its protection against the primary account's overwrites (DenyOverwritesByThePrimaryAccount), which is not to be lifted: ${DR_DELETES}${rehold}; if it is in this account, the policy Lifeboat deploys denies no overwrite there, so it was changed since deploy; only the break-glass principal may put it back (docs/SECURITY.md, "Vault buckets"), then scrub with repair again`;
  }
  return `if it is a DR vault in another account, it takes overwrites from its own account only: ${DR_DELETES}${rehold}; otherwise ${refusedWriteAdvice(cause, held === true)}`;
}

/**
 * The DR account's hold command for the copy made after its delete. The placeholder is quoted: bare, `<backupId>` was a
 * redirect when pasted unfilled. No --reason: without one the DR catalog keeps the hold it has (reason, by and at) and the
 * S3 legal holds are set again, where a reason given replaced a legal case's with the line's (review r65Q F1).
 */
const DR_HOLD = `\`lifeboat backups hold ${BACKUP_ID_PLACEHOLDER} --only dr\` with the DR account's credentials, which keeps the reason its catalog has`;

/**
 * What DR_DELETES leaves to do of a legal hold: the copy made after the delete carries none, for S3 keeps a hold on the
 * version it was set on. `held` undefined: the primary account may read the holds of a DR vault in another account on
 * snapshot objects only (REMOTE_VAULT_LEGAL_HOLD_READ_KEYS), so a held pack, index or manifest object was advised a
 * delete without a word of its hold (review r63L F1): said for any backup whose data the object holds.
 */
function reholdAfterDelete(held: boolean | undefined): string {
  if (held === true) return `; the copy so made carries no legal hold: the DR account's operator sets the backup's hold again (${DR_HOLD})`;
  if (held === undefined) return `; its legal hold could not be read: if a held backup's data is in it, the copy made after the delete carries no legal hold: the DR account's operator sets each such backup's hold again (${DR_HOLD})`;
  return '';
}

/**
 * What a scrub says to do of a repair's write refused with an AccessDenied (`cause`, S3's error); `held`: the damaged
 * copy had a legal hold, so the new copy was written with it (LegalHoldWriteRefusedError). Any 403 of a copy's write,
 * held or not, may be a KMS key's refusal or a bucket policy's deny: the action S3's words name is named (review r62F
 * F5; an unheld copy's was called a missing s3:PutObject, r62I F4), else s3:PutObjectLegalHold for a held copy and
 * s3:PutObject for another, the likely ones. A policy's explicit deny is not lifted by other credentials: the policy is
 * named (review r62I F5); nor is the want of an allow in a policy that is not the credentials' own (no service control,
 * VPC endpoint or bucket policy allows it): that policy is named with who changes it (review r62O F2).
 */
export function refusedWriteAdvice(cause: unknown, held: boolean): string {
  const { action } = refusalOf(cause);
  const needed = (refused: string): string => `${refused}, which writing the new copy${refused === 's3:PutObjectLegalHold' ? " with the damaged copy's legal hold" : ''} needs`;
  return refusalAdvice(
    cause,
    action !== undefined ? needed(action) : 'the write',
    held
      ? "these credentials lack s3:PutObjectLegalHold on it (a KMS key or a policy's deny can refuse it too; CloudTrail names the action), which writing the new copy with the damaged copy's legal hold needs besides s3:PutObject: scrub with repair again with credentials that have both"
      : 'these credentials lack s3:PutObject on it: scrub with repair again with credentials that have it',
  );
}

/**
 * What a scrub says to do of a refusal (`cause`, S3's error) of `what` (the action refused, and what it was for) by the
 * policy its words name, as refusedWriteAdvice says; `unnamed`: the advice when they name neither a policy nor an action.
 * `olderPolicy`: said besides when the vault bucket's policy lacks the allow, what else that may mean and the way out
 * (a DR vault's policy deployed before the action joined it: refusedSourceReadReason). `rerun`: the run the advice says
 * to run again, a scrub with repair unless the refused read was a run's that repairs nothing (review r64B F4).
 */
export function refusalAdvice(cause: unknown, what: string, unnamed: string, olderPolicy?: string, rerun = 'scrub with repair'): string {
  const { action, explicitDeny, policy } = refusalOf(cause);
  // The credentials' own policies lacking the allow: other credentials are the way out, as when no policy is named.
  if (policy !== undefined && (explicitDeny || policy !== 'identity-based policy')) return policyAdvice(policy, action, what, explicitDeny, olderPolicy, rerun);
  if (explicitDeny) return `a policy denies ${what}${EXPLICIT}: ${rerun} again once that policy allows it`;
  if (action !== undefined) return `S3 refused ${what}: ${rerun} again with credentials allowed it`;
  return unnamed;
}

/** The advice for a refusal whose words name the kind of policy that refused (`explicit`: by a deny, else for want of an allow; `olderPolicy` as for refusalAdvice). */
function policyAdvice(policy: DenyingPolicy, action: string | undefined, what: string, explicit: boolean, olderPolicy: string | undefined, rerun: string): string {
  const again = `then ${rerun} again`;
  switch (policy) {
    case 'service control policy':
    case 'resource control policy': {
      // An SCP bounds the calling account's principals, an RCP every caller of the account's resources.
      const [name, whoever] = policy === 'service control policy' ? ['service control policy (SCP)', 'whatever the credentials of this account'] : ['resource control policy (RCP)', 'whatever the credentials'];
      return explicit
        ? `a ${name} of the AWS organization denies ${what}${EXPLICIT}: ask the organization's administrator to lift that deny (AWS Organizations), ${again}`
        : `no ${name} of the AWS organization allows ${what}, ${whoever}: ask the organization's administrator to allow it (AWS Organizations), ${again}`;
    }
    case 'VPC endpoint policy':
      return explicit
        ? `the policy of the VPC endpoint the request went through denies ${what}${EXPLICIT}: have that endpoint's policy lift the deny (its VPC's administrator), ${again}`
        : `the policy of the VPC endpoint the request went through does not allow ${what}, whatever the credentials: have that endpoint's policy allow it (its VPC's administrator), ${again}`;
    case 'resource-based policy': {
      // A write's resource-based policies: the vault bucket's (s3:…) and its KMS key's (kms:…).
      if (action?.startsWith('kms:') === true) return keyPolicyAdvice(what, explicit, rerun);
      return action?.startsWith('s3:') === true ? bucketPolicyAdvice("the vault bucket's policy", what, explicit, olderPolicy, rerun) : bucketPolicyAdvice("the vault bucket's policy or its KMS key's", what, explicit, olderPolicy, rerun);
    }
    case 'permissions boundary':
      return explicit
        ? `the permissions boundary of these credentials denies ${what}${EXPLICIT}: ${rerun} again with credentials whose boundary does not, or once it allows it`
        : `the permissions boundary of these credentials does not allow ${what}, whatever their policies allow: ${rerun} again with credentials whose boundary allows it`;
    case 'session policy':
      return explicit
        ? `the session policy these credentials were issued with denies ${what}${EXPLICIT}: ${rerun} again with credentials of a session without that policy`
        : `the session policy these credentials were issued with does not allow ${what}, whatever their role allows: ${rerun} again with credentials of a session whose policy allows it`;
    case 'identity-based policy':
      return `a policy of these credentials (identity-based) denies ${what}${EXPLICIT}: ${rerun} again with other credentials, which no policy denies it to, or once that policy allows it`;
  }
}

/** How the vault key's policy admits its users, and that it is not to be edited (docs/DEPLOYMENT.md, docs/SECURITY.md "Keys"). */
const KEY_USERS = "the vault's KMS key admits only roles tagged lifeboat:key-user=<prefix> (the protection's prefix: lifeboat-<env> for an environment of the config)";

/**
 * The advice for the vault's KMS key's policy refusing `what`. That policy is Lifeboat's (lib/constructs/protected-key.ts):
 * it admits only the protection's roles, by their key-user tag, and no principal but the break-glass one may re-write
 * it: a role so tagged is the way out, never an edit of the policy, which could lock every backup out (review r63E F1:
 * it said "have that policy allow them"). It denies no use of the key, so an explicit deny is a policy changed since.
 */
function keyPolicyAdvice(what: string, explicit: boolean, rerun: string): string {
  return explicit
    ? `the vault's KMS key's policy denies ${what}${EXPLICIT}: the policy Lifeboat deploys denies no use of the key to its roles, so it was changed; only the break-glass principal may put it back (docs/SECURITY.md, "Keys"), then ${rerun} again`
    : `the vault's KMS key's policy does not allow these credentials ${what}: ${KEY_USERS}: ${rerun} again with such a role (do not edit the key's policy: docs/DEPLOYMENT.md, "Settings that must not change after the first deploy")`;
}

/**
 * The advice for the vault bucket's policy (`owner`, or the key's when the words do not say which) refusing `what`. That
 * policy is Lifeboat's (lib/constructs/vault-bucket-protection.ts), and s3:PutBucketPolicy is the break-glass
 * principal's alone (VAULT_TAMPERING_ACTIONS): "have that policy lift the deny" (or "allow them") was advice no one
 * but it could follow, and a lifted deny undoes a protection (review r63L F5). It denies none of a repair's reads, nor
 * its writes in the vault's own account (a DR vault in another account denies the primary account's overwrites, said
 * apart: drOverwriteAdvice), so an explicit deny is a policy changed since; it admits another account's roles only by
 * their key-user tag, the only want of an allow it leaves, so a role so tagged is the way out.
 */
function bucketPolicyAdvice(owner: string, what: string, explicit: boolean, olderPolicy: string | undefined, rerun: string): string {
  // A role so tagged is no way out when the policy lacks the allow for every role (review r63S F1): the scheduled
  // scrub's role is tagged, and every run was refused the same way.
  return explicit
    ? `${owner} denies ${what}${EXPLICIT}: the policy Lifeboat deploys denies none of a repair's reads, nor its writes in the vault's own account, so it was changed since deploy; only the break-glass principal may put it back (docs/SECURITY.md, "Vault buckets"), then ${rerun} again`
    : `${owner} does not allow these credentials ${what}, and no permission of their own makes up for that: it admits another account's roles only when tagged lifeboat:key-user=<prefix> (the protection's prefix: lifeboat-<env> for an environment of the config): ${rerun} again with such a role (do not edit the policy: only the break-glass principal may, docs/SECURITY.md, "Vault buckets")${olderPolicy === undefined ? '' : `; or ${olderPolicy}`}`;
}
