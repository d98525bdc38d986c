import {
  AbortMultipartUploadCommand,
  type CompletedPart,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  GetObjectLegalHoldCommand,
  GetObjectLockConfigurationCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  type HeadObjectCommandOutput,
  type ObjectLockConfiguration,
  type ObjectLockRetentionMode,
  PutObjectCommand,
  PutObjectLegalHoldCommand,
  PutObjectRetentionCommand,
  RestoreObjectCommand,
  type S3Client,
  UploadPartCommand,
  paginateListObjectsV2,
} from '@aws-sdk/client-s3';
import { mapBounded } from '../../workers/bounded-concurrency';
import { type ByteRange, type DeleteOptions, type ListedObject, type PutOptions, type StoredObjectState, type VaultStore } from '../vault-store';
import { vaultKeyProblem } from '../vault-key-rules';
import { ObjectLockedError, VaultCorruptionError, VaultError, VaultObjectArchivedError, VaultObjectNotFoundError } from '../../vault-errors';
import { isContentAddressedKey } from '../../repository/vault-layout';
import { withUnsignedPayload } from './unsigned-payload';
import { httpStatusOf, isS3AccessDenied, isS3NotFound, isS3ObjectLockRefusal, isS3PreconditionFailed } from './sdk-error';
import { LegalHoldUnreadError } from './legal-hold-unread-error';
import { LegalHoldWriteRefusedError } from './legal-hold-write-refused-error';
import { noteHoldReadBeforeRefusal } from './hold-read-before-refusal';

const MiB = 1024 * 1024;
/** Pack objects are around 16 MiB (DESIGN.md §3); anything up to that goes up in one request. */
const DEFAULT_MULTIPART_THRESHOLD = 16 * MiB;
const DEFAULT_PART_SIZE = 8 * MiB;
/** S3 rejects parts (other than the last) below 5 MiB, objects above 5 GiB in one PutObject, and uploads of more than 10,000 parts. */
const S3_MIN_PART_SIZE = 5 * MiB;
const S3_MAX_PART_SIZE = 5 * 1024 * MiB;
const S3_MAX_SINGLE_PUT = 5 * 1024 * MiB;
const S3_MAX_PARTS = 10_000;
/** Enough parts in flight to fill a Lambda's bandwidth without holding many requests' worth of retries. */
const PARTS_IN_FLIGHT = 4;

/** A key (or list prefix) that is not a plain relative path: rejected before it reaches S3, where `..` or a leading '/' would escape the vault's prefix in any tool that maps keys to paths. */
export class InvalidVaultKeyError extends VaultError {
  override name = 'InvalidVaultKeyError';
  constructor(
    readonly location: string,
    readonly key: string,
    reason: string,
  ) {
    super(`${location}: invalid object key ${JSON.stringify(key)}: ${reason}; vault keys are relative '/'-separated paths such as data/ab/<id>`);
  }
}

export type S3VaultStoreOptions = {
  client: S3Client;
  bucket: string;
  /** Folder of the bucket that holds the vault, without leading or trailing '/' (those are tolerated and removed). Default: the bucket root. */
  prefix?: string;
  /** Objects of at least this many bytes are uploaded in parts. Default 16 MiB. */
  multipartThresholdBytes?: number;
  /** Size of each part but the last; raised automatically when an object would need more than 10,000 parts. Default 8 MiB, at least 5 MiB. */
  partSizeBytes?: number;
};

/**
 * Key prefixes of objects that are written once and never changed (docs/FORMAT.md §1): key objects,
 * packs, indexes, manifest pages and snapshots. `config`, plans/ and parts/ are not among them.
 */
export const IMMUTABLE_PREFIXES = ['keys/', 'data/', 'index/', 'manifest/', 'snapshots/'] as const;

function isImmutableKey(key: string): boolean {
  return IMMUTABLE_PREFIXES.some((prefix) => key.startsWith(prefix));
}

