import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type S3rver from 's3rver';
import { z } from 'zod';
import { dataDirLayout } from './cloud-state';
import { createsObject } from './object-creating-request';
import { s3RequestPath } from './s3-request-path';
import { replyS3Error } from './s3-xml-reply';

/**
 * Bucket name → key prefixes (S3 string prefixes: `data/`, or `config` for the one key) where an object may only be
 * created: what an IAM grant made of createOnlyPutStatements (lib/constructs/vault-bucket-protection.ts) allows.
 */
export type CreateOnlyPrefixes = Readonly<Record<string, readonly string[]>>;

const createOnlyPrefixesSchema = z.record(z.string().min(1), z.array(z.string()));

/**
 * Where startLocalCloud leaves the guard's prefixes for the cloud process, which reads them when a region's S3 opens,
 * beside the other per-bucket state of the data directory (bucket owners, bucket security).
 */
export function createOnlyPrefixesFile(dataDir: string): string {
  return join(dataDirLayout(dataDir).root, 's3', 'create-only-prefixes.json');
}

/** Writes the prefixes for the next cloud started on `dataDir`; none (or an empty record) removes the file: no guard. */
export function writeCreateOnlyPrefixes(dataDir: string, prefixes: CreateOnlyPrefixes | undefined): void {
  const file = createOnlyPrefixesFile(dataDir);
  if (!prefixes || Object.keys(prefixes).length === 0) {
    rmSync(file, { force: true });
    return;
  }
  const checked = createOnlyPrefixesSchema.safeParse(prefixes);
  if (!checked.success) throw new Error(`createOnlyPrefixes must map bucket names to lists of key prefixes: ${checked.error.message}`);
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(checked.data, null, 2)}\n`);
  renameSync(tmp, file);
}

/** The prefixes startLocalCloud left, or undefined when there are none: the guard is off. */
export function readCreateOnlyPrefixes(dataDir: string): CreateOnlyPrefixes | undefined {
  const file = createOnlyPrefixesFile(dataDir);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  // A file that does not parse is refused, not ignored: a guard silently off would let the test it serves pass for nothing.
  const parsed = createOnlyPrefixesSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`${file}: not the create-only prefixes startLocalCloud writes (${parsed.error.message}); start the cloud again with startLocalCloud`);
  return Object.keys(parsed.data).length > 0 ? parsed.data : undefined;
}

/**
 * Opt-in (startLocalCloud's createOnlyPrefixes): S3 under an IAM policy that allows s3:PutObject on some prefixes only
 * with `If-None-Match: *` (createOnlyPutStatements, and the DR vault's DenyOverwritesByThePrimaryAccount). The local
 * cloud enforces no IAM, so without this a writer that sends a plain PUT, or completes a multipart upload without the
 * header, where the deployed roles may only create would pass every local test and fail in AWS with AccessDenied.
 * Such a request is refused here with S3's 403 AccessDenied before anything is written; a request with the header
 * goes on to the conditional write (conditional-put.ts: 412 when the key exists).
 *
 * It stands for the create-only statements only: it knows no principal (every caller is held to it, where IAM holds
 * the roles whose grants are create-only) and enforces no other part of any policy.
 */
export function createOnlyGuardMiddleware(prefixes: CreateOnlyPrefixes): S3rver.Middleware {
  const byBucket = new Map(Object.entries(prefixes));
  return async (ctx, next) => {
    const { bucket, key } = s3RequestPath(ctx);
    const guarded = byBucket.get(bucket);
    if (!guarded || !key) return next();
    if (!createsObject(ctx) || ctx.headers['if-none-match'] === '*') return next();
    const prefix = guarded.find((p) => key.startsWith(p));
    if (prefix === undefined) return next();
    const operation = ctx.method === 'POST' ? 'CompleteMultipartUpload' : ctx.headers['x-amz-copy-source'] !== undefined ? 'CopyObject' : 'PutObject';
    replyS3Error(
      ctx,
      403,
      'AccessDenied',
      `Access Denied: ${operation} of s3://${bucket}/${key} without If-None-Match: * is refused: keys under "${prefix}" of this bucket may only be created (the local cloud's create-only guard, as IAM under createOnlyPutStatements); send If-None-Match: * (S3VaultStore.put, putIfAbsent)`,
    );
  };
}
