import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { type Readable } from 'node:stream';
import type S3rver from 's3rver';
import { DelayedWriteQueue } from './delayed-write-queue';
import { s3RequestPath } from './s3-request-path';
import { readRequestText } from './request-reads';
import { unescapeXml } from './xml-character-references';

/**
 * S3 Replication in the local cloud (docs/LOCAL-CLOUD.md, "Replication"): the replication API on buckets
 * (Put/Get/DeleteBucketReplication, which s3rver lacks) and a replicator that applies every PUT, copy,
 * completed multipart upload and delete in a replicated bucket to the destination bucket in whichever
 * other region holds it, `delayMs` after the write, and every change of an object's tags. Replicas keep
 * the source's ETag, metadata and tags; their
 * LastModified is the time they were written, as in S3. While the source's or the destination's region
 * is stopped nothing is replicated: the writes wait in order and go once both are up again. The
 * configurations are kept in `<dataDir>/replication.json`; writes waiting when the cloud stops are lost.
 */

/** One rule as the local cloud honours it. */
export type LocalReplicationRule = { id: string; enabled: boolean; prefix: string; destinationBucket: string; deleteMarkers: boolean; priority: number };
/** A bucket's configuration: the XML S3 was given (GetBucketReplication returns it) and its rules. */
type StoredConfiguration = { xml: string; rules: LocalReplicationRule[] };

/** What the replicator needs of a region: its state and its s3rver store while it runs. */
export type ReplicationRegion = { readonly region: string; readonly s3Store: S3rver.Store | undefined };

type Pending = { region: string; bucket: string; key: string; op: 'put' | 'delete' | 'tags' };

const tag = (xml: string, name: string): string | undefined => {
  const m = new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(xml);
  return m?.[1] === undefined ? undefined : m[1];
};

/** The rules of a PutBucketReplication body (the SDK's XML): the fields the local cloud honours. */
export function parseReplicationXml(xml: string): LocalReplicationRule[] {
  const rules = [...xml.matchAll(/<Rule>([\s\S]*?)<\/Rule>/g)].map((m) => m[1] ?? '');
  if (rules.length === 0) throw new Error('the replication configuration has no Rule');
  return rules.map((rule) => {
    const destination = tag(rule, 'Destination') ?? '';
    const bucketArn = unescapeXml(tag(destination, 'Bucket') ?? '');
    const destinationBucket = bucketArn.replace(/^arn:[^:]+:s3:::/, '');
    if (!destinationBucket) throw new Error('a Rule has no Destination Bucket');
    const filter = tag(rule, 'Filter');
    return {
      id: unescapeXml(tag(rule, 'ID') ?? ''),
      enabled: tag(rule, 'Status') === 'Enabled',
      prefix: unescapeXml(tag(filter ?? '', 'Prefix') ?? tag(rule.replace(/<Destination>[\s\S]*<\/Destination>/, ''), 'Prefix') ?? ''),
      destinationBucket,
      deleteMarkers: tag(tag(rule, 'DeleteMarkerReplication') ?? '', 'Status') === 'Enabled',
      priority: Number(tag(rule, 'Priority') ?? 0),
    };
  });
}

const s3ObjectModel = createRequire(__filename)('s3rver/lib/models/object') as new (bucket: string, key: string, content: Readable, metadata: Record<string, string>) => unknown;
type StoredObject = { content: Readable | null; metadata: Record<string, string> };
type ObjectStore = S3rver.Store & {
  getObject(bucket: string, key: string): Promise<StoredObject | null>;
  existsObject(bucket: string, key: string): Promise<boolean>;
  putObject(object: unknown): Promise<{ size: number; md5: string }>;
  putMetadata(bucket: string, key: string, metadata: Record<string, string>, md5?: string): Promise<void>;
  deleteObject(bucket: string, key: string): Promise<void>;
  getSubresource(bucket: string, key: string, type: 'tagging'): Promise<TaggingResource | null>;
  putSubresource(bucket: string, key: string, resource: TaggingResource): Promise<void>;
  deleteSubresource(bucket: string, key: string, type: 'tagging'): Promise<void>;
};
/** s3rver's tagging subresource, copied as it is. */
type TaggingResource = { readonly type: 'tagging'; toXML(space?: number): string };