/** 409: S3 saw a conflicting write to the key while the conditional write was in progress; S3 says to retry. */
function isConditionalConflict(err: unknown): boolean {
  return err instanceof Error && (err.name === 'ConditionalRequestConflict' || httpStatusOf(err) === 409);
}

/** Attempts of a conditional write that S3 answers with 409 ConditionalRequestConflict (the SDK does not retry those). */
const CONDITIONAL_WRITE_ATTEMPTS = 5;

/** Why Object Lock keeps the object HEAD described from being deleted now (a retention not, when `overRetention`); null when nothing does. */
function lockOf(head: HeadObjectCommandOutput, now: Date, overRetention: boolean): string | null {
  if (head.ObjectLockLegalHoldStatus === 'ON') return 'a legal hold is set';
  if (overRetention) return null;
  const until = head.ObjectLockRetainUntilDate;
  if (until && until.getTime() > now.getTime()) return `${head.ObjectLockMode ?? 'retention'} until ${until.toISOString()}`;
  return null;
}

/** 403 InvalidObjectState: a GET of an object in an archive class (S3 Glacier Flexible Retrieval, Deep Archive) that is not thawed. */
function isArchivedRefusal(err: unknown): err is Error & { StorageClass?: string } {
  return err instanceof Error && err.name === 'InvalidObjectState';
}

/** 409 RestoreAlreadyInProgress: RestoreObject for an object whose thaw runs already. */
function isRestoreInProgress(err: unknown): boolean {
  return err instanceof Error && (err.name === 'RestoreAlreadyInProgress' || (httpStatusOf(err) === 409 && /in progress/i.test(err.message)));
}

/** The archive classes: a GET needs a completed RestoreObject (StoredObjectState.archived). */
const ARCHIVE_CLASSES: ReadonlySet<string> = new Set(['GLACIER', 'DEEP_ARCHIVE']);

/** `x-amz-restore` of HEAD: `ongoing-request="true"`, or `ongoing-request="false", expiry-date="…"` once thawed. */
function thawOf(restore: string | undefined): StoredObjectState['thaw'] {
  if (restore === undefined) return 'none';
  if (/ongoing-request="true"/.test(restore)) return 'in-progress';
  return /ongoing-request="false"/.test(restore) ? 'ready' : 'none';
}

/** The PutObject/CreateMultipartUpload Tagging parameter: URL query encoding of the tags. */
function taggingOf(options: PutOptions | undefined): { Tagging?: string } {
  const tags = options?.tags;
  if (!tags || Object.keys(tags).length === 0) return {};
  return { Tagging: new URLSearchParams(Object.entries(tags)).toString() };
}

/** What PutObject and CreateMultipartUpload give the new object besides its bytes: its tags, a legal hold kept over a repair. */
type CreateParams = { Tagging?: string; ObjectLockLegalHoldStatus?: 'ON' };

function isInvalidRange(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  return err.name === 'InvalidRange' || httpStatusOf(err) === 416;
}

/**
 * A vault in an S3 bucket, optionally under a prefix. Uses the S3 API directly (no lib-storage) so
 * that the same code runs against AWS and the local s3rver: single PutObject for objects below the
 * multipart threshold (the usual case: packs are ~16 MiB), multipart upload above it.
 */
export class S3VaultStore implements VaultStore {
  readonly location: string;
  private readonly client: S3Client;
  private readonly bucket: string;
  /** '' or 'some/prefix/' (always ending in '/'), prepended to every key. */
  private readonly keyPrefix: string;
  private readonly multipartThreshold: number;
  private readonly partSize: number;
  /**
   * The bucket's Object Lock configuration (null: none), read once for both what it answers: whether the bucket has
   * Object Lock (replace) and its default retention mode (extendRetention); undefined again after a failed read.
   */
  private lockConfigurationRead: Promise<ObjectLockConfiguration | null> | undefined;

