import { PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { CatalogItemInvalidError } from './catalog-errors';
import { prunePk, type PruneRunRecord, pruneRunRecordSchema } from './prune-record';

/**
 * A vault's prune runs in its region's catalog table (prune-record.ts), as the scrub keeps its runs
 * (scrub-log.ts): one item per run under the vault's partition, sorted by start time, so the latest
 * run is one query. An invocation of a run that continues replaces the run's item.
 */
export class PruneLog {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async record(run: PruneRunRecord): Promise<void> {
    await this.ddb.send(new PutCommand({ TableName: this.table, Item: { pk: prunePk(run.vault), sk: run.startedAt, ...pruneRunRecordSchema.parse(run) } }));
  }

  /** The latest run of a vault, or undefined before the first. */
  async latest(vault: 'primary' | 'dr'): Promise<PruneRunRecord | undefined> {
    const { Items } = await this.ddb.send(
      new QueryCommand({ TableName: this.table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': prunePk(vault) }, ScanIndexForward: false, Limit: 1, ConsistentRead: true }),
    );
    const item = Items?.[0];
    if (!item) return undefined;
    const { pk: _pk, sk: _sk, ...rest } = item;
    const parsed = pruneRunRecordSchema.safeParse(rest);
    if (parsed.success) return parsed.data;
    throw new CatalogItemInvalidError(this.table, `${String(item.pk)} / ${String(item.sk)}`, parsed.error.issues);
  }
}
