import { catalogRebuildCommandWords } from '../lambdas/catalog/catalog-rebuild-command-line';
import { type VaultSide } from '../lambdas/catalog/catalog-rebuild';
import { targetOptionsLine, vaultTargetOptionsLine } from './target-options-line';

/**
 * `lifeboat catalog rebuild …` to paste, with the target options of the command that prints it (forget, failover, drill
 * run): --vault-key for the primary vault only, when the printing command was given one (the DR vault is opened by its
 * alias, environment-access.ts; drill run takes no --vault-key, so its line opens the default alias as its run did).
 * One builder over catalogRebuildCommandWords, so these lines never disagree on a flag (read-back rb62A item 3).
 */
export function catalogRebuildTargetLine(rebuild: { vault: VaultSide; region: VaultSide }, target: Parameters<typeof vaultTargetOptionsLine>[0]): string {
  return catalogRebuildCommandWords(rebuild) + (rebuild.vault === 'primary' ? vaultTargetOptionsLine(target) : targetOptionsLine(target));
}
