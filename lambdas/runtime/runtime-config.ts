import { z } from 'zod';
import { type ImmutabilityConfig, immutabilitySchema, protectionPlanSchema, type ProtectionPlanConfig } from '../../config/lifeboat-config';
import { LOCAL_VAULT_KEY_FILE_ENV } from './backup-vault';
import { defaultRestoreTargetPrefix } from '../restore/restore-target-policy';
import { requireEnv } from './environment';
import { InvalidEnvironmentError, MissingEnvironmentError, PrimaryVaultUnavailableError } from './errors';
import { LOCAL_ENDPOINTS_ENV, type LocalEndpoints, localEndpointsSchema } from './local-endpoints';

/** Where a vault is: its bucket, the bucket's region, and (in AWS) its KMS key, with the variable that named it. */
/** `account`: the bucket's owner when it is not the function's (a DR vault in another account, DR_VAULT_ACCOUNT). */
export type VaultLocation = { bucket: string; region: string; keyArn?: string | undefined; keyArnVariable: string; account?: string | undefined };

export type VaultSide = 'primary' | 'dr';

/**
 * Everything a Lambda of Lifeboat reads from its environment, read in one place (runtimeConfigFromEnv)
 * and passed on explicitly: nothing below the composition root looks at process.env, and nothing
 * rewrites it. Functions get different variables (lib/constructs/*-workflow.ts): what every one has
 * is required here; the DR vault is required only by the functions that use it (`drVault`).
 */
export type RuntimeConfig = {
  /** The function's own region (AWS_REGION, set by Lambda). */
  region: string;
  environment: string;
  /**
   * The function's AWS account (LIFEBOAT_ACCOUNT, the stack's account): every S3 call expects its
   * bucket to be owned by it, or by the account a source names (ExpectedBucketOwner). Absent only in
   * functions deployed before it existed, which then send no ExpectedBucketOwner.
   */
  account?: string;
  /** New restore targets start with this (LIFEBOAT_RESTORE_TARGET_PREFIX; `lifeboat-<env>-restore-` for functions deployed before it existed). */
  restoreTargetPrefix: string;
  /**
   * LIFEBOAT_SCRATCH_TARGETS=true: the restore functions of drills, whose targets are deleted when the
   * drill ends, so a table they create gets no deletion protection nor point-in-time recovery.
   */
  scratchTargets?: boolean;
  catalogTable: string;
  /** The DR region's catalog, which the Replicate step writes (DR_CATALOG_TABLE, in DR_REGION); absent for the other functions. */
  drCatalogTable?: string;
  /** DR_REGION: the DR region, where the DR vault and the DR catalog are; absent for functions that address neither. */
  drRegion?: string;
  plans: ProtectionPlanConfig[];
  /** The primary vault; functions of the DR stack have none (their home is the DR vault), and get the error saying so when they ask. */
  /** The primary vault; an error (thrown when it is used) for a function that has none: a DR function, or one that touches no vault (VAULT_BUCKET unset). */
  primaryVault: VaultLocation | PrimaryVaultUnavailableError | MissingEnvironmentError;
  /** The DR vault, or the MissingEnvironmentError a function without it gets when it asks for it. */
  drVault: VaultLocation | MissingEnvironmentError;
  /**
   * The function's own vault (LIFEBOAT_HOME_VAULT, default primary): the DR stack's functions have
   * only the DR vault and the DR catalog (docs/ARCHITECTURE.md, "the DR region stands alone"). Restore
   * plans and drill reports go to it; a restore request's `vault` defaults to it.
   */
  homeVault: VaultSide;
  /**
   * The primary region (LIFEBOAT_PRIMARY_REGION), where the protected S3 buckets are: the drill
   * compares restored copies with them. Absent in functions that do not read live sources across regions.
   */
  primaryRegion?: string;
  /** `<prefix>-mirror-` (LIFEBOAT_MIRROR_BUCKET_PREFIX): a mirrored S3 source's mirror bucket is this plus its name; the functions that read mirrors have it. */
  mirrorBucketPrefix?: string;
  /** LIFEBOAT_MIRROR_FILE_SYSTEM_ID: the mirrored EFS file system (the mirror check reads its replication state). */
  mirrorFileSystemId?: string;
  /**
   * The replica of that file system mounted into the mirror check at `mountPath` (LIFEBOAT_MIRROR_REPLICA_FILE_SYSTEM_ID), and
   * the primary region's mount path its sources' paths are under (LIFEBOAT_SOURCE_MOUNT_PATH): the check compares files then.
   */
  mirrorReplica?: { fileSystemId: string; sourceMountPath: string };
  /**
   * The function's memory size (AWS_LAMBDA_FUNCTION_MEMORY_SIZE, set by Lambda and by the local
   * executor): a vault index too large to load beside the function's work fails with a message
   * saying so (VaultIndexTooLargeError) instead of a kill. Absent outside a function.
   */
  memoryMb?: number;
  /** Local executor only: the loopback endpoints of the local cloud. */
  localEndpoints?: LocalEndpoints;
  /** Local executor only: the key file that stands in for KMS. */
  localVaultKeyFile?: string;
  /** Local executor only: the directory that stands in for the EFS mount (LIFEBOAT_FS_ROOT). */
  fsRoot?: string;
  /** Where the file system is mounted into the restore functions, when one is configured. */
  mountPath?: string;
  /** The vaults' Object Lock (LIFEBOAT_IMMUTABILITY), in the functions that extend retention (commit, replicate). */
  immutability?: ImmutabilityConfig;
  /** The backup state machine's name (LIFEBOAT_BACKUP_STATE_MACHINE): release-failed-backup tells its executions from the others'. */
  backupStateMachineName?: string;
};

