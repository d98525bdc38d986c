import { type VaultSide } from '../runtime/runtime-config';

/**
 * The `lifeboat verify` line that checks, in the vault(s) `into`, the backup of a snapshot a scrub copied there:
 * verify reads the primary vault unless given `--from dr`, so the line for a copy in the DR vault without it checked
 * the primary's copy, which may read where the DR copy does not (review r57M L2).
 */
export function verifyBackupLine(into: Iterable<VaultSide>): string {
  const sides = new Set(into);
  if (!sides.has('dr')) return 'lifeboat verify --backup ID';
  if (!sides.has('primary')) return 'lifeboat verify --backup ID --from dr';
  return 'lifeboat verify --backup ID (with --from dr for a snapshot copied into the dr vault)';
}
