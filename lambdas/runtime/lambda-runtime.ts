import { type S3Client } from '@aws-sdk/client-s3';
import { type ProtectionPlanConfig, type SourceConfig } from '../../config/lifeboat-config';
import { BackupCatalog } from '../catalog/backup-catalog';
import { handlerLogger } from '../operations/handler-logger';
import { type RestoreIo } from '../restore/restore-io';
import { releaseRestorePin, type ReleaseRestorePin } from '../restore/restore-pin';
import { resolveSourceRoot } from '../sources/directory-source';
import { type KeyProvider, type Vault } from '../../vault';
import { S3VaultStore } from '../../vault/aws';
import { AwsClients } from './aws-clients';
import { bucketOwnerRule } from './expected-bucket-owner';
import { openBackupVault, vaultKeyProvider, type VaultKeySource } from './backup-vault';
import { MissingEnvironmentError } from './errors';
import { type RuntimeConfig, runtimeConfigFromEnv, type VaultLocation, type VaultSide } from './runtime-config';

/**
 * What every Lambda of Lifeboat works with, built once per container by the composition root
 * (createLambdaRuntime) from an explicit RuntimeConfig: the SDK clients (KMS included), the catalog,
 * the protected plans and sources, and the two vaults with their keys. The primary vault is the
 * function's own region's; the DR vault lives in the DR region, with that region's S3 and KMS.
 */
export type LambdaRuntime = {
  config: RuntimeConfig;
  clients: AwsClients;
  environment: string;
  plans: ProtectionPlanConfig[];
  sources: SourceConfig[];
  catalog: BackupCatalog;
  /** The DR region's catalog (the Replicate step writes it), or the MissingEnvironmentError of a function without it. */
  drCatalog(): BackupCatalog;
  vaultBucket(side: VaultSide): string;
  vaultS3(side: VaultSide): S3Client;
  /** The vault's objects as a store, without opening the vault (the replication target). */
  vaultStore(side: VaultSide): S3VaultStore;
  /** What unwraps the vault's master key: the local key file (which must exist), or the vault's KMS key in its region. */
  vaultKeys(side: VaultSide): Promise<KeyProvider>;
  /**
   * The vault, opened once per container. `create` (primary only): initialise it when the bucket
   * holds none yet — only the backup's Plan step asks for that; the others expect it.
   */
  openVault(side: VaultSide, options?: { create?: boolean }): Promise<Vault>;
  /** A configured directory path → where it is on this machine (the EFS mount in AWS, under LIFEBOAT_FS_ROOT locally). */
  directory(configuredPath: string): string;
  /** The vaults, the plan store and the target clients, as the restore shards and verification use them. */
  restoreIo(): RestoreIo;
  /** What removes a restore's pin from its backup in this function's home catalog, logging a failure (restore-pin.ts). */
  releaseRestorePin(): ReleaseRestorePin;
};

/**
 * The buckets another account owns: sources whose config names their account (read with its consent),
 * and the DR vault of a DR stack in another account (DR_VAULT_ACCOUNT).
 */
export function foreignBucketOwners(plans: readonly ProtectionPlanConfig[], drVault: RuntimeConfig['drVault']): Map<string, string> {
  const owners = new Map<string, string>();
  if (!(drVault instanceof Error) && drVault.account !== undefined) owners.set(drVault.bucket, drVault.account);
  for (const source of plans.flatMap((p) => p.sources)) if (source.type === 's3' && source.account !== undefined) owners.set(source.bucket, source.account);
  return owners;
}

export function createLambdaRuntime(config: RuntimeConfig): LambdaRuntime {
  const clients = new AwsClients(config.region, config.localEndpoints, config.account !== undefined ? bucketOwnerRule(config.account, foreignBucketOwners(config.plans, config.drVault)) : undefined);
  const location = (side: VaultSide): VaultLocation => {
    if (side === 'primary') {
      if (config.primaryVault instanceof Error) throw config.primaryVault;
      return config.primaryVault;
    }
    if (config.drVault instanceof MissingEnvironmentError) throw config.drVault;
    return config.drVault;
  };
  const keySource = (side: VaultSide): VaultKeySource => {
    if (config.localVaultKeyFile !== undefined) return { keyFile: config.localVaultKeyFile };
    const { region, keyArn, keyArnVariable } = location(side);
    if (keyArn === undefined) throw new MissingEnvironmentError(keyArnVariable);
    return { kms: clients.kmsClient(region), keyArn };
  };
  const opening = new Map<VaultSide, Promise<Vault>>();
  const runtime: LambdaRuntime = {
    config,
    clients,
    environment: config.environment,
    plans: config.plans,
    sources: config.plans.flatMap((p) => p.sources),
    // This deployment reads its home catalog's rebuild marker: a stored line is shown only when its rebuild would write it.
    catalog: new BackupCatalog(clients.documentClient(), config.catalogTable, {
      environment: config.environment,
      region: config.homeVault,
      aws: config.localEndpoints === undefined,
      vaultKeyArn: config.primaryVault instanceof Error ? undefined : config.primaryVault.keyArn,
    }),
    drCatalog: () => {
      if (config.drCatalogTable === undefined) throw new MissingEnvironmentError('DR_CATALOG_TABLE');
      return new BackupCatalog(clients.documentClient(location('dr').region), config.drCatalogTable);
    },
    vaultBucket: (side) => location(side).bucket,
    vaultS3: (side) => clients.s3Client(location(side).region),
    vaultStore: (side) => new S3VaultStore({ client: runtime.vaultS3(side), bucket: runtime.vaultBucket(side) }),
    vaultKeys: async (side) => vaultKeyProvider(keySource(side), location(side).bucket),
    openVault: (side, options = {}) => {
      let vault = opening.get(side);
      if (!vault) {
        const create = side === 'primary' && options.create === true;
        // Only the open that may create the vault may create its local key file (vaultKeyProvider).
        const keys = create ? (async () => vaultKeyProvider(keySource(side), location(side).bucket, { createIn: runtime.vaultStore(side) }))() : runtime.vaultKeys(side);
        vault = keys.then((provider) => openBackupVault({ s3: runtime.vaultS3(side), bucket: runtime.vaultBucket(side), provider, create, ...(config.memoryMb !== undefined ? { memoryMb: config.memoryMb } : {}) }));
        // A failed open (vault missing, KMS throttled) must not stick to the container.
        vault.catch(() => opening.delete(side));
        opening.set(side, vault);
      }
      return vault;
    },
    directory: (configuredPath) => resolveSourceRoot(configuredPath, { LIFEBOAT_FS_ROOT: config.fsRoot }),
    restoreIo: () => ({
      openVault: (side) => runtime.openVault(side),
      planS3: runtime.vaultS3(config.homeVault),
      planBucket: runtime.vaultBucket(config.homeVault),
      targetS3: clients.s3Client(),
      dynamodb: clients.dynamoDbClient(),
      directory: runtime.directory,
      mountPath: config.mountPath,
    }),
    releaseRestorePin: () => releaseRestorePin(runtime.catalog, config.homeVault, (message) => handlerLogger.warn(message)),
  };
  return runtime;
}

let cached: LambdaRuntime | undefined;

/**
 * The container's runtime, from the function's environment at its first invocation (Lambda sets the
 * environment once per container; the local executor sets the function's template environment
 * before each invocation of a worker, and a bundle serves one function).
 */
export function lambdaRuntime(): LambdaRuntime {
  cached ??= createLambdaRuntime(runtimeConfigFromEnv(process.env));
  return cached;
}
