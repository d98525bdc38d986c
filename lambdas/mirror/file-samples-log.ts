import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { CatalogItemInvalidError } from '../catalog/catalog-errors';
import { fileSamplesKey, type FileSamplesRecord, fileSamplesRecordSchema } from './file-mirror-samples';

/** The file-system mirrors' latest samples in the DR catalog (file-mirror-samples.ts): one item per source, replaced by each sampling. */
export class FileSamplesLog {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async record(record: FileSamplesRecord): Promise<void> {
    await this.ddb.send(new PutCommand({ TableName: this.table, Item: { ...fileSamplesKey(record.source), ...fileSamplesRecordSchema.parse(record) } }));
  }

  /** The latest samples of a source, or undefined before the first sampling. */
  async get(source: string): Promise<FileSamplesRecord | undefined> {
    const key = fileSamplesKey(source);
    const { Item } = await this.ddb.send(new GetCommand({ TableName: this.table, Key: key, ConsistentRead: true }));
    if (!Item) return undefined;
    const { pk: _pk, sk: _sk, ...rest } = Item;
    const parsed = fileSamplesRecordSchema.safeParse(rest);
    if (parsed.success) return parsed.data;
    throw new CatalogItemInvalidError(this.table, `${key.pk} / ${key.sk}`, parsed.error.issues.map((i) => `${i.path.join('.') || '(item)'}: ${i.message}`));
  }
}
