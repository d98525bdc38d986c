import { type VaultSide } from '../runtime/runtime-config';

/**
 * The prune of a vault stops before it lists, sweeps or condemns anything: the plans its region's catalog holds backup
 * records of could not be listed (a Scan of the byPlan index, refused or failed). The check reads those beside the
 * configured plans (review r59M F3): a plan removed from the config, or renamed there, keeps its committed backups, and
 * pruning on without them could condemn the data of one whose snapshot object is missing. The message names the
 * permission the reader needs, for the role of the workflow's Prune function and for the caller of `lifeboat prune`.
 */
export class RecordedPlansUnreadError extends Error {
  override name = 'RecordedPlansUnreadError';
  constructor(
    readonly vault: VaultSide,
    cause: unknown,
  ) {
    super(recordedPlansUnreadMessage(vault, cause), { cause });
  }
}

function recordedPlansUnreadMessage(vault: VaultSide, cause: unknown): string {
  const label = vault === 'primary' ? 'primary' : 'DR';
  const why = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
  return (
    `prune of the ${label} vault stops before it deletes or condemns anything: the plans the ${label} catalog holds backups of could not be listed ` +
    `(a Scan of its byPlan index: ${why}), so the committed backups of a plan no longer in the config could not be checked against the vault's ` +
    'snapshot objects, and pruning on could condemn the data of one whose snapshot object is missing. ' +
    "Allow dynamodb:Scan on the catalog's byPlan index (`<catalog table ARN>/index/byPlan`) to whoever prunes: the workflow's Prune function is " +
    'granted it by the stacks of this version (deploy them); `lifeboat prune` reads with your own credentials. Then prune again.'
  );
}
