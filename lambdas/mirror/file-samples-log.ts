import { z } from 'zod';
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { CatalogItemInvalidError } from '../catalog/catalog-errors';
import { fileSamplesKey, type FileSamplesRecord, fileSamplesRecordSchema } from './file-mirror-samples';
import { MIRROR_SK, mirrorPk } from './mirror-record';

/** The check's list of files missing from the replica that the sampler is to look for at the source (MirrorRecord.unconfirmed). */
export type UnconfirmedList = { checkedAt: string; paths: string[]; sourcePath?: string };

// Only what the sampler uses: a held entry's other fields (a newer check may change them) do not make the list unreadable.
const unconfirmedListSchema = z.object({ checkedAt: z.string().min(1), unconfirmed: z.array(z.object({ path: z.string() })).optional(), awaitingSyncPath: z.string().min(1).optional() });

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
    throw new CatalogItemInvalidError(this.table, `${key.pk} / ${key.sk}`, parsed.error.issues);
  }

  /**
   * The paths the DR check holds as missing from the replica, unconfirmed, with the check that listed them (its
   * `MIRROR#` record beside the samples: the sampler's GetItem on `MIRROR#` keys covers it). Only those attributes are
   * read. Undefined before the first check, or when it holds none.
   */
  async unconfirmed(source: string): Promise<UnconfirmedList | undefined> {
    const key = { pk: mirrorPk(source), sk: MIRROR_SK };
    const { Item } = await this.ddb.send(
      new GetCommand({ TableName: this.table, Key: key, ConsistentRead: true, ProjectionExpression: '#c, #u, #p', ExpressionAttributeNames: { '#c': 'checkedAt', '#u': 'unconfirmed', '#p': 'awaitingSyncPath' } }),
    );
    if (!Item) return undefined;
    const parsed = unconfirmedListSchema.safeParse(Item);
    if (!parsed.success) throw new CatalogItemInvalidError(this.table, `${key.pk} / ${key.sk}`, parsed.error.issues);
    const { checkedAt, unconfirmed, awaitingSyncPath } = parsed.data;
    if (!unconfirmed || unconfirmed.length === 0) return undefined;
    return { checkedAt, paths: unconfirmed.map((u) => u.path), ...(awaitingSyncPath !== undefined ? { sourcePath: awaitingSyncPath } : {}) };
  }
}
