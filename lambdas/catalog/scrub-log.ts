import { GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { CatalogItemInvalidError } from './catalog-errors';
import { ScrubLease } from './scrub-lease';
import { SCRUB_RUNS_PK, type ScrubRunRecord, scrubRunRecordSchema } from './scrub-record';

/**
 * The scrub runs in the catalog table (scrub-record.ts): one item per run under one partition, sorted
 * by start time, so the latest run (its summary and the cursor the next run starts from) is one query.
 * The items have no `plan` attribute, so the byPlan index of backups never sees them.
 */
/**
 * How long a scrub run's item stays in the catalog after it ended (a top-level numeric `expiresAt`, the
 * table's TTL), as prune runs': one run a day would otherwise stay for ever (audit aS6-3). Each run carries
 * the previous cursor and outstanding damage forward, so only a scrub stopped that long loses them.
 */
export const SCRUB_RECORD_DAYS = 400;

export class ScrubLog {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async record(run: ScrubRunRecord): Promise<void> {
    const record = scrubRunRecordSchema.parse(run);
    const ended = Date.parse(record.endedAt);
    // A TTL that is not a number never expires: an unreadable end counts from now.
    const expiresAt = Math.floor((Number.isNaN(ended) ? Date.now() : ended) / 1000) + SCRUB_RECORD_DAYS * 86_400;
    await this.ddb.send(new PutCommand({ TableName: this.table, Item: { pk: SCRUB_RUNS_PK, sk: run.startedAt, ...record, expiresAt } }));
  }

  /** The lease every scrub that records holds from before it reads the latest run until it has recorded its own (scrub-lease.ts). */
  lease(): ScrubLease {
    return new ScrubLease(this.ddb, this.table);
  }

  /** The latest run, or undefined before the first. */
  async latest(): Promise<ScrubRunRecord | undefined> {
    const { Items } = await this.ddb.send(
      new QueryCommand({ TableName: this.table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': SCRUB_RUNS_PK }, ScanIndexForward: false, Limit: 1, ConsistentRead: true }),
    );
    const item = Items?.[0];
    return item ? this.parse(item) : undefined;
  }

  /** One run by its start time. */
  async get(startedAt: string): Promise<ScrubRunRecord | undefined> {
    const { Item } = await this.ddb.send(new GetCommand({ TableName: this.table, Key: { pk: SCRUB_RUNS_PK, sk: startedAt }, ConsistentRead: true }));
    return Item ? this.parse(Item) : undefined;
  }

  private parse(item: Record<string, unknown>): ScrubRunRecord {
    const { pk: _pk, sk: _sk, ...rest } = item;
    const parsed = scrubRunRecordSchema.safeParse(rest);
    if (parsed.success) return parsed.data;
    const problems = parsed.error.issues;
    throw new CatalogItemInvalidError(this.table, `${String(item.pk)} / ${String(item.sk)}`, problems);
  }
}
