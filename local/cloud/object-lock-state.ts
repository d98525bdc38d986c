import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { readJsonFile, writeJsonFile } from './json-state-files';

/**
 * What the local cloud's S3 remembers for Object Lock, kept beside s3rver's data (s3rver has no
 * notion of it): per bucket whether Object Lock is enabled and its default retention, per object its
 * retention (mode and retain-until date) and legal hold. s3rver keeps one version per key, so the
 * state of a key is the state of that single version (docs/LOCAL-CLOUD.md, "Object Lock").
 *
 * Layout: `<dir>/<bucket>/bucket.json` and `<dir>/<bucket>/objects/<sha256 of key>.json` (a hash: keys
 * may be longer than a file name or hold characters a file system refuses).
 */
export type LockMode = 'GOVERNANCE' | 'COMPLIANCE';

export const LOCK_MODES: readonly LockMode[] = ['GOVERNANCE', 'COMPLIANCE'];

export type DefaultRetention = { readonly mode: LockMode; readonly days?: number; readonly years?: number };

export type BucketLockConfig = { readonly enabled: true; readonly defaultRetention?: DefaultRetention };

export type ObjectRetention = { readonly mode: LockMode; readonly retainUntil: string };

export type ObjectLockRecord = { readonly retention?: ObjectRetention; readonly legalHold: boolean };

/** Why an object may not be deleted now (a write over it is never refused: it makes a new version); null when it may. */
export function lockRefusal(record: ObjectLockRecord | undefined, now: Date, governanceBypassed: boolean): string | null {
  if (!record) return null;
  if (record.legalHold) return 'a legal hold is set';
  const retention = record.retention;
  if (!retention || Date.parse(retention.retainUntil) <= now.getTime()) return null;
  if (retention.mode === 'GOVERNANCE' && governanceBypassed) return null;
  return `${retention.mode} retention until ${retention.retainUntil}`;
}

/** The retain-until date a bucket's default retention gives an object written at `now`. */
export function defaultRetainUntil(rule: DefaultRetention, now: Date): string {
  const until = new Date(now.getTime());
  if (rule.years !== undefined) until.setUTCFullYear(until.getUTCFullYear() + rule.years);
  else until.setUTCDate(until.getUTCDate() + (rule.days ?? 0));
  return until.toISOString();
}

export class ObjectLockState {
  /** Bucket configs are read on every object request of the region: kept in memory (this process is the only writer). */
  private readonly buckets = new Map<string, Promise<BucketLockConfig | undefined>>();

  constructor(private readonly dir: string) {}

  bucket(bucket: string): Promise<BucketLockConfig | undefined> {
    let found = this.buckets.get(bucket);
    if (!found) {
      found = readJsonFile<BucketLockConfig>(join(this.dir, bucket, 'bucket.json'));
      this.buckets.set(bucket, found);
      found.catch(() => this.buckets.delete(bucket));
    }
    return found;
  }

  async setBucket(bucket: string, config: BucketLockConfig): Promise<void> {
    this.buckets.delete(bucket);
    await writeJsonFile(join(this.dir, bucket, 'bucket.json'), config);
    this.buckets.set(bucket, Promise.resolve(config));
  }

  object(bucket: string, key: string): Promise<ObjectLockRecord | undefined> {
    return readJsonFile<ObjectLockRecord>(this.objectFile(bucket, key));
  }

  /** Records an object's lock state; undefined (the object was deleted, or written with no lock) removes it. */
  async setObject(bucket: string, key: string, record: ObjectLockRecord | undefined): Promise<void> {
    const file = this.objectFile(bucket, key);
    if (!record) await rm(file, { force: true });
    else await writeJsonFile(file, record);
  }

  private objectFile(bucket: string, key: string): string {
    return join(this.dir, bucket, 'objects', `${createHash('sha256').update(key).digest('hex')}.json`);
  }
}
