import { setTimeout as sleep } from 'node:timers/promises';
import { type BackupCatalog } from '../lambdas/catalog/backup-catalog';
import { CATALOG_FORMAT } from '../lambdas/catalog/catalog-format';
import { CatalogFormatMarkerInvalidError } from '../lambdas/catalog/catalog-format-marker-invalid-error';
import { CatalogFormatTooNewError, type MarkedCatalog } from '../lambdas/catalog/catalog-format-too-new-error';
import { THROTTLING_ERROR_NAMES } from '../lambdas/runtime/throttling-error-names';
import { CatalogFormatMarkerUnreadableError } from './catalog-format-marker-unreadable-error';
import { CatalogEndpointUnansweredError, isUnanswered, mentionsUnanswered } from './unanswered-endpoint';
import { errorAsText } from '../lambdas/runtime/error-as-text';

/**
 * One of the environment's catalogs, for a command about to write: whether it writes through that catalog (or its
 * vault). A catalog not written is only glanced at: its client should give up at once (environment-access.ts).
 */
export type CatalogOfWriter = {
  readonly catalog: BackupCatalog;
  readonly region: string;
  readonly written: boolean;
  /** In the local cloud, its DynamoDB endpoint of `region`: the marker's delete a refusal names goes there (review r62H F3). */
  readonly localDynamoDb?: string | undefined;
};

/**
 * Before a CLI writes or deletes anything in an environment: refuses (CatalogFormatTooNewError) when any of its
 * catalogs is marked with a format above what this CLI knows, and raises the marker of each catalog it writes to
 * that format. Every catalog counts, not only those written: the format is the environment's (one deployment, one
 * CLI's writes), and the DR catalog is marked only by the DR region's own Forget step, so a `--vault dr` run must
 * also heed the primary's marker. A marker that is not a positive integer refuses too
 * (CatalogFormatMarkerInvalidError, naming the item to delete).
 *
 * A catalog that does not answer is judged by the others (its region down: the command's own requests there fail
 * naming what to run instead). A catalog the command does not write is also judged by the others when its
 * credentials may not read it (the DR catalog of another account without --dr-profile: its resource policy lets the
 * primary account put replicated records only; the primary's with --dr-profile and no primary credentials) or it does
 * not exist (a DR region never deployed to), and when it answers with any other error (a 5xx, a throttle, an expired
 * token) but an invalid marker, which is then said through `warn`: its client makes one attempt, and one transient
 * fault of the other region (or a degraded primary in the primary-down runbook) must not refuse the write. A throttle
 * or a 5xx is asked again first, after each of `retryDelaysMs` (GLANCE_RETRY_DELAYS_MS): such a region is answering,
 * not down, and skipping its marker on one throttle would admit an old CLI past a marker above its format; silence is
 * not asked again (the primary-down runbook waits for it once). A catalog
 * the command writes must let its marker be read and raised (CatalogFormatMarkerUnreadableError; any other error of
 * it fails the command as it is): credentials limited to other items (a dynamodb:LeadingKeys policy from before the
 * marker) would otherwise admit a write through a catalog of a newer format.
 */
export async function admitWriter(
  catalogs: readonly CatalogOfWriter[],
  cliVersion: string,
  warn: (line: string) => void,
  retryDelaysMs: readonly number[] = GLANCE_RETRY_DELAYS_MS,
): Promise<void> {
  // All read before any is raised: a refusal changes nothing. At once: a silent region costs its timeout once.
  const formats = await Promise.all(
    catalogs.map(async ({ catalog, region, written, localDynamoDb }) => {
      const marker = catalog.formatMarker(region);
      const read = written ? () => marker.read() : () => askedAgainWhileBusy(() => marker.read(), retryDelaysMs);
      const format = await unlessOutOfReach(read, { table: marker.table, region, written, localDynamoDb }, warn);
      return { table: marker.table, region, format, localDynamoDb };
    }),
  );
  const above: MarkedCatalog[] = [];
  for (const { table, region, format, localDynamoDb } of formats) if (format !== undefined && format > CATALOG_FORMAT) above.push({ table, region, format, localDynamoDb });
  if (above.length > 0) throw new CatalogFormatTooNewError(above, CATALOG_FORMAT, cliVersion);
  for (const { catalog, region, written, localDynamoDb } of catalogs) {
    if (!written) continue;
    const marker = catalog.formatMarker(region);
    // A newer CLI may have raised it since the read.
    const standing = await unlessOutOfReach(() => marker.raise(CATALOG_FORMAT), { table: marker.table, region, written, localDynamoDb }, warn);
    if (standing !== undefined && standing > CATALOG_FORMAT) throw new CatalogFormatTooNewError([{ table: marker.table, region, format: standing, localDynamoDb }], CATALOG_FORMAT, cliVersion);
  }
}

