import { type Stack } from 'aws-cdk-lib';

/**
 * Where the DR region's catalog is, as the primary region's Replicate step addresses it: by name and
 * region (CloudFormation has no cross-region references), its key by ARN, like ReplicaVaultLocation.
 */
export type ReplicaCatalogLocation = {
  readonly tableName: string;
  readonly region: string;
  /** The DR catalog's KMS key. */
  readonly keyArn: string;
  /** @default the account of the workflow's stack */
  readonly account?: string;
};

/** The DR catalog's variable, its table and byPlan index ARNs. */
export function replicaCatalogAccess(stack: Stack, catalog: ReplicaCatalogLocation) {
  const account = catalog.account ?? stack.account;
  const tableArn = `arn:${stack.partition}:dynamodb:${catalog.region}:${account}:table/${catalog.tableName}`;
  return {
    // Another account's table is addressed by its ARN: DynamoDB resolves a bare name in the caller's own account.
    environment: { DR_CATALOG_TABLE: catalog.account !== undefined && catalog.account !== stack.account ? tableArn : catalog.tableName },
    tableArn,
    byPlanIndexArn: `${tableArn}/index/byPlan`,
  };
}
