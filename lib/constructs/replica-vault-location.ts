/**
 * Where the DR vault is, as the primary region's functions address it: its bucket by name and region
 * (CloudFormation has no cross-region references), its key by ARN (DrKeyArns reads it from the DR stack
 * at deploy time, or the DR account's deployment gives it: docs/SECURITY.md, "The DR key by ARN").
 */
export type ReplicaVaultLocation = {
  readonly bucketName: string;
  readonly region: string;
  /** The DR vault's KMS key: the functions are granted, and use, exactly this key. */
  readonly keyArn: string;
  /** @default the account of the workflow's stack */
  readonly account?: string;
};

/** How the functions reach the DR vault: its bucket, region and key (the DR_* variables every workflow that touches it passes). */
export function replicaVaultAccess(dr: ReplicaVaultLocation) {
  return {
    environment: {
      DR_VAULT_BUCKET: dr.bucketName,
      DR_REGION: dr.region,
      DR_VAULT_KEY_ARN: dr.keyArn,
    },
  };
}
