import { type BackupCatalog } from '../lambdas/catalog/backup-catalog';
import { CATALOG_FORMAT } from '../lambdas/catalog/catalog-format';
import { CatalogFormatTooNewError, type MarkedCatalog } from '../lambdas/catalog/catalog-format-too-new-error';
import { CatalogEndpointUnansweredError, isUnanswered, mentionsUnanswered } from './unanswered-endpoint';

/** One of the environment's catalogs, for a command about to write: whether it writes through that catalog (or its vault). */
export type CatalogOfWriter = { readonly catalog: BackupCatalog; readonly region: string; readonly written: boolean };

/**
 * Before a CLI writes or deletes anything in an environment: refuses (CatalogFormatTooNewError) when any of its
 * catalogs is marked with a format above what this CLI knows, and raises the marker of each catalog it writes to
 * that format. Every catalog counts, not only those written: the format is the environment's (one deployment, one
 * CLI's writes), and the DR catalog is marked only by the DR region's own Forget step, so a `--vault dr` run must
 * also heed the primary's marker. A marker that is not a positive integer refuses too
 * (CatalogFormatMarkerInvalidError, naming the item to delete).
 *
 * A catalog the CLI cannot look at is judged by the others: one that does not answer (its region down: the command's
 * own requests there fail naming what to run instead), one its credentials may not read (the DR catalog of another
 * account without --dr-profile: its resource policy lets the primary account put replicated records only), one that
 * does not exist (a DR region never deployed to).
 */
export async function admitWriter(catalogs: readonly CatalogOfWriter[], cliVersion: string): Promise<void> {
  const above: MarkedCatalog[] = [];
  // All read before any is raised: a refusal changes nothing.
  for (const { catalog, region } of catalogs) {
    const marker = catalog.formatMarker(region);
    const format = await unlessOutOfReach(() => marker.read());
    if (format !== undefined && format > CATALOG_FORMAT) above.push({ table: marker.table, region, format });
  }
  if (above.length > 0) throw new CatalogFormatTooNewError(above, CATALOG_FORMAT, cliVersion);
  for (const { catalog, region, written } of catalogs) {
    if (!written) continue;
    const marker = catalog.formatMarker(region);
    // A newer CLI may have raised it since the read.
    const standing = await unlessOutOfReach(() => marker.raise(CATALOG_FORMAT));
    if (standing !== undefined && standing > CATALOG_FORMAT) throw new CatalogFormatTooNewError([{ table: marker.table, region, format: standing }], CATALOG_FORMAT, cliVersion);
  }
}

/** Names of DynamoDB's answers that mean "this catalog cannot be looked at with these credentials" rather than a fault. */
const OUT_OF_REACH: ReadonlySet<string> = new Set(['AccessDeniedException', 'ResourceNotFoundException']);

async function unlessOutOfReach<T>(look: () => Promise<T>): Promise<T | undefined> {
  try {
    return await look();
  } catch (err) {
    if (err instanceof CatalogEndpointUnansweredError || isUnanswered(err)) return undefined;
    // The SDK's retry wraps an error that is not an Error of its realm (Node's own, under a test runner's sandbox) in
    // one whose message alone says it: "AWS SDK error wrapper for Error: connect ECONNREFUSED …".
    if (err instanceof Error && (OUT_OF_REACH.has(err.name) || mentionsUnanswered(err.message))) return undefined;
    throw err;
  }
}
