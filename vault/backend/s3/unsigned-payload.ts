import { PutObjectCommand, type UploadPartCommand } from '@aws-sdk/client-s3';

/**
 * Signs an upload of the vault's own bytes without hashing its body for Signature V4.
 *
 * For a body held in memory the SDK's signer computes the SHA-256 of the whole payload (the
 * `x-amz-content-sha256` it signs), on the calling thread, besides the CRC32 the SDK adds as
 * `x-amz-checksum-crc32` by default: two passes over every pack, the SHA-256 the slow one (about
 * 0.7 CPU-s per GiB here, on the thread that also reads the sources; docs/BENCHMARKS.md). S3 checks
 * the CRC32 (a signed header) against the bytes it receives, and every pack is sealed blob by blob
 * with AES-256-GCM, so the SHA-256 adds no integrity the vault relies on. `UNSIGNED-PAYLOAD` is what
 * the SDK itself sends for streamed bodies.
 *
 * Only when the request carries an `x-amz-checksum-*` header: a client configured with
 * `requestChecksumCalculation: 'WHEN_REQUIRED'` sends none, and then keeps its signed payload hash.
 */
export function withUnsignedPayload(command: PutObjectCommand): PutObjectCommand;
export function withUnsignedPayload(command: UploadPartCommand): UploadPartCommand;
export function withUnsignedPayload(command: PutObjectCommand | UploadPartCommand): PutObjectCommand | UploadPartCommand {
  // The two commands' stacks differ in their input types only; the middleware reads the request alone.
  if (command instanceof PutObjectCommand) command.middlewareStack.addRelativeTo(unsignedPayload, BEFORE_SIGNING);
  else command.middlewareStack.addRelativeTo(unsignedPayload, BEFORE_SIGNING);
  return command;
}

const BEFORE_SIGNING = { name: 'lifeboatUnsignedPayload', relation: 'before', toMiddleware: 'httpSigningMiddleware' } as const;

function unsignedPayload<A extends { request: unknown }, R>(next: (args: A) => Promise<R>): (args: A) => Promise<R> {
  return async (args) => {
    const headers = requestHeaders(args.request);
    if (headers && Object.keys(headers).some((name) => name.toLowerCase().startsWith('x-amz-checksum-'))) headers['x-amz-content-sha256'] = UNSIGNED_PAYLOAD;
    return next(args);
  };
}

const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

function requestHeaders(request: unknown): Record<string, string> | undefined {
  if (typeof request !== 'object' || request === null || !('headers' in request)) return undefined;
  const { headers } = request;
  return typeof headers === 'object' && headers !== null ? (headers as Record<string, string>) : undefined;
}
