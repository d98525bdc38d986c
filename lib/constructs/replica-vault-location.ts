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
