import { type VaultSide } from '../lambdas/runtime/runtime-config';
import { errorAsText } from '../lambdas/runtime/error-as-text';

/**
 * `lifeboat scrub --repair` stops before it repairs anything: what a vault's retention forgot could not be read in its
 * region's catalog (a throttled Scan, a failed Query, a region that does not answer). A forgotten snapshot would then
 * count as missing in that vault and be copied back from the other one, data no prune reclaims (review r60L F1: only a
 * refused Scan stopped the run, any other failure was a note and the repair went on). RecordedPlansUnreadError, which
 * names the permission a refused Scan lacks, stays as it is; this is every other failure.
 */
export class ScrubForgottenUnreadError extends Error {
  override name = 'ScrubForgottenUnreadError';
  constructor(
    readonly vault: VaultSide,
    cause: unknown,
    /** The run repairs both vaults: the other one's catalog may answer, and a repair of it alone works (review r60N F6). */
    bothVaults = false,
    /**
     * The command's target options (vaultTargetOptionsLine), which the other vault's repair line ends with: bare, pasted
     * after `lifeboat scrub --repair --aws --env prod` it repaired the local cloud of env dev (review r60O F4).
     */
    target = '',
  ) {
    super(
      `scrub of the ${vault === 'primary' ? 'primary' : 'DR'} vault stops before it repairs anything: the ${vault} catalog cannot be read for the backups its retention forgot ` +
        `(${errorAsText(cause)}), so a forgotten snapshot could not be told from a missing one, and repairing on could copy it back from the other vault. ` +
        'Scrub again once the catalog answers, or scrub without --repair to only report (a forgotten snapshot then shows as missing)' +
        (bothVaults ? `, or repair the other vault alone with \`lifeboat scrub --vault ${vault === 'primary' ? 'dr' : 'primary'} --repair${target}\`.` : '.'),
      { cause },
    );
  }
}
