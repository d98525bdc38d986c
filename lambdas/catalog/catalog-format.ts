import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { CatalogItemInvalidError } from './catalog-errors';
import { CatalogFormatTooNewError } from './catalog-format-too-new-error';

/**
 * The catalog format this Lifeboat writes and honours. Raise it (by one) with any change that an older CLI's writes
 * would break: a new item kind, attribute or condition that `backups forget`, `prune` or another writer must honour,
 * as the restore pins (a6554e57) had to be and a CLI from before them did not (audit aS5-1). A CLI refuses to write
 * through a catalog whose marker is above the format it knows (CatalogFormatTooNewError); an older CLI, which has no
 * such check, is beyond reach, and docs/DEPLOYMENT.md says to upgrade it with the stacks.
 */
export const CATALOG_FORMAT = 1;

/** The marker's item: one per catalog table, its own partition (lib/constructs/catalog-table.ts lists the kinds). */
const MARKER_KEY = { pk: 'FORMAT', sk: 'FORMAT' } as const;

/**
 * The catalog's format marker: the highest CATALOG_FORMAT of any Lifeboat that wrote the catalog (its backup
 * workflow's Plan step, or a CLI before it writes). Only ever raised: a conditional update, so that a stack rolled
 * back or an older CLI's run never lowers the floor a newer one set.
 */
export class CatalogFormatMarker {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /** The format recorded, or undefined where no Lifeboat that marks it has written yet (an older deployment's catalog, a new local cloud). */
  async read(): Promise<number | undefined> {
    const { Item } = await this.ddb.send(new GetCommand({ TableName: this.table, Key: MARKER_KEY, ConsistentRead: true }));
    if (Item === undefined) return undefined;
    const format: unknown = Item['format'];
    if (typeof format !== 'number' || !Number.isInteger(format) || format < 1) {
      throw new CatalogItemInvalidError(this.table, 'FORMAT / FORMAT', [`format is ${JSON.stringify(format) ?? 'missing'}, not a positive integer (the next backup writes it again once the item is deleted)`]);
    }
    return format;
  }

  /**
   * Sets the marker to `format` where it is absent or lower. Returns the format that stands: `format`, or the higher
   * one already recorded.
   */
  async raise(format: number): Promise<number> {
    try {
      await this.ddb.send(
        new UpdateCommand({
          TableName: this.table,
          Key: MARKER_KEY,
          UpdateExpression: 'SET #format = :format',
          ConditionExpression: 'attribute_not_exists(#format) OR #format < :format',
          ExpressionAttributeNames: { '#format': 'format' },
          ExpressionAttributeValues: { ':format': format },
        }),
      );
      return format;
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
      return (await this.read()) ?? format;
    }
  }

  /**
   * Before a CLI writes or deletes through this catalog: raises the marker to the format the CLI knows, and refuses
   * (CatalogFormatTooNewError) when a newer Lifeboat recorded a higher one. A missing marker is no refusal.
   */
  async admitWriter(known: number, cliVersion: string): Promise<void> {
    const standing = await this.raise(known);
    if (standing > known) throw new CatalogFormatTooNewError(this.table, standing, known, cliVersion);
  }
}
