import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';

/** The plans' leases (pk LOCK#<plan>: lambdas/catalog/backup-catalog.ts, acquireLock); lib/ imports no runtime code. */
export const PLAN_LEASE_PARTITIONS = 'LOCK#*';

/** The backup records by id (pk BACKUP#<backupId>: backup-catalog.ts); the per-source index items are under SOURCE#. */
export const BACKUP_RECORD_PARTITIONS = 'BACKUP#*';

/** The per-source index items (pk SOURCE#<source>: backup-catalog.ts, indexCommittedBackup), which parents and points in time are chosen by. */
export const SOURCE_INDEX_PARTITIONS = 'SOURCE#*';

/** The catalog format marker's partition (lambdas/catalog/catalog-format-marker-key.ts). */
export const FORMAT_MARKER_PARTITION = 'FORMAT';

/**
 * Item actions on the catalog table limited to the partitions named (patterns of the partition key). Without the
 * condition an item action on the table reaches every item kind: backup records with their legal holds and pins, the
 * approvals' task tokens, restore targets' claims (audits d6-1, a57E-1). ForAllValues of a key the request lacks holds, so
 * the key must be present too: a Scan (or PartiQL statement) sends no leading key, and one granted here would otherwise
 * read every partition (review r57Y F2).
 */
export function catalogPartitionStatement(table: dynamodb.ITable, actions: readonly string[], partitions: readonly string[]): iam.PolicyStatement {
  return new iam.PolicyStatement({
    actions: [...actions],
    resources: [table.tableArn],
    conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...partitions] }, Null: { 'dynamodb:LeadingKeys': 'false' } },
  });
}
