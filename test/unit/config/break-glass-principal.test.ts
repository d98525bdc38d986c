import { breakGlassPrincipal } from '../../../config/break-glass-principal';

/**
 * The one rule of a stack's break-glass principal, which the stacks' policies (lib/constructs/security-options.ts) and
 * the CLI's advice after a refused release (cli/commands/legal-hold-release-refusal.ts) both follow: until stop 48
 * each had its own copy, and they differed for a stack whose account is a token.
 */

const ROLE = 'arn:aws:iam::111111111111:role/ops/lifeboat-break-glass';

describe('breakGlassPrincipal', () => {
  it("is the account's root user without a role, in the stack's partition", () => {
    expect(breakGlassPrincipal(undefined, { account: '111111111111', partition: 'aws-us-gov' })).toEqual({ kind: 'root', arn: 'arn:aws-us-gov:iam::111111111111:root' });
  });

  it("is the role when it is of the stack's account", () => {
    expect(breakGlassPrincipal(ROLE, { account: '111111111111', partition: 'aws' })).toEqual({ kind: 'role', arn: ROLE, roleAccount: '111111111111' });
  });

  it("is the stack's root user when the role is another account's, naming that account", () => {
    expect(breakGlassPrincipal(ROLE, { account: '222222222222', partition: 'aws' })).toEqual({ kind: 'root-for-role-of-another-account', arn: 'arn:aws:iam::222222222222:root', roleAccount: '111111111111' });
  });

  it('keeps the role for a stack whose account is not known before deploy (a token), and names the token in the root ARN', () => {
    const token = { account: '${Token[AWS.AccountId.1]}', partition: '${Token[AWS.Partition.2]}', accountKnown: false };
    expect(breakGlassPrincipal(ROLE, token)).toEqual({ kind: 'role', arn: ROLE, roleAccount: '111111111111' });
    expect(breakGlassPrincipal(undefined, token)).toEqual({ kind: 'root', arn: 'arn:${Token[AWS.Partition.2]}:iam::${Token[AWS.AccountId.1]}:root' });
  });
});
