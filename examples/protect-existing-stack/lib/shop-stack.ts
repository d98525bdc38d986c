import { Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { type Construct } from 'constructs';
import { LifeboatProtection, LifeboatSource } from 'lifeboat';

/**
 * An application stack as it was before Lifeboat: a bucket of assets and a table of orders.
 * Protecting them is the LifeboatProtection at the end: a daily incremental backup into an
 * encrypted vault in this region, copied to a DR vault in us-west-2 (a second stack, which the
 * protection creates next to this one), with restore runbooks; the assets are also mirrored into
 * us-west-2 by S3 Replication, ready without a restore (a mirrored bucket needs a name the DR stack knows; the table, not mirrored,
 * keeps the name CloudFormation generated: Lifeboat never names a source). The prefix `shop` starts every physical name
 * of the protection; it is given, not derived from the construct path, so that a later refactor that
 * moves or renames this construct cannot swap in new, empty vaults (docs/DEPLOYMENT.md, "Settings
 * that must not change after the first deploy").
 */
export class ShopStack extends Stack {
  readonly assets: s3.Bucket;
  readonly orders: dynamodb.TableV2;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    const accessLogs = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(90) }],
    });
    // For apps that run cdk-nag: the log bucket does not log into itself.
    Validations.of(accessLogs).acknowledge({ id: 'AwsSolutions-S1', reason: 'The access-log destination itself; logging it into itself would loop.' });

    this.assets = new s3.Bucket(this, 'Assets', {
      // Named, because it is mirrored: the DR region's mirror check finds the source by its name (a generated one is not
      // known there, and LifeboatProtection refuses the mirror); the account is known there, the DR stack being in it. A
      // bucket deployed already without a name must not get one (CloudFormation would replace it with an empty bucket):
      // keep it unnamed and pass its name to the source instead, { mirror: true, deployedName: '<its deployed name>' }.
      bucketName: `shop-assets-${this.account}-${this.region}`,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      versioned: true,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'assets/',
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.orders = new dynamodb.TableV2(this, 'Orders', {
      partitionKey: { name: 'customerId', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'orderId', type: dynamodb.AttributeType.STRING },
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: RemovalPolicy.RETAIN,
    });

    new LifeboatProtection(this, 'Lifeboat', {
      // Every vault, catalog and key name starts with it; a derived one would change when this construct moves.
      prefix: 'shop',
      drRegion: 'us-west-2',
      plans: [
        {
          name: 'daily',
          schedule: 'rate(1 day)',
          strategy: 'incremental',
          retention: { keepLast: 7, keepDaily: 7 },
          // An hour more than the day between backups: a backup's age passes the interval while the next one runs.
          objectives: { rpoMinutes: 1500, rtoMinutes: 60 },
          sources: [LifeboatSource.s3Bucket('assets', this.assets, { mirror: true }), LifeboatSource.dynamoDbTable('orders', this.orders)],
        },
      ],
    });
  }
}
