import { type VaultSide } from '../runtime/runtime-config';
import { errorAsText } from '../runtime/error-as-text';

/** Who reads the plans a catalog holds: the prune's check of a vault's snapshots, or the scrub's set of forgotten snapshots. */
export type RecordedPlansReader = 'prune' | 'scrub';

/**
 * The prune (or scrub) of a vault stops before it lists, sweeps, condemns or repairs anything: the plans its region's
 * catalog holds backup records of could not be listed (a Scan of the byPlan index, refused or failed). Both read those
 * beside the configured plans (review r59M F3, r60F F1): a plan removed from the config, or renamed there, keeps its
 * backups, and going on without them could condemn the data of one whose snapshot object is missing (prune), or copy a
 * forgotten one's back (scrub). A refusal names the permission the reader needs, for the workflow's function and for the
 * CLI's caller; any other failure (a missing table, a key, a validation) is told in its own words (review r60F F4).
 */
export class RecordedPlansUnreadError extends Error {
  override name = 'RecordedPlansUnreadError';
  constructor(
    readonly vault: VaultSide,
    cause: unknown,
    readonly reader: RecordedPlansReader = 'prune',
  ) {
    super(recordedPlansUnreadMessage(vault, cause, reader), { cause });
  }
}

/** The names AWS gives a caller's missing permission: DynamoDB's AccessDeniedException, and the generic ones. */
const REFUSED_NAMES: ReadonlySet<string> = new Set(['AccessDeniedException', 'AccessDenied', 'UnauthorizedOperation']);

function recordedPlansUnreadMessage(vault: VaultSide, cause: unknown, reader: RecordedPlansReader): string {
  const label = vault === 'primary' ? 'primary' : 'DR';
  const why = errorAsText(cause);
  const refused = cause instanceof Error && REFUSED_NAMES.has(cause.name);
  const listed = `the plans the ${label} catalog holds backups of could not be listed (a Scan of its byPlan index: ${why})`;
  const head =
    reader === 'prune'
      ? `prune of the ${label} vault stops before it deletes or condemns anything: ${listed}, so the committed backups of a plan no longer in the config could not be checked against the vault's ` +
        'snapshot objects, and pruning on could condemn the data of one whose snapshot object is missing. '
      : `scrub of the ${label} vault stops before it repairs anything: ${listed}, so the backups forgotten of a plan no longer in the config could not be told from missing ones, ` +
        "and repairing on could copy a forgotten backup's snapshot objects back from the other vault. ";
  const who =
    reader === 'prune'
      ? "whoever prunes: the workflow's Prune function is granted it by the stacks of this version (deploy them); `lifeboat prune` reads with your own credentials"
      : "whoever scrubs: the workflow's Scrub function is granted it by the stacks of this version (deploy them); `lifeboat scrub` reads with your own credentials";
  const again = reader === 'prune' ? 'Then prune again.' : 'Then scrub again.';
  if (!refused) return `${head}Fix what the catalog answered (above), then ${reader} again.`;
  return `${head}Allow dynamodb:Scan on the catalog's byPlan index (\`<catalog table ARN>/index/byPlan\`) to ${who}. ${again}`;
}
