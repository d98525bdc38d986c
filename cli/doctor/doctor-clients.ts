import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EFSClient } from '@aws-sdk/client-efs';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SNSClient } from '@aws-sdk/client-sns';
import { STSClient } from '@aws-sdk/client-sts';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { BackupCatalog } from '../../lambdas/catalog/backup-catalog';
import { type LocalEndpoints } from '../../lambdas/runtime/local-endpoints';
import { localDynamoDbClient, localS3Client } from '../../local/cloud/local-clients';
import { awsRequestSettings } from '../aws-client-settings';
import { CLI_CLIENT_TIMEOUTS, type ClientTimeouts } from '../client-timeouts';

/**
 * The SDK clients the doctor's checks take, one per service and region, made on first use and
 * destroyed together when the doctor is done (an open keep-alive socket would hold the CLI).
 */
export type StorageClients = {
  s3(region: string): S3Client;
  dynamodb(region: string): DynamoDBClient;
};

export type AwsDoctorClients = StorageClients & {
  /** STS of a region, the environment's primary one when none is named. */
  sts(region?: string): STSClient;
  cloudFormation(region: string): CloudFormationClient;
  scheduler(region: string): SchedulerClient;
  eventBridge(region: string): EventBridgeClient;
  sns(region: string): SNSClient;
  efs(region: string): EFSClient;
  kms(region: string): KMSClient;
};

export type Disposable<T> = T & { destroy(): void };

type Destroyable = { destroy(): void };

function perRegion<T extends Destroyable>(made: Destroyable[], make: (region: string) => T): (region: string) => T {
  const byRegion = new Map<string, T>();
  return (region) => {
    let client = byRegion.get(region);
    if (!client) {
      client = make(region);
      byRegion.set(region, client);
      made.push(client);
    }
    return client;
  };
}

/** Clients of the local cloud's endpoints (loopback, the emulators' credentials). */
export function localDoctorClients(endpoints: LocalEndpoints): Disposable<StorageClients> {
  const made: Destroyable[] = [];
  return {
    s3: perRegion(made, (region) => localS3Client(endpoints, region)),
    dynamodb: perRegion(made, (region) => localDynamoDbClient(endpoints, region)),
    destroy: () => made.forEach((c) => c.destroy()),
  };
}

/**
 * Clients of AWS with the run's credentials (run-credentials.ts: the SDK's default chain, its SSO and STS clients with the CLI's timeouts); STS in the environment's primary region (the DR region's when the primary does not answer). Every request is
 * small (a describe, a head, a page of a scan), so every client gives up on an endpoint that does not answer as the
 * CLI's small requests do (client-timeouts.ts): the doctor is run when something is wrong, a region down among
 * the likeliest, and with the SDK's defaults a region that accepts connections and never answers held it for ever.
 */
export function awsDoctorClients(primaryRegion: string, timeouts: ClientTimeouts = CLI_CLIENT_TIMEOUTS, endpoint?: string): Disposable<AwsDoctorClients> {
  const made: Destroyable[] = [];
  const settings = (region: string) => ({ ...awsRequestSettings(region, timeouts), ...(endpoint !== undefined ? { endpoint } : {}) });
  const sts = perRegion(made, (region) => new STSClient(settings(region)));
  return {
    sts: (region = primaryRegion) => sts(region),
    s3: perRegion(made, (region) => new S3Client({ ...settings(region), ...(endpoint !== undefined ? { forcePathStyle: true } : {}) })),
    dynamodb: perRegion(made, (region) => new DynamoDBClient(settings(region))),
    cloudFormation: perRegion(made, (region) => new CloudFormationClient(settings(region))),
    scheduler: perRegion(made, (region) => new SchedulerClient(settings(region))),
    eventBridge: perRegion(made, (region) => new EventBridgeClient(settings(region))),
    sns: perRegion(made, (region) => new SNSClient(settings(region))),
    efs: perRegion(made, (region) => new EFSClient(settings(region))),
    kms: perRegion(made, (region) => new KMSClient(settings(region))),
    destroy: () => made.forEach((c) => c.destroy()),
  };
}

/**
 * The backup catalog of one region of the environment (`<prefix>-catalog` in each) over the doctor's DynamoDB client of
 * that region: the primary one for the plans and last backups, the DR one for what a failover reads. By name: the
 * doctor reads a DR catalog only in its own account (another account's is named by ARN, and refuses it a Scan).
 */
export function catalogOfRegion(storage: StorageClients, region: string, table: string): BackupCatalog {
  return new BackupCatalog(DynamoDBDocumentClient.from(storage.dynamodb(region)), table);
}
