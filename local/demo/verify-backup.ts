import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type S3Client } from '@aws-sdk/client-s3';
import { type SourceConfig } from '../../config/lifeboat-config';
import { type DirectoryEntry, walkDirectory } from '../../lambdas/sources/directory-source';
import { decodeItemLines, encodeItemText } from '../../lambdas/sources/dynamodb-item-codec';
import { scanSegmentPages } from '../../lambdas/sources/dynamodb-table-source';
import { listS3Objects, readS3Object, type S3ObjectSummary } from '../../lambdas/sources/s3-bucket-source';
import { differingS3Headers, s3HeadersOfMeta } from '../../lambdas/sources/s3-object-headers';
import { type ManifestEntry } from '../../vault';
import { mapBounded, readEntryContent, restoreSnapshot, s3KeyOf, verifySnapshot } from '../../vault';
import { type Snapshot } from '../../vault';
import { type Vault } from '../../vault';

/** The outcome of reading a source's backup back from the vault and comparing it with the live source. */
export type SourceVerification = { source: string; type: SourceConfig['type']; entries: number; bytes: number; mismatches: string[] };

export type VerifyDeps = { sourceS3: S3Client; sourceDynamoDb: DynamoDBClient; fsRoot: (configured: string) => string };

/**
 * Verifies one source's snapshot with the vault's backup verification (verifySnapshot, as the
 * restore runbook does), then reads it back through the vault API and compares it with the live source:
 * S3 objects body, content type, user metadata and tags (readEntryContent); DynamoDB items as
 * canonical text (decodeItemLines); a directory restored with restoreSnapshot into a scratch
 * directory and compared entry by entry (type, mode, size, mtime, link target, bytes).
 */
export async function verifyBackup(vault: Vault, snapshot: Snapshot, source: SourceConfig, deps: VerifyDeps): Promise<SourceVerification> {
  const result: SourceVerification = { source: source.name, type: source.type, entries: 0, bytes: 0, mismatches: [] };
  if (snapshot.source.id !== source.name) result.mismatches.push(`snapshot ${snapshot.id.slice(0, 12)} is of source ${snapshot.source.id}, not ${source.name}`);
  // First the backup verification every restore runs (structure, indexes); reading the data back is the comparison below.
  const check = await verifySnapshot(vault, snapshot.id);
  result.mismatches.push(...check.problems.map((p) => `snapshot ${snapshot.id.slice(0, 12)}: ${p}`));
  if (source.type === 's3') await verifyBucket(vault, snapshot, source.bucket, source.prefix, deps.sourceS3, result);
  else if (source.type === 'dynamodb') await verifyTable(vault, snapshot, source.table, deps.sourceDynamoDb, result);
  else await verifyDirectory(vault, snapshot, deps.fsRoot(source.path), result);
  return result;
}

/** Objects compared at once (each a GetObject of the live copy and the reads of its blobs from the vault). */
const OBJECTS_AT_ONCE = 8;

async function contentOf(vault: Vault, entry: ManifestEntry): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of readEntryContent(vault, entry)) chunks.push(chunk);
  return Buffer.concat(chunks);
}

