/**
 * Lifeboat's construct library: serverless backup and DR of S3 buckets, DynamoDB tables and file
 * systems. Most apps need only LifeboatProtection and LifeboatSource; the parts it is built from
 * are exported for apps that assemble their own.
 */
export { LifeboatMemorySizes } from './constructs/lifeboat-memory-sizes';
export { LifeboatProtection, type LifeboatProtectionProps, type LifeboatFileSystem, type LifeboatFileSystemAccess, type LifeboatScrubOptions, type LifeboatPruneOptions, type LifeboatNotifications, type LifeboatMirrorCheckOptions } from './constructs/lifeboat-protection';
export { LifeboatOperations, type LifeboatOperationsProps } from './constructs/lifeboat-operations';
export { OperationsAlerts, type OperationsAlertsProps } from './constructs/operations-alerts';
export { LifeboatSource, type S3BucketSourceOptions, type MirrorOption, type DynamoDbTableSourceOptions, type S3InventoryOption } from './constructs/lifeboat-source';
export { type LifeboatPlan, type LifeboatRetention, type LifeboatObjectives, type LifeboatStorageTiers, type LifeboatDrill } from './constructs/lifeboat-plan';
export { LifeboatVault, type LifeboatVaultProps, type LifeboatVaultReplicaProps, type LifeboatVaultImmutability, type PackTiers } from './constructs/lifeboat-vault';
export { BackupWorkflow, type BackupWorkflowProps } from './constructs/backup-workflow';
export { RestoreWorkflow, type RestoreWorkflowProps } from './constructs/restore-workflow';
export { CatalogRebuildWorkflow, type CatalogRebuildWorkflowProps } from './constructs/catalog-rebuild-workflow';
export { ScrubWorkflow, type ScrubWorkflowProps, type ScrubSchedule } from './constructs/scrub-workflow';
export { PruneWorkflow, type PruneWorkflowProps, type PruneSchedule } from './constructs/prune-workflow';
export { BackupSchedules, type BackupSchedulesProps } from './constructs/backup-schedules';
export { SourceMirrors, type SourceMirrorsProps, type S3Mirror } from './constructs/source-mirrors';
export { MirrorCheckWorkflow, type MirrorCheckWorkflowProps } from './constructs/mirror-check-workflow';
export { FileMirrorSampler, type FileMirrorSamplerProps } from './constructs/file-mirror-sampler';
export { CatalogTable, type CatalogTableProps } from './constructs/catalog-table';
export { FileSystemMount, type FileSystemAccess } from './constructs/file-system-mount';
export { type ReplicaVaultLocation } from './constructs/replica-vault-location';
export { type ReplicaCatalogLocation } from './constructs/replica-catalog-location';
export { type LifeboatSecurityOptions } from './constructs/security-options';
// The types of LifeboatProtection's fields, so an app can name them; the constructs themselves are LifeboatProtection's parts only.
export { type DrillWorkflow, type DrillWorkflowProps, type PinnedAccount } from './constructs/drill-workflow';
export { type FailoverWorkflow, type FailoverWorkflowProps } from './constructs/failover-workflow';
export { type DrKeyArns, type DrKeyArnsProps } from './constructs/dr-key-arns';
export { type LifeboatFunction, type LifeboatFunctionProps } from './constructs/lifeboat-function';
// Types of the config schema that props take (lifeboat.config.json has the same fields).
export { type ReadBudgetConfig, type WriteBudgetConfig, type EfsMountConfig, type EfsAccessConfig, type ProtectionPlanConfig } from '../config/lifeboat-config';
export { type StorageTiersInput } from '../config/storage-tiers';
export { InvalidLifeboatPropsError } from './constructs/invalid-props-error';
export { lifeboatNames, type LifeboatNames, type LifeboatNamesInput } from './lifeboat-names';
