import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type S3Client } from '@aws-sdk/client-s3';
import { type SourceConfig } from '../../lib/config/lifeboat-config';
import { walkDirectory } from '../../lambdas/sources/directory-source';
import { scanSegment, type DynamoDbItem } from '../../lambdas/sources/dynamodb-table-source';
import { listS3Objects, readS3Object } from '../../lambdas/sources/s3-bucket-source';
import { type CopyManifest, type PlainCopyStore } from '../../lambdas/snapshot/plain-copy-store';

/** The outcome of reading a backup back and comparing it with its source. */
export type SourceVerification = { source: string; type: SourceConfig['type']; entries: number; bytes: number; mismatches: string[] };

export type VerifyDeps = { sourceS3: S3Client; sourceDynamoDb: DynamoDBClient; store: PlainCopyStore; fsRoot: (configured: string) => string };

/** Reads every backed-up entry of `source` back from the store and compares it with the live source. */
export async function verifyCopy(manifest: CopyManifest, source: SourceConfig, deps: VerifyDeps): Promise<SourceVerification> {
  const result: SourceVerification = { source: source.name, type: source.type, entries: 0, bytes: 0, mismatches: [] };
  const entries = manifest.entries.filter((e) => e.source === source.name);
  if (source.type === 's3') {
    const copied = new Map(entries.flatMap((e) => (e.kind === 'object' ? [[e.key, e] as const] : [])));
    for await (const summary of listS3Objects(deps.sourceS3, source.bucket, source.prefix)) {
      const entry = copied.get(summary.key);
      copied.delete(summary.key);
      if (!entry) {
        result.mismatches.push(`object ${JSON.stringify(summary.key)} is missing from the backup`);
        continue;
      }
      const live = await readS3Object(deps.sourceS3, source.bucket, summary);
      const body = await deps.store.getContent(entry.sha256);
      if (!body.equals(live.body)) result.mismatches.push(`object ${JSON.stringify(summary.key)}: body differs`);
      if (!isDeepStrictEqual(entry.metadata, live.metadata)) result.mismatches.push(`object ${JSON.stringify(summary.key)}: user metadata differs`);
      if (!isDeepStrictEqual(entry.tags, live.tags)) result.mismatches.push(`object ${JSON.stringify(summary.key)}: tags differ`);
      if (entry.contentType !== live.contentType) result.mismatches.push(`object ${JSON.stringify(summary.key)}: content type differs`);
      result.entries++;
      result.bytes += body.length;
    }
    for (const key of copied.keys()) result.mismatches.push(`object ${JSON.stringify(key)} is in the backup but not in the bucket`);
  } else if (source.type === 'dynamodb') {
    const backedUp: DynamoDbItem[] = [];
    for (const entry of entries) {
      if (entry.kind !== 'items') continue;
      const body = await deps.store.getContent(entry.sha256);
      result.bytes += body.length;
      backedUp.push(...(JSON.parse(body.toString('utf8'), binaryReviver) as DynamoDbItem[]));
    }
    const live: DynamoDbItem[] = [];
    for await (const page of scanSegment(deps.sourceDynamoDb, source.table, 0, 1)) live.push(...page);
    const canonical = (items: DynamoDbItem[]) => items.map((i) => JSON.stringify(sortKeys(normalizeBinary(i)))).sort();
    const [a, b] = [canonical(backedUp), canonical(live)];
    if (a.length !== b.length) result.mismatches.push(`table ${source.table}: ${a.length} items backed up, ${b.length} in the table`);
    else a.forEach((item, i) => item !== b[i] && result.mismatches.push(`table ${source.table}: item differs: ${item.slice(0, 120)}`));
    result.entries = backedUp.length;
  } else {
    const root = deps.fsRoot(source.path);
    const copied = new Map(entries.flatMap((e) => (e.kind === 'file' ? [[e.path, e] as const] : [])));
    for await (const live of walkDirectory(root, '')) {
      const entry = copied.get(live.path);
      copied.delete(live.path);
      const name = JSON.stringify(live.path || '/');
      if (!entry) {
        result.mismatches.push(`${name} is missing from the backup`);
        continue;
      }
      for (const field of ['type', 'mode', 'size', 'mtimeMs', 'linkTarget'] as const) {
        if (entry[field] !== live[field]) result.mismatches.push(`${name}: ${field} ${String(entry[field])} in backup, ${String(live[field])} on disk`);
      }
      if (live.type === 'file') {
        const body = entry.sha256 ? await deps.store.getContent(entry.sha256) : undefined;
        if (!body || !body.equals(await readFile(path.join(root, live.path)))) result.mismatches.push(`${name}: content differs`);
        result.bytes += body?.length ?? 0;
      }
      result.entries++;
    }
    for (const p of copied.keys()) result.mismatches.push(`${JSON.stringify(p)} is in the backup but not on disk`);
  }
  return result;
}

function binaryReviver(_key: string, value: unknown): unknown {
  if (value && typeof value === 'object' && typeof (value as { $binary?: unknown }).$binary === 'string') {
    return Buffer.from((value as { $binary: string }).$binary, 'base64');
  }
  return value;
}

function normalizeBinary(value: unknown): unknown {
  if (value instanceof Uint8Array) return { $binary: Buffer.from(value).toString('base64') };
  if (Array.isArray(value)) return value.map(normalizeBinary);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalizeBinary(v)]));
  return value;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]));
  }
  return value;
}
