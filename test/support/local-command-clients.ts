import { type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type S3Client } from '@aws-sdk/client-s3';
import { type LocalCloudHandle, localDynamoDbClient, localS3Client } from '../../local/cloud/local-cloud';

/**
 * The clients a CLI command's core takes (`dynamodb`, `drDynamodb`, `s3` per region) against a local cloud of two
 * regions. Each client made is pushed to `made`, which the suite destroys after its tests; `s3Of` may wrap a region's
 * S3 client (a suite that has S3 refuse some requests).
 */
export function localCommandClients(
  cloud: LocalCloudHandle,
  regions: { primary: string; dr: string },
  made: Array<DynamoDBClient | S3Client>,
  s3Of: (s3: S3Client, region: string) => S3Client = (s3) => s3,
): { dynamodb: DynamoDBClient; drDynamodb: DynamoDBClient; s3: (region: string) => S3Client } {
  const dynamodb = localDynamoDbClient(cloud.endpoints, regions.primary);
  const drDynamodb = localDynamoDbClient(cloud.endpoints, regions.dr);
  made.push(dynamodb, drDynamodb);
  return {
    dynamodb,
    drDynamodb,
    s3: (region: string) => {
      const s3 = localS3Client(cloud.endpoints, region);
      made.push(s3);
      return s3Of(s3, region);
    },
  };
}
