import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { type BucketOwnerOf, expectBucketOwner } from './expected-bucket-owner';
import { LOCAL_CREDENTIALS, type LocalEndpoints } from './local-endpoints';

/**
 * How long a client of another region waits (ms) for a connection, and on a socket that carries nothing: by default
 * the SDK waits forever, and a region that accepts connections but never answers would hold the function until its
 * own timeout (audit R43). A timeout is retried as a refused connection is; a live sample or the mirror check then
 * notes that region unreachable. The idle limit is no cap on a transfer that moves.
 *
 * Not the CLI's table (cli/client-timeouts.ts) on purpose: the CLI times out every client, its own region's too, and
 * bounds each small request's answer (an operator waits at a terminal, and with the primary down must be sent to the
 * DR region within seconds); a function gives its own region the SDK's defaults (it stands or falls with it), has
 * nobody waiting but its own timeout, and moves its transfers over AWS's network, not an operator's link.
 */
export const OTHER_REGION_TIMEOUTS = { connectionTimeout: 5_000, socketTimeout: 30_000 } as const;

/**
 * The AWS SDK clients of a function, built on first use and kept for the container: one per service
 * and region. In AWS they use the regional endpoints and the function's role; under the local
 * executor (`local` endpoints given) S3 and DynamoDB point at the local cloud. The core never builds
 * clients itself. With `bucketOwnerOf`, every S3 call names the account that must own its bucket
 * (ExpectedBucketOwner, expected-bucket-owner.ts): sources, restore targets and vaults alike. Clients of
 * another region than the function's get OTHER_REGION_TIMEOUTS.
 */
export class AwsClients {
  private readonly s3 = new Map<string, S3Client>();
  private readonly kms = new Map<string, KMSClient>();
  private readonly dynamo = new Map<string, DynamoDBClient>();
  private readonly documents = new Map<string, DynamoDBDocumentClient>();

  constructor(
    /** The function's own region: the default for every client. */
    readonly region: string,
    private readonly local?: LocalEndpoints,
    private readonly bucketOwnerOf?: BucketOwnerOf,
  ) {}

  /** The request handler's timeouts of a client of `region`: none in the function's own region, where the function stands or falls with it. */
  private timeoutsFor(region: string): { requestHandler?: typeof OTHER_REGION_TIMEOUTS } {
    return region === this.region ? {} : { requestHandler: OTHER_REGION_TIMEOUTS };
  }

  s3Client(region: string = this.region): S3Client {
    let client = this.s3.get(region);
    if (!client) {
      const endpoint = this.local?.s3[region];
      if (this.local && !endpoint) throw new Error(`The local cloud has no S3 endpoint for region ${region}.`);
      client = new S3Client({
        region,
        ...(endpoint ? { endpoint, forcePathStyle: true, credentials: LOCAL_CREDENTIALS } : {}),
        ...this.timeoutsFor(region),
      });
      if (this.bucketOwnerOf) expectBucketOwner(client, this.bucketOwnerOf);
      this.s3.set(region, client);
    }
    return client;
  }

  /** DynamoDB in `region` (the Replicate step writes the DR region's catalog). */
  dynamoDbClient(region: string = this.region): DynamoDBClient {
    let client = this.dynamo.get(region);
    if (!client) {
      const endpoint = this.local?.dynamodb[region];
      if (this.local && !endpoint) throw new Error(`The local cloud has no DynamoDB endpoint for region ${region}.`);
      client = new DynamoDBClient({ region, ...(endpoint ? { endpoint, credentials: LOCAL_CREDENTIALS } : {}), ...this.timeoutsFor(region) });
      this.dynamo.set(region, client);
    }
    return client;
  }

  /** KMS in `region` (the DR vault's key is in the DR region). The local cloud has no KMS: locally the vault key comes from a key file (backup-vault.ts). */
  kmsClient(region: string = this.region): KMSClient {
    let client = this.kms.get(region);
    if (!client) {
      client = new KMSClient({ region, ...this.timeoutsFor(region) });
      this.kms.set(region, client);
    }
    return client;
  }

  documentClient(region: string = this.region): DynamoDBDocumentClient {
    let client = this.documents.get(region);
    if (!client) {
      client = DynamoDBDocumentClient.from(this.dynamoDbClient(region), { marshallOptions: { removeUndefinedValues: true } });
      this.documents.set(region, client);
    }
    return client;
  }
}
