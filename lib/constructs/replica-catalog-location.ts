import { type Stack } from 'aws-cdk-lib';

/**
 * Where the DR region's catalog is, as the primary region's Replicate step addresses it: by name,
 * region and key alias (CloudFormation has no cross-region references), like ReplicaVaultLocation.
 */
export type ReplicaCatalogLocation = {
  readonly tableName: string;
  readonly region: string;
  /** Alias of the DR catalog's KMS key (`alias/...`). */
  readonly keyAlias: string;
  /** @default the account of the workflow's stack */
  readonly account?: string;
};

/** The DR catalog's variable, its table and byPlan index ARNs, and the key ARN pattern IAM narrows by alias. */
export function replicaCatalogAccess(stack: Stack, catalog: ReplicaCatalogLocation) {
  const account = catalog.account ?? stack.account;
  const tableArn = `arn:${stack.partition}:dynamodb:${catalog.region}:${account}:table/${catalog.tableName}`;
  return {
    environment: { DR_CATALOG_TABLE: catalog.tableName },
    tableArn,
    byPlanIndexArn: `${tableArn}/index/byPlan`,
    keyArns: `arn:${stack.partition}:kms:${catalog.region}:${account}:key/*`,
  };
}
