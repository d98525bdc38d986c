import { type ProtectionPlanConfig, type RetentionConfig } from '../../config/lifeboat-config';
import { type VaultSide } from '../runtime/runtime-config';

/** The policy a vault applies to a plan: the DR vault its `drRetention` when the plan has one, else both vaults `retention`. */
export function retentionOfVault(plan: Pick<ProtectionPlanConfig, 'retention' | 'drRetention'>, vault: VaultSide): RetentionConfig {
  return vault === 'dr' ? (plan.drRetention ?? plan.retention) : plan.retention;
}