export class BucketReplicator {
  private readonly file: string;
  private readonly configs = new Map<string, StoredConfiguration>();
  private readonly writes: DelayedWriteQueue<Pending>;
  private regions: readonly ReplicationRegion[] = [];
  private readonly log: (message: string) => void;

  constructor(options: { dataDir: string; delayMs: number; log?: (message: string) => void }) {
    this.file = path.join(options.dataDir, 'replication.json');
    this.delayMs = options.delayMs;
    this.log = options.log ?? (() => undefined);
    this.writes = new DelayedWriteQueue<Pending>({
      delayMs: options.delayMs,
      apply: (write) => this.apply(write),
      describe: (write) => `replication of ${write.bucket}/${write.key} (${write.region})`,
      log: this.log,
    });
    if (existsSync(this.file)) {
      const saved = JSON.parse(readFileSync(this.file, 'utf8')) as Record<string, StoredConfiguration>;
      for (const [id, config] of Object.entries(saved)) this.configs.set(id, config);
    }
  }

  readonly delayMs: number;

  /** The regions, once their servers exist; replication goes to whichever other region holds the destination. */
  attach(regions: readonly ReplicationRegion[]): void {
    this.regions = regions;
  }

  stop(): void {
    this.writes.stop();
  }

  /** The middleware of one region's s3rver: the replication API, and each replicated write queued. */
  middleware(region: string): S3rver.Middleware {
    return async (ctx, next) => {
      const query = new URLSearchParams(ctx.querystring);
      const { bucket, key } = s3RequestPath(ctx);
      if (query.has('replication') && bucket && !key) return this.configurationRequest(ctx, region, bucket);
      await next();
      const config = this.configs.get(`${region}/${bucket}`);
      if (!config || ctx.status < 200 || ctx.status >= 300) return;
      if (ctx.method === 'PUT' && key && !query.has('uploadId') && !query.has('partNumber') && !query.has('tagging')) this.enqueue(region, bucket, key, 'put');
      else if (ctx.method === 'POST' && key && query.has('uploadId')) this.enqueue(region, bucket, key, 'put');
      else if ((ctx.method === 'PUT' || ctx.method === 'DELETE') && key && query.has('tagging')) this.enqueue(region, bucket, key, 'tags');
      else if (ctx.method === 'DELETE' && key && !query.has('uploadId')) this.enqueue(region, bucket, key, 'delete');
      else if (ctx.method === 'POST' && !key && query.has('delete') && typeof ctx.body === 'string') {
        for (const m of ctx.body.matchAll(/<Deleted>\s*<Key>([\s\S]*?)<\/Key>/g)) this.enqueue(region, bucket, unescapeXml(m[1] ?? ''), 'delete');
      }
    };
  }

  private async configurationRequest(ctx: S3rver.Context, region: string, bucket: string): Promise<void> {
    const id = `${region}/${bucket}`;
    ctx.type = 'application/xml';
    if (ctx.method === 'PUT') {
      const xml = await readRequestText(ctx.req);
      try {
        this.configs.set(id, { xml, rules: parseReplicationXml(xml) });
      } catch (err) {
        ctx.status = 400;
        ctx.body = errorXml('MalformedXML', (err as Error).message);
        return;
      }
      this.save();
      this.log(`replication of ${bucket} (${region}) configured: ${JSON.stringify(this.configs.get(id)?.rules)}`);
      ctx.status = 200;
      ctx.body = '';
    } else if (ctx.method === 'DELETE') {
      this.configs.delete(id);
      this.save();
      this.log(`replication of ${bucket} (${region}) removed`);
      ctx.status = 204;
      ctx.body = '';
    } else {
      const config = this.configs.get(id);
      if (!config) {
        ctx.status = 404;
        ctx.body = errorXml('ReplicationConfigurationNotFoundError', 'The replication configuration was not found');
        return;
      }
      ctx.status = 200;
      ctx.body = config.xml;
    }
  }

