import * as path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, paginateListObjectsV2, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type EnvironmentConfig } from '../../config/lifeboat-config';
import { targetEnvironment } from '../target-environment';
import { awsRequestSettings, awsTransferSettings } from '../aws-client-settings';
import { resourceNames } from '../../lib/stacks/resource-names';
import { DRILL_REPORT_KEY } from '../../lambdas/catalog/drill-id';
import { DrillLog } from '../../lambdas/catalog/drill-log';
import { type LocalEndpoints } from '../../lambdas/runtime/local-endpoints';
import { connectLocalCloud } from '../../local/cloud/local-cloud';
import { localDynamoDbClient, localS3Client } from '../../local/cloud/local-clients';
import { type AccessUse, drCatalogTableOf, type TargetOptions } from '../environment-access';

export type DrillSide = 'primary' | 'dr';

/**
 * The drills of an environment as the CLI reaches them: each region's catalog (`<prefix>-catalog`,
 * the same name in both regions: a drill is recorded in the region it ran in) and the report objects
 * `drills/<id>.json` in each region's vault bucket, read one by one or listed for a period. Report objects are plain JSON (not vault
 * encrypted), so no key is needed. Clients are per region, so a stopped DR region only fails what
 * reads from it.
 */
export type DrillAccess = {
  environment: EnvironmentConfig;
  regionOf(side: DrillSide): string;
  /** What the CLI reads of a region's DrillLog (tests give an in-memory one). */
  drillLog(side: DrillSide): Pick<DrillLog, 'get' | 'list'>;
  /** The object's bytes; undefined when the vault has no such key. */
  readReportObject(side: DrillSide, key: string): Promise<Uint8Array | undefined>;
  /** The report objects' keys (`drills/<id>.json`) of drills started in the period (to the second, as drill ids are), in start order. */
  listReportKeys(side: DrillSide, period: { since: Date; until: Date }): Promise<string[]>;
  /** Reading the local cloud: its DynamoDB endpoint of the region now, where a recorded local delete goes (review r63D F3). */
  localDynamoDbOf?(region: string): string | undefined;
};

/** A time as the leading part of a drill id (`yyyymmddThhmmssZ`: milliseconds dropped, as drill-id.ts does). */
export function drillIdStamp(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

/** Whether a report key's drill started in the period: `drills/<since stamp>` < key < `drills/<until stamp>~` ('~' sorts after the id's '-'). */
export function reportKeyInPeriod(key: string, period: { since: Date; until: Date }): boolean {
  return DRILL_REPORT_KEY.test(key) && key > `drills/${drillIdStamp(period.since)}` && key < `drills/${drillIdStamp(period.until)}~`;
}

export type DrillAccessClients = { dynamodb?: (region: string) => DynamoDBClient; s3?: (region: string) => S3Client };

/**
 * `readOnly`: the caller only reads the drill logs (status, report), as AccessUse.readOnly says. `environment`: the one the
 * caller already read for its catalogs, not read again (with --stack in an outage each read says its line on the copy).
 */
export async function drillAccess(options: TargetOptions, clients: DrillAccessClients = {}, use: Pick<AccessUse, 'readOnly' | 'environment'> = {}): Promise<DrillAccess> {
  const environment = use.environment ?? (await targetEnvironment(options, undefined, { readOnly: use.readOnly }));
  const names = resourceNames(environment);
  const regionOf = (side: DrillSide) => (side === 'primary' ? environment.primaryRegion : environment.drRegion);
  const endpoints: LocalEndpoints | undefined = !options.aws && (!clients.dynamodb || !clients.s3) ? await connectLocalCloud(path.resolve(options.dataDir)) : undefined;
  const dynamodb = (region: string) => clients.dynamodb?.(region) ?? (endpoints ? localDynamoDbClient(endpoints, region) : new DynamoDBClient(awsRequestSettings(region)));
  const s3 = (region: string) => clients.s3?.(region) ?? (endpoints ? localS3Client(endpoints, region) : new S3Client(awsTransferSettings(region)));
  const logs = new Map<DrillSide, DrillLog>();
  const buckets = new Map<DrillSide, S3Client>();
  const bucketClient = (side: DrillSide) => {
    let client = buckets.get(side);
    if (!client) buckets.set(side, (client = s3(regionOf(side))));
    return client;
  };
  const vaultOf = (side: DrillSide) => (side === 'primary' ? names.primaryVault : names.drVault);
  return {
    environment,
    regionOf,
    // The region is a record's text: looked up bare, `constructor` gave Object's function as an endpoint (review r63M F2).
    ...(endpoints !== undefined ? { localDynamoDbOf: (region: string) => (Object.hasOwn(endpoints.dynamodb, region) ? endpoints.dynamodb[region] : undefined) } : {}),
    drillLog(side) {
      let log = logs.get(side);
      if (!log) logs.set(side, (log = new DrillLog(DynamoDBDocumentClient.from(dynamodb(regionOf(side))), side === 'primary' ? names.catalogTable : drCatalogTableOf(environment, names.catalogTable))));
      return log;
    },
    async readReportObject(side, key) {
      try {
        const { Body } = await bucketClient(side).send(new GetObjectCommand({ Bucket: vaultOf(side), Key: key }));
        return Body ? await Body.transformToByteArray() : new Uint8Array();
      } catch (err) {
        if (err instanceof Error && (err.name === 'NoSuchKey' || err.name === 'NotFound')) return undefined;
        throw err;
      }
    },
    async listReportKeys(side, period) {
      // Keys sort by the drill's start: the listing starts at the period (StartAfter) and stops past its end, so it reads the period's keys, not the vault's history.
      const keys: string[] = [];
      const end = `drills/${drillIdStamp(period.until)}~`;
      for await (const page of paginateListObjectsV2({ client: bucketClient(side) }, { Bucket: vaultOf(side), Prefix: 'drills/', StartAfter: `drills/${drillIdStamp(period.since)}` })) {
        for (const { Key } of page.Contents ?? []) {
          if (Key === undefined) continue;
          if (Key >= end) return keys;
          if (reportKeyInPeriod(Key, period)) keys.push(Key);
        }
      }
      return keys;
    },
  };
}
