/**
 * `lifeboat scrub --repair` stops before it copies back anything missing: the primary catalog could not be read for
 * which snapshots a FAILED backup discarded (a throttled Query, a region that does not answer). Such a snapshot would
 * then count as missing in the vault that lacks it and be copied back, data prune keeps as a committed snapshot's
 * (review r60N F3: it was a note and the repair went on, exit 0, recorded REPAIRED). The sibling of
 * ScrubForgottenUnreadError, for the other set a repair must not copy back.
 */
export class ScrubDiscardedUnreadError extends Error {
  override name = 'ScrubDiscardedUnreadError';
  constructor(cause: unknown) {
    super(
      'scrub stops before it copies back anything missing: the primary catalog cannot be read for the snapshots failed backups discarded ' +
        `(${cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause)}), so a discarded snapshot could not be told from a missing one, and repairing on could copy it back. ` +
        'Nothing is recorded. Scrub again once the catalog answers, or scrub without --repair to only report (a discarded snapshot then shows as missing).',
      { cause },
    );
  }
}