  private save(): void {
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(Object.fromEntries(this.configs), null, 2));
    renameSync(tmp, this.file);
  }

  private enqueue(region: string, bucket: string, key: string, op: Pending['op']): void {
    this.writes.push({ region, bucket, key, op });
  }

  /** One write applied to every destination of the rules that match it; false when a region is down. */
  private async apply(write: Pending): Promise<boolean> {
    const config = this.configs.get(`${write.region}/${write.bucket}`);
    // The configuration was removed since the write: S3 replicates what the rules say when it replicates.
    if (!config) return true;
    const source = this.regions.find((r) => r.region === write.region)?.s3Store as ObjectStore | undefined;
    if (!source) return false;
    const rules = config.rules.filter((r) => r.enabled && write.key.startsWith(r.prefix)).sort((a, b) => b.priority - a.priority);
    for (const rule of rules) {
      if (write.op === 'delete' && !rule.deleteMarkers) continue;
      const destination = await this.destinationOf(rule.destinationBucket, write.region);
      if (destination === 'down') return false;
      if (!destination) {
        this.log(`replication of ${write.bucket}/${write.key}: destination bucket ${rule.destinationBucket} exists in no other running region; skipped`);
        continue;
      }
      if (write.op === 'delete') {
        await destination.deleteObject(rule.destinationBucket, write.key);
        continue;
      }
      if (write.op === 'tags') {
        // S3 Replication replicates tag changes (s3:ReplicateTags) without rewriting the replica.
        if (await destination.existsObject(rule.destinationBucket, write.key)) await copyTags(source, write.bucket, destination, rule.destinationBucket, write.key);
        continue;
      }
      const object = await source.getObject(write.bucket, write.key);
      // Overwritten or deleted since: that later write is queued too.
      if (!object?.content) continue;
      const etag = (object.metadata.etag ?? '').replace(/"/g, '');
      await destination.putObject(new s3ObjectModel(rule.destinationBucket, write.key, object.content, object.metadata));
      // The replica keeps the source's ETag, as S3 Replication's do (a multipart ETag would not be the MD5 s3rver computes).
      await destination.putMetadata(rule.destinationBucket, write.key, object.metadata, etag);
      await copyTags(source, write.bucket, destination, rule.destinationBucket, write.key);
    }
    return true;
  }

  private async destinationOf(bucket: string, sourceRegion: string): Promise<ObjectStore | 'down' | undefined> {
    const others = this.regions.filter((r) => r.region !== sourceRegion);
    if (others.some((r) => !r.s3Store)) {
      // A stopped region may hold the destination: wait rather than skip.
      const up = others.filter((r) => r.s3Store);
      for (const r of up) if (await r.s3Store?.getBucket(bucket)) return r.s3Store as ObjectStore;
      return 'down';
    }
    for (const r of others) if (await r.s3Store?.getBucket(bucket)) return r.s3Store as ObjectStore;
    return undefined;
  }
}

/**
 * The replica carries the source object's tags, or none when the source has none. Tags the replica
 * already has are not written again: s3rver rewrites a tagging file in place (truncate, then write),
 * so a GetObjectTagging of the replica at that moment reads an empty tag set, which S3 never shows.
 * A put's replication and the tag change right after it both copy the same tags, and a reader of the
 * replica between the two saw its tags vanish.
 */
async function copyTags(source: ObjectStore, sourceBucket: string, destination: ObjectStore, destinationBucket: string, key: string): Promise<void> {
  const tagging = await source.getSubresource(sourceBucket, key, 'tagging');
  const current = await destination.getSubresource(destinationBucket, key, 'tagging');
  if (tagging) {
    if (current && current.toXML() === tagging.toXML()) return;
    await destination.putSubresource(destinationBucket, key, tagging);
  } else if (current) await destination.deleteSubresource(destinationBucket, key, 'tagging');
}


function errorXml(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message.replace(/[<&>]/g, (c) => `&#${c.charCodeAt(0)};`)}</Message></Error>`;
}
