/**
 * Error classes the workflows act on. The state machines retry errors named `TransientError`
 * (see lib/constructs/workflow-errors.ts) and Catch everything else as permanent.
 */
import { httpStatusOf } from '../../vault';
import { bucketRegionRedirectOf } from './bucket-region-redirect';
import { THROTTLING_ERROR_NAMES } from './throttling-error-names';

export class TransientError extends Error {
  override readonly name = 'TransientError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Bad input to a handler or runbook: never retried; the message names the field. */
export class InvalidInputError extends Error {
  override readonly name = 'InvalidInputError';
}

/** A required environment variable of a function is missing (a deployment defect). */
export class MissingEnvironmentError extends Error {
  override readonly name = 'MissingEnvironmentError';
  constructor(readonly variable: string) {
    super(`Environment variable ${variable} is not set; the function was deployed without it.`);
  }
}

/** A function's environment variable is set but unusable (a deployment defect); names the variable and what is wrong. */
export class InvalidEnvironmentError extends Error {
  override readonly name = 'InvalidEnvironmentError';
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`Environment variable ${variable} is invalid: ${problem}.`);
  }
}

/**
 * A function of the DR stack was asked for the primary vault: it has none (the DR path must work with
 * the primary region down, docs/ARCHITECTURE.md "the DR region stands alone"). Not retried.
 */
export class PrimaryVaultUnavailableError extends Error {
  override readonly name = 'PrimaryVaultUnavailableError';
}

/**
 * S3 sent a request to the bucket's region (HTTP 301): the bucket is not in the region of the client that asked.
 * Permanent: the bucket stays where it is. Replaces the SDK's error, which for a HEAD is only "Unknown: UnknownError"
 * (bucket-region-redirect.ts); the checks that know the bucket (a restore target's) say more before this can happen.
 * It names no runbook to start instead: classifyError knows neither the step (no backup runbook runs in the DR region,
 * none at all in a third region) nor the environment's regions; the restore's target check, which knows both, does.
 */
export class BucketInOtherRegionError extends Error {
  override readonly name = 'BucketInOtherRegionError';
  constructor(
    /** Where S3 says the bucket is; undefined when it did not say. */
    readonly bucketRegion: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(
      `S3 redirected a request (HTTP 301): its bucket is in ${bucketRegion ?? 'another region (S3 did not say which)'}, not in the region of the client that sent it (a function's clients follow no redirect); ` +
        "use a bucket of the step's region (a restore target: of the restore runbook's region)",
      options,
    );
  }
}

/** What may pass when asked again: a throttle (the one shared list), a service failing for a moment, a lost connection. */
const TRANSIENT_SDK_ERRORS: ReadonlySet<string> = new Set([
  ...THROTTLING_ERROR_NAMES,
  'ServiceUnavailable',
  'InternalError',
  'InternalServerError',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
]);

/**
 * Re-throws SDK and network errors that may pass as TransientError so Step Functions retries them, and S3's
 * region redirect as BucketInOtherRegionError (named by its region, not "Unknown: UnknownError").
 */
export function classifyError(err: unknown): unknown {
  if (!(err instanceof Error) || err instanceof TransientError) return err;
  const code = (err as Error & { code?: string }).code;
  const status = httpStatusOf(err);
  if (TRANSIENT_SDK_ERRORS.has(err.name) || (code !== undefined && TRANSIENT_SDK_ERRORS.has(code)) || (status !== undefined && status >= 500)) {
    return new TransientError(`${err.name}: ${err.message}`, { cause: err });
  }
  const redirect = bucketRegionRedirectOf(err);
  if (redirect) return new BucketInOtherRegionError(redirect.bucketRegion, { cause: err });
  return err;
}
