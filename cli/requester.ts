import { hostname, userInfo } from 'node:os';

/**
 * Who starts a runbook from this machine, for the approval record's "requested by" (the runbooks'
 * `requestedBy` field): `user@host`. It is what the starter says, as on the console; the authenticated
 * caller is in CloudTrail's StartExecution event. A user without a passwd entry (some containers)
 * falls back to $USER, then to "unknown".
 */
export function localRequester(): string {
  let user: string;
  try {
    user = userInfo().username;
  } catch {
    user = process.env['USER'] ?? 'unknown';
  }
  return `${user}@${hostname()}`.slice(0, 512);
}

/** The `--requested-by` option of the runbook commands that may wait for an approval (restore, failover). */
export const REQUESTED_BY_OPTION = ['--requested-by <who>', 'who asks, shown to the approver (lifeboat approvals list); default: user@host of this machine'] as const;
