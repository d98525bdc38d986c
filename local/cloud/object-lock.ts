import { createRequire } from 'node:module';
import type S3rver from 's3rver';
import {
  type BucketLockConfig,
  type DefaultRetention,
  defaultRetainUntil,
  LOCK_MODES,
  type LockMode,
  lockRefusal,
  type ObjectLockRecord,
  ObjectLockState,
} from './object-lock-state';
import { escapeXml, replyS3Error, replyXml, S3_XMLNS, S3Failure } from './s3-xml-reply';
import { s3RequestPath } from './s3-request-path';
import { readRequestText, requestHeader } from './request-reads';
import { unescapeXml } from './xml-character-references';

/**
 * S3 Object Lock for s3rver, which has none (docs/LOCAL-CLOUD.md, "Object Lock"): buckets created
 * with `x-amz-bucket-object-lock-enabled: true` or given a configuration by PutObjectLockConfiguration,
 * their default retention, retention and legal hold on PUT (headers) and through
 * Put/GetObjectRetention and Put/GetObjectLegalHold, lock headers on GET/HEAD, and 403 AccessDenied for
 * a DeleteObject or a DeleteObjects entry of a locked object. An overwriting PUT/CopyObject/
 * CompleteMultipartUpload succeeds, as S3's new version does, but replaces the locked bytes (one version per key,
 * where S3 keeps the old version): locally a lock keeps an object from being deleted, not from being overwritten
 * (docs/ARCHITECTURE.md, "Object Lock (immutable vaults)", Locally). Buckets without Object Lock pass through untouched.
 */

/**
 * The one access key id the local cloud lets bypass GOVERNANCE retention (with
 * `x-amz-bypass-governance-retention: true`), standing for a break-glass role that holds
 * s3:BypassGovernanceRetention. The ordinary key, S3RVER, stands for the workflow roles, which do not.
 */
export const LOCAL_BREAK_GLASS_ACCESS_KEY_ID = 'LIFEBOATBREAKGLASS';

type AwsAccountModule = { DUMMY_ACCOUNT: { createKeyPair(accessKeyId: string, secretAccessKey: string): void } };

/** s3rver knows one key pair; the break-glass key must pass its authentication too. */
function registerBreakGlassKey(): void {
  const account = createRequire(__filename)('s3rver/lib/models/account') as AwsAccountModule;
  account.DUMMY_ACCOUNT.createKeyPair(LOCAL_BREAK_GLASS_ACCESS_KEY_ID, LOCAL_BREAK_GLASS_ACCESS_KEY_ID);
}


const accessDenied = (detail: string): S3Failure => new S3Failure(403, 'AccessDenied', `Access Denied because object protected by object lock (${detail})`);
const missingLockConfig = (): S3Failure => new S3Failure(400, 'InvalidRequest', 'Bucket is missing Object Lock Configuration');



function tag(xml: string, name: string): string | undefined {
  const match = new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml);
  return match?.[1] === undefined ? undefined : unescapeXml(match[1].trim());
}

function replyError(ctx: S3rver.Context, failure: S3Failure): void {
  replyS3Error(ctx, failure.status, failure.code, failure.message);
}


function callerAccessKeyId(ctx: S3rver.Context, query: URLSearchParams): string | undefined {
  const auth = requestHeader(ctx.headers, 'authorization');
  const fromHeader = auth ? /Credential=([^/,\s]+)\//.exec(auth)?.[1] : undefined;
  return fromHeader ?? query.get('X-Amz-Credential')?.split('/')[0];
}

function parseMode(value: string | undefined, field: string): LockMode {
  if (value === 'GOVERNANCE' || value === 'COMPLIANCE') return value;
  throw new S3Failure(400, 'InvalidArgument', `${field} must be one of ${LOCK_MODES.join(', ')}, got ${JSON.stringify(value)}`);
}

function parseFutureDate(value: string | undefined, field: string, now: Date): string {
  const at = value === undefined ? Number.NaN : Date.parse(value);
  if (Number.isNaN(at)) throw new S3Failure(400, 'InvalidArgument', `${field} is not a date: ${JSON.stringify(value)}`);
  if (at <= now.getTime()) throw new S3Failure(400, 'InvalidArgument', 'The retain until date must be in the future!');
  return new Date(at).toISOString();
}

function parseLegalHold(value: string | undefined, field: string): boolean {
  if (value === 'ON') return true;
  if (value === 'OFF') return false;
  throw new S3Failure(400, 'InvalidArgument', `${field} must be ON or OFF, got ${JSON.stringify(value)}`);
}

