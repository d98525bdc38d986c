import { type CfnLintIgnoredRule } from '../../../local/assembly/deploy-checks/cfn-lint-runner';

/** The cfn-lint rules our templates are allowed to trip, each with why; every other warning or error fails the test. */
export const CFN_LINT_IGNORED_RULES: readonly CfnLintIgnoredRule[] = [
  {
    rule: 'W3005',
    reason:
      'aws-cdk-lib\'s lambda.Function and sfn.StateMachine add DependsOn on their role besides the Fn::GetAtt of its ARN (so the role\'s default policy exists first); the duplicate dependency is harmless and not ours to remove.',
  },
];
