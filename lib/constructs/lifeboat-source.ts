import { Arn, ArnFormat, Stack, Token } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { type ReadBudgetConfig, type SourceConfig, type WriteBudgetConfig } from '../../config/lifeboat-config';
import { InvalidLifeboatPropsError } from './invalid-props-error';
import { rememberSourceName } from './plans-in-stack';

/** Options of an S3 bucket source. */
export type S3BucketSourceOptions = {
  /**
   * Only objects under this key prefix are protected (and only they may be overwritten by a restore).
   * @default '' — the whole bucket
   */
  readonly prefix?: string;
  /**
   * Keep a live copy in the DR region through S3 Replication (docs/ARCHITECTURE.md, "Mirrors"): the bucket
   * `<prefix>-mirror-<source>`; `{ deleteMarkers: false }` keeps objects deleted from the source in the mirror.
   * The bucket needs a literal name (its `bucketName`, or imported by one): the DR region's mirror check finds it by it.
   * @default no mirror
   */
  readonly mirror?: boolean | { readonly deleteMarkers: boolean };
  /**
   * Plan backups from the bucket's S3 Inventory instead of listing it (docs/SCALE.md, "S3 Inventory"):
   * the newest CSV report under `<prefix>/<source bucket>/<configId>/` of `bucket`. The plan function
   * may list and read only that folder (and decrypt with the inventory bucket's KMS key, if it has one).
   * @default no inventory — the planner lists the bucket
   */
  readonly inventory?: S3InventoryOption;
};

/** Where a source bucket's S3 Inventory reports are delivered (the inventory configuration's destination). */
export type S3InventoryOption = {
  /** The destination bucket of the reports; it must be in the environment's account (the functions expect their own account to own it). */
  readonly bucket: s3.IBucket;
  /**
   * The destination prefix of the inventory configuration.
   * @default '' — reports at the top of the bucket
   */
  readonly prefix?: string;
  /**
   * The inventory configuration's id: the folder under `<prefix>/<source bucket>/` its reports go to.
   * Given, the plan function may read only that configuration's reports.
   * @default the one configuration delivering there (planning fails, naming them, when there are several)
   */
  readonly configId?: string;
};

/** Options of a DynamoDB table or file-system source. */
export type MirrorOption = {
  /**
   * Keep a live copy in the DR region: a global-table replica (tables), EFS replication (file systems). A mirrored
   * table needs a literal name (its `tableName`, or imported by one): the DR region's mirror check finds it by it.
   * @default no mirror
   */
  readonly mirror?: boolean;
};

/** Options of a DynamoDB table source (docs/ARCHITECTURE.md, "DynamoDB at scale"). */
export type DynamoDbTableSourceOptions = MirrorOption & {
  /**
   * The read capacity a backup may use: a share of the provisioned RCU and/or an RCU/s cap.
   * @default 25 % of provisioned RCU; 1,500 RCU/s for an on-demand table
   */
  readonly readBudget?: ReadBudgetConfig;
  /**
   * The write capacity a restore of the source may use.
   * @default all of a table the restore created (4,000 WCU/s on-demand); a quarter of an existing one (1,000 WCU/s on-demand)
   */
  readonly writeBudget?: WriteBudgetConfig;
  /**
   * Parallel-scan segments of every backup (1 to 1,000).
   * @default from the table's size and the read budget
   */
  readonly scanSegments?: number;
};

/**
 * One thing a plan protects: an S3 bucket (or a prefix of it), a DynamoDB table, or a directory of a
 * file system. Buckets and tables are passed as constructs (IBucket / ITable, owned or imported): the
 * workflows grant their functions exactly what backup and restore need on them, including the KMS key
 * the construct declares (its `encryptionKey`), and their names reach the functions as tokens that
 * CloudFormation resolves; in the DR region's stack, only a literal name does (plans-in-stack.ts). A bucket or table created with its key declares it; an imported one declares
 * none unless given it: import an SSE-KMS bucket with
 * `Bucket.fromBucketAttributes(scope, id, { bucketName, encryptionKey: Key.fromKeyArn(scope, keyId, keyArn) })`,
 * not `Bucket.fromBucketName`, or no function may decrypt its objects and every backup of it fails
 * with AccessDenied (S3 needs the caller's kms:Decrypt; a key of another account also needs its key
 * policy to admit the roles: docs/DEPLOYMENT.md, "An S3 source in another account").
 */
