import { VaultError } from '../vault-errors';
import { formatDuration } from './prune-errors';

/**
 * A prune given a deadline (the prune workflow's Lambda) could not mark what the snapshots reference
 * before it. Every call marks afresh (a cursor carries only the report: what earlier calls deleted or
 * condemned is done in the vault, and no mark is kept), so answering "not done" would have the workflow call again and again, each call repeating
 * the same mark, until the execution timed out with nothing condemned (audit aT3-2). The call stops
 * before it sweeps or condemns anything; the message says how far the mark got and what to do instead:
 * the command (`command`, the caller's: the DR stack's names `--vault dr`) with `--dry-run` for a dry
 * run, which must not be answered by a real prune (review aU2-2).
 */
export class PruneMarkOutOfTimeError extends VaultError {
  override name = 'PruneMarkOutOfTimeError';
  constructor(
    readonly location: string,
    readonly marked: number,
    readonly snapshots: number,
    readonly elapsedMs: number,
    readonly dryRun = false,
    /** The command line that prunes this vault from a machine, without `--dry-run`. */
    readonly command = 'lifeboat prune',
  ) {
    const how = marked < snapshots ? `${marked} of ${snapshots} snapshots marked in ${formatDuration(elapsedMs)} when the deadline came` : `all ${snapshots} snapshots marked, in ${formatDuration(elapsedMs)}, leaving no time before the deadline to sweep or condemn`;
    super(
      `${location}: prune stops: marking what the snapshots reference does not fit in one call: ${how}, ` +
        `and every call marks again from the start, so calling again cannot do better. ${dryRun ? 'This dry run counted nothing.' : 'This call swept and condemned nothing.'} ` +
        `Run \`${command}${dryRun ? ' --dry-run' : ''}\` from a machine (it has no deadline), or forget old backups so that fewer snapshots are left to mark.`,
    );
  }
}