/** The lock a write gives its object: what its headers ask for, else the bucket's default retention. */
function lockOfWrite(ctx: S3rver.Context, config: BucketLockConfig | undefined, now: Date): ObjectLockRecord | undefined {
  const mode = requestHeader(ctx.headers, 'x-amz-object-lock-mode');
  const until = requestHeader(ctx.headers, 'x-amz-object-lock-retain-until-date');
  const hold = requestHeader(ctx.headers, 'x-amz-object-lock-legal-hold');
  if (mode === undefined && until === undefined && hold === undefined) {
    const rule = config?.defaultRetention;
    return rule ? { retention: { mode: rule.mode, retainUntil: defaultRetainUntil(rule, now) }, legalHold: false } : undefined;
  }
  if (!config) throw missingLockConfig();
  if ((mode === undefined) !== (until === undefined)) {
    throw new S3Failure(400, 'InvalidArgument', 'x-amz-object-lock-mode and x-amz-object-lock-retain-until-date must both be supplied');
  }
  const retention =
    mode !== undefined
      ? { mode: parseMode(mode, 'x-amz-object-lock-mode'), retainUntil: parseFutureDate(until, 'x-amz-object-lock-retain-until-date', now) }
      : config.defaultRetention
        ? { mode: config.defaultRetention.mode, retainUntil: defaultRetainUntil(config.defaultRetention, now) }
        : undefined;
  return { ...(retention ? { retention } : {}), legalHold: hold === undefined ? false : parseLegalHold(hold, 'x-amz-object-lock-legal-hold') };
}

function parseLockConfiguration(xml: string): BucketLockConfig {
  if (tag(xml, 'ObjectLockEnabled') !== 'Enabled') throw new S3Failure(400, 'MalformedXML', 'ObjectLockEnabled must be Enabled');
  if (!xml.includes('<DefaultRetention>')) return { enabled: true };
  const mode = parseMode(tag(xml, 'Mode'), 'DefaultRetention.Mode');
  const days = tag(xml, 'Days');
  const years = tag(xml, 'Years');
  if ((days === undefined) === (years === undefined)) throw new S3Failure(400, 'MalformedXML', 'DefaultRetention needs exactly one of Days and Years');
  const count = Number(days ?? years);
  if (!Number.isSafeInteger(count) || count < 1) throw new S3Failure(400, 'InvalidArgument', `DefaultRetention ${days !== undefined ? 'Days' : 'Years'} must be a positive integer`);
  const defaultRetention: DefaultRetention = days !== undefined ? { mode, days: count } : { mode, years: count };
  return { enabled: true, defaultRetention };
}

function lockConfigurationXml(config: BucketLockConfig): string {
  const rule = config.defaultRetention;
  const ruleXml = rule
    ? `<Rule><DefaultRetention><Mode>${rule.mode}</Mode>${rule.days !== undefined ? `<Days>${rule.days}</Days>` : `<Years>${String(rule.years)}</Years>`}</DefaultRetention></Rule>`
    : '';
  return `<ObjectLockConfiguration xmlns="${S3_XMLNS}"><ObjectLockEnabled>Enabled</ObjectLockEnabled>${ruleXml}</ObjectLockConfiguration>`;
}

export type ObjectLockOptions = {
  /** Where the lock state is kept (dataDirLayout's s3ObjectLockDir). */
  readonly dir: string;
  /** The clock retention is judged by (tests). @default the system clock */
  readonly now?: () => Date;
};