export class LifeboatSource {
  /** An S3 bucket, optionally only a key prefix of it. `name` is how the catalog and restore requests know the source. */
  static s3Bucket(name: string, bucket: s3.IBucket, options: S3BucketSourceOptions = {}): LifeboatSource {
    // A bucket imported with another account (Bucket.fromBucketAttributes({ account })) is that account's: IAM and ExpectedBucketOwner name it.
    const account = bucket.env.account;
    const foreign = !Token.isUnresolved(account) && account !== Stack.of(bucket).account;
    const mirror = options.mirror === undefined ? {} : { mirror: typeof options.mirror === 'boolean' ? options.mirror : { deleteMarkers: options.mirror.deleteMarkers } };
    const { inventory } = options;
    if (inventory) {
      // The functions send ExpectedBucketOwner = their own account for the inventory bucket, and its grants name that account.
      const inventoryAccount = inventory.bucket.env.account;
      if (!Token.isUnresolved(inventoryAccount) && inventoryAccount !== Stack.of(inventory.bucket).account) {
        throw new InvalidLifeboatPropsError(`LifeboatSource ${name}`, [
          `inventory.bucket: is account ${inventoryAccount}'s; deliver the inventory reports to a bucket of the account Lifeboat runs in.`,
        ]);
      }
    }
    // A token's resource, for the DR stack's plans: only a literal name may go there (plans-in-stack.ts).
    rememberSourceName(bucket.bucketName, bucket);
    if (inventory) rememberSourceName(inventory.bucket.bucketName, inventory.bucket);
    const inventoryConfig = inventory
      ? { inventory: { bucket: inventory.bucket.bucketName, prefix: inventory.prefix ?? '', ...(inventory.configId !== undefined ? { configId: inventory.configId } : {}) } }
      : {};
    return new LifeboatSource(
      { type: 's3', name, bucket: bucket.bucketName, prefix: options.prefix ?? '', ...(foreign ? { account } : {}), ...mirror, ...inventoryConfig },
      { bucket, ...(inventory ? { inventoryBucket: inventory.bucket } : {}) },
    );
  }

  /**
   * A DynamoDB table (items, keys, indexes and TTL; restore recreates the table from them), of the stack's own account and
   * region: the functions reach it by its name, in theirs.
   */
  static dynamoDbTable(name: string, table: dynamodb.ITable, options: DynamoDbTableSourceOptions = {}): LifeboatSource {
    const issue = foreignTableIssue(table);
    if (issue) throw new InvalidLifeboatPropsError(`LifeboatSource ${name}`, [issue]);
    rememberSourceName(table.tableName, table);
    return new LifeboatSource(
      {
        type: 'dynamodb',
        name,
        table: table.tableName,
        ...(options.mirror !== undefined ? { mirror: options.mirror } : {}),
        ...(options.readBudget ? { readBudget: { ...options.readBudget } } : {}),
        ...(options.writeBudget ? { writeBudget: { ...options.writeBudget } } : {}),
        ...(options.scanSegments !== undefined ? { scanSegments: options.scanSegments } : {}),
      },
      { table },
    );
  }

  /**
   * A directory, as the backup functions see it: in AWS a path under the EFS mount (LifeboatProtection's
   * `fileSystem.mountPath`), locally a directory of the local cloud's file-system root.
   */
  static fileSystem(name: string, path: string, options: MirrorOption = {}): LifeboatSource {
    return new LifeboatSource({ type: 'filesystem', name, path, ...(options.mirror !== undefined ? { mirror: options.mirror } : {}) }, {});
  }

  private constructor(
    /** The source as the functions receive it (LIFEBOAT_PLANS); bucket and table names may be tokens. */
    readonly config: SourceConfig,
    private readonly resources: { readonly bucket?: s3.IBucket; readonly inventoryBucket?: s3.IBucket; readonly table?: dynamodb.ITable },
  ) {}

  get name(): string {
    return this.config.name;
  }

  /** The bucket of an S3 source. */
  get bucket(): s3.IBucket | undefined {
    return this.resources.bucket;
  }

  /** The bucket an S3 source's inventory reports are delivered to, when it plans from them. */
  get inventoryBucket(): s3.IBucket | undefined {
    return this.resources.inventoryBucket;
  }

  /** The table of a DynamoDB source. */
  get table(): dynamodb.ITable | undefined {
    return this.resources.table;
  }
}

/**
 * A table imported by an ARN of another region or account (Table.fromTableArn): CDK reports the importing stack's
 * environment for it, and the functions would address a table of that name in their own region and account instead.
 * Only literal ARNs are judged; a token (an owned table, one imported by name) is the stack's.
 */
function foreignTableIssue(table: dynamodb.ITable): string | undefined {
  if (Token.isUnresolved(table.tableArn)) return undefined;
  const stack = Stack.of(table);
  const { region, account } = Arn.split(table.tableArn, ArnFormat.SLASH_RESOURCE_NAME);
  const fix = 'the functions reach a table by its name, in their own region and account: protect it from a stack there';
  if (region !== undefined && !Token.isUnresolved(stack.region) && region !== stack.region) {
    return `table: ${table.tableArn} is in ${region}, but stack ${stack.stackName} is in ${stack.region}; ${fix}`;
  }
  if (account !== undefined && !Token.isUnresolved(stack.account) && account !== stack.account) {
    return `table: ${table.tableArn} is account ${account}'s, but stack ${stack.stackName} is in account ${stack.account}; ${fix}`;
  }
  return undefined;
}
