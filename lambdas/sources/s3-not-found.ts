/**
 * Whether an S3 call failed because the object is not there: GetObject's NoSuchKey, HeadObject's
 * NotFound (a HEAD has no body to name the error), or any 404.
 */
export function isS3NotFound(err: unknown): boolean {
  const status = (err as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
  return err instanceof Error && (err.name === 'NoSuchKey' || err.name === 'NotFound' || status === 404);
}
