import { environmentRegionsOf } from '../../../../lambdas/runtime/environment-regions';
import { runtimeConfigFromEnv } from '../../../../lambdas/runtime/runtime-config';

/** The environment's regions as a function finds them in the variables its construct gives it (restore-functions.ts). */
function regionsOf(env: Record<string, string>) {
  return environmentRegionsOf(runtimeConfigFromEnv({ LIFEBOAT_ENVIRONMENT: 'prod', CATALOG_TABLE: 'catalog', LIFEBOAT_PLANS: '[]', ...env }));
}

describe("a function's environment regions", () => {
  it("are its own region on its home vault's side and DR_REGION or LIFEBOAT_PRIMARY_REGION on the other", () => {
    // The primary region's restore runbook: its own region, the DR vault's (DR_REGION).
    expect(regionsOf({ AWS_REGION: 'us-east-1', VAULT_BUCKET: 'vault', DR_VAULT_BUCKET: 'dr-vault', DR_REGION: 'us-west-2' })).toEqual({ primary: 'us-east-1', dr: 'us-west-2' });
    // The DR region's (homeVaultEnvironment: DR_REGION is its own region): the primary region only with LIFEBOAT_PRIMARY_REGION.
    expect(regionsOf({ AWS_REGION: 'us-west-2', LIFEBOAT_HOME_VAULT: 'dr', DR_VAULT_BUCKET: 'dr-vault', DR_REGION: 'us-west-2' })).toEqual({ primary: undefined, dr: 'us-west-2' });
    expect(regionsOf({ AWS_REGION: 'us-west-2', LIFEBOAT_HOME_VAULT: 'dr', DR_VAULT_BUCKET: 'dr-vault', DR_REGION: 'us-west-2', LIFEBOAT_PRIMARY_REGION: 'us-east-1' })).toEqual({ primary: 'us-east-1', dr: 'us-west-2' });
    // A primary-side function without the DR vault (the primary drill's restore functions) does not know the DR region.
    expect(regionsOf({ AWS_REGION: 'us-east-1', VAULT_BUCKET: 'vault' })).toEqual({ primary: 'us-east-1', dr: undefined });
  });
});
