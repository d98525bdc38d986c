/**
 * The command that prunes one vault of an environment from a machine, named by the prune's out-of-time errors and by
 * `lifeboat status` when a run cannot be continued by its workflow. One builder so the two never disagree on a flag:
 * `lifeboat prune` alone prunes the primary vault, in the local cloud (review aU2-2).
 */
export function pruneCommandLine(target: { vault: 'primary' | 'dr'; environment: string; aws: boolean }): string {
  return `lifeboat prune${target.vault === 'dr' ? ' --vault dr' : ''} --env ${target.environment}${target.aws ? ' --aws' : ''}`;
}
