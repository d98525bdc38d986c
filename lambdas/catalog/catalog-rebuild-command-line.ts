import { type VaultSide } from './catalog-rebuild';

/**
 * The command that rebuilds a catalog from a machine, in its process, with no time limit: what the runbook's
 * out-of-time error and the CLI's report of a failed or timed-out runbook name. One builder, so the two never
 * disagree on a flag: `--region` is never inferred from `--vault` (cli/commands/catalog-commands.ts).
 */
export function catalogRebuildCommandLine(target: { vault: VaultSide; region: VaultSide; environment: string; aws: boolean }): string {
  return `lifeboat catalog rebuild --vault ${target.vault}${target.region === 'dr' ? ' --region dr' : ''} --env ${target.environment}${target.aws ? ' --aws' : ''}`;
}
