import { Annotations, type Stack, Token } from 'aws-cdk-lib';
import { breakGlassPrincipal } from '../../config/break-glass-principal';

/**
 * The security settings of a protection (docs/SECURITY.md). Same fields as `environment.security` in
 * lifeboat.config.json.
 */
export type LifeboatSecurityOptions = {
  /**
   * The only principal that may schedule the deletion of, disable or change the key policy of
   * Lifeboat's KMS keys, and delete object versions, change the bucket policy, lifecycle, versioning or
   * Object Lock settings of the vaults (an IAM role ARN, `arn:aws:iam::<account>:role/<name>`, exactly as
   * IAM writes it, path included). Stack updates that change those settings must be deployed as it.
   * A role of the stack's own account can be taken over by that account's IAM administrators (its trust
   * policy changed, or the role deleted and created again) unless an SCP forbids it: synth warns
   * (docs/SECURITY.md, "A break-glass role needs an SCP").
   * @default the account's root user (`arn:<partition>:iam::<account>:root`): no IAM principal at all, so a
   * compromised administrator cannot act as it, and the one principal S3 never locks out of a bucket policy
   */
  readonly breakGlassRoleArn?: string;
  /**
   * Whether the state machines log the input and output of every step (the request, catalog records,
   * error causes). For debugging only: they may name paths, keys and items of the protected data.
   * @default false: events are logged without their data
   */
  readonly logExecutionData?: boolean;
  /**
   * How long the workflows' and the functions' logs are kept, in days: one of CloudWatch Logs' values
   * (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653).
   * @default 90 (lifeboat-defaults.ts, LOG_RETENTION)
   */
  readonly logRetentionDays?: number;
};

/** The retention values CloudWatch Logs accepts (PutRetentionPolicy). */
export const LOG_RETENTION_DAYS_VALUES = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

/** An IAM role ARN as `aws:PrincipalArn` carries it for the role's sessions. */
export const ROLE_ARN_PATTERN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;

/** Stacks already warned that the break-glass role is of another account: one warning each, not one per key. */
const WARNED_STACKS = new WeakSet<Stack>();
/** Stacks already warned that their break-glass role is one their own account's IAM can take over: one warning each. */
const WARNED_OWN_ACCOUNT_ROLE = new WeakSet<Stack>();

/**
 * The principal exempt from the deny statements: the configured break-glass role when it is a role of the stack's
 * account, else the account's root user (config/break-glass-principal.ts, the rule the CLI names it by too). Says so
 * when a role is set aside for another account's, or kept where its own account's IAM can take it over.
 */
export function breakGlassPrincipalArn(stack: Stack, security: LifeboatSecurityOptions | undefined): string {
  const principal = breakGlassPrincipal(security?.breakGlassRoleArn, { account: stack.account, partition: stack.partition, accountKnown: !Token.isUnresolved(stack.account) });
  if (principal.kind === 'root-for-role-of-another-account' && !WARNED_STACKS.has(stack)) {
    WARNED_STACKS.add(stack);
    Annotations.of(stack).addWarningV2(
      'lifeboat:break-glass-of-another-account',
      `security.breakGlassRoleArn is a role of account ${principal.roleAccount}; stack ${stack.stackName} deploys to account ${stack.account}, whose root user stays its break-glass principal (docs/SECURITY.md).`,
    );
  }
  if (principal.kind === 'role') warnOfOwnAccountRole(stack, principal.arn, principal.roleAccount);
  return principal.arn;
}

/**
 * The break-glass role is the one principal that may delete vault versions and schedule the keys' deletion, and
 * nothing in the stack's policies stops an IAM administrator of the role's own account from becoming it: changing
 * its trust policy, or deleting it and creating a role of the same name (same ARN, so the same exemption). Only an
 * SCP can (docs/SECURITY.md, "A break-glass role needs an SCP"), which synth cannot see: it says so, once per stack.
 * The default, the root user, is no IAM principal and is not exposed.
 */
function warnOfOwnAccountRole(stack: Stack, role: string, roleAccount: string | undefined): void {
  if (WARNED_OWN_ACCOUNT_ROLE.has(stack)) return;
  WARNED_OWN_ACCOUNT_ROLE.add(stack);
  const account = roleAccount !== undefined ? `account ${roleAccount}` : 'its account';
  Annotations.of(stack).addWarningV2(
    'lifeboat:break-glass-role-without-scp',
    `security.breakGlassRoleArn ${role} is stack ${stack.stackName}'s break-glass principal, a role: an IAM administrator of ${account} can take it over (change its trust policy, or delete it and create it again) and then delete vault versions and schedule the keys' deletion. Deny that with the SCP of docs/SECURITY.md, "A break-glass role needs an SCP", or leave breakGlassRoleArn out (the account's root user).`,
  );
}

/**
 * The tag that makes a role a user of a protection's keys (key policies allow use only to principals
 * carrying it, protected-key.ts): `lifeboat:key-user` = the protection's prefix. LifeboatProtection puts it
 * on its functions' roles; an operator's role that runs the CLI against the vaults needs it too.
 */
export const KEY_USER_TAG = 'lifeboat:key-user';
