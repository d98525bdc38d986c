import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { type Construct } from 'constructs';
import { KEY_USER_TAG } from './security-options';

/** The actions no principal but the break-glass one may call on a Lifeboat key: each makes every backup under the key unreadable. */
export const KEY_DESTRUCTION_ACTIONS = ['kms:ScheduleKeyDeletion', 'kms:DisableKey', 'kms:PutKeyPolicy'];

/**
 * What the account's IAM may grant on the key without the key-user tag: managing it as CloudFormation
 * does (describe, tag, rotation on, description, aliases, grants for AWS services), never using it and
 * never KEY_DESTRUCTION_ACTIONS nor turning rotation off.
 */
const KEY_ADMINISTRATION_ACTIONS = [
  'kms:DescribeKey',
  'kms:GetKeyPolicy',
  'kms:GetKeyRotationStatus',
  'kms:ListAliases',
  'kms:ListGrants',
  'kms:ListKeyPolicies',
  'kms:ListResourceTags',
  'kms:CreateAlias',
  'kms:UpdateAlias',
  'kms:DeleteAlias',
  'kms:EnableKey',
  'kms:EnableKeyRotation',
  'kms:RotateKeyOnDemand',
  'kms:UpdateKeyDescription',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:CancelKeyDeletion',
  'kms:RetireGrant',
  'kms:RevokeGrant',
];

/** One way a key is used, with the conditions that make it that way and no other. */
export type KeyUse = {
  /** e.g. ['kms:Decrypt', 'kms:GenerateDataKey'] */
  readonly actions: readonly string[];
  /** IAM conditions besides the key-user tag (kms:ViaService, kms:EncryptionContext:…). */
  readonly conditions?: Record<string, Record<string, unknown>>;
  /**
   * Who may use the key this way: `lifeboat-roles`, the roles carrying the key-user tag (of the key's account and
   * `userAccounts`); `account-iam`, any IAM principal of the key's own account whose IAM policies allow it, tagged or
   * not (the application's roles reading a mirror of its own data, mirror-key.ts). Either way only with `conditions`.
   * @default 'lifeboat-roles'
   */
  readonly by?: 'lifeboat-roles' | 'account-iam';
};

export type ProtectedKeyProps = {
  readonly description: string;
  /** The principal exempt from the denies and allowed everything (security-options.ts, breakGlassPrincipalArn). */
  readonly breakGlassArn: string;
  /** The value of the key-user tag (KEY_USER_TAG) a role must carry to use the key: the protection's prefix. */
  readonly keyUser: string;
  /** The uses allowed to tagged roles, each with its own conditions. */
  readonly uses: readonly KeyUse[];
  /**
   * Other accounts whose roles carrying the key-user tag may use the key as `uses` says (the primary account,
   * for the DR vault's and DR catalog's keys of a DR stack in another account). Their IAM must allow it too.
   * @default the key's own account only
   */
  readonly userAccounts?: readonly string[];
  /** Services that use the key on their own behalf (the CloudWatch Logs service principal of a logs key). */
  readonly servicePrincipalStatements?: readonly iam.PolicyStatement[];
};

/**
 * A customer-managed KMS key (rotated yearly, retained with the stack) whose policy names who may do
 * what, instead of CDK's default that gives the account `kms:*` (docs/SECURITY.md, "Keys"):
 * - administration through IAM (KEY_ADMINISTRATION_ACTIONS), so CloudFormation can create and tag it;
 * - grants only for AWS resources (DynamoDB tables encrypted with it);
 * - use only by roles carrying `lifeboat:key-user` = `keyUser`, and only in the ways `uses` lists (a use `by: 'account-iam'`
 *   is open to the account's IAM principals without the tag, still only with its conditions);
 * - everything for the break-glass principal, and KEY_DESTRUCTION_ACTIONS denied to every other principal.
 *
 * The policy denies PutKeyPolicy to the principal that deploys it, which KMS refuses ("would lock you
 * out") unless BypassPolicyLockoutSafetyCheck is set: it is, on purpose. The document replaces the one
 * kms.Key keeps: statements CDK's `grant*` methods add to the key's policy are not deployed (the roles'
 * own policies, which those methods also write, still need the key-user tag to take effect).
 */
