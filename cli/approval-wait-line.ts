/**
 * What a local run shows while its overwrite restore or failover waits for `lifeboat approve`: the command to answer it
 * with, ending with the run's own target options (targetOptionsLine, with a leading space). Bare, it was pasted in
 * another terminal and asked env dev's local cloud in .lifeboat, which holds no such approval (audit a59A F5).
 */
export function approvalWaitLine(executionId: string, targetOptions = ''): string {
  return `waiting for approval: lifeboat approve ${executionId}${targetOptions} (or --reject --reason …)`;
}