  constructor(opts: S3VaultStoreOptions) {
    if (opts.bucket === '' || opts.bucket.includes('/')) {
      throw new VaultError(`S3VaultStore: bucket ${JSON.stringify(opts.bucket)} is not a bucket name (give any folder as prefix)`);
    }
    const prefix = (opts.prefix ?? '').replace(/^\/+|\/+$/g, '');
    this.client = opts.client;
    this.bucket = opts.bucket;
    this.location = prefix === '' ? `s3://${opts.bucket}` : `s3://${opts.bucket}/${prefix}`;
    if (prefix !== '') {
      const problem = vaultKeyProblem(prefix);
      if (problem) throw new InvalidVaultKeyError(`s3://${opts.bucket}`, prefix, `the vault prefix is unusable: ${problem}`);
    }
    this.keyPrefix = prefix === '' ? '' : `${prefix}/`;

    this.multipartThreshold = opts.multipartThresholdBytes ?? DEFAULT_MULTIPART_THRESHOLD;
    this.partSize = opts.partSizeBytes ?? DEFAULT_PART_SIZE;
    if (!Number.isSafeInteger(this.multipartThreshold) || this.multipartThreshold < 1 || this.multipartThreshold > S3_MAX_SINGLE_PUT) {
      throw new VaultError(`${this.location}: multipartThresholdBytes must be an integer from 1 to 5 GiB (the largest single PutObject), got ${this.multipartThreshold}`);
    }
    if (!Number.isSafeInteger(this.partSize) || this.partSize < S3_MIN_PART_SIZE || this.partSize > S3_MAX_PART_SIZE) {
      throw new VaultError(`${this.location}: partSizeBytes must be an integer from 5 MiB to 5 GiB (S3's part size limits), got ${this.partSize}`);
    }
  }

  /**
   * Objects under the immutable prefixes (IMMUTABLE_PREFIXES: named by their content or a random id,
   * never rewritten) are created with `If-None-Match: *`, single or multipart: a 412 means the object
   * already exists, which for such a key is the object being written, so it counts as success. No
   * writer of ours can therefore overwrite a committed object by mistake or by a bug; only `replace`
   * (the scrub's repair of a damaged copy) writes over one.
   */
  async put(key: string, body: Uint8Array, options?: PutOptions): Promise<void> {
    await this.write(key, body, isImmutableKey(key), options);
  }

  /**
   * Writes an object even over an existing immutable one: the repair of a copy that does not verify (its tags given
   * anew). A legal hold on the damaged copy is given to the new one: S3 keeps a hold on the version it was set on, and
   * HEAD, GetObjectLegalHold and a catalog rebuild read the newest version, so a repair without it left the backup's
   * object unheld, deletable once its retention ends (review r61Q F1). Read with GetObjectLegalHold rather than HEAD:
   * HEAD silently leaves the lock headers out for a role without s3:GetObjectLegalHold, this is refused instead.
   * Refused, the copy is still written, unheld (as before r61Q F1: refusing the repair left every damaged copy damaged
   * for such credentials, in every vault, Object Lock or not), and LegalHoldUnreadError then says the hold may be lost,
   * unless the bucket has no Object Lock, so no hold (review r62B F5: every repair there said so). A write carrying the
   * hold needs s3:PutObjectLegalHold too: refused, LegalHoldWriteRefusedError names it (review r62B F2), or the action
   * S3's words name when they name one: any 403 comes here, a KMS key's refusal or a bucket policy's deny too (r62F F5).
   */
  async replace(key: string, body: Uint8Array, options?: PutOptions): Promise<void> {
    const held = await this.heldNow(key);
    try {
      await this.write(key, body, false, options, held === true);
    } catch (err) {
      if (held === true && !(err instanceof ObjectLockedError) && isS3AccessDenied(err)) throw new LegalHoldWriteRefusedError(this.location, key, err);
      // The hold read is the caller's too: asked again, a failing second ask said it could not be read (review r63S F3).
      noteHoldReadBeforeRefusal(err, held);
      throw err;
    }
    if (held === undefined && (await this.hasObjectLock()) !== false) throw new LegalHoldUnreadError(this.location, key);
  }

