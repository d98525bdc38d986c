import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { LOCAL_CREDENTIALS, type LocalEndpoints } from '../../lambdas/runtime/local-endpoints';

/**
 * SDK clients aimed at the local cloud, for tests, the CLI and the demo (Lambdas build theirs in
 * lambdas/runtime/aws-clients.ts from LIFEBOAT_LOCAL_ENDPOINTS). Throws when the cloud does not
 * serve the region, rather than silently falling back to AWS.
 */
function endpointFor(endpoints: LocalEndpoints, service: 's3' | 'dynamodb', region: string): string {
  const url = endpoints[service][region];
  if (!url) {
    throw new Error(`The local cloud serves no ${service} in ${region}; it serves ${Object.keys(endpoints[service]).join(', ') || 'no region'}.`);
  }
  return url;
}

/** `settings`: more client settings (the CLI's timeouts, cli/client-timeouts.ts). */
export function localS3Client(endpoints: LocalEndpoints, region: string, settings: S3ClientConfig = {}): S3Client {
  return new S3Client({
    ...settings,
    region,
    endpoint: endpointFor(endpoints, 's3', region),
    forcePathStyle: true,
    credentials: LOCAL_CREDENTIALS,
  });
}

export function localDynamoDbClient(endpoints: LocalEndpoints, region: string, settings: DynamoDBClientConfig = {}): DynamoDBClient {
  return new DynamoDBClient({ ...settings, region, endpoint: endpointFor(endpoints, 'dynamodb', region), credentials: LOCAL_CREDENTIALS });
}
