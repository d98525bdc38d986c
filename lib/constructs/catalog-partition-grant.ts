import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';

/** The plans' leases (pk LOCK#<plan>: lambdas/catalog/backup-catalog.ts, acquireLock); lib/ imports no runtime code. */
export const PLAN_LEASE_PARTITIONS = 'LOCK#*';

/** The backup records by id (pk BACKUP#<backupId>: backup-catalog.ts); the per-source index items are under SOURCE#. */
export const BACKUP_RECORD_PARTITIONS = 'BACKUP#*';

/** The per-source index items (pk SOURCE#<source>: backup-catalog.ts, indexCommittedBackup), which parents and points in time are chosen by. */
export const SOURCE_INDEX_PARTITIONS = 'SOURCE#*';

/** The drills of the region's vault (pk DRILLS: lambdas/catalog/drill-record.ts, DRILLS_PK). */
export const DRILLS_PARTITION = 'DRILLS';

/** The scrub's runs (pk SCRUB#RUNS: lambdas/catalog/scrub-record.ts, SCRUB_RUNS_PK). */
export const SCRUB_RUNS_PARTITION = 'SCRUB#RUNS';

/** A vault's prune runs in its region's catalog (pk PRUNE#<vault>: lambdas/catalog/prune-record.ts, prunePk). */
export const prunePartition = (vault: 'primary' | 'dr'): string => `PRUNE#${vault}`;

/** The catalog format marker's partition (lambdas/catalog/catalog-format-marker-key.ts). */
export const FORMAT_MARKER_PARTITION = 'FORMAT';

/** An unfinished rebuild's marker (pk REBUILD: lambdas/catalog/catalog-rebuild-marker.ts, REBUILD_MARKER_KEY), read before choosing a backup. */
export const REBUILD_MARKER_PARTITION = 'REBUILD';

/** Restore targets' claims (pk TARGET#<key>: backup-catalog.ts, claimTarget). */
export const TARGET_CLAIM_PARTITIONS = 'TARGET#*';

/** The mirrors' last checks (pk MIRROR#<source>: lambdas/mirror/mirror-record.ts, mirrorPk). */
export const MIRROR_RECORD_PARTITIONS = 'MIRROR#*';

/** Where the one-time sweep of forgotten backups' index items got to (pk INDEXSWEEP#<plan>: backup-catalog.ts, removeForgottenIndexItems). */
export const INDEX_SWEEP_PARTITIONS = 'INDEXSWEEP#*';

/** The failover's grants to its children (pk FAILOVER_GRANTS: lambdas/failover/failover-grant.ts, FAILOVER_GRANTS_PK). */
export const FAILOVER_GRANTS_PARTITION = 'FAILOVER_GRANTS';

/** What a catalog grant needs of its table: the ARN (a DR catalog of another stack or account is known by ARN only). */
export type CatalogTableArn = Pick<dynamodb.ITable, 'tableArn'>;

/**
 * How the partitions are named: `pattern` (StringLike: `*` matches any run of characters, `BACKUP#*`) or `exact`
 * (StringEquals: one partition key, `APPROVALS`).
 */
export type PartitionMatch = 'pattern' | 'exact';

const OPERATORS: Readonly<Record<PartitionMatch, string>> = { pattern: 'StringLike', exact: 'StringEquals' };

/**
 * The condition of an Allow on the catalog limited to the partitions named. Without it an item action on the table
 * reaches every item kind: backup records with their legal holds and pins, the approvals' task tokens, restore targets'
 * claims (audits d6-1, a57E-1). ForAllValues of a key the request lacks holds, so the key must be present too: a Scan
 * (or PartiQL statement) sends no leading key, and one granted here would otherwise read every partition (review r57Y
 * F2). Also for statements that are not a role's own (the DR catalog's resource policy), merged with their other keys.
 */
export function catalogPartitionConditions(partitions: readonly string[], match: PartitionMatch = 'pattern'): Record<string, Record<string, unknown>> {
  return { [`ForAllValues:${OPERATORS[match]}`]: { 'dynamodb:LeadingKeys': [...partitions] }, Null: { 'dynamodb:LeadingKeys': 'false' } };
}

/** Item actions on the catalog table limited to the partitions named (catalogPartitionConditions). */
export function catalogPartitionStatement(table: CatalogTableArn, actions: readonly string[], partitions: readonly string[], match: PartitionMatch = 'pattern'): iam.PolicyStatement {
  return new iam.PolicyStatement({ actions: [...actions], resources: [table.tableArn], conditions: catalogPartitionConditions(partitions, match) });
}

/**
 * Item actions on the catalog table denied on the partitions named (exact keys), whatever the role's other grants allow.
 * ForAnyValue, not ForAllValues: a deny must hold when any key of the request is one of them (a ForAllValues deny lets
 * through a request that names one of them beside another partition); a request with no leading key names none.
 */
export function catalogPartitionDenial(table: CatalogTableArn, actions: readonly string[], partitions: readonly string[]): iam.PolicyStatement {
  return new iam.PolicyStatement({
    effect: iam.Effect.DENY,
    actions: [...actions],
    resources: [table.tableArn],
    conditions: { 'ForAnyValue:StringEquals': { 'dynamodb:LeadingKeys': [...partitions] } },
  });
}