async function verifyBucket(vault: Vault, snapshot: Snapshot, bucket: string, prefix: string, s3: S3Client, result: SourceVerification): Promise<void> {
  const backedUp = new Map<string, ManifestEntry>();
  for await (const entry of vault.entries(snapshot)) {
    const key = s3KeyOf(entry);
    backedUp.set(key, entry);
  }
  const live: S3ObjectSummary[] = [];
  for await (const summary of listS3Objects(s3, bucket, prefix)) live.push(summary);
  // Objects read back side by side: one at a time, each round of the demo waited ~10 s on its round trips.
  const perObject = await mapBounded(live, OBJECTS_AT_ONCE, async (summary) => {
    const name = JSON.stringify(summary.key);
    const entry = backedUp.get(summary.key);
    if (!entry) return { mismatches: [`object ${name} is missing from the backup`], bytes: 0, found: false };
    const [liveObject, body] = await Promise.all([readS3Object(s3, bucket, summary), contentOf(vault, entry)]);
    const mismatches: string[] = [];
    if (!body.equals(liveObject.body)) mismatches.push(`object ${name}: body differs`);
    if (!isDeepStrictEqual(entry.meta.metadata, liveObject.metadata)) mismatches.push(`object ${name}: user metadata differs`);
    if (!isDeepStrictEqual(entry.meta.tags, liveObject.tags)) mismatches.push(`object ${name}: tags differ`);
    if (entry.meta.contentType !== liveObject.contentType) mismatches.push(`object ${name}: content type differs`);
    // A backup made before the headers were recorded has none to compare.
    const recorded = s3HeadersOfMeta(entry.meta);
    const differing = recorded === undefined ? [] : differingS3Headers(liveObject.headers, recorded);
    if (differing.length > 0) mismatches.push(`object ${name}: headers differ: ${differing.join(', ')}`);
    return { mismatches, bytes: body.length, found: true };
  });
  for (const [i, checked] of perObject.entries()) {
    backedUp.delete((live[i] as S3ObjectSummary).key);
    result.mismatches.push(...checked.mismatches);
    if (!checked.found) continue;
    result.entries++;
    result.bytes += checked.bytes;
  }
  for (const key of backedUp.keys()) result.mismatches.push(`object ${JSON.stringify(key)} is in the backup but not in the bucket`);
}

async function verifyTable(vault: Vault, snapshot: Snapshot, table: string, ddb: DynamoDBClient, result: SourceVerification): Promise<void> {
  const backedUp: string[] = [];
  for await (const entry of vault.entries(snapshot)) {
    const body = await contentOf(vault, entry);
    result.bytes += body.length;
    const items = decodeItemLines(body);
    if (entry.meta.items !== items.length) result.mismatches.push(`page ${entry.path}: meta says ${String(entry.meta.items)} items, it holds ${items.length}`);
    backedUp.push(...items.map(encodeItemText));
  }
  const live: string[] = [];
  for await (const page of scanSegmentPages(ddb, table, 0, 1)) live.push(...page.items.map(encodeItemText));
  backedUp.sort();
  live.sort();
  result.entries = backedUp.length;
  if (backedUp.length !== live.length) result.mismatches.push(`table ${table}: ${backedUp.length} items backed up, ${live.length} in the table`);
  else backedUp.forEach((item, i) => item !== live[i] && result.mismatches.push(`table ${table}: item differs: ${item.slice(0, 120)}`));
}

async function verifyDirectory(vault: Vault, snapshot: Snapshot, root: string, result: SourceVerification): Promise<void> {
  const scratch = await mkdtemp(path.join(tmpdir(), 'lifeboat-verify-'));
  try {
    await restoreSnapshot(vault, snapshot, scratch);
    const restored = new Map<string, DirectoryEntry>();
    for await (const e of walkDirectory(scratch, '')) if (e.path !== '') restored.set(e.path, e);
    for await (const live of walkDirectory(root, '')) {
      if (live.path === '') continue;
      const name = JSON.stringify(live.path);
      const back = restored.get(live.path);
      restored.delete(live.path);
      if (!back) {
        result.mismatches.push(`${name} is missing from the backup`);
        continue;
      }
      const fields: (keyof DirectoryEntry)[] = live.type === 'symlink' ? ['type', 'linkTarget'] : ['type', 'mode', 'size', 'linkTarget'];
      for (const field of fields) if (back[field] !== live[field]) result.mismatches.push(`${name}: ${field} ${String(back[field])} restored, ${String(live[field])} on disk`);
      if (live.type !== 'symlink' && Math.floor(back.mtimeMs) !== Math.floor(live.mtimeMs)) result.mismatches.push(`${name}: mtime ${back.mtimeMs} restored, ${live.mtimeMs} on disk`);
      if (live.type === 'file') {
        const [a, b] = await Promise.all([readFile(path.join(scratch, live.path)), readFile(path.join(root, live.path))]);
        if (!a.equals(b)) result.mismatches.push(`${name}: content differs`);
        result.bytes += a.length;
      }
      result.entries++;
    }
    for (const p of restored.keys()) result.mismatches.push(`${JSON.stringify(p)} is in the backup but not on disk`);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
