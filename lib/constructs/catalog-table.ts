import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { BACKUP_RECORD_PARTITIONS, catalogPartitionConditions, SOURCE_INDEX_PARTITIONS } from './catalog-partition-grant';
import { KEY_USER_TAG } from './security-options';
import { CATALOG_TABLE_KEYS } from '../../config/catalog-table-keys';

/** The partitions of the DR catalog that replication writes from the primary account: backup records and their per-source index items. */
export const REPLICATED_PARTITIONS = [BACKUP_RECORD_PARTITIONS, SOURCE_INDEX_PARTITIONS] as const;

export type CatalogTableProps = {
  readonly tableName: string;
  readonly encryptionKey: kms.IKey;
  /**
   * Another account whose roles tagged `lifeboat:key-user` = `keyUser` may query and scan the byPlan index, and put items of the
   * partitions replication writes (REPLICATED_PARTITIONS; never get, query, update or delete one, nor touch another
   * partition): the primary account, for the DR catalog of a DR stack in another account.
   * @default the table's own account only (no resource policy)
   */
  readonly userAccount?: { readonly account: string; readonly keyUser: string };
};

/**
 * The backup catalog: one table, several item kinds distinguished by key prefixes.
 *   pk = "SOURCE#<source>"  sk = "BACKUP#<startedAt ISO>#<backupId>"   a backup of a source
 *   pk = "BACKUP#<backupId>" sk = "BACKUP"                             the same backup by id
 *   pk = "LOCK#<source>"     sk = "LOCK"                               a lease, expiresAt (TTL)
 *   pk = "REBUILD"           sk = "INCOMPLETE"                         an unfinished rebuild's mark (never replicated)
 * GSI byPlan (plan, startedAt) answers "all backups of a plan". Point-in-time recovery is on: the
 * catalog can also be rebuilt from the vault, but restoring it is faster. Deletion protection is on.
 */
export class CatalogTable extends Construct {
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: CatalogTableProps) {
    super(scope, id);
    this.table = new dynamodb.Table(this, 'Table', {
      tableName: props.tableName,
      partitionKey: { name: CATALOG_TABLE_KEYS.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: CATALOG_TABLE_KEYS.sortKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: props.encryptionKey,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: CATALOG_TABLE_KEYS.timeToLive,
      removalPolicy: RemovalPolicy.RETAIN,
      // Deleting the table takes turning this off first: a deliberate second step, visible in CloudTrail.
      deletionProtection: true,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: CATALOG_TABLE_KEYS.byPlan.indexName,
      partitionKey: { name: CATALOG_TABLE_KEYS.byPlan.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: CATALOG_TABLE_KEYS.byPlan.sortKey, type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });
    if (props.userAccount) {
      // By name, not by the table's own ARN: a resource policy referring to its table would be a circular reference.
      const stack = Stack.of(this);
      const tableArn = `arn:${stack.partition}:dynamodb:${stack.region}:${stack.account}:table/${props.tableName}`;
      // What the primary account's roles do with the DR catalog, and no more: the backup's replicate step queries the
      // plans' records (byPlan) and puts those the DR catalog lacks (putRebuiltBackup: a BACKUP# record, conditioned on
      // attribute_not_exists; indexCommittedBackup: its SOURCE# index items), and the scrub queries byPlan for what the
      // DR retention forgot; `lifeboat prune --vault dr` with the primary account's credentials lists the plans the DR
      // catalog holds by a Scan of byPlan (its check of the DR vault's snapshots, review r59M F3: a Query of each plan
      // reads the same records, so the Scan reveals nothing more). Nothing there gets or updates an item: the file
      // sampler's GetItem is of a mirror, which a DR stack in another account refuses, and the operator's legal holds
      // are written with the DR account's credentials.
      const principals = [new iam.AccountPrincipal(props.userAccount.account)];
      const tagged = { [`aws:PrincipalTag/${KEY_USER_TAG}`]: props.userAccount.keyUser };
      // The index alone, not the table: a Query of the table with pk = X reads partition X whole, so on the table it
      // would read the DR account's own items (below). byPlan holds backup records only, keyed by plan name; a Scan of it
      // reads those records alone, never a Scan of the table.
      this.table.addToResourcePolicy(
        new iam.PolicyStatement({ sid: 'CatalogUseByTheProtectionsRolesOfThePrimaryAccount', principals, actions: ['dynamodb:Query', 'dynamodb:Scan'], resources: [`${tableArn}/index/${CATALOG_TABLE_KEYS.byPlan.indexName}`], conditions: { StringEquals: tagged } }),
      );
      // The table is kept to the partitions replication writes: the DR account's own items in it (TARGET# claims,
      // APPROVALS, PRUNE#, LOCK#, DRILLS, SCRUB#, MIRROR#, INDEXSWEEP#) stay out of the primary account's reach. A PutItem
      // replaces a whole item (no policy can insist on its condition). Put only, no Query: nothing of the primary account
      // reads the table by key (`backups list --source` with the primary region down Queries a SOURCE# partition and then
      // GetItems its BACKUP# records, so it takes the DR account's credentials either way), and a Query of pk = BACKUP#<id>
      // would read a record by key all the same.
      this.table.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'CatalogRecordsByTheProtectionsRolesOfThePrimaryAccount',
          principals,
          actions: ['dynamodb:PutItem'],
          resources: [tableArn],
          conditions: { StringEquals: tagged, ...catalogPartitionConditions(REPLICATED_PARTITIONS) },
        }),
      );
    }
  }
}
