/**
 * Stand-ins for what a stack in another region cannot name about a source. The constructs put them in the plans a
 * function of that stack receives (LIFEBOAT_PLANS); the functions recognize them and say why they leave the source
 * alone. Here, not in lib/ or lambdas/, because both sides must agree on the exact text and neither may import the other.
 * Each starts with "(", which no bucket or table name can, so a real name never equals one.
 */

/**
 * A source bucket or table whose name CloudFormation generates in the primary stack (an auto-named `new s3.Bucket`):
 * CDK refuses a reference to it from another region (lib/constructs/plans-in-stack.ts).
 */
export const NAME_IN_OTHER_REGION = '(named in the primary region)';

/**
 * A source bucket, in the plans of a drill's compare function (the DR drill's, or the primary drill's), encrypted with
 * a KMS key the function cannot be granted kms:Decrypt on: a key of another account, one whose ARN is a token (a
 * parameter, an SSM value, an import) of unknown account or region, or one of an unpinned stack without `env.account`
 * while the drill's account is known. A key the primary stack creates in the drill's own account is granted through S3
 * instead (lib/constructs/drill-workflow.ts, liveComparison). The function does not read such a bucket.
 * Short, as the bucket name it replaces may be: the plans must fit the Lambda
 * environment's 4 KiB (lib/constructs/validated-plans.ts counts a name as at most 63 characters).
 */
export const KEY_IN_OTHER_REGION = '(key named in another region)';
