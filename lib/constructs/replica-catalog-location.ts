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
    environment: { DR_CATALOG_TABLE: catalog.tableName },
    tableArn,
    byPlanIndexArn: `${tableArn}/index/byPlan`,
  };
}
