import { type EnvironmentConfig } from '../../config/lifeboat-config';

/**
 * The accounts the local cloud serves an environment's regions as: the environment's account, and
 * the DR region as `drAccount` when the DR stack is in another account (its buckets are that account's
 * for ExpectedBucketOwner, its tables' ARNs name it).
 */
export function cloudAccountsOf(environment: Pick<EnvironmentConfig, 'account' | 'drAccount' | 'drRegion'>): { account: string; regionAccounts?: Record<string, string> } {
  const { account, drAccount, drRegion } = environment;
  return { account, ...(drAccount !== undefined && drAccount !== account ? { regionAccounts: { [drRegion]: drAccount } } : {}) };
}
