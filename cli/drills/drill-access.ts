import * as path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type EnvironmentConfig } from '../../config/lifeboat-config';
import { findEnvironment, loadLifeboatConfig } from '../../config/load-config';
import { resourceNames } from '../../lib/stacks/resource-names';
import { DrillLog } from '../../lambdas/catalog/drill-log';
import { type LocalEndpoints } from '../../lambdas/runtime/local-endpoints';
import { connectLocalCloud } from '../../local/cloud/local-cloud';
import { localDynamoDbClient, localS3Client } from '../../local/cloud/local-clients';
import { type TargetOptions } from '../environment-access';

export type DrillSide = 'primary' | 'dr';

/**
 * The drills of an environment as the CLI reaches them: each region's catalog (`<prefix>-catalog`,
 * the same name in both regions: a drill is recorded in the region it ran in) and the report objects
 * `drills/<id>.json` in each region's vault bucket. Report objects are plain JSON (not vault
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
};

export type DrillAccessClients = { dynamodb?: (region: string) => DynamoDBClient; s3?: (region: string) => S3Client };

export async function drillAccess(options: TargetOptions, clients: DrillAccessClients = {}): Promise<DrillAccess> {
  const environment = findEnvironment(loadLifeboatConfig(options.config), options.env);
  const names = resourceNames(environment);
  const regionOf = (side: DrillSide) => (side === 'primary' ? environment.primaryRegion : environment.drRegion);
  let endpoints: LocalEndpoints | undefined;
  if (!options.aws && (!clients.dynamodb || !clients.s3)) endpoints = await connectLocalCloud(path.resolve(options.dataDir));
  const dynamodb = (region: string) => clients.dynamodb?.(region) ?? (endpoints ? localDynamoDbClient(endpoints, region) : new DynamoDBClient({ region }));
  const s3 = (region: string) => clients.s3?.(region) ?? (endpoints ? localS3Client(endpoints, region) : new S3Client({ region }));
  const logs = new Map<DrillSide, DrillLog>();
  const buckets = new Map<DrillSide, S3Client>();
  return {
    environment,
    regionOf,
    drillLog(side) {
      let log = logs.get(side);
      if (!log) logs.set(side, (log = new DrillLog(DynamoDBDocumentClient.from(dynamodb(regionOf(side))), names.catalogTable)));
      return log;
    },
    async readReportObject(side, key) {
      let client = buckets.get(side);
      if (!client) buckets.set(side, (client = s3(regionOf(side))));
      try {
        const { Body } = await client.send(new GetObjectCommand({ Bucket: side === 'primary' ? names.primaryVault : names.drVault, Key: key }));
        return Body ? await Body.transformToByteArray() : new Uint8Array();
      } catch (err) {
        if (err instanceof Error && (err.name === 'NoSuchKey' || err.name === 'NotFound')) return undefined;
        throw err;
      }
    },
  };
}
