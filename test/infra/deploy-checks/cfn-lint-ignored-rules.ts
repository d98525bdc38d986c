import { type CfnLintIgnoredRule } from '../../../local/assembly/deploy-checks/cfn-lint-runner';

/** The cfn-lint rules our templates are allowed to trip, each with why; every other warning or error fails the test. */
export const CFN_LINT_IGNORED_RULES: readonly CfnLintIgnoredRule[] = [
  {
    rule: 'W3005',
    reason:
      'aws-cdk-lib\'s lambda.Function and sfn.StateMachine add DependsOn on their role besides the Fn::GetAtt of its ARN (so the role\'s default policy exists first); the duplicate dependency is harmless and not ours to remove.',
  },
  {
    rule: 'W3045',
    reason:
      'The vault\'s access-log bucket receives S3 server access logs through the LogDeliveryWrite ACL that aws-cdk-lib sets unless the App enables the feature flag @aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy; that flag belongs to the caller\'s App, which our constructs leave alone (docs/ARCHITECTURE.md, "Constructs"). S3 accepts the ACL (the bucket keeps ObjectOwnership BucketOwnerPreferred for it).',
  },
];
