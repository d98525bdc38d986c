import { type CreateMultipartUploadCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { type S3ObjectHeaders } from '../sources/s3-object-headers';

/**
 * How a restore sets an object's recorded headers (lambdas/sources/s3-object-headers.ts): the same on
 * a PutObject and on the CreateMultipartUpload of a large or split object, since S3 takes them only
 * when the object is created.
 */

/** The request fields of every recorded header but Expires (see withExpiresHeader). */
export function objectHeaderInput(headers: S3ObjectHeaders): {
  ContentEncoding?: string;
  CacheControl?: string;
  ContentDisposition?: string;
  ContentLanguage?: string;
  WebsiteRedirectLocation?: string;
} {
  return {
    ...(headers.contentEncoding !== undefined ? { ContentEncoding: headers.contentEncoding } : {}),
    ...(headers.cacheControl !== undefined ? { CacheControl: headers.cacheControl } : {}),
    ...(headers.contentDisposition !== undefined ? { ContentDisposition: headers.contentDisposition } : {}),
    ...(headers.contentLanguage !== undefined ? { ContentLanguage: headers.contentLanguage } : {}),
    ...(headers.websiteRedirectLocation !== undefined ? { WebsiteRedirectLocation: headers.websiteRedirectLocation } : {}),
  };
}

/**
 * Sends the recorded Expires header as it was recorded. The SDK's `Expires` field takes a Date and
 * sends its own rendering of it, but S3 keeps whatever string the uploader sent ("0", a date in
 * another form), so only the recorded string itself restores it exactly. Added before signing (the
 * build step), so the header is signed like the others.
 */
export function withExpiresHeader(command: PutObjectCommand, expires: string | undefined): PutObjectCommand;
export function withExpiresHeader(command: CreateMultipartUploadCommand, expires: string | undefined): CreateMultipartUploadCommand;
export function withExpiresHeader(command: PutObjectCommand | CreateMultipartUploadCommand, expires: string | undefined): PutObjectCommand | CreateMultipartUploadCommand {
  if (expires === undefined) return command;
  // The two commands' stacks differ in their input types only; the middleware touches the request alone.
  if (command instanceof PutObjectCommand) command.middlewareStack.add(expiresHeader(expires), EXPIRES_STEP);
  else command.middlewareStack.add(expiresHeader(expires), EXPIRES_STEP);
  return command;
}

const EXPIRES_STEP = { step: 'build', name: 'lifeboatRecordedExpires' } as const;

function expiresHeader(value: string) {
  return <A extends { request: unknown }, R>(next: (args: A) => Promise<R>): ((args: A) => Promise<R>) =>
    async (args) => {
      const request = args.request;
      if (typeof request === 'object' && request !== null && 'headers' in request && typeof request.headers === 'object' && request.headers !== null) {
        (request.headers as Record<string, string>)['expires'] = value;
      }
      return next(args);
    };
}
