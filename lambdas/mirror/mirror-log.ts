import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { CatalogItemInvalidError } from '../catalog/catalog-errors';
import { MIRROR_SK, mirrorPk, type MirrorRecord, mirrorRecordSchema } from './mirror-record';

/**
 * The mirrors' latest checks in a catalog table (mirror-record.ts): one item per source, replaced by
 * each check. They carry `plan` but no `startedAt`, so the sparse byPlan index (plan, startedAt) of
 * backups never holds them.
 */
export class MirrorLog {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async record(record: MirrorRecord): Promise<void> {
    await this.ddb.send(new PutCommand({ TableName: this.table, Item: { pk: mirrorPk(record.source), sk: MIRROR_SK, ...mirrorRecordSchema.parse(record) } }));
  }

  /** The latest check of a source, or undefined before the first. */
  async get(source: string): Promise<MirrorRecord | undefined> {
    const { Item } = await this.ddb.send(new GetCommand({ TableName: this.table, Key: { pk: mirrorPk(source), sk: MIRROR_SK }, ConsistentRead: true }));
    if (!Item) return undefined;
    const { pk: _pk, sk: _sk, ...rest } = Item;
    const parsed = mirrorRecordSchema.safeParse(rest);
    if (parsed.success) return parsed.data;
    throw new CatalogItemInvalidError(this.table, `${mirrorPk(source)} / ${MIRROR_SK}`, parsed.error.issues);
  }
}
