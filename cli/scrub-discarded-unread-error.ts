import { repairedBeforeStop, type RepairedObject } from '../lambdas/replication/repaired-before-stop';
import { errorAsText } from '../lambdas/runtime/error-as-text';

/**
 * `lifeboat scrub --repair` stops before it copies back anything missing: the primary catalog could not be read for
 * which snapshots a FAILED backup discarded (a throttled Query, a region that does not answer). Such a snapshot would
 * then count as missing in the vault that lacks it and be copied back, data prune keeps as a committed snapshot's
 * (review r60N F3: it was a note and the repair went on, exit 0, recorded REPAIRED). The sibling of
 * ScrubForgottenUnreadError, for the other set a repair must not copy back.
 *
 * The set is asked of the snapshots a vault lacks, after the slice's corrupt objects were repaired (scrub-vaults.ts,
 * review rLL): `healed` are those, each copied from the other vault and verified where it landed. The message names
 * them (repairedBeforeStop, as every stop of a repair does), as nothing is recorded and no report printed (review r60O
 * F5: the stop did not say the vaults had changed). `eachNamedIn`: where the caller names every object of a note past
 * the first the message names (the scrub command's stderr note lines), said after its "and N more" as the other stop
 * says it (review r62O F4: the count stood alone, though the lines were printed).
 */
export class ScrubDiscardedUnreadError extends Error {
  override name = 'ScrubDiscardedUnreadError';
  constructor(
    cause: unknown,
    /** Each object this run healed before it stopped. */
    readonly healed: readonly RepairedObject[] = [],
    eachNamedIn?: string,
  ) {
    super(
      'scrub stops before it copies back anything missing: the primary catalog cannot be read for the snapshots failed backups discarded ' +
        `(${errorAsText(cause)}), so a discarded snapshot could not be told from a missing one, and repairing on could copy it back. ` +
        `${repairedBeforeStop(healed, eachNamedIn)} Nothing is recorded. Scrub again once the catalog answers, or scrub without --repair to only report (a discarded snapshot then shows as missing).`,
      { cause },
    );
  }
}