function optional(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}

/** A variable holding JSON that must match `schema`; the error names the variable and the bad field. */
function jsonVariable<T>(env: NodeJS.ProcessEnv, name: string, schema: z.ZodType<T>): T {
  let raw: unknown;
  try {
    raw = JSON.parse(requireEnv(name, env));
  } catch (err) {
    if (err instanceof MissingEnvironmentError) throw err;
    throw new InvalidEnvironmentError(name, `it is not JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(value)'}: ${i.message}`);
  throw new InvalidEnvironmentError(name, problems.join('; '));
}

function primaryVaultFromEnv(env: NodeJS.ProcessEnv, region: string): VaultLocation | MissingEnvironmentError {
  const bucket = optional(env, 'VAULT_BUCKET');
  if (bucket === undefined) return new MissingEnvironmentError('VAULT_BUCKET');
  return { bucket, region, keyArn: optional(env, 'VAULT_KEY_ARN'), keyArnVariable: 'VAULT_KEY_ARN' };
}

function drVaultFromEnv(env: NodeJS.ProcessEnv): VaultLocation | MissingEnvironmentError {
  try {
    return { bucket: requireEnv('DR_VAULT_BUCKET', env), region: requireEnv('DR_REGION', env), keyArn: optional(env, 'DR_VAULT_KEY_ARN'), keyArnVariable: 'DR_VAULT_KEY_ARN', account: optional(env, 'DR_VAULT_ACCOUNT') };
  } catch (err) {
    if (err instanceof MissingEnvironmentError) return err;
    throw err;
  }
}

/** The composition root's one read of the environment (process.env in a Lambda, the function's template env under the local executor). */
export function runtimeConfigFromEnv(env: NodeJS.ProcessEnv): RuntimeConfig {
  const region = env.AWS_REGION ?? requireEnv('AWS_DEFAULT_REGION', env);
  const localEndpoints = optional(env, LOCAL_ENDPOINTS_ENV) !== undefined ? jsonVariable(env, LOCAL_ENDPOINTS_ENV, localEndpointsSchema) : undefined;
  const localVaultKeyFile = optional(env, LOCAL_VAULT_KEY_FILE_ENV);
  const fsRoot = optional(env, 'LIFEBOAT_FS_ROOT');
  const mountPath = optional(env, 'LIFEBOAT_MOUNT_PATH');
  const drCatalogTable = optional(env, 'DR_CATALOG_TABLE');
  const drRegion = optional(env, 'DR_REGION');
  const primaryRegion = optional(env, 'LIFEBOAT_PRIMARY_REGION');
  const immutability = optional(env, 'LIFEBOAT_IMMUTABILITY') !== undefined ? jsonVariable(env, 'LIFEBOAT_IMMUTABILITY', immutabilitySchema) : undefined;
  const backupStateMachineName = optional(env, 'LIFEBOAT_BACKUP_STATE_MACHINE');
  const mirrorBucketPrefix = optional(env, 'LIFEBOAT_MIRROR_BUCKET_PREFIX');
  const mirrorFileSystemId = optional(env, 'LIFEBOAT_MIRROR_FILE_SYSTEM_ID');
  const replicaFileSystemId = optional(env, 'LIFEBOAT_MIRROR_REPLICA_FILE_SYSTEM_ID');
  const sourceMountPath = optional(env, 'LIFEBOAT_SOURCE_MOUNT_PATH');
  if (replicaFileSystemId !== undefined && sourceMountPath === undefined) throw new MissingEnvironmentError('LIFEBOAT_SOURCE_MOUNT_PATH');
  const environment = requireEnv('LIFEBOAT_ENVIRONMENT', env);
  const account = optional(env, 'LIFEBOAT_ACCOUNT');
  if (account !== undefined && !/^\d{12}$/.test(account)) throw new InvalidEnvironmentError('LIFEBOAT_ACCOUNT', `"${account}" is not a 12-digit AWS account id`);
  const memorySize = optional(env, 'AWS_LAMBDA_FUNCTION_MEMORY_SIZE');
  const memoryMb = memorySize === undefined ? undefined : Number(memorySize);
  if (memoryMb !== undefined && !(Number.isInteger(memoryMb) && memoryMb > 0)) throw new InvalidEnvironmentError('AWS_LAMBDA_FUNCTION_MEMORY_SIZE', `"${memorySize}" is not a whole number of MB`);
  const homeVault = optional(env, 'LIFEBOAT_HOME_VAULT') ?? 'primary';
  if (homeVault !== 'primary' && homeVault !== 'dr') throw new InvalidEnvironmentError('LIFEBOAT_HOME_VAULT', `"${homeVault}" is neither primary nor dr`);
  return {
    region,
    environment,
    ...(account ? { account } : {}),
    homeVault,
    restoreTargetPrefix: optional(env, 'LIFEBOAT_RESTORE_TARGET_PREFIX') ?? defaultRestoreTargetPrefix(environment),
    ...(optional(env, 'LIFEBOAT_SCRATCH_TARGETS') === 'true' ? { scratchTargets: true } : {}),
    catalogTable: requireEnv('CATALOG_TABLE', env),
    ...(drCatalogTable ? { drCatalogTable } : {}),
    ...(drRegion ? { drRegion } : {}),
    plans: jsonVariable(env, 'LIFEBOAT_PLANS', z.array(protectionPlanSchema)),
    primaryVault:
      homeVault === 'dr'
        ? new PrimaryVaultUnavailableError(
            `This function runs in the DR region (${region}) and reads the DR vault only, so that it works with the primary region down; use "vault": "dr", or start the primary region's runbook to use the primary vault.`,
          )
        : primaryVaultFromEnv(env, region),
    drVault: drVaultFromEnv(env),
    ...(memoryMb !== undefined ? { memoryMb } : {}),
    ...(localEndpoints ? { localEndpoints } : {}),
    ...(localVaultKeyFile ? { localVaultKeyFile } : {}),
    ...(fsRoot ? { fsRoot } : {}),
    ...(mountPath ? { mountPath } : {}),
    ...(primaryRegion ? { primaryRegion } : {}),
    ...(immutability ? { immutability } : {}),
    ...(backupStateMachineName ? { backupStateMachineName } : {}),
    ...(mirrorBucketPrefix ? { mirrorBucketPrefix } : {}),
    ...(mirrorFileSystemId ? { mirrorFileSystemId } : {}),
    ...(replicaFileSystemId && sourceMountPath ? { mirrorReplica: { fileSystemId: replicaFileSystemId, sourceMountPath } } : {}),
  };
}
