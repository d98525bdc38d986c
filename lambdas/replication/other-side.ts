import { type VaultSide } from '../runtime/runtime-config';

/** The vault a scrub compares `side` with, and repairs it from. */
export function otherSide(side: VaultSide): VaultSide {
  return side === 'primary' ? 'dr' : 'primary';
}
