import { GetCommand, paginateQuery, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type z } from 'zod';
import { CatalogItemInvalidError } from './catalog-errors';
import { DRILLS_PK, type DrillRecord, drillRecordSchema } from './drill-record';

/** The fields of a drill that newestHeads reads: whose it is, of which vault, when, and its verdict. */
const drillHeadSchema = drillRecordSchema.pick({ drillId: true, plan: true, vault: true, startedAt: true, verdict: true });
export type DrillHead = z.infer<typeof drillHeadSchema>;
/** One item of newestHeads: its fields, or why they are not valid. */
export type DrillHeadRead = { head: DrillHead } | { invalid: CatalogItemInvalidError };

/** Items per Query page of newestHeads: the reader stops once it knows what it wanted, and a page of whole items is up to 1 MB. */
const HEADS_PAGE = 100;

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

  /**
   * The drills newest first, their head fields only (a projection: a record keeps up to 32 KiB of its shortfall, which
   * a reader of many need not hold), read only as far as the caller iterates. An item those fields do not validate is
   * yielded as its error, for the caller to report and pass over.
   */
  async *newestHeads(): AsyncGenerator<DrillHeadRead> {
    const pages = paginateQuery(
      { client: this.ddb, pageSize: HEADS_PAGE },
      {
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': DRILLS_PK },
        ExpressionAttributeNames: { '#drill': 'drill', '#id': 'drillId', '#plan': 'plan', '#vault': 'vault', '#startedAt': 'startedAt', '#verdict': 'verdict' },
        ProjectionExpression: 'pk, sk, #drill.#id, #drill.#plan, #drill.#vault, #drill.#startedAt, #drill.#verdict',
        ScanIndexForward: false,
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        const parsed = drillHeadSchema.safeParse(item.drill);
        yield parsed.success
          ? { head: parsed.data }
          : { invalid: new CatalogItemInvalidError(this.table, `${String(item.pk)} / ${String(item.sk)}`, parsed.error.issues) };
      }
    }
  }

  private parse(item: Record<string, unknown>): DrillRecord {
    const parsed = drillRecordSchema.safeParse(item.drill);
    if (parsed.success) return parsed.data;
    const problems = parsed.error.issues;
    throw new CatalogItemInvalidError(this.table, `${String(item.pk)} / ${String(item.sk)}`, problems);
  }
}