  /** Whether the bucket has Object Lock; undefined when that cannot be told (its configuration's read failed). Without it no object can have a legal hold. */
  private async hasObjectLock(): Promise<boolean | undefined> {
    try {
      return (await this.lockConfiguration()) !== null;
    } catch {
      return undefined;
    }
  }

  /**
   * The bucket's Object Lock configuration, null when it has none (GetObjectLockConfiguration, asked once). A read
   * that fails (refused, throttled) tells nothing of the bucket, so it is asked again next time.
   */
  private lockConfiguration(): Promise<ObjectLockConfiguration | null> {
    const read = (this.lockConfigurationRead ??= this.readLockConfiguration());
    read.catch(() => {
      if (this.lockConfigurationRead === read) this.lockConfigurationRead = undefined;
    });
    return read;
  }

  private async readLockConfiguration(): Promise<ObjectLockConfiguration | null> {
    try {
      const out = await this.client.send(new GetObjectLockConfigurationCommand({ Bucket: this.bucket }));
      return out.ObjectLockConfiguration?.ObjectLockEnabled === 'Enabled' ? out.ObjectLockConfiguration : null;
    } catch (err) {
      // S3 answers a bucket without Object Lock 404 ObjectLockConfigurationNotFoundError.
      if (err instanceof Error && err.name === 'ObjectLockConfigurationNotFoundError') return null;
      throw err;
    }
  }

  /**
   * Whether the object has a legal hold now; false when it is absent (a repair writes it anew) or the bucket has no
   * Object Lock; undefined when reading it is denied: IAM checks s3:GetObjectLegalHold before S3 looks at the bucket.
   */
  private async heldNow(key: string): Promise<boolean | undefined> {
    // Once the bucket is known to have no Object Lock, no repair asks for a hold: a refused GetObjectLegalHold per repair
    // told nothing new (review rb62B 7). The configuration is not read first: a scrub role deployed before f65I (b3d6cdf3)
    // may not read it (no s3:GetBucketObjectLockConfiguration), and would have it refused for every repair.
    if (this.lockConfigurationRead !== undefined && (await this.hasObjectLock()) === false) return false;
    try {
      const hold = await this.legalHold(key);
      // S3's answer for a bucket without Object Lock says what its lock configuration would.
      if (hold === null) this.lockConfigurationRead ??= Promise.resolve(null);
      return hold === true;
    } catch (err) {
      if (err instanceof VaultObjectNotFoundError) return false;
      if (isS3AccessDenied(err)) return undefined;
      throw err;
    }
  }

  private async write(key: string, body: Uint8Array, createOnly: boolean, options?: PutOptions, legalHold = false): Promise<void> {
    const Key = this.objectKey(key);
    const condition = createOnly ? { IfNoneMatch: '*' } : {};
    // Sent only to keep a hold: a bucket without Object Lock refuses the parameter, whatever its value.
    const newObject: CreateParams = { ...taggingOf(options), ...(legalHold ? { ObjectLockLegalHoldStatus: 'ON' as const } : {}) };
    try {
      if (body.length < this.multipartThreshold) {
        await this.client.send(withUnsignedPayload(new PutObjectCommand({ Bucket: this.bucket, Key, Body: body, ContentLength: body.length, ...condition, ...newObject })));
        return;
      }
      await this.putMultipart(key, Key, body, condition, newObject);
    } catch (err) {
      // Only a create-only write can fail its precondition: the object is there already.
      if (createOnly && isS3PreconditionFailed(err)) return;
      // Neither S3 nor the local cloud refuses a write for a lock (it adds a version); an endpoint keeping one version per key may.
      if (!isS3ObjectLockRefusal(err)) throw err;
      // A create of a content-addressed key finds these very bytes there already, locked: nothing to do. Not so for
      // replace, whose purpose is to write over a damaged copy: the lock keeps that copy, and the caller must know.
      if (createOnly && isContentAddressedKey(key)) return;
      throw new ObjectLockedError(this.location, key, 'S3 refused to overwrite it');
    }
  }

