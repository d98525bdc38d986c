/**
 * Whether a call to AWS failed on an answer the SDK could not read: its deserialization error carries the `$response` it
 * could not read and no `$fault`, which AWS's own answers (AccessDeniedException, ExpiredTokenException) have, whatever
 * the status: a 200 cut or garbled on its way (AWS may have done what was asked) or a proxy's 403 or 407 HTML page
 * between the CLI and AWS (review r63AC F1). Such a failure may pass, and says nothing of what AWS did: the poll of an
 * execution is made again (poll-failure-kind.ts), and a start is an attempt without answer (workflow-runner.ts, review
 * r64A F2: it ended the command with the SDK's bare SyntaxError, though the run may have started).
 */
export function isUnreadAnswer(err: unknown): boolean {
  return err instanceof Error && '$response' in err && !('$fault' in err);
}
