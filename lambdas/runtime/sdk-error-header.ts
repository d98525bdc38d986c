/**
 * A response header of a failed AWS SDK v3 request: the SDK keeps the raw response on the error
 * (`$response`, header names lowercased). Read by the functions and the CLI alike (cli/doctor/sdk-error.ts
 * re-exports it), e.g. S3's `x-amz-bucket-region`, the one thing a bodiless redirect says.
 */
type SdkErrorResponse = { $response?: { headers?: Record<string, string | undefined> } } | null | undefined;

export function errorHeaderOf(err: unknown, header: string): string | undefined {
  return (err as SdkErrorResponse)?.$response?.headers?.[header];
}
