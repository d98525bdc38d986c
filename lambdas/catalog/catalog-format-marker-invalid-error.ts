import { deleteFormatMarkerCommand } from './catalog-format-marker-key';
import { localCloudAwsCli } from './local-cloud-aws-cli';

/**
 * A catalog's format marker (catalog-format.ts) holds something other than a positive integer: nothing Lifeboat
 * writes, so a hand edit or another tool. A CLI cannot tell from it whether a newer Lifeboat wrote the catalog, so it
 * refuses to write through it; the deployed workflows only log it (the marker guards CLIs, not backups). Permanent:
 * deleting the item fixes it.
 */
export class CatalogFormatMarkerInvalidError extends Error {
  override readonly name = 'CatalogFormatMarkerInvalidError';
  constructor(
    readonly table: string,
    /** The catalog's region, when the reader knows it (the CLI does): the table's name is the same in both. */
    readonly region: string | undefined,
    /** What the item's `format` holds. */
    readonly found: unknown,
    /** In the local cloud, its DynamoDB endpoint of `region`: the delete goes there (review r62H F3). */
    localDynamoDb?: string,
  ) {
    super(
      `The catalog format marker of ${table}${region !== undefined ? ` in ${region}` : ''} (item pk FORMAT, sk FORMAT) holds format ${JSON.stringify(found) ?? 'missing'}, not a positive integer, ` +
        'so whether a newer Lifeboat wrote this catalog cannot be told. Delete the item, which the next backup writes again with the deployed format: ' +
        `${deleteFormatMarkerCommand(table, region, localDynamoDb !== undefined ? localCloudAwsCli(localDynamoDb) : undefined)}`,
    );
  }
}
