import { type VaultSide } from './catalog-rebuild';

/**
 * The command that rebuilds a catalog from a machine, in its process, with no time limit: what the runbook's
 * out-of-time error and the CLI's report of a failed or timed-out runbook name. One builder of its vault and region, so
 * the two never disagree on a flag: `--region` is never inferred from `--vault` (cli/commands/catalog-commands.ts).
 * Without the target options, which whoever prints it adds: the CLI its own command's (cli/target-options-line.ts, with
 * --config and --data-dir, which a function cannot know), a function its environment (catalogRebuildCommandLine).
 */
export function catalogRebuildCommandWords(target: { vault: VaultSide; region: VaultSide }): string {
  return `lifeboat catalog rebuild --vault ${target.vault}${target.region === 'dr' ? ' --region dr' : ''}`;
}

/** The command as a function prints it: with its environment and, in AWS, --aws. */
export function catalogRebuildCommandLine(target: { vault: VaultSide; region: VaultSide; environment: string; aws: boolean }): string {
  return `${catalogRebuildCommandWords(target)} --env ${target.environment}${target.aws ? ' --aws' : ''}`;
}
