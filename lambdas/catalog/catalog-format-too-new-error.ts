import { deleteFormatMarkerCommand } from './catalog-format-marker-key';
import { localCloudAwsCli } from './local-cloud-aws-cli';

/** A catalog whose format marker is above what the CLI knows. */
export type MarkedCatalog = {
  readonly table: string;
  /** Its region: the table's name is the same in both. */
  readonly region: string;
  readonly format: number;
  /** In the local cloud, its DynamoDB endpoint of `region`: the marker's delete goes there (review r62H F3). */
  readonly localDynamoDb?: string | undefined;
};

/**
 * A CLI was about to write or delete through an environment whose catalogs a newer Lifeboat marked with a format this
 * CLI does not know (catalog-format.ts): what the newer version records to protect (as the restore pins once were) this
 * CLI would not honour, so it refuses before it changes anything. The marker is the environment's: a newer CLI's
 * writes raise it as a deploy does, and it is never lowered, so a rollback done on purpose leaves it above the
 * version rolled back to; the message says how to lower it then. Permanent: only another CLI, or that edit, helps.
 */
export class CatalogFormatTooNewError extends Error {
  override readonly name = 'CatalogFormatTooNewError';
  /** The highest format the markers record. */
  readonly found: number;
  constructor(
    /** Every catalog marked above `known` (at least one). */
    readonly marked: readonly MarkedCatalog[],
    /** The highest format this CLI knows (CATALOG_FORMAT). */
    readonly known: number,
    cliVersion: string,
  ) {
    const found = Math.max(...marked.map((m) => m.format));
    const named = marked.map((m) => `${m.table} in ${m.region}${m.format !== found ? ` at format ${m.format}` : ''}`).join(', ');
    super(
      `This environment's ${marked.length === 1 ? 'catalog' : 'catalogs'} (${named}) ${marked.length === 1 ? 'is' : 'are'} at format ${found}, written by a newer Lifeboat (a deploy of it, or a newer CLI); ` +
        `this CLI (version ${cliVersion}) knows format ${known} and could delete what newer versions protect. Upgrade this CLI to the version that wrote format ${found}, then run the command again. ` +
        `If the environment was rolled back to a version of format ${known} on purpose, delete the marker (the next backup writes it again with the deployed format): ` +
        marked.map((m) => deleteFormatMarkerCommand(m.table, m.region, m.localDynamoDb !== undefined ? localCloudAwsCli(m.localDynamoDb) : undefined)).join('; '),
    );
    this.found = found;
  }
}
