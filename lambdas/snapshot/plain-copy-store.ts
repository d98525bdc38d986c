import { createHash } from 'node:crypto';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';

/**
 * The foundation's interim store: a plain, content-addressed copy of each backed-up byte under
 * `copies/` in the vault bucket (content by SHA-256, so unchanged data is written once), plus a
 * JSON listing per shard and a manifest per backup. It is honest — every byte is really copied and
 * read back — but neither chunked nor client-side encrypted; the vault engine replaces it.
 */
export const copiedEntrySchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('object'),
    source: z.string(),
    key: z.string(),
    size: z.number(),
    etag: z.string(),
    sha256: z.string(),
    contentType: z.string().optional(),
    metadata: z.record(z.string(), z.string()),
    tags: z.record(z.string(), z.string()),
  }),
  z.object({ kind: z.literal('items'), source: z.string(), segment: z.number(), count: z.number(), sha256: z.string() }),
  z.object({
    kind: z.literal('file'),
    source: z.string(),
    path: z.string(),
    type: z.enum(['file', 'directory', 'symlink']),
    size: z.number(),
    mode: z.number(),
    mtimeMs: z.number(),
    linkTarget: z.string().optional(),
    sha256: z.string().optional(),
  }),
]);
export type CopiedEntry = z.infer<typeof copiedEntrySchema>;

export const shardListingSchema = z.object({
  backupId: z.string(),
  shardIndex: z.number(),
  entries: z.array(copiedEntrySchema),
  bytesScanned: z.number(),
  bytesNew: z.number(),
});
export type ShardListing = z.infer<typeof shardListingSchema>;

export const copyManifestSchema = z.object({
  backupId: z.string(),
  plan: z.string(),
  committedAt: z.string(),
  shardCount: z.number(),
  entries: z.array(copiedEntrySchema),
  stats: z.object({ entries: z.number(), bytesScanned: z.number(), bytesNew: z.number() }),
});
export type CopyManifest = z.infer<typeof copyManifestSchema>;

export class PlainCopyStore {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  static contentKey(sha256: string): string {
    return `copies/content/${sha256.slice(0, 2)}/${sha256}`;
  }
  static listingKey(backupId: string, shardIndex: number): string {
    return `copies/backups/${backupId}/shards/${String(shardIndex).padStart(5, '0')}.json`;
  }
  static manifestKey(backupId: string): string {
    return `copies/backups/${backupId}/manifest.json`;
  }

  /** Stores content once by its SHA-256; returns the hash and whether it was new. */
  async putContent(body: Buffer): Promise<{ sha256: string; isNew: boolean }> {
    const sha256 = createHash('sha256').update(body).digest('hex');
    const key = PlainCopyStore.contentKey(sha256);
    if (await this.exists(key)) return { sha256, isNew: false };
    await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body }));
    return { sha256, isNew: true };
  }

  /** Reads content back and checks it still hashes to its key. */
  async getContent(sha256: string): Promise<Buffer> {
    const key = PlainCopyStore.contentKey(sha256);
    const body = await this.getObject(key);
    const actual = createHash('sha256').update(body).digest('hex');
    if (actual !== sha256) throw new Error(`Copy ${key} is corrupted: its content hashes to ${actual}.`);
    return body;
  }

  async putJson(key: string, value: unknown): Promise<void> {
    await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: JSON.stringify(value), ContentType: 'application/json' }));
  }

  async getJson<T>(key: string, schema: z.ZodType<T>): Promise<T> {
    const body = await this.getObject(key);
    return schema.parse(JSON.parse(body.toString('utf8')));
  }

  private async getObject(key: string): Promise<Buffer> {
    const object = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    return Buffer.from((await object.Body?.transformToByteArray()) ?? new Uint8Array());
  }

  private async exists(key: string): Promise<boolean> {
    try {
      await this.s3.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return true;
    } catch (err) {
      const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status === 404 || (err as Error).name === 'NotFound') return false;
      throw err;
    }
  }
}
