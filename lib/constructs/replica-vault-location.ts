import { type Stack } from 'aws-cdk-lib';
/**
 * Where the DR vault is, as the primary region's functions address it: by name, region and key alias,
 * never by a reference to the other stack (CloudFormation has no cross-region references).
 */
export type ReplicaVaultLocation = {
  readonly bucketName: string;
  readonly region: string;
  /** Alias of the DR vault's KMS key (`alias/...`): the functions use exactly the key that carries it. */
  readonly keyAlias: string;
  /** @default the account of the workflow's stack */
  readonly account?: string;
};

/**
 * How the functions of `stack` reach the DR vault: its bucket and region, and its key by alias
 * (the DR_* variables every workflow that touches it passes), plus the key ARN pattern that IAM
 * narrows to that one key with a `kms:ResourceAliases` condition.
 */
export function replicaVaultAccess(stack: Stack, dr: ReplicaVaultLocation) {
  const account = dr.account ?? stack.account;
  return {
    environment: {
      DR_VAULT_BUCKET: dr.bucketName,
      DR_REGION: dr.region,
      DR_VAULT_KEY_ARN: `arn:${stack.partition}:kms:${dr.region}:${account}:${dr.keyAlias}`,
    },
    keyArns: `arn:${stack.partition}:kms:${dr.region}:${account}:key/*`,
  };
}
