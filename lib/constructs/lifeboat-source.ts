import { Arn, ArnFormat, Stack, Token } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { type IConstruct } from 'constructs';
import { type ReadBudgetConfig, type SourceConfig, type WriteBudgetConfig } from '../../config/lifeboat-config';
import { InvalidLifeboatPropsError } from './invalid-props-error';
import { rememberSourceName, resourceNameElsewhere } from './plans-in-stack';

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
   * The DR region's mirror check finds the bucket by its name, which the DR stack must know: a literal `bucketName` (or one
   * built only from the account, `${Aws.ACCOUNT_ID}`), an import by a literal name, or `deployedName`.
   * @default no mirror
   */
  readonly mirror?: boolean | { readonly deleteMarkers: boolean };
  /**
   * The bucket's deployed physical name, for the DR region's stack only (its mirror check, its drill's live comparison): for a
   * bucket of your stack deployed without a `bucketName` (CloudFormation generated one, e.g. `shop-assets1a2b3c-1x2y3z4w5v6u`).
   * The bucket itself is left as it is (giving a deployed bucket a `bucketName` would replace it with a new, empty one), and
   * your stack keeps the mirror's replication rule in its own template. A literal; must be the name the bucket has.
   * @default the bucket's own name, where the DR stack can know it (a literal one); else none, and a mirror is refused
   */
  readonly deployedName?: string;
  /**
   * Plan backups from the bucket's S3 Inventory instead of listing it (docs/SCALE.md, "S3 Inventory"):
   * the newest CSV report under `<prefix>/<source bucket>/<configId>/` of `bucket`. The plan function
   * may list and read only that folder, and decrypt with the `encryptionKey` of `inventory.bucket` if it has one: import the
   * bucket with the key of the inventory configuration's SSE-KMS setting (it may differ from the bucket's default key).
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
   * Keep a live copy in the DR region: a global-table replica (tables), EFS replication (file systems). The DR region's
   * mirror check finds a mirrored table by its name, which the DR stack must know: a literal `tableName`, an import by a
   * literal name, or the table source's `deployedName`.
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
  /**
   * The table's deployed physical name, for the DR region's stack only (its mirror check, its drill's live comparison): for a
   * table of your stack deployed without a `tableName` (CloudFormation generated one, e.g. `Shop-Orders1A2B3C4D-1X2Y3Z4W5V6U`).
   * The table itself is left as it is (giving a deployed table a `tableName` would replace it with a new, empty one). A
   * literal; must be the name the table has.
   * @default the table's own name, where the DR stack can know it (a literal one); else none, and a mirror is refused
   */
  readonly deployedName?: string;
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
    // A token's resource, for the DR stack's plans: only a name known there may go there (plans-in-stack.ts).
    rememberDeployedName(name, 'bucket', bucket.bucketName, bucket, options.deployedName);
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
    rememberDeployedName(name, 'table', table.tableName, table, options.deployedName);
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

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const TABLE_NAME = /^[a-zA-Z0-9_.-]{3,255}$/;

/**
 * Checks a source's `deployedName` and remembers the resource behind its token name with it (plans-in-stack.ts). Refused: a
 * token (the DR stack needs the literal), a name S3 or DynamoDB would not take, one that differs from the resource's own
 * literal name (one of them is wrong, and the DR stack would look for the wrong one), one beside a name of the resource's own
 * that the DR stack takes anyway (built from the account's pseudo parameters), or one that differs from another source's.
 */
function rememberDeployedName(source: string, what: 'bucket' | 'table', name: string, resource: IConstruct, deployedName: string | undefined): void {
  if (deployedName === undefined) {
    rememberSourceName(name, resource);
    return;
  }
  const issues: string[] = [];
  if (Token.isUnresolved(deployedName)) {
    issues.push(`deployedName: is a token; give the ${what}'s deployed name as a literal string (the DR region's stack cannot resolve a value of this one)`);
  } else if (what === 'bucket' ? !BUCKET_NAME.test(deployedName) || deployedName.includes('..') : !TABLE_NAME.test(deployedName)) {
    const rule = what === 'bucket' ? '3 to 63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit' : "3 to 255 letters, digits, '_', '.' and '-'";
    issues.push(`deployedName: "${deployedName}" is no ${what} name (${rule}); give the ${what}'s name as deployed`);
  } else {
    const own = resourceNameElsewhere(resource, name, true);
    if ('name' in own && Token.isUnresolved(own.name)) {
      // Review r6: a name of the account's pseudo parameters reaches the DR stack as it is; a deployedName beside it went unchecked and won.
      issues.push(`deployedName: "${deployedName}", but the ${what} ${resource.node.path} has a name of its own in its template, which the DR stack takes as it is; drop deployedName (it is for a ${what} whose name the DR stack cannot know)`);
    } else if ('name' in own && own.name !== deployedName) {
      issues.push(`deployedName: "${deployedName}", but the ${what} ${resource.node.path} is named "${own.name}"; drop deployedName (it is for a ${what} whose name the DR stack cannot know)`);
    } else {
      const other = rememberSourceName(name, resource, deployedName);
      if (other !== undefined) issues.push(`deployedName: "${deployedName}", but another source gave the ${what} ${resource.node.path} deployedName "${other}"; give both the name it has`);
    }
  }
  if (issues.length > 0) throw new InvalidLifeboatPropsError(`LifeboatSource ${source}`, issues);
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
