import { type EnvironmentConfig } from '../../config/lifeboat-config';

/**
 * Physical names of an environment's resources. Fixed (not CloudFormation-generated) so runbooks,
 * the CLI and the local cloud address them by name, and the DR copy is found from the primary.
 */
export function resourceNames(env: EnvironmentConfig) {
  const base = `lifeboat-${env.name}`;
  return {
    primaryStack: `Lifeboat-${env.name}-Primary`,
    drStack: `Lifeboat-${env.name}-DR`,
    primaryVault: `${base}-vault-${env.account}-${env.primaryRegion}`,
    drVault: `${base}-vault-${env.account}-${env.drRegion}`,
    primaryAccessLogs: `${base}-access-logs-${env.account}-${env.primaryRegion}`,
    drAccessLogs: `${base}-access-logs-${env.account}-${env.drRegion}`,
    catalogTable: `${base}-catalog`,
    backupStateMachine: `${base}-backup`,
    restoreStateMachine: `${base}-restore`,
    /** Alias of the primary vault's KMS key: the CLI (`lifeboat verify --aws`) names the key by it. */
    primaryVaultKeyAlias: `alias/${base}-vault`,
    /** Alias of the DR vault's KMS key: the restore functions in the primary region name the DR key by it. */
    drVaultKeyAlias: `alias/${base}-dr-vault`,
    /** New buckets and tables a restore may create or write start with this (docs/RUNBOOKS.md). */
    restoreTargetPrefix: `${base}-restore-`,
  };
}

export type ResourceNames = ReturnType<typeof resourceNames>;
