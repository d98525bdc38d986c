/**
 * A CLI was about to write or delete through a catalog that a newer Lifeboat marked with a format this CLI does not
 * know (catalog-format.ts): what the newer version records to protect (as the restore pins once were) this CLI would
 * not honour, so it refuses before it changes anything. Permanent: only another CLI helps.
 */
export class CatalogFormatTooNewError extends Error {
  override readonly name = 'CatalogFormatTooNewError';
  constructor(
    readonly table: string,
    /** The format the catalog's marker records. */
    readonly found: number,
    /** The highest format this CLI knows (CATALOG_FORMAT). */
    readonly known: number,
    cliVersion: string,
  ) {
    super(
      `This environment's catalog (${table}) is at format ${found}, written by a newer Lifeboat; this CLI (version ${cliVersion}) knows format ${known} and could delete what newer versions protect. ` +
        'Upgrade the CLI to the version deployed, then run the command again.',
    );
  }
}