/**
 * The waits before asking a catalog not written again after a throttle or a 5xx (askedAgainWhileBusy): its client
 * makes one attempt, and these answers come back in milliseconds, so two more asks cost well under a second.
 */
export const GLANCE_RETRY_DELAYS_MS: readonly number[] = [100, 300];

/**
 * DynamoDB's answers that its region is busy or failing for a moment (the SDK's own retry retries them): a throttle
 * (the project's one list; the names DynamoDB never sends cost nothing) or a 5xx by name. The region answered, so
 * asking again shortly is likely to read the marker.
 */
const BUSY: ReadonlySet<string> = new Set([...THROTTLING_ERROR_NAMES, 'InternalServerError', 'ServiceUnavailable']);

function isBusy(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const status = (err as { $metadata?: { httpStatusCode?: unknown } }).$metadata?.httpStatusCode;
  return BUSY.has(err.name) || (typeof status === 'number' && (status === 429 || status >= 500));
}

/** `look`, asked again after each delay while it answers a throttle or a 5xx; any other outcome is final. */
async function askedAgainWhileBusy<T>(look: () => Promise<T>, delaysMs: readonly number[]): Promise<T> {
  for (const delayMs of delaysMs) {
    try {
      return await look();
    } catch (err) {
      if (!isBusy(err)) throw err;
      await sleep(delayMs);
    }
  }
  return look();
}

/**
 * Names of the answers that mean "these credentials cannot look at this catalog" rather than a fault: DynamoDB's
 * (denied, no such table) and the SDK's own when it has no credentials to sign with (an unset or expired profile).
 */
const OUT_OF_REACH: ReadonlySet<string> = new Set(['AccessDeniedException', 'ResourceNotFoundException', 'CredentialsProviderError', 'TokenProviderError']);

async function unlessOutOfReach<T>(
  look: () => Promise<T>,
  of: { table: string; region: string; written: boolean; localDynamoDb?: string | undefined },
  warn: (line: string) => void,
): Promise<T | undefined> {
  try {
    return await look();
  } catch (err) {
    if (err instanceof CatalogEndpointUnansweredError || isUnanswered(err)) return undefined;
    // The catalog reads the marker without knowing the cloud it is in: in the local one, its delete goes there.
    if (err instanceof CatalogFormatMarkerInvalidError) throw of.localDynamoDb !== undefined ? new CatalogFormatMarkerInvalidError(err.table, err.region ?? of.region, err.found, of.localDynamoDb) : err;
    // The SDK's retry wraps an error that is not an Error of its realm (Node's own, under a test runner's sandbox) in
    // one whose message alone says it: "AWS SDK error wrapper for Error: connect ECONNREFUSED …". Only such a wrapper
    // is read as text: a service's or Lifeboat's named error may quote anything (a marker holding "ETIMEDOUT").
    if (err instanceof Error && isSdkWrapper(err) && mentionsUnanswered(err.message)) return undefined;
    const outOfReach = err instanceof Error && OUT_OF_REACH.has(err.name);
    if (!of.written) {
      // Silence, a denial or no table there is the expected answer of a region down or another account's catalog;
      // anything else is a fault worth a line, since the write goes on without that catalog's word.
      if (!outOfReach) warn(`warning: the format marker of the catalog ${of.table} in ${of.region} could not be read (${errorAsText(err)}); judging the environment's format by the other catalog`);
      return undefined;
    }
    if (!(err instanceof Error) || !outOfReach) throw err;
    throw new CatalogFormatMarkerUnreadableError(of.table, of.region, err);
  }
}

/** An error the SDK made of something that was not a service's answer: a bare Error, or its retry's wrapper. */
function isSdkWrapper(err: Error): boolean {
  return err.name === 'Error' || err.message.startsWith('AWS SDK error wrapper for');
}