  /**
   * PutObject with `If-None-Match: *` (S3 conditional writes): S3 stores the object only when the key
   * is absent and answers 412 PreconditionFailed otherwise (→ false), so of concurrent writers of one
   * key exactly one succeeds. Always a single PutObject (conditional multipart completion exists but
   * is not needed: the objects written this way, `config`, are small).
   *
   * s3rver itself ignores If-None-Match on PUT; the local cloud adds it in front (docs/LOCAL-CLOUD.md).
   * An endpoint that ignores it would overwrite and return true, so initVault also reads `config` back.
   */
  async putIfAbsent(key: string, body: Uint8Array): Promise<boolean> {
    const Key = this.objectKey(key);
    if (body.length > S3_MAX_SINGLE_PUT) throw new VaultError(`${this.location}: object ${key} is too large for a conditional single PutObject (${body.length} bytes)`);
    for (let attempt = 1; ; attempt++) {
      try {
        await this.client.send(withUnsignedPayload(new PutObjectCommand({ Bucket: this.bucket, Key, Body: body, ContentLength: body.length, IfNoneMatch: '*' })));
        return true;
      } catch (err) {
        if (isS3PreconditionFailed(err)) return false;
        if (!isConditionalConflict(err) || attempt >= CONDITIONAL_WRITE_ATTEMPTS) throw err;
        // A concurrent write of the key is in flight: retry after it (the retry then usually gets 412).
        await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt * (0.5 + Math.random())));
      }
    }
  }

  async get(key: string, range?: ByteRange): Promise<Buffer> {
    const Key = this.objectKey(key);
    if (range !== undefined) {
      if (!Number.isSafeInteger(range.offset) || range.offset < 0 || !Number.isSafeInteger(range.length) || range.length < 0) {
        throw new VaultError(`${this.location}: invalid byte range offset=${range.offset} length=${range.length} for object ${key}`);
      }
      // An HTTP range cannot be empty; still say whether the object exists, as a ranged read would.
      if (range.length === 0) {
        if (!(await this.has(key))) throw new VaultObjectNotFoundError(this.location, key);
        return Buffer.alloc(0);
      }
    }
    const Range = range ? `bytes=${range.offset}-${range.offset + range.length - 1}` : undefined;
    let bytes: Uint8Array;
    let contentRange: string | undefined;
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key, ...(Range ? { Range } : {}) }));
      bytes = (await out.Body?.transformToByteArray()) ?? new Uint8Array();
      contentRange = out.ContentRange;
    } catch (err) {
      if (isS3NotFound(err)) throw new VaultObjectNotFoundError(this.location, key);
      if (isArchivedRefusal(err)) throw new VaultObjectArchivedError(this.location, key, err.StorageClass);
      if (range && isInvalidRange(err)) {
        throw new VaultCorruptionError(this.location, key, `bytes ${range.offset}..${range.offset + range.length - 1} were asked for but the object is shorter than ${range.offset + 1} bytes (truncated, or an index points past its end)`);
      }
      throw err;
    }
    if (range) bytes = this.trimToRange(key, range, bytes, contentRange);
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  }

  async has(key: string): Promise<boolean> {
    const Key = this.objectKey(key);
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key }));
      return true;
    } catch (err) {
      if (isS3NotFound(err)) return false;
      throw err;
    }
  }

  /** HEAD: the storage class (S3 omits it for STANDARD) and, for an archived object, its thaw state from `x-amz-restore`. */
  async storageState(key: string): Promise<StoredObjectState | null> {
    const head = await this.headOrUndefined(this.objectKey(key), { tolerateDenied: false });
    if (!head) return null;
    const storageClass = head.StorageClass ?? 'STANDARD';
    return { storageClass, archived: ARCHIVE_CLASSES.has(storageClass), thaw: thawOf(head.Restore) };
  }

  /**
   * RestoreObject: S3 answers 202 when it starts a thaw, 200 when a thawed copy exists already (its expiry is
   * moved to `days` from now), 409 RestoreAlreadyInProgress while one runs.
   */
  async requestThaw(key: string, options: { days: number; tier: 'Expedited' | 'Standard' | 'Bulk' }): Promise<'started' | 'in-progress' | 'ready'> {
    try {
      const out = await this.client.send(
        new RestoreObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key), RestoreRequest: { Days: options.days, GlacierJobParameters: { Tier: options.tier } } }),
      );
      return out.$metadata.httpStatusCode === 200 ? 'ready' : 'started';
    } catch (err) {
      if (isRestoreInProgress(err)) return 'in-progress';
      if (isS3NotFound(err)) throw new VaultObjectNotFoundError(this.location, key);
      throw err;
    }
  }

  /** GetObjectTagging (s3:GetObjectTagging on the key): the object's tag set as a record. */
  async tagsOf(key: string): Promise<Record<string, string>> {
    try {
      const out = await this.client.send(new GetObjectTaggingCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
      const tags: Record<string, string> = {};
      for (const tag of out.TagSet ?? []) if (tag.Key !== undefined) tags[tag.Key] = tag.Value ?? '';
      return tags;
    } catch (err) {
      if (isS3NotFound(err)) throw new VaultObjectNotFoundError(this.location, key);
      throw err;
    }
  }

  async *list(prefix: string): AsyncIterable<string> {
    for await (const object of this.listObjects(prefix)) yield object.key;
  }

  /** The sizes (and LastModified) come with the listing (ListObjectsV2 `Size`): no HEAD per object. */
  async *listWithSizes(prefix: string): AsyncIterable<ListedObject> {
    for await (const { key, size, lastModified } of this.listObjects(prefix)) {
      if (size === undefined) throw new VaultError(`${this.location}: listing ${prefix || '(all)'} returned object ${key} without its Size; the S3 endpoint is not behaving like S3`);
      yield { key, size, ...(lastModified !== undefined ? { lastModified } : {}) };
    }
  }

  /** The one paginated listing behind `list` and `listWithSizes`: vault keys (the store's prefix taken off) with the Size S3 gave. */
  private async *listObjects(prefix: string): AsyncGenerator<{ key: string; size: number | undefined; lastModified: Date | undefined }> {
    if (prefix !== '') {
      if (!prefix.endsWith('/')) throw new InvalidVaultKeyError(this.location, prefix, "a list prefix must be '' or end in '/'");
      const problem = vaultKeyProblem(prefix.slice(0, -1));
      if (problem) throw new InvalidVaultKeyError(this.location, prefix, problem);
    }
    const Prefix = this.keyPrefix + prefix;
    for await (const page of paginateListObjectsV2({ client: this.client }, { Bucket: this.bucket, Prefix })) {
      for (const object of page.Contents ?? []) {
        // Keys are always under Prefix; the check guards against an emulator or proxy that ignores it.
        if (object.Key !== undefined && object.Key.startsWith(Prefix)) yield { key: object.Key.slice(this.keyPrefix.length), size: object.Size, lastModified: object.LastModified };
      }
      // The paginator stops at a page without a token; a truncated one would end the listing silently short.
      if (page.IsTruncated && !page.NextContinuationToken) {
        throw new VaultError(`${this.location}: listing ${prefix || '(all)'} returned a truncated page without a continuation token; the S3 endpoint is not behaving like S3`);
      }
    }
  }

  /**
   * HEAD first: on a versioned bucket with Object Lock, S3 answers a plain DeleteObject of a locked
   * object by adding a delete marker (the locked version stays, hidden, and no space is freed), so a
   * retention or legal hold is recognised before any delete is tried. S3 shows the lock headers only
   * to a caller allowed s3:GetObjectRetention and s3:GetObjectLegalHold: without them a locked object
   * looks unlocked here and the delete adds a delete marker over it. A HEAD cannot tell "not allowed to
   * see" from "no lock" (an object written before the lock), so the store does not guess: every role
   * that deletes on a vault with Object Lock is granted both on the keys it deletes (docs/ARCHITECTURE.md,
   * "Object Lock"; test/infra/lib/prune-object-lock.test.ts). With `overRetention` only a legal hold
   * refuses it: the same DeleteObject then hides a retained object behind a delete marker, on purpose
   * (DeleteOptions; test/unit/vault/backend/s3-delete-over-retention.test.ts).
   */
  async delete(key: string, options?: DeleteOptions): Promise<void> {
    const Key = this.objectKey(key);
    const overRetention = options?.overRetention === true;
    const head = await this.headOrUndefined(Key, { tolerateDenied: true });
    if (head === null) return;
    const lock = head ? lockOf(head, new Date(), overRetention) : null;
    if (lock) throw new ObjectLockedError(this.location, key, lock);
    try {
      // S3 DeleteObject succeeds for an absent key, which is the contract here.
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key }));
    } catch (err) {
      if (isS3ObjectLockRefusal(err)) {
        throw new ObjectLockedError(this.location, key, overRetention ? 'S3 refused the delete: this endpoint keeps one version per key, so it cannot hide a retained object behind a delete marker' : 'S3 refused the delete');
      }
      throw err;
    }
  }

  async extendRetention(key: string, until: Date, extendTo: Date = until): Promise<boolean> {
    const Key = this.objectKey(key);
    const head = await this.headOrUndefined(Key, { tolerateDenied: false });
    if (!head) throw new VaultObjectNotFoundError(this.location, key);
    const current = head.ObjectLockRetainUntilDate;
    if (current && current.getTime() >= until.getTime()) return false;
    const Mode = head.ObjectLockMode ?? (await this.bucketLockMode());
    const RetainUntilDate = extendTo.getTime() > until.getTime() ? extendTo : until;
    await this.client.send(new PutObjectRetentionCommand({ Bucket: this.bucket, Key, Retention: { Mode, RetainUntilDate } }));
    return true;
  }

  async setLegalHold(key: string, on: boolean): Promise<void> {
    try {
      await this.client.send(new PutObjectLegalHoldCommand({ Bucket: this.bucket, Key: this.objectKey(key), LegalHold: { Status: on ? 'ON' : 'OFF' } }));
    } catch (err) {
      if (isS3NotFound(err)) throw new VaultObjectNotFoundError(this.location, key);
      throw err;
    }
  }

  async legalHold(key: string): Promise<boolean | null> {
    try {
      const out = await this.client.send(new GetObjectLegalHoldCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
      return out.LegalHold?.Status === 'ON';
    } catch (err) {
      // An object never held (nor retained) may have no lock configuration of its own: no hold (a 404, so before isS3NotFound).
      if (err instanceof Error && err.name === 'NoSuchObjectLockConfiguration') return false;
      if (isS3NotFound(err)) throw new VaultObjectNotFoundError(this.location, key);
      // S3 answers a bucket without Object Lock 400 InvalidRequest "Bucket is missing Object Lock Configuration".
      if (err instanceof Error && err.name === 'InvalidRequest' && /object lock/i.test(err.message)) return null;
      throw err;
    }
  }

  /** The object's HEAD; null when it is absent; undefined when HEAD is denied and `tolerateDenied`. */
  private async headOrUndefined(Key: string, options: { tolerateDenied: boolean }): Promise<HeadObjectCommandOutput | null | undefined> {
    try {
      return await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key }));
    } catch (err) {
      if (isS3NotFound(err)) return null;
      if (options.tolerateDenied && httpStatusOf(err) === 403) return undefined;
      throw err;
    }
  }

  /** The bucket's default retention mode: the mode given to objects that have no retention yet. */
  private async bucketLockMode(): Promise<ObjectLockRetentionMode> {
    const mode = (await this.lockConfiguration())?.Rule?.DefaultRetention?.Mode;
    if (!mode) throw new VaultError(`${this.location}: the bucket has no default Object Lock retention, so an object without retention has no mode to extend; configure environment.immutability`);
    return mode;
  }

  /**
   * The requested bytes of a ranged GET. S3 serves exactly the range, or fewer bytes when it runs
   * past the end (reported as corruption: callers trust the length they asked for). Some endpoints
   * serve more: s3rver answers `bytes=0-0` with the whole object, and a server that ignores Range
   * answers 200 without Content-Range; those bodies are cut down here rather than trusted.
   */
  private trimToRange(key: string, range: ByteRange, body: Uint8Array, contentRange: string | undefined): Uint8Array {
    let bytes = body;
    if (contentRange === undefined) {
      bytes = bytes.subarray(range.offset);
    } else {
      const start = /^bytes (\d+)-/.exec(contentRange)?.[1];
      if (start === undefined || Number(start) !== range.offset) {
        throw new VaultError(`${this.location}: asked for object ${key} from byte ${range.offset} but the endpoint answered Content-Range "${contentRange}"`);
      }
    }
    if (bytes.length > range.length) bytes = bytes.subarray(0, range.length);
    if (bytes.length !== range.length) {
      throw new VaultCorruptionError(this.location, key, `asked for ${range.length} bytes from offset ${range.offset} but the object ends after ${bytes.length} of them (truncated, or an index points past its end)`);
    }
    return bytes;
  }

  private objectKey(key: string): string {
    const problem = vaultKeyProblem(key);
    if (problem) throw new InvalidVaultKeyError(this.location, key, problem);
    return this.keyPrefix + key;
  }

  private async putMultipart(key: string, Key: string, body: Uint8Array, condition: { IfNoneMatch?: string }, newObject: CreateParams): Promise<void> {
    const partSize = Math.max(this.partSize, Math.ceil(body.length / S3_MAX_PARTS));
    const partCount = Math.ceil(body.length / partSize);
    // CRC32 declared up front: the SDK adds a CRC32 to each part by default, and S3 rejects part
    // checksums of an algorithm the upload was not created with.
    const created = await this.client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key, ChecksumAlgorithm: 'CRC32', ...newObject }));
    const UploadId = created.UploadId;
    if (!UploadId) throw new VaultError(`${this.location}: CreateMultipartUpload for object ${key} returned no UploadId`);
    try {
      // After a failed part no further part is started (the upload is aborted anyway); the parts in flight settle first.
      const parts = await mapBounded(
        Array.from({ length: partCount }, (_, index) => index),
        PARTS_IN_FLIGHT,
        async (index): Promise<CompletedPart> => {
          const PartNumber = index + 1;
          const chunk = body.subarray(index * partSize, Math.min(body.length, (index + 1) * partSize));
          const out = await this.client.send(
            withUnsignedPayload(new UploadPartCommand({ Bucket: this.bucket, Key, UploadId, PartNumber, Body: chunk, ContentLength: chunk.length, ChecksumAlgorithm: 'CRC32' })),
          );
          if (!out.ETag) throw new VaultError(`${this.location}: UploadPart ${PartNumber} of object ${key} returned no ETag`);
          // S3 requires each part's checksum at completion when the upload declared an algorithm; emulators may not return one.
          return { PartNumber, ETag: out.ETag, ...(out.ChecksumCRC32 ? { ChecksumCRC32: out.ChecksumCRC32 } : {}) };
        },
      );
      await this.client.send(new CompleteMultipartUploadCommand({ Bucket: this.bucket, Key, UploadId, MultipartUpload: { Parts: parts }, ...condition }));
    } catch (err) {
      await this.abortQuietly(Key, UploadId);
      throw err;
    }
  }

  /** Best effort: a failed abort only leaves parts that a bucket lifecycle rule (AbortIncompleteMultipartUpload) cleans up, and s3rver does not implement it. */
  private async abortQuietly(Key: string, UploadId: string): Promise<void> {
    try {
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key, UploadId }));
    } catch {
      // Ignored on purpose: the original error is the one worth reporting.
    }
  }
}
