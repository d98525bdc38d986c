import { createHash } from 'node:crypto';
import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { readJsonFile, writeJsonFile } from './json-state-files';

/**
 * What the local cloud's S3 remembers of storage classes, beside s3rver's data (docs/LOCAL-CLOUD.md,
 * "Storage classes and thaws"): per object that is not in STANDARD, its class and, for the archive
 * classes, its thaw (RestoreObject): when it was asked for, when it completes, when the thawed copy expires.
 * An object without a record is STANDARD. Kept in files read on every request (not cached), so a test or
 * `transitionObjects` in another process changes what the running cloud answers at once.
 *
 * Layout: `<dir>/<bucket>/<sha256 of key>.json`.
 */
export type StorageClassRecord = {
  readonly storageClass: string;
  readonly thaw?: { readonly requestedAt: string; readonly readyAt: string; readonly expiresAt: string; readonly tier: string };
};

export const EMULATED_STORAGE_CLASSES = ['STANDARD', 'STANDARD_IA', 'ONEZONE_IA', 'INTELLIGENT_TIERING', 'GLACIER_IR', 'GLACIER', 'DEEP_ARCHIVE'] as const;

export function isArchiveClass(storageClass: string): boolean {
  return storageClass === 'GLACIER' || storageClass === 'DEEP_ARCHIVE';
}

/** Where an archived object's thaw stands at `now`: readable only while 'ready'. */
export function thawState(record: StorageClassRecord | undefined, now: Date): 'none' | 'in-progress' | 'ready' {
  const thaw = record?.thaw;
  if (!thaw) return 'none';
  if (now.getTime() < Date.parse(thaw.readyAt)) return 'in-progress';
  return now.getTime() < Date.parse(thaw.expiresAt) ? 'ready' : 'none';
}

export class StorageClassState {
  constructor(private readonly dir: string) {}

  object(bucket: string, key: string): Promise<StorageClassRecord | undefined> {
    return readJsonFile<StorageClassRecord>(this.objectFile(bucket, key));
  }

  /** Records an object's class; STANDARD (or undefined) removes the record. */
  async setObject(bucket: string, key: string, record: StorageClassRecord | undefined): Promise<void> {
    const file = this.objectFile(bucket, key);
    if (!record || record.storageClass === 'STANDARD') await rm(file, { force: true });
    else await writeJsonFile(file, record);
  }

  /** Whether any object of the bucket has a record (one stat: listings of buckets that never left STANDARD cost nothing more). */
  async hasAny(bucket: string): Promise<boolean> {
    try {
      await stat(join(this.dir, bucket));
      return true;
    } catch {
      return false;
    }
  }

  private objectFile(bucket: string, key: string): string {
    return join(this.dir, bucket, `${createHash('sha256').update(key).digest('hex')}.json`);
  }
}
