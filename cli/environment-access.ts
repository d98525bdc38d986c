import * as path from 'node:path';
import { type Command } from 'commander';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type EnvironmentConfig } from '../config/lifeboat-config';
import { DEFAULT_CONFIG_FILE, findEnvironment, loadLifeboatConfig } from '../config/load-config';
import { resourceNames } from '../lib/stacks/resource-names';
import { BackupCatalog } from '../lambdas/catalog/backup-catalog';
import { MirrorLog } from '../lambdas/mirror/mirror-log';
import { ScrubLog } from '../lambdas/catalog/scrub-log';
import { PruneLog } from '../lambdas/catalog/prune-log';
import { ApprovalLog } from '../lambdas/approval/approval-log';
import { type KeyProvider } from '../vault';
import { KmsKeyProvider } from '../vault/aws';
import { loadLocalKeyFile, openBackupVault } from '../lambdas/runtime/backup-vault';
import { type Vault } from '../vault';
import { KMSClient } from '@aws-sdk/client-kms';
import { connectLocalCloud } from '../local/cloud/local-cloud';
import { localDynamoDbClient, localS3Client } from '../local/cloud/local-clients';
import { type LocalEndpoints } from '../lambdas/runtime/local-endpoints';

/** Where the CLI's runbook commands act: the local cloud of a data directory (default) or AWS (`--aws`). */
export type TargetOptions = { config: string; env: string; dataDir: string; aws?: boolean; vaultKey?: string };

/** The options every command that acts on an environment takes (TargetOptions, plus --json). */
export function withTargetOptions(cmd: Command): Command {
  return cmd
    .option('--config <file>', 'Lifeboat config file', DEFAULT_CONFIG_FILE)
    .option('--env <name>', 'environment', 'dev')
    .option('--data-dir <dir>', 'local cloud data directory', '.lifeboat')
    .option('--aws', 'act on the deployed environment in AWS instead of the local cloud')
    .option('--json', 'machine-readable output');
}

/**
 * The catalog and vaults of an environment, as the CLI reaches them: in the local cloud through its
 * endpoints and the data directory's key file (the one the local executor gives every function), in
 * AWS through the SDK's default credentials and the vaults' KMS keys: the primary one by its alias
 * `alias/lifeboat-<env>-vault` unless --vault-key names another (ARN, id or alias), the DR one by its alias.
 */
export type EnvironmentAccess = {
  environment: EnvironmentConfig;
  catalog: BackupCatalog;
  /** The catalog of either region (`<prefix>-catalog` in each; 'primary' is `catalog`): the DR one is what the DR region's runbooks read. */
  catalogIn(region: 'primary' | 'dr'): BackupCatalog;
  /** The scrub runs recorded in the same catalog table. */
  scrubLog: ScrubLog;
  /** The approvals of either region's catalog: an overwrite restore asks in its region's, a failover in the DR region's. */
  approvalsIn(region: 'primary' | 'dr'): ApprovalLog;
  /** The mirrors' last checks in a region's catalog (the mirror check runs in, and writes, the DR region's). */
  mirrorsIn(region: 'primary' | 'dr'): MirrorLog;
  /** The prune runs of a region's catalog: each vault's prune records itself in the catalog of its region. */
  pruneLogIn(region: 'primary' | 'dr'): PruneLog;
  openVault(side: 'primary' | 'dr'): Promise<Vault>;
  /** A vault's bucket and an S3 client of its region (for bucket-level calls, e.g. its Object Lock configuration). */
  vaultBucket(side: 'primary' | 'dr'): { s3: S3Client; bucket: string };
};

export type AccessClients = { dynamodb?: DynamoDBClient; drDynamodb?: DynamoDBClient; s3?: (region: string) => S3Client; kms?: (region: string) => KMSClient };

export async function environmentAccess(options: TargetOptions, clients: AccessClients = {}): Promise<EnvironmentAccess> {
  const environment = findEnvironment(loadLifeboatConfig(options.config), options.env);
  const names = resourceNames(environment);
  const regionOf = (side: 'primary' | 'dr') => (side === 'primary' ? environment.primaryRegion : environment.drRegion);
  const bucketOf = (side: 'primary' | 'dr') => (side === 'primary' ? names.primaryVault : names.drVault);
  let endpoints: LocalEndpoints | undefined;
  if (!options.aws) endpoints = await connectLocalCloud(path.resolve(options.dataDir));
  const dynamodb = clients.dynamodb ?? (endpoints ? localDynamoDbClient(endpoints, environment.primaryRegion) : new DynamoDBClient({ region: environment.primaryRegion }));
  const s3 = (region: string) => clients.s3?.(region) ?? (endpoints ? localS3Client(endpoints, region) : new S3Client({ region }));
  const documents = DynamoDBDocumentClient.from(dynamodb);
  const catalog = new BackupCatalog(documents, names.catalogTable);
  let drDocuments: DynamoDBDocumentClient | undefined;
  // Built on first use: a command that never reads the DR catalog makes no DR-region client.
  const drDocumentClient = (): DynamoDBDocumentClient => {
    drDocuments ??= DynamoDBDocumentClient.from(
      clients.drDynamodb ?? (endpoints ? localDynamoDbClient(endpoints, environment.drRegion) : new DynamoDBClient({ region: environment.drRegion })),
    );
    return drDocuments;
  };
  let drCatalog: BackupCatalog | undefined;
  return {
    environment,
    catalog,
    catalogIn(region) {
      if (region === 'primary') return catalog;
      drCatalog ??= new BackupCatalog(drDocumentClient(), names.catalogTable);
      return drCatalog;
    },
    approvalsIn: (region) => new ApprovalLog(region === 'primary' ? documents : drDocumentClient(), names.catalogTable),
    mirrorsIn: (region) => new MirrorLog(region === 'primary' ? documents : drDocumentClient(), names.catalogTable),
    pruneLogIn: (region) => new PruneLog(region === 'primary' ? documents : drDocumentClient(), names.catalogTable),
    scrubLog: new ScrubLog(documents, names.catalogTable),
    async openVault(side) {
      let provider: KeyProvider;
      if (!options.aws) provider = await loadLocalKeyFile(path.join(path.resolve(options.dataDir), 'vault.key'), bucketOf(side));
      else {
        const keyId = side === 'dr' ? names.drVaultKeyAlias : options.vaultKey || names.primaryVaultKeyAlias;
        const kms = clients.kms?.(regionOf(side)) ?? new KMSClient({ region: regionOf(side) });
        provider = new KmsKeyProvider({ client: kms, keyId, encryptionContext: { 'lifeboat:vault': bucketOf(side) } });
      }
      return openBackupVault({ s3: s3(regionOf(side)), bucket: bucketOf(side), provider, create: false });
    },
    vaultBucket: (side) => ({ s3: s3(regionOf(side)), bucket: bucketOf(side) }),
  };
}
