import { GetCommand, paginateQuery, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { CatalogItemInvalidError } from './catalog-errors';
import { DRILLS_PK, type DrillRecord, drillRecordSchema } from './drill-record';

/**
 * The drills in the catalog table of the region they ran in (drill-record.ts): one item per drill
 * under one partition, sorted by drill id (= start time). The record is nested under `drill`, so the
 * item has no top-level `plan` or `startedAt`: the byPlan index of backups never sees it.
 */
export class DrillLog {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async record(drill: DrillRecord): Promise<void> {
    await this.ddb.send(new PutCommand({ TableName: this.table, Item: { pk: DRILLS_PK, sk: drill.drillId, drill: drillRecordSchema.parse(drill) } }));
  }

  async get(drillId: string): Promise<DrillRecord | undefined> {
    const { Item } = await this.ddb.send(new GetCommand({ TableName: this.table, Key: { pk: DRILLS_PK, sk: drillId }, ConsistentRead: true }));
    return Item ? this.parse(Item) : undefined;
  }

  /** Drills whose id (start time) is at or after `since`, oldest first; all when `since` is absent. */
  async list(options: { since?: Date; plan?: string } = {}): Promise<DrillRecord[]> {
    const out: DrillRecord[] = [];
    const since = options.since ? options.since.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z') : undefined;
    const pages = paginateQuery(
      { client: this.ddb },
      {
        TableName: this.table,
        KeyConditionExpression: since ? 'pk = :pk AND sk >= :since' : 'pk = :pk',
        ExpressionAttributeValues: { ':pk': DRILLS_PK, ...(since ? { ':since': since } : {}) },
        ConsistentRead: true,
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        const record = this.parse(item);
        if (options.plan === undefined || record.plan === options.plan) out.push(record);
      }
    }
    return out;
  }

  private parse(item: Record<string, unknown>): DrillRecord {
    const parsed = drillRecordSchema.safeParse(item.drill);
    if (parsed.success) return parsed.data;
    const problems = parsed.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(item)'}: ${i.message}`);
    throw new CatalogItemInvalidError(this.table, `${String(item.pk)} / ${String(item.sk)}`, problems);
  }
}
