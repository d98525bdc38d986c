import { type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type S3Client } from '@aws-sdk/client-s3';
import { type Vault } from '../../vault';

/** What the restore shards and the verify step read from and write to: the vaults, the stored plan, the target. */
export type RestoreIo = {
  openVault: (side: 'primary' | 'dr') => Promise<Vault>;
  /** The restore plan lives in the home vault's bucket (restore-plans/): the primary's, or the DR vault's for the DR stack's functions. */
  planS3: S3Client;
  planBucket: string;
  /** The S3 client for the target bucket (the function's own region's). */
  targetS3: S3Client;
  dynamodb: DynamoDBClient;
  /** A configured directory path → where it is on this machine (the EFS mount in AWS, under the local fs root locally). */
  directory: (configuredPath: string) => string;
  /** Where the EFS file system is mounted (in AWS): the target directory is walked from it without following links. @default '/' */
  mountPath?: string | undefined;
};
