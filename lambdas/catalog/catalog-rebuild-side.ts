import { InvalidInputError } from '../runtime/errors';
import { type VaultSide } from './catalog-rebuild';

/**
 * The vault a catalog-rebuild request reads, given the function's home vault: absent means the home
 * vault (the primary region's runbook: primary; the DR region's: dr). The DR region's runbook has no
 * primary vault (it runs with the primary region down), so `"vault": "primary"` there is refused,
 * naming the field, rather than failing later on a missing vault.
 */
export function catalogRebuildSide(requested: VaultSide | undefined, homeVault: VaultSide): VaultSide {
  const side = requested ?? homeVault;
  if (homeVault === 'dr' && side === 'primary') {
    throw new InvalidInputError(
      'Invalid catalog rebuild request: vault: this is the DR region\'s catalog-rebuild runbook, which rebuilds the DR catalog from the DR vault only; remove "vault" or set it to "dr", or start the primary region\'s catalog-rebuild runbook to rebuild from the primary vault',
    );
  }
  return side;
}
