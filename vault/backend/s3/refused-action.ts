import { s3ErrorOf } from './permission-refusal';

/**
 * The kinds of policy AWS's words name in a refusal, as they spell them (`with an explicit deny in a <kind>`, `because
 * no <kind> allows the <action> action`). Which one refused says who can lift it: other credentials of the account get
 * past no service control, resource control or VPC endpoint policy (review r62O F2); a resource-based one may admit
 * some credentials and not others (the vault key's tagged roles, the DR vault's deny of the primary account's
 * overwrites: refusedWriteAdvice, review r63E F1, F2, F7).
 */
export const DENYING_POLICIES = ['identity-based policy', 'resource-based policy', 'permissions boundary', 'session policy', 'service control policy', 'resource control policy', 'VPC endpoint policy'] as const;
export type DenyingPolicy = (typeof DENYING_POLICIES)[number];

/** What an AWS refusal's words say of it (review rb62B item 6: read once, here, for every advice given on it). */
export type Refusal = {
  /**
   * The action they name (`… is not authorized to perform: kms:GenerateDataKey on resource: …`), undefined when they
   * name none (S3's bare `Access Denied`). A 403 on a write may be any permission the write needs: a KMS key's, or a
   * bucket policy's deny of the write itself, not only the one the caller guessed (review r62F F5).
   */
  readonly action: string | undefined;
  /**
   * Whether they say a policy denies the request (`… with an explicit deny in a resource-based policy`, `… in a service
   * control policy`): no permission given to the caller overrides such a deny, so advice to use other credentials, or
   * to grant the action, is not the way out; the policy is (review r62I F5).
   */
  readonly explicitDeny: boolean;
  /**
   * The kind of policy they say refused, by an explicit deny or for want of an allow (`… because no VPC endpoint policy
   * allows the s3:PutObject action`); undefined when they name none. An implicit deny of a service control policy is no
   * more lifted by other credentials than an explicit one (review r62O F2).
   */
  readonly policy: DenyingPolicy | undefined;
};

/**
 * AWS's clause saying why, which ends its words (`… on resource: <ARN> because no <kind> allows the <action> action`,
 * `… with an explicit deny in a <kind>[: <policy ARN>]`, `… with an explicit deny`): the last one found is read. The
 * resource's ARN, an object's key, comes before it and may hold any text, so the first one found let a key decide the
 * kind (review r63E F3).
 */
const KINDS = DENYING_POLICIES.join('|');
const CLAUSE = new RegExp(`\\bbecause no (${KINDS}) allows\\b|\\bexplicit(?:ly)? deny(?: in (?:an?|the) (${KINDS}))?`, 'gi');

/**
 * What `err`'s words say of the refusal: S3's own error's words where a wrapper keeps it as its cause. In a Lambda a
 * vault's permission refusal (AccessDenied, a HEAD's bare 403) is the runtime's BucketOwnerMismatchError (lambdas/runtime/expected-bucket-owner.ts), whose message is its
 * own and names neither the refused action (`kms:Decrypt`) nor the policy: read from it, a KMS key's refusal was advised
 * as a missing s3:GetObject (noted by fix f64M).
 */
export function refusalOf(err: unknown): Refusal {
  const said = s3ErrorOf(err);
  const text = said instanceof Error ? said.message : typeof said === 'string' ? said : '';
  const clause = [...text.matchAll(CLAUSE)].at(-1);
  const named = (clause?.[1] ?? clause?.[2])?.toLowerCase();
  return {
    action: /not authorized to perform: ([A-Za-z0-9-]+:[A-Za-z0-9*]+)/.exec(text)?.[1],
    explicitDeny: clause !== undefined && clause[1] === undefined,
    policy: DENYING_POLICIES.find((p) => p.toLowerCase() === named),
  };
}
