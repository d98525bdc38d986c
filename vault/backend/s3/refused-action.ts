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
};

export function refusalOf(err: unknown): Refusal {
  const text = err instanceof Error ? err.message : typeof err === 'string' ? err : '';
  return { action: /not authorized to perform: ([A-Za-z0-9-]+:[A-Za-z0-9*]+)/.exec(text)?.[1], explicitDeny: /\bexplicit(?:ly)? deny/i.test(text) };
}
