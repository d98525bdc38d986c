import { type VaultSide } from '../runtime/runtime-config';

/**
 * The `lifeboat verify` line that checks, in the vault(s) `into`, the backup of a snapshot a scrub copied there:
 * verify reads the primary vault unless given `--from dr`, so the line for a copy in the DR vault without it checked
 * the primary's copy, which may read where the DR copy does not (review r57M L2). `options`: the scrub's target options
 * (ScrubVaultsOptions.commandOptions), with a leading space.
 */
export function verifyBackupLine(into: Iterable<VaultSide>, options = ''): string {
  const sides = new Set(into);
  if (!sides.has('dr')) return `lifeboat verify --backup ID${options}`;
  if (!sides.has('primary')) return `lifeboat verify --backup ID --from dr${options}`;
  return `lifeboat verify --backup ID${options} (with --from dr for a snapshot copied into the dr vault)`;
}
