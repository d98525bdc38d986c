import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { CatalogFormatMarkerInvalidError } from './catalog-format-marker-invalid-error';
import { FORMAT_MARKER_KEY } from './catalog-format-marker-key';
import { errorAsText } from '../runtime/error-as-text';

/**
 * The catalog format this Lifeboat writes and honours. Raise it (by one) with any change that an older CLI's writes
 * would break: a new item kind, attribute or condition that `backups forget`, `prune` or another writer must honour,
 * as the restore pins (a6554e57) had to be and a CLI from before them did not (audit aS5-1). A CLI refuses to write
 * through an environment whose catalogs' markers are above the format it knows (cli/catalog-format-admission.ts); an
 * older CLI, which has no such check, is beyond reach, and docs/DEPLOYMENT.md says to upgrade it with the stacks.
 * 2: a scrub record's outstanding object may have `otherCopy: 'unverified'` (b761c3df), which a CLI of format 1
 * cannot read; its `lifeboat scrub` then recorded a run that dropped the damage the record carried (audit aU1-1).
 * 3: an outstanding object may carry `backupsNotWorkedOut` (59dd3475), which `lifeboat status` turns into every plan ✗;
 * a CLI of format 2 drops the flag when its `lifeboat scrub` carries the object, and status then read ✓ with data lost
 * in both vaults (audit aY1-1).
 * 4: an outstanding snapshot object a scrub copied in unverified or lost carries `copiedIn` (91eed771), kept till a run
 * checks it again, and `lastChecked`, listed apart in `copiedInObjects` (those past its 200 kept by id in `copiedInIds`,
 * past 1,000 more counted in `copiedInNotListed`: reviews r57U U1, U2, r57W F2), and the record may count affected
 * backups past its 2,000 (`affectedBackupsNotListed`: review r57W F3); a CLI of format 3 drops the flag and the lists, so its `lifeboat scrub`
 * dropped the entry unchecked and status read ✓ with a copy no vault restores (review r57P F5).
 * 5: an outstanding pack no vault holds that an index object lists carries `listedBy` (fix f58R), kept till a run reads
 * that index object again; a CLI of format 4 drops it, so its `lifeboat scrub` dropped the entry at its next comparison
 * and status read ✓ with the pack lost in both vaults.
 */
export const CATALOG_FORMAT = 5;

/**
 * The catalog's format marker: the highest CATALOG_FORMAT of any Lifeboat that wrote the catalog (the backup
 * workflow's Plan step and the scheduled scrub in the primary region, the prune's Forget step in each region, or a CLI before it writes).
 * Only ever raised: a conditional update, so that a stack rolled back or an older CLI's run never lowers the floor a
 * newer one set.
 */
export class CatalogFormatMarker {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    readonly table: string,
    /** The catalog's region, named in the refusals when the caller knows it (the CLI). */
    readonly region?: string,
  ) {}

  /**
   * The format recorded, or undefined where no Lifeboat that marks it has written yet (an older deployment's catalog,
   * a new local cloud). A marker that is not a positive integer: CatalogFormatMarkerInvalidError.
   */
  async read(): Promise<number | undefined> {
    const { Item } = await this.ddb.send(new GetCommand({ TableName: this.table, Key: FORMAT_MARKER_KEY, ConsistentRead: true }));
    if (Item === undefined) return undefined;
    const format: unknown = Item['format'];
    if (typeof format !== 'number' || !Number.isInteger(format) || format < 1) throw new CatalogFormatMarkerInvalidError(this.table, this.region, format);
    return format;
  }

  /**
   * Sets the marker to `format` where it is absent or lower. Returns the format that stands: `format`, or the higher
   * one already recorded. A marker that is not a positive integer is left as it is (its type fails the condition):
   * CatalogFormatMarkerInvalidError.
   */
  async raise(format: number): Promise<number> {
    try {
      await this.ddb.send(
        new UpdateCommand({
          TableName: this.table,
          Key: FORMAT_MARKER_KEY,
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
}

const logMarkerWarning = (warning: string): void => console.warn(JSON.stringify({ level: 'WARN', item: 'FORMAT / FORMAT', warning }));

/**
 * The deployed workflows' marking (the Plan step, the Forget step, the scheduled scrub): raises the marker to this deployment's format.
 * Whatever fails (a marker that is not a positive integer, a throttle, a denial, a 5xx) is logged and left: the
 * marker guards CLIs, which refuse an invalid one and say to delete it, and a backup or a retention run failing on it
 * would protect nothing (a Forget step's retries would end in a prune failed for the day). The next run marks it.
 */
export async function markDeployedFormat(marker: Pick<CatalogFormatMarker, 'raise' | 'table'>, warn: (warning: string) => void = logMarkerWarning): Promise<boolean> {
  try {
    await marker.raise(CATALOG_FORMAT);
    return true;
  } catch (err) {
    const why = err instanceof CatalogFormatMarkerInvalidError ? err.message : errorAsText(err);
    warn(`the format marker of the catalog ${marker.table} was not raised to ${CATALOG_FORMAT}: ${why}`);
    return false;
  }
}
