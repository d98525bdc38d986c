import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { LOCAL_CREDENTIALS, LOCAL_ENDPOINTS_ENV, type LocalEndpoints, localEndpointsSchema } from './local-endpoints';
import { requireEnv } from './environment';

/**
 * The composition root of every handler: builds AWS SDK clients once per container. In AWS they
 * use the regional endpoints and the function's role; under the local executor,
 * LIFEBOAT_LOCAL_ENDPOINTS points them at the local cloud. The core never builds clients itself.
 */
export class AwsClients {
  private readonly s3 = new Map<string, S3Client>();
  private dynamo?: DynamoDBClient;
  private kms?: KMSClient;
  private readonly local?: LocalEndpoints;
  readonly region: string;

  constructor(env: NodeJS.ProcessEnv = process.env) {
    this.region = env.AWS_REGION ?? requireEnv('AWS_DEFAULT_REGION', env);
    const raw = env[LOCAL_ENDPOINTS_ENV];
    if (raw) this.local = localEndpointsSchema.parse(JSON.parse(raw));
  }

  s3Client(region: string = this.region): S3Client {
    let client = this.s3.get(region);
    if (!client) {
      const endpoint = this.local?.s3[region];
      if (this.local && !endpoint) throw new Error(`The local cloud has no S3 endpoint for region ${region}.`);
      client = new S3Client({
        region,
        ...(endpoint ? { endpoint, forcePathStyle: true, credentials: LOCAL_CREDENTIALS } : {}),
      });
      this.s3.set(region, client);
    }
    return client;
  }

  dynamoDbClient(): DynamoDBClient {
    if (!this.dynamo) {
      const endpoint = this.local?.dynamodb[this.region];
      if (this.local && !endpoint) throw new Error(`The local cloud has no DynamoDB endpoint for region ${this.region}.`);
      this.dynamo = new DynamoDBClient({ region: this.region, ...(endpoint ? { endpoint, credentials: LOCAL_CREDENTIALS } : {}) });
    }
    return this.dynamo;
  }

  /** KMS has no local emulator in the local cloud; locally the vault key comes from a key file (see backup-vault.ts). */
  kmsClient(): KMSClient {
    this.kms ??= new KMSClient({ region: this.region });
    return this.kms;
  }

  documentClient(): DynamoDBDocumentClient {
    return DynamoDBDocumentClient.from(this.dynamoDbClient(), { marshallOptions: { removeUndefinedValues: true } });
  }
}
