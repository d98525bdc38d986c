/**
 * What a failed restore's message says when its cleanup step (Abandon or Release restore) failed too: after its retries
 * (throttled, timed out, crashed) or for good. The restore's own error stays the execution's, so without this no one
 * reading it (the restore runbook's CLI line, a drill's record, a failover's report) learnt that the claim, the pin and
 * the pieces the cleanup removes may still be there, and that the claim refuses the restore the report suggests until it
 * lapses (review r59K F3).
 */
export const CLEANUP_FAILED = 'Its cleanup step (Abandon or Release restore) failed too';

/** The longest error name the note quotes: the state machine passes whatever Step Functions caught. */
const MAX_NAME = 100;

/** The note, `cleanupError` being the cleanup step's error name. */
export function cleanupFailedNote(cleanupError: string): string {
  const name = cleanupError.length > MAX_NAME ? `${cleanupError.slice(0, MAX_NAME)}…` : cleanupError;
  return (
    `${CLEANUP_FAILED} (${name}), so what it removes may be left: the restore's claim on its target, which refuses ` +
    'any other restore into it (a finish too: RestoreTargetClaimedError) until it lapses, the restore workflow\'s timeout ' +
    'after the restore began (24 hours, 72 with an archive tier), or is freed (docs/RUNBOOKS.md, "Freeing a stuck claim"); ' +
    'its pin on the backup; and, once planned, incomplete multipart uploads or .part piece files in the target.'
  );
}

/** Whether a failed restore's message says its cleanup step failed too. */
export function saysCleanupFailed(message: string): boolean {
  return message.includes(CLEANUP_FAILED);
}
