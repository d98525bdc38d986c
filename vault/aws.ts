/** The AWS-backed parts of the vault engine: the S3 backend and the KMS key provider (they load the AWS SDK). */
export * from './backend/s3/s3-vault-store';
export { withUnsignedPayload } from './backend/s3/unsigned-payload';
export * from './backend/open-vault-store';
export * from './keys/kms-key-provider';