export function objectLockMiddleware(store: S3rver.Store & S3rver.ObjectDeletion, options: ObjectLockOptions): S3rver.Middleware {
  registerBreakGlassKey();
  const state = new ObjectLockState(options.dir);
  const now = options.now ?? ((): Date => new Date());
  /** Lock settings of CreateMultipartUpload, applied when the upload completes. */
  const pendingUploads = new Map<string, ObjectLockRecord | undefined>();

  return async (ctx, next) => {
    const query = new URLSearchParams(ctx.querystring);
    const { bucket, key } = s3RequestPath(ctx);
    if (bucket === '') return next();
    try {
      if (key === '') return await bucketRequest(ctx, next, bucket, query);
      return await objectRequest(ctx, next, bucket, key, query);
    } catch (err) {
      if (err instanceof S3Failure) return replyError(ctx, err);
      throw err;
    }
  };

  async function bucketRequest(ctx: S3rver.Context, next: () => Promise<void>, bucket: string, query: URLSearchParams): Promise<void> {
    if (query.has('object-lock')) {
      if (!(await store.getBucket(bucket))) throw new S3Failure(404, 'NoSuchBucket', `The specified bucket does not exist: ${bucket}`);
      if (ctx.method === 'GET') {
        const config = await state.bucket(bucket);
        if (!config) throw new S3Failure(404, 'ObjectLockConfigurationNotFoundError', 'Object Lock configuration does not exist for this bucket');
        return replyXml(ctx, 200, lockConfigurationXml(config));
      }
      if (ctx.method === 'PUT') {
        // S3 also requires versioning, which s3rver does not have: any existing bucket may be given a configuration.
        await state.setBucket(bucket, parseLockConfiguration(await readRequestText(ctx.req)));
        return replyXml(ctx, 200);
      }
      return next();
    }
    if (ctx.method === 'PUT' && ctx.querystring === '' && requestHeader(ctx.headers, 'x-amz-bucket-object-lock-enabled')?.toLowerCase() === 'true') {
      await next();
      if (ctx.status === 200) await state.setBucket(bucket, { enabled: true });
      return;
    }
    if (ctx.method === 'POST' && query.has('delete') && (await state.bucket(bucket))) return deleteObjects(ctx, bucket, query);
    return next();
  }

  async function objectRequest(ctx: S3rver.Context, next: () => Promise<void>, bucket: string, key: string, query: URLSearchParams): Promise<void> {
    const config = await state.bucket(bucket);
    if (query.has('retention')) return retentionRequest(ctx, next, bucket, key, query, config);
    if (query.has('legal-hold')) return legalHoldRequest(ctx, next, bucket, key, config);
    const bypass = (): boolean => governanceBypassed(ctx, query);
    const refuseIfLocked = async (): Promise<void> => {
      const refusal = lockRefusal(await state.object(bucket, key), now(), bypass());
      if (refusal) throw accessDenied(refusal);
    };
    const id = `${bucket}/${key}`;

    if (ctx.method === 'GET' || ctx.method === 'HEAD') {
      await next();
      if (config && (ctx.status === 200 || ctx.status === 206)) setLockHeaders(ctx, await state.object(bucket, key));
      return;
    }
    const plainPut = ctx.method === 'PUT' && ![...query.keys()].some((q) => q !== 'x-id');
    // A write over a locked object is never refused: a lock-enabled bucket is versioned in S3, where Object Lock keeps
    // versions from being deleted but a write adds a version, with a lock of its own. Refusing it failed every backup
    // into an immutable vault locally, whose commit marker is written twice (review a61A F1). The new bytes replace the
    // stored ones, as GET of the newest version would return them; the superseded version is not kept (one per key), so
    // its lock protects nothing once overwritten here, while in S3 it keeps that version (review r61Q F2). The new
    // object's lock is what this write asks for: S3VaultStore.replace sends a legal hold the damaged copy had.
    if (plainPut) {
      const lock = lockOfWrite(ctx, config, now());
      if (!config) return next();
      await next();
      if (ctx.status === 200) await state.setObject(bucket, key, lock);
      return;
    }
    if (!config) return next();
    if (ctx.method === 'POST' && query.has('uploads')) {
      const lock = lockOfWrite(ctx, config, now());
      await next();
      if (ctx.status === 200) pendingUploads.set(id, lock);
      return;
    }
    if (ctx.method === 'POST' && query.has('uploadId')) {
      await next();
      if (ctx.status === 200) {
        const lock = pendingUploads.has(id) ? pendingUploads.get(id) : lockOfWrite(ctx, config, now());
        pendingUploads.delete(id);
        await state.setObject(bucket, key, lock);
      }
      return;
    }
    if (ctx.method === 'DELETE' && !query.has('uploadId') && !query.has('tagging')) {
      // With a versionId S3 refuses too. Without one it adds a delete marker over the locked version, which one version
      // per key cannot hide without destroying: refused, so that the locked bytes stay (docs/LOCAL-CLOUD.md, "Object Lock").
      await refuseIfLocked();
      await next();
      if (ctx.status === 204 || ctx.status === 200) await state.setObject(bucket, key, undefined);
      return;
    }
    return next();
  }

  function governanceBypassed(ctx: S3rver.Context, query: URLSearchParams): boolean {
    return requestHeader(ctx.headers, 'x-amz-bypass-governance-retention')?.toLowerCase() === 'true' && callerAccessKeyId(ctx, query) === LOCAL_BREAK_GLASS_ACCESS_KEY_ID;
  }

  async function requireObject(bucket: string, key: string): Promise<void> {
    if (!(await store.existsObject(bucket, key))) throw new S3Failure(404, 'NoSuchKey', 'The specified key does not exist.');
  }

  async function retentionRequest(
    ctx: S3rver.Context,
    next: () => Promise<void>,
    bucket: string,
    key: string,
    query: URLSearchParams,
    config: BucketLockConfig | undefined,
  ): Promise<void> {
    if (ctx.method !== 'GET' && ctx.method !== 'PUT') return next();
    if (!config) throw missingLockConfig();
    await requireObject(bucket, key);
    const current = await state.object(bucket, key);
    if (ctx.method === 'GET') {
      const retention = current?.retention;
      if (!retention) throw new S3Failure(404, 'NoSuchObjectLockConfiguration', 'The specified object does not have a ObjectLock configuration');
      return replyXml(ctx, 200, `<Retention xmlns="${S3_XMLNS}"><Mode>${retention.mode}</Mode><RetainUntilDate>${retention.retainUntil}</RetainUntilDate></Retention>`);
    }
    const body = await readRequestText(ctx.req);
    const modeText = tag(body, 'Mode');
    const untilText = tag(body, 'RetainUntilDate');
    if ((modeText === undefined) !== (untilText === undefined)) throw new S3Failure(400, 'MalformedXML', 'Retention needs both Mode and RetainUntilDate, or neither (to remove it)');
    const wanted = modeText === undefined ? undefined : { mode: parseMode(modeText, 'Mode'), retainUntil: parseFutureDate(untilText, 'RetainUntilDate', now()) };
    const active = current?.retention && Date.parse(current.retention.retainUntil) > now().getTime() ? current.retention : undefined;
    // Extending, or turning GOVERNANCE into COMPLIANCE, is always allowed; anything that weakens an active retention is not, except GOVERNANCE with the bypass.
    const weakens =
      active !== undefined &&
      (wanted === undefined || Date.parse(wanted.retainUntil) < Date.parse(active.retainUntil) || (active.mode === 'COMPLIANCE' && wanted.mode === 'GOVERNANCE'));
    if (weakens && !(active.mode === 'GOVERNANCE' && governanceBypassed(ctx, query))) {
      throw accessDenied(`${active.mode} retention until ${active.retainUntil} cannot be shortened or removed${active.mode === 'GOVERNANCE' ? ' without x-amz-bypass-governance-retention by an allowed caller' : ''}`);
    }
    await state.setObject(bucket, key, { ...(wanted ? { retention: wanted } : {}), legalHold: current?.legalHold ?? false });
    return replyXml(ctx, 200);
  }

  async function legalHoldRequest(ctx: S3rver.Context, next: () => Promise<void>, bucket: string, key: string, config: BucketLockConfig | undefined): Promise<void> {
    if (ctx.method !== 'GET' && ctx.method !== 'PUT') return next();
    if (!config) throw missingLockConfig();
    await requireObject(bucket, key);
    const current = await state.object(bucket, key);
    if (ctx.method === 'GET') {
      if (!current) throw new S3Failure(404, 'NoSuchObjectLockConfiguration', 'The specified object does not have a ObjectLock configuration');
      return replyXml(ctx, 200, `<LegalHold xmlns="${S3_XMLNS}"><Status>${current.legalHold ? 'ON' : 'OFF'}</Status></LegalHold>`);
    }
    const legalHold = parseLegalHold(tag(await readRequestText(ctx.req), 'Status'), 'LegalHold.Status');
    await state.setObject(bucket, key, { ...(current?.retention ? { retention: current.retention } : {}), legalHold });
    return replyXml(ctx, 200);
  }

  function setLockHeaders(ctx: S3rver.Context, record: ObjectLockRecord | undefined): void {
    if (!record) return;
    if (record.retention) {
      ctx.set('x-amz-object-lock-mode', record.retention.mode);
      ctx.set('x-amz-object-lock-retain-until-date', record.retention.retainUntil);
    }
    ctx.set('x-amz-object-lock-legal-hold', record.legalHold ? 'ON' : 'OFF');
  }

  /** DeleteObjects on a lock-enabled bucket: each locked key gets an AccessDenied entry, the others are deleted. */
  async function deleteObjects(ctx: S3rver.Context, bucket: string, query: URLSearchParams): Promise<void> {
    const body = await readRequestText(ctx.req);
    const quiet = tag(body, 'Quiet') === 'true';
    const keys = [...body.matchAll(/<Object>([\s\S]*?)<\/Object>/g)].map((m) => tag(m[1] ?? '', 'Key')).filter((k): k is string => k !== undefined);
    const parts: string[] = [];
    for (const key of keys) {
      const refusal = lockRefusal(await state.object(bucket, key), now(), governanceBypassed(ctx, query));
      if (refusal) {
        parts.push(`<Error><Key>${escapeXml(key)}</Key><Code>AccessDenied</Code><Message>${escapeXml(accessDenied(refusal).message)}</Message></Error>`);
        continue;
      }
      await store.deleteObject(bucket, key);
      await state.setObject(bucket, key, undefined);
      if (!quiet) parts.push(`<Deleted><Key>${escapeXml(key)}</Key></Deleted>`);
    }
    replyXml(ctx, 200, `<DeleteResult xmlns="${S3_XMLNS}">${parts.join('')}</DeleteResult>`);
  }
}
