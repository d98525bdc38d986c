/** The local cloud: s3rver and dynalite on loopback, provisioned from the synthesized templates. */
export {
  attachLocalCloud,
  connectLocalCloud,
  type LocalCloudHandle,
  type LocalCloudStatus,
  localCloudStatus,
  type ServiceCheck,
  startLocalCloud,
  type StartLocalCloudOptions,
  stopLocalCloud,
  type StopLocalCloudResult,
} from './local-cloud';
export { localDynamoDbClient, localS3Client } from './local-clients';
export { createActiveTable, waitTableActive } from './active-table';
export { createCatalogShapedTable } from './catalog-table';
export { type RegionOutageResult, type RegionOutageOptions, startRegion, stopRegion } from './region-outage';
export { type RegionState } from './region-control-protocol';
export { DEFAULT_DATA_DIR } from './cloud-state';
export { deriveBucketName, deriveTableName, type ProvisionedBucket, type ProvisionedTable, type ProvisionSummary, provisionFromTemplates } from './provision-from-templates';
export * from './errors';
export { createForeignBucket } from './foreign-bucket';
export { transitionObjects, type TransitionObjectsOptions } from './transition-objects';
export { LOCAL_THAW_SECONDS_ENV } from './storage-classes';
export { type CreateOnlyPrefixes } from './create-only-guard';
