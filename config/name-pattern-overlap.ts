/**
 * The name patterns an environment's functions may write beyond their own fixed names: restore
 * targets `<prefix>-restore-*` (IAM grants the restore functions these) and drill scratch targets
 * `<prefix>-drill-*` (the drill's cleanup deletes those older than the drill's timeout and an hour).
 */
export const OWNED_NAME_PATTERNS = ['restore', 'drill'] as const;

/**
 * Why the resources of the environment of prefix `prefix` (every name `<prefix>-…`) would match a
 * pattern of the environment of prefix `owner`, or undefined when none does: with `dev` and
 * `dev-restore-x`, `lifeboat-dev-restore-*` matches `lifeboat-dev-restore-x-vault-…` and dev's
 * restores could write the other's vault.
 */
export function ownedNamePatternOverlap(owner: string, prefix: string): string | undefined {
  if (owner === prefix) return undefined;
  const kind = OWNED_NAME_PATTERNS.find((k) => `${prefix}-`.startsWith(`${owner}-${k}-`));
  if (kind === undefined) return undefined;
  return `every name of "${prefix}" (its vault, catalog, restore targets) starts with ${prefix}-, which matches ${owner}-${kind}-*, the ${kind === 'restore' ? 'restore targets' : 'drill scratch targets'} of "${owner}": its ${kind === 'restore' ? 'restores could write them' : 'drill cleanup could delete them'}; choose a name that does not start with the other's name followed by "-${kind}"`;
}
