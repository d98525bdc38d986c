import { type MirrorRecord } from './mirror-record';
import { MAX_LISTED_KEY_BYTES, MAX_UNRESOLVED } from './mirror-verdict';

/**
 * Why a record has no clean complete pass yet, in a parenthesis for the failover's reason (mirror-choice.ts) and
 * `lifeboat status` (cli/status/mirror-status.ts), which say it alike: the candidate pass waiting for its keys in
 * flight, or the pass in progress, and the keys in flight that pass could not follow (mirror-verdict.ts), which
 * keep it from ever counting.
 */
export function passProgressText(check: MirrorRecord): string {
  const held = check.pending?.filter((p) => p.holdsPass === true).length ?? 0;
  const unfollowed = check.passUnfollowed ?? 0;
  if (unfollowed > 0 && check.passStartedAt !== undefined) {
    return (
      ` (the pass that started ${check.passStartedAt} saw ${unfollowed} key(s) in flight it could not follow: the check follows at most ` +
      `its samples, never more than ${MAX_UNRESOLVED} at once nor more than ${MAX_LISTED_KEY_BYTES / 1024} KiB of key text with the open differences, ` +
      `so that pass cannot vouch for the mirror)`
    );
  }
  if (check.candidatePass) {
    // A table's item counts once read equal: its replica copy moving says replication is alive, not how far behind (dynamodb-mirror-recheck.ts).
    const seen =
      check.type === 'dynamodb'
        ? "the items' writes pause and a check reads them equal in the replica (a copy seen moving does not say how far behind it is)"
        : 'the next checks see them replicated';
    return ` (the pass that started ${check.candidatePass.startedAt} ended with ${held} key(s) still replicating; it counts once ${seen})`;
  }
  return check.passStartedAt !== undefined ? ` (the pass in progress started ${check.passStartedAt})` : '';
}

/** A source with more keys in flight at once than the check follows: its passes never count (mirror-verdict.ts). */
export function tooManyInFlight(check: MirrorRecord): boolean {
  return (check.passUnfollowed ?? 0) > 0;
}
