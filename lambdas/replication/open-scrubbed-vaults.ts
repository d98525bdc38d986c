import { type Vault, VaultNotFoundError } from '../../vault';
import { type VaultSide } from '../runtime/runtime-config';
import { confirmNotCreatedYet, type NewestRecordedBackup } from './absent-vault';
import { type ScrubScope } from './scrub-vaults';

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
 * to open. One vault that exists without the other is no fresh environment, whatever the scope.
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
  if (primary instanceof VaultNotFoundError && dr instanceof VaultNotFoundError) {
    await confirmNotCreatedYet('primary', primary, newestRecorded);
    await confirmNotCreatedYet('dr', dr, newestRecorded);
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
