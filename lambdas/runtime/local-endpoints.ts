import { z } from 'zod';

/**
 * Where the local cloud listens. The local executor passes this to every Lambda it runs as the
 * LIFEBOAT_LOCAL_ENDPOINTS environment variable (JSON); in AWS the variable is absent and the SDK
 * uses the real regional endpoints. Only loopback URLs are accepted, so a stray setting can never
 * send data to another host.
 */
export const LOCAL_ENDPOINTS_ENV = 'LIFEBOAT_LOCAL_ENDPOINTS';

const loopbackUrl = z
  .string()
  .url()
  .refine((u) => /^http:\/\/(127\.0\.0\.1|localhost|\[::1\]):\d+\/?$/.test(u), 'must be an http URL on loopback (127.0.0.1)');

export const localEndpointsSchema = z.object({
  /** region -> S3 endpoint (one s3rver per region). */
  s3: z.record(z.string(), loopbackUrl),
  /** region -> DynamoDB endpoint (dynalite). */
  dynamodb: z.record(z.string(), loopbackUrl),
});

export type LocalEndpoints = z.infer<typeof localEndpointsSchema>;

/** Credentials the local emulators accept; never real ones. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;
