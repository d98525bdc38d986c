import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type BackupRecord } from './backup-record';

/** The backup catalog over its DynamoDB table (key design in lib/constructs/catalog-table.ts). */
export class BackupCatalog {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /** Records a new RUNNING backup; fails if the id already exists (a retried plan step must not fork a backup). */
  async createBackup(record: BackupRecord): Promise<void> {
    await this.ddb.send(
      new PutCommand({
        TableName: this.table,
        Item: { pk: `BACKUP#${record.backupId}`, sk: 'BACKUP', ...record },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  /** RUNNING → COMMITTED, exactly once. */
  async markCommitted(backupId: string, stats: Pick<BackupRecord, 'entries' | 'bytesScanned' | 'bytesNew'>, endedAt: string): Promise<void> {
    try {
      await this.ddb.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: `BACKUP#${backupId}`, sk: 'BACKUP' },
          UpdateExpression: 'SET #status = :committed, endedAt = :endedAt, entries = :entries, bytesScanned = :scanned, bytesNew = :new',
          ConditionExpression: '#status = :running',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':committed': 'COMMITTED',
            ':running': 'RUNNING',
            ':endedAt': endedAt,
            ':entries': stats.entries ?? 0,
            ':scanned': stats.bytesScanned ?? 0,
            ':new': stats.bytesNew ?? 0,
          },
        }),
      );
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) {
        const current = await this.getBackup(backupId);
        // A retried commit after a lost response is fine; anything else is a real conflict.
        if (current?.status === 'COMMITTED') return;
        throw new Error(`Backup ${backupId} cannot be committed: it is ${current?.status ?? 'not in the catalog'}.`);
      }
      throw err;
    }
  }

  /** Marks a backup FAILED unless it already committed. */
  async markFailed(backupId: string, error: string, cause: string, endedAt: string): Promise<void> {
    try {
      await this.ddb.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: `BACKUP#${backupId}`, sk: 'BACKUP' },
          UpdateExpression: 'SET #status = :failed, endedAt = :endedAt, #error = :error, #cause = :cause',
          ConditionExpression: 'attribute_exists(pk) AND #status <> :committed',
          ExpressionAttributeNames: { '#status': 'status', '#error': 'error', '#cause': 'cause' },
          ExpressionAttributeValues: { ':failed': 'FAILED', ':committed': 'COMMITTED', ':endedAt': endedAt, ':error': error, ':cause': cause.slice(0, 4000) },
        }),
      );
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return;
      throw err;
    }
  }

  async getBackup(backupId: string): Promise<BackupRecord | undefined> {
    const { Item } = await this.ddb.send(new GetCommand({ TableName: this.table, Key: { pk: `BACKUP#${backupId}`, sk: 'BACKUP' }, ConsistentRead: true }));
    return Item ? stripKeys(Item) : undefined;
  }

  /** All backups of a plan, newest first (GSI byPlan). */
  async listBackupsOfPlan(plan: string): Promise<BackupRecord[]> {
    const records: BackupRecord[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.ddb.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: 'byPlan',
          KeyConditionExpression: '#plan = :plan',
          ExpressionAttributeNames: { '#plan': 'plan' },
          ExpressionAttributeValues: { ':plan': plan },
          ScanIndexForward: false,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) records.push(stripKeys(item));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return records;
  }
}

function stripKeys(item: Record<string, unknown>): BackupRecord {
  const { pk: _pk, sk: _sk, ...record } = item;
  return record as BackupRecord;
}
