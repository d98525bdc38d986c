/**
 * The command that prunes one vault of an environment from a machine, named by the prune's out-of-time errors and by
 * `lifeboat status` when a run cannot be continued by its workflow. One builder so the two never disagree on a flag:
 * `lifeboat prune` alone prunes the primary vault, in the local cloud (review aU2-2). The workflow knows only its
 * environment and whether it runs in AWS; status gives its own target options (`options`, with a leading space:
 * --config, --data-dir and --vault-key included), without which its line pruned another target (review r58A F3).
 */
export function pruneCommandLine(target: { vault: 'primary' | 'dr' } & ({ environment: string; aws: boolean } | { options: string })): string {
  const options = 'options' in target ? target.options : ` --env ${target.environment}${target.aws ? ' --aws' : ''}`;
  return `lifeboat prune${target.vault === 'dr' ? ' --vault dr' : ''}${options}`;
}
