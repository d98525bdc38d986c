import { type Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { type LifeboatSource } from './lifeboat-source';

type Conditions = Record<string, Record<string, unknown>>;

/**
 * S3 ARNs carry no account: `arn:aws:s3:::lifeboat-dev-restore-*` also matches a bucket of that name
 * in another account whose bucket policy lets our roles in. `s3:ResourceAccount` pins each grant to
 * the account that must own the bucket (issue 13, item 1); the functions also send ExpectedBucketOwner
 * (lambdas/runtime/expected-bucket-owner.ts), so a call is refused even where a policy is wider.
 */
export function ownedBy(account: string, conditions: Conditions = {}): Conditions {
  return { ...conditions, StringEquals: { ...(conditions.StringEquals ?? {}), 's3:ResourceAccount': account } };
}

/** The account that owns a source's bucket: the one its config names, else the stack's. */
export function sourceBucketAccount(scope: Stack, source: LifeboatSource): string {
  return (source.config.type === 's3' ? source.config.account : undefined) ?? scope.account;
}

/** One statement per owning account, each with its s3:ResourceAccount (and `conditions`), over the resources that account owns. */
export function statementsByOwner(actions: string[], resources: ReadonlyArray<{ arn: string; account: string }>, conditions: Conditions = {}): iam.PolicyStatement[] {
  const byAccount = new Map<string, string[]>();
  for (const { arn, account } of resources) byAccount.set(account, [...(byAccount.get(account) ?? []), arn]);
  return [...byAccount].map(([account, arns]) => new iam.PolicyStatement({ actions, resources: arns, conditions: ownedBy(account, conditions) }));
}

