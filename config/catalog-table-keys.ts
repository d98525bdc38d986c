/**
 * The backup catalog table's keys: what lib/constructs/catalog-table.ts deploys and what the local
 * tools create for the catalog code to run against (local/cloud/catalog-table.ts). One place, so
 * the table a test or the bench makes cannot drift from the deployed one.
 */
export const CATALOG_TABLE_KEYS = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Lease items expire by this attribute (DynamoDB TTL). */
  timeToLive: 'expiresAt',
  /** GSI: every backup of a plan, by start time. */
  byPlan: { indexName: 'byPlan', partitionKey: 'plan', sortKey: 'startedAt' },
} as const;
