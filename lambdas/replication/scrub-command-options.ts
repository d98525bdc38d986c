import { shellWord } from '../runtime/shell-word';

/**
 * The target options, with a leading space, that the scrub runbook's command lines end with: `--env <env>`, and `--aws`
 * when it runs in AWS (a function knows neither the operator's --config nor a local cloud's --data-dir; as the prune
 * workflow's line, prune-command-line.ts). Until review r59D F2 they were bare, and pasted from a failed scheduled scrub
 * they scrubbed, with --repair repaired, the local cloud of env dev.
 */
export function scrubCommandOptions(target: { readonly environment: string; readonly aws: boolean }): string {
  return ` --env ${shellWord(target.environment)}${target.aws ? ' --aws' : ''}`;
}
