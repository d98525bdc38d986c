import { type Vault, VaultNotFoundError } from '../../vault';
import { type VaultSide } from '../runtime/runtime-config';
import { confirmNotCreatedYet, type NewestRecordedBackup } from './absent-vault';
import { type ScrubScope } from './scrub-report';

/** The vaults a scrub reads, and the other one it could not open (a one-vault scope goes on without it), or why there is nothing to scrub yet. */
export type ScrubbedVaults =
  | { readonly vaults: Partial<Record<VaultSide, Vault>>; readonly unopened: readonly { readonly side: VaultSide; readonly error: unknown }[] }
  | { readonly nothingYet: string };

/**
 * Opens both vaults for a scrub of `scope`, as the scheduled scrub (scrub-runbook.ts) and `lifeboat scrub` do: each
 * vault in scope must open, the other is what that one is compared with and repaired from, when it opens.
 * `nothingYet` (the primary vault's message) before the first backup: neither vault exists, and the catalog records
 * no backup stored in either (a schedule fires at the deploy). A vault in scope that does not exist fails the run:
 * with VaultMissingError when its catalog records backups stored in it (emptied: review 43c F1), else as it failed
 * to open. One vault that exists without the other is no fresh environment, whatever the scope; a scrub of the
 * primary alone whose DR vault could not be read at all goes by the primary vault and its catalog.
 */
export async function openScrubbedVaults(scope: ScrubScope, openVault: (side: VaultSide) => Promise<Vault>, newestRecorded: NewestRecordedBackup | undefined): Promise<ScrubbedVaults> {
  const vaults: Partial<Record<VaultSide, Vault>> = {};
  const failed = new Map<VaultSide, unknown>();
  for (const side of ['primary', 'dr'] as const) {
    try {
      vaults[side] = await openVault(side);
    } catch (err) {
      failed.set(side, err);
    }
  }
  const primary = failed.get('primary');
  const dr = failed.get('dr');
  // A scrub of the primary alone whose DR region does not answer cannot tell whether the DR vault exists: the primary
  // vault's absence and its catalog decide, as before the two were read together (review 43f F1).
  const drUnknown = scope === 'primary' && dr !== undefined && !(dr instanceof VaultNotFoundError);
  if (primary instanceof VaultNotFoundError && (dr instanceof VaultNotFoundError || drUnknown)) {
    await confirmNotCreatedYet('primary', primary, newestRecorded);
    if (dr instanceof VaultNotFoundError) await confirmNotCreatedYet('dr', dr, newestRecorded);
    return { nothingYet: primary.message };
  }
  const unopened: { side: VaultSide; error: unknown }[] = [];
  for (const [side, error] of failed) {
    if (scope !== 'both' && scope !== side) {
      unopened.push({ side, error });
      continue;
    }
    if (error instanceof VaultNotFoundError) await confirmNotCreatedYet(side, error, newestRecorded);
    throw error;
  }
  return { vaults, unopened };
}
