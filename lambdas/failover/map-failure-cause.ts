/**
 * The words that begin the cause of a Distributed Map failed past its tolerated failures: AWS's whole cause, and the
 * local executor's (local/executor/errors.ts), which goes on with counts and the first failed child's error. One
 * constant, so the writer and the reader (the failover report) cannot drift apart.
 */
export const TOLERATED_FAILURE_EXCEEDED = 'The specified tolerated failure threshold was exceeded';

/**
 * What the local executor's cause tells ("…exceeded: 2 of 40 item(s) of map "Restore shards" failed in 1 of 4 child
 * execution(s); the first failed child: <error>: <cause>"); each undefined when absent: AWS's cause tells none, and an
 * older local executor's no child count.
 */
export type MapFailureCause = { readonly failedShards?: number; readonly failedChildren?: number; readonly firstError?: string };

export function mapFailureCauseOf(message: string): MapFailureCause {
  const prefix = `${TOLERATED_FAILURE_EXCEEDED}: `;
  if (!message.startsWith(prefix)) return {};
  const rest = message.slice(prefix.length);
  const counts = /^(\d+) of \d+ item\(s\)(?: of map "[^"]*" failed in (\d+) of \d+ child execution\(s\))?/.exec(rest);
  const firstError = /^[^;]*; the first failed child: ([\w.]{1,200}):/.exec(rest)?.[1];
  return {
    ...(counts?.[1] !== undefined ? { failedShards: Number(counts[1]) } : {}),
    ...(counts?.[2] !== undefined ? { failedChildren: Number(counts[2]) } : {}),
    ...(firstError !== undefined ? { firstError } : {}),
  };
}
