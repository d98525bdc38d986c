import type S3rver from 's3rver';

/** Query parameters that name no sub-resource: the SDK's operation hint, and a presigned URL's signature. */
function isPlainQueryParameter(name: string): boolean {
  return name === 'x-id' || name.toLowerCase().startsWith('x-amz-');
}

/**
 * The requests that create an object, as IAM authorizes them (an object-creating s3:PutObject,
 * `s3:ObjectCreationOperation` true) and as S3 honours `If-None-Match` on them: PutObject and CopyObject
 * (a PUT on a key with no sub-resource) and CompleteMultipartUpload (a POST with `uploadId`). Not
 * CreateMultipartUpload or UploadPart(Copy), which create no object and carry no conditional header, nor
 * the PUTs of an object's sub-resources (tagging, retention, legal hold, ACL), which are actions of their
 * own. Shared by the conditional write (conditional-put.ts) and the create-only guard (create-only-guard.ts).
 */
export function createsObject(ctx: S3rver.Context): boolean {
  const query = new URLSearchParams(ctx.querystring);
  if (ctx.method === 'POST') return query.has('uploadId');
  if (ctx.method !== 'PUT') return false;
  return [...query.keys()].every(isPlainQueryParameter);
}
