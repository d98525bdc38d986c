import { randomBytes } from 'node:crypto';
import { type AttributeValue, type DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, GetObjectTaggingCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { type SourceConfig } from '../../config/lifeboat-config';
import { type BackupRecord, type BackupSourceRecord, snapshotFieldsOfSource } from '../../lambdas/catalog/backup-record';
import { encodeItemLines } from '../../lambdas/sources/dynamodb-item-codec';
import { s3EntryPath } from '../../lambdas/sources/s3-entry-path';
import { s3HeadersOfResponse } from '../../lambdas/sources/s3-object-headers';
import { captureTableSchema } from '../../lambdas/sources/dynamodb-table-schema';
import { backupDirectory } from '../../vault/archiver/directory-source';
import { type Snapshot } from '../../vault/manifest/snapshot-record';
import { type Vault } from '../../vault/repository/vault';

/**
 * Writes a backup the way the shared contract says the backup workflow stores it — one vault
 * snapshot per source, a COMMITTED catalog record listing each source's snapshot — through the
 * vault API directly, so the restore side is tested independently of the backup workflow.
 */
export type FixtureDeps = { vault: Vault; s3: S3Client; dynamodb: DynamoDBClient; catalogTable: string; directory: (p: string) => string };

export async function snapshotSource(source: SourceConfig, deps: FixtureDeps, tags: string[]): Promise<Snapshot> {
  const writer = await deps.vault.newSnapshotWriter({ parent: null });
  if (source.type === 's3') {
    let token: string | undefined;
    do {
      const page = await deps.s3.send(new ListObjectsV2Command({ Bucket: source.bucket, Prefix: source.prefix || undefined, ContinuationToken: token }));
      for (const object of page.Contents ?? []) {
        const key = object.Key ?? '';
        const got = await deps.s3.send(new GetObjectCommand({ Bucket: source.bucket, Key: key }));
        const body = Buffer.from((await got.Body?.transformToByteArray()) ?? new Uint8Array());
        const tagging = await deps.s3.send(new GetObjectTaggingCommand({ Bucket: source.bucket, Key: key }));
        // As the backup workflow stores a key (lambdas/sources/s3-object-entries.ts): under its entry path, the key itself in meta.
        await writer.add({
          path: s3EntryPath(key),
          kind: 'object',
          meta: {
            key,
            ...(got.ContentType ? { contentType: got.ContentType } : {}),
            headers: s3HeadersOfResponse(got),
            metadata: got.Metadata ?? {},
            tags: Object.fromEntries((tagging.TagSet ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])),
            etag: got.ETag ?? '',
            size: body.length,
            lastModified: got.LastModified?.toISOString() ?? '',
          },
          content: body,
        });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return deps.vault.commitSnapshot({ source: { kind: 's3', id: source.name, bucket: source.bucket, prefix: source.prefix }, parts: [await writer.finish()], tags });
  }
  if (source.type === 'dynamodb') {
    const schema = await captureTableSchema(deps.dynamodb, source.table);
    let startKey: Record<string, AttributeValue> | undefined;
    let page = 0;
    do {
      const scanned = await deps.dynamodb.send(new ScanCommand({ TableName: source.table, Limit: 60, ExclusiveStartKey: startKey }));
      const items = scanned.Items ?? [];
      if (items.length > 0) {
        await writer.add({ path: `segment-0000/page-${String(page++).padStart(6, '0')}`, kind: 'page', meta: { items: items.length }, content: encodeItemLines(items) });
      }
      startKey = scanned.LastEvaluatedKey;
    } while (startKey);
    return deps.vault.commitSnapshot({ source: { kind: 'dynamodb', id: source.name, table: source.table, schema }, parts: [await writer.finish()], tags });
  }
  await writer.finish();
  const { snapshot } = await backupDirectory(deps.vault, deps.directory(source.path), { parent: null, tags });
  return snapshot;
}

/** A committed backup of `sources`, recorded in the catalog with its per-source snapshots; returns its id. */
export async function commitFixtureBackup(plan: string, sources: readonly SourceConfig[], deps: FixtureDeps, startedAt: Date): Promise<string> {
  const stamp = startedAt.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const backupId = `${stamp}-${randomBytes(4).toString('hex')}`;
  const records: BackupSourceRecord[] = [];
  for (const source of sources) {
    const snapshot = await snapshotSource(source, deps, [`backupId=${backupId}`, `plan=${plan}`]);
    records.push({
      name: source.name,
      type: source.type,
      ...snapshotFieldsOfSource(snapshot),
    });
  }
  const ddb = DynamoDBDocumentClient.from(deps.dynamodb, { marshallOptions: { removeUndefinedValues: true } });
  // Typed as the catalog's record: the catalog validates what it reads, so the fixture writes what commit-backup writes.
  const record: BackupRecord = {
    backupId,
    plan,
    environment: 'dev',
    sourceNames: sources.map((s) => s.name),
    sources: records,
    strategy: 'full',
    status: 'COMMITTED',
    startedAt: startedAt.toISOString(),
    endedAt: new Date(startedAt.getTime() + 1000).toISOString(),
    shardCount: sources.length,
  };
  await ddb.send(new PutCommand({ TableName: deps.catalogTable, Item: { pk: `BACKUP#${backupId}`, sk: 'BACKUP', ...record } }));
  for (const source of sources) {
    await ddb.send(
      new PutCommand({
        TableName: deps.catalogTable,
        Item: { pk: `SOURCE#${source.name}`, sk: `BACKUP#${record.startedAt}#${backupId}`, backupId, planName: plan, sourceName: source.name, strategy: 'full', startedAt: record.startedAt, endedAt: record.endedAt },
      }),
    );
  }
  return backupId;
}
