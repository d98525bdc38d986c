import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { type S3Client } from '@aws-sdk/client-s3';
import { type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { resolveSourceRoot, walkDirectory } from '../sources/directory-source';
import { scanSegment, type DynamoDbItem } from '../sources/dynamodb-table-source';
import { listS3Objects, readS3Object } from '../sources/s3-bucket-source';
import { type ShardSpec } from '../sources/shard-spec';
import { type CopiedEntry, PlainCopyStore, type ShardListing } from '../snapshot/plain-copy-store';
import { InvalidInputError } from '../runtime/errors';
import { backupPlanDocumentSchema, type ShardTask } from './backup-plan-document';

export type SnapshotShardDeps = { s3: S3Client; dynamodb: DynamoDBClient; store: PlainCopyStore; env?: NodeJS.ProcessEnv };

export type ShardResult = { shardIndex: number; entries: number; bytesScanned: number; bytesNew: number };

/** Copies one shard of a source into the store and writes the shard's listing. Idempotent: a retry rewrites the same listing. */
export async function snapshotShard(task: ShardTask, deps: SnapshotShardDeps): Promise<ShardResult> {
  const plan = await deps.store.getJson(task.planKey, backupPlanDocumentSchema);
  if (plan.backupId !== task.backupId) throw new InvalidInputError(`Plan ${task.planKey} belongs to backup ${plan.backupId}, not ${task.backupId}.`);
  const spec = plan.shards.find((s) => s.index === task.shardIndex);
  if (!spec) throw new InvalidInputError(`Backup ${task.backupId} has no shard ${task.shardIndex} (it has ${plan.shards.length}).`);
  const listing: ShardListing = { backupId: task.backupId, shardIndex: task.shardIndex, entries: [], bytesScanned: 0, bytesNew: 0 };
  const add = async (entry: CopiedEntry, body?: Buffer): Promise<CopiedEntry> => {
    listing.entries.push(entry);
    if (body) listing.bytesScanned += body.length;
    return entry;
  };
  const put = async (body: Buffer): Promise<string> => {
    const { sha256, isNew } = await deps.store.putContent(body);
    if (isNew) listing.bytesNew += body.length;
    return sha256;
  };
  await copyShard(spec, deps, add, put);
  await deps.store.putJson(PlainCopyStore.listingKey(task.backupId, task.shardIndex), listing);
  return { shardIndex: task.shardIndex, entries: listing.entries.length, bytesScanned: listing.bytesScanned, bytesNew: listing.bytesNew };
}

async function copyShard(
  spec: ShardSpec,
  deps: SnapshotShardDeps,
  add: (entry: CopiedEntry, body?: Buffer) => Promise<CopiedEntry>,
  put: (body: Buffer) => Promise<string>,
): Promise<void> {
  if (spec.kind === 's3') {
    for await (const summary of listS3Objects(deps.s3, spec.bucket, spec.prefix, spec)) {
      const object = await readS3Object(deps.s3, spec.bucket, summary);
      const sha256 = await put(object.body);
      await add(
        {
          kind: 'object',
          source: spec.source,
          key: object.key,
          size: object.size,
          etag: object.etag,
          sha256,
          ...(object.contentType !== undefined ? { contentType: object.contentType } : {}),
          metadata: object.metadata,
          tags: object.tags,
        },
        object.body,
      );
    }
  } else if (spec.kind === 'dynamodb') {
    const items: DynamoDbItem[] = [];
    for await (const page of scanSegment(deps.dynamodb, spec.table, spec.segment, spec.totalSegments)) items.push(...page);
    const body = Buffer.from(JSON.stringify(items, binaryReplacer));
    const sha256 = await put(body);
    await add({ kind: 'items', source: spec.source, segment: spec.segment, count: items.length, sha256 }, body);
  } else {
    const root = resolveSourceRoot(spec.root, deps.env);
    const subtrees = spec.includeRoot ? ['', ...spec.paths] : spec.paths;
    for (const rel of subtrees) {
      // The root is recorded alone; its children are other shards' subtrees.
      const entries = rel === '' ? walkRootOnly(root) : walkDirectory(root, rel);
      for await (const entry of entries) {
        if (entry.type === 'file') {
          const body = await readFile(path.join(root, entry.path));
          const sha256 = await put(body);
          await add({ kind: 'file', source: spec.source, ...entry, sha256 }, body);
        } else {
          await add({ kind: 'file', source: spec.source, ...entry });
        }
      }
    }
  }
}

async function* walkRootOnly(root: string) {
  for await (const entry of walkDirectory(root, '')) {
    yield entry;
    return;
  }
}

/** Binary attributes (B, BS) come back as Uint8Array; keep them as base64 in the copy. */
export function binaryReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Uint8Array) return { $binary: Buffer.from(value).toString('base64') };
  if (value && typeof value === 'object' && (value as { type?: string }).type === 'Buffer' && Array.isArray((value as { data?: unknown }).data)) {
    return { $binary: Buffer.from((value as { data: number[] }).data).toString('base64') };
  }
  return value;
}
