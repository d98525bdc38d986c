import { type RuntimeConfig } from './runtime-config';

/**
 * The environment's two regions as a function knows them: the primary (backups, the sources, a restore runbook) and
 * the DR region (the DR vault, a restore runbook and the failover). Lifeboat runs a restore runbook in these two only,
 * so an error that sends the operator to "the runbook of region X" must know them; undefined: the function does not.
 */
export type EnvironmentRegions = { primary?: string | undefined; dr?: string | undefined };

/**
 * A function's own region is its home vault's side (LIFEBOAT_HOME_VAULT); the other comes from DR_REGION (the primary
 * side's functions that read the DR vault) or LIFEBOAT_PRIMARY_REGION (the DR side's that read live sources), when the
 * function was given it.
 */
export function environmentRegionsOf(config: Pick<RuntimeConfig, 'region' | 'homeVault' | 'drRegion' | 'primaryRegion'>): EnvironmentRegions {
  return config.homeVault === 'dr' ? { primary: config.primaryRegion, dr: config.region } : { primary: config.region, dr: config.drRegion };
}