export function createProtectedKey(scope: Construct, id: string, props: ProtectedKeyProps): kms.Key {
  // Without conditions, a use open to the account's IAM would be CDK's default key policy again.
  if (props.uses.some((use) => use.by === 'account-iam' && Object.keys(use.conditions ?? {}).length === 0)) throw new Error(`${scope.node.path}/${id}: a key use by 'account-iam' needs conditions`);
  const key = new kms.Key(scope, id, { description: props.description, enableKeyRotation: true, removalPolicy: RemovalPolicy.RETAIN });
  const account = new iam.AccountRootPrincipal();
  const users = [account, ...(props.userAccounts ?? []).map((a) => new iam.AccountPrincipal(a))];
  const tagged = { StringEquals: { [`aws:PrincipalTag/${KEY_USER_TAG}`]: props.keyUser } };
  const document = new iam.PolicyDocument({
    statements: [
      new iam.PolicyStatement({ sid: 'KeyAdministrationThroughIam', principals: [account], actions: KEY_ADMINISTRATION_ACTIONS, resources: ['*'] }),
      new iam.PolicyStatement({
        sid: 'GrantsForAwsResourcesOnly',
        principals: [account],
        actions: ['kms:CreateGrant'],
        resources: ['*'],
        conditions: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
      }),
      ...props.uses.map((use, index) =>
        use.by === 'account-iam'
          ? new iam.PolicyStatement({ sid: `KeyUse${index + 1}ByAccountIam`, principals: [account], actions: [...use.actions], resources: ['*'], conditions: use.conditions ?? {} })
          : new iam.PolicyStatement({
              sid: `KeyUse${index + 1}ByLifeboatRoles`,
              principals: users,
              actions: [...use.actions],
              resources: ['*'],
              conditions: mergeConditions(tagged, use.conditions ?? {}),
            }),
      ),
      ...(props.servicePrincipalStatements ?? []),
      // The account as principal, narrowed by ARN: a key policy naming the role itself is refused while the role does not
      // exist, and `Principal: <account>:root` alone would hand kms:* to every IAM principal (CDK's default, which this replaces).
      new iam.PolicyStatement({
        sid: 'BreakGlass',
        principals: [new iam.AccountPrincipal(accountOf(props.breakGlassArn) ?? Stack.of(scope).account)],
        actions: ['kms:*'],
        resources: ['*'],
        conditions: { ArnEquals: { 'aws:PrincipalArn': props.breakGlassArn } },
      }),
      new iam.PolicyStatement({
        sid: 'DenyKeyDestructionButBreakGlass',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: KEY_DESTRUCTION_ACTIONS,
        resources: ['*'],
        conditions: { ArnNotEquals: { 'aws:PrincipalArn': props.breakGlassArn } },
      }),
    ],
  });
  const cfnKey = key.node.defaultChild as kms.CfnKey;
  cfnKey.keyPolicy = document;
  cfnKey.bypassPolicyLockoutSafetyCheck = true;
  return key;
}

/** The account of an IAM ARN (`arn:aws:iam::123456789012:role/x`), when it is literal. */
function accountOf(arn: string): string | undefined {
  return /^arn:[^:]+:iam::(\d{12}):/.exec(arn)?.[1];
}

function mergeConditions(a: Record<string, Record<string, unknown>>, b: Record<string, Record<string, unknown>>): Record<string, Record<string, unknown>> {
  const merged: Record<string, Record<string, unknown>> = { ...a };
  for (const [operator, keys] of Object.entries(b)) merged[operator] = { ...(merged[operator] ?? {}), ...keys };
  return merged;
}
