import { VaultError } from '../vault-errors';
import { formatDuration } from './prune-errors';

/**
 * A prune given a deadline (the prune workflow's Lambda) reached it after its mark but before it had
 * deleted, condemned, repacked or written anything. What a call did is kept in the vault, not in its cursor,
 * so a call that did nothing leaves the next one exactly where it started: answering "not done" would have
 * the workflow call again and again until its timeout (audit aT3-2, review rP F1). A dry run that reaches it
 * throws too, whatever it counted: it keeps nothing in the vault, so every next call would count the same
 * again (review rP2 F3). The message names the step the time went to (the index load, the sweep's checks,
 * the mark of the snapshots committed since, the listings, the kept copies' checks, the repack), so that
 * the mark is not blamed for it.
 */
export class PruneOutOfTimeError extends VaultError {
  override name = 'PruneOutOfTimeError';
  constructor(
    readonly location: string,
    /** The step the deadline came in, as a phrase: "listing data/ and manifest/". */
    readonly step: string,
    readonly snapshots: number,
    readonly markMs: number,
    /** From the end of the mark to the deadline's check. */
    readonly afterMarkMs: number,
    readonly dryRun = false,
    /** The command line that prunes this vault from a machine, without `--dry-run` (the DR stack's names `--vault dr`, review aU2-2). */
    readonly command = 'lifeboat prune',
  ) {
    super(
      `${location}: prune stops: the deadline came while ${step} (found ${formatDuration(afterMarkMs)} after the mark of ${snapshots} snapshots, ` +
        `which took ${formatDuration(markMs)}), ` +
        (dryRun
          ? 'in a dry run, which keeps nothing between calls: the next call would count the same again and get no further. '
          : 'before this call deleted, condemned or repacked anything; the next call would start from the same place and get no further. This call swept and condemned nothing. ') +
        `Run \`${command}${dryRun ? ' --dry-run' : ''}\` from a machine (it has no deadline); ` +
        'if the mark took most of the time, forgetting old backups leaves fewer snapshots to mark.',
    );
  }
}
