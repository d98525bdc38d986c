/**
 * The one rule of a stack's break-glass principal (docs/SECURITY.md): the principal its key policies and vault bucket
 * policy exempt from their destruction denies, and the only one a vault with Object Lock lets lift a legal hold. The
 * stacks name it in their policies (lib/constructs/security-options.ts, breakGlassPrincipalArn) and the CLI names it to
 * the operator whose release such a vault refused (cli/commands/legal-hold-release-refusal.ts): both from here, so
 * what the CLI says is what the policies say.
 */
export type BreakGlassPrincipal =
  /** No role configured: the account's root user. */
  | { readonly kind: 'root'; readonly arn: string }
  /**
   * The configured role: of the stack's account, or of an account synth cannot compare (a stack whose account is a
   * token resolved at deploy). `roleAccount`: the account its ARN names.
   */
  | { readonly kind: 'role'; readonly arn: string; readonly roleAccount: string | undefined }
  /**
   * The configured role is another account's (the DR stack with `drAccount`): that stack keeps its own account's root
   * user. A role is its own account's break-glass: named in another account's key policies, it would be the only
   * principal exempt from their destruction denies, which KMS does not let another account's principal use, so nobody
   * could change those policies again.
   */
  | { readonly kind: 'root-for-role-of-another-account'; readonly arn: string; readonly roleAccount: string };

/**
 * The break-glass principal of a stack of `account` in `partition`: `roleArn` (security.breakGlassRoleArn) when it is a
 * role of that account, else the account's root user (`arn:<partition>:iam::<account>:root`). `accountKnown`: false
 * when `account` is a token resolved at deploy (a CDK stack without an env): a role cannot be compared with it, and is
 * kept. `account` and `partition` are put in the root user's ARN as they are (CDK tokens included).
 */
export function breakGlassPrincipal(roleArn: string | undefined, stack: { account: string; partition: string; accountKnown?: boolean }): BreakGlassPrincipal {
  const root = `arn:${stack.partition}:iam::${stack.account}:root`;
  if (roleArn === undefined) return { kind: 'root', arn: root };
  const roleAccount = /^arn:[^:]+:iam::(\d{12}):/.exec(roleArn)?.[1];
  if (roleAccount !== undefined && stack.accountKnown !== false && roleAccount !== stack.account) return { kind: 'root-for-role-of-another-account', arn: root, roleAccount };
  return { kind: 'role', arn: roleArn, roleAccount };
}
