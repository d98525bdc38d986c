/**
 * Error classes the workflows act on. The state machines retry errors named `TransientError`
 * (see lib/constructs/workflow-errors.ts) and Catch everything else as permanent.
 */
import { httpStatusOf } from '../../vault';

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

const TRANSIENT_SDK_ERRORS = new Set([
  'ThrottlingException',
  'Throttling',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'SlowDown',
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

/** Re-throws SDK and network errors that may pass as TransientError so Step Functions retries them. */
export function classifyError(err: unknown): unknown {
  if (!(err instanceof Error) || err instanceof TransientError) return err;
  const code = (err as Error & { code?: string }).code;
  const status = httpStatusOf(err);
  if (TRANSIENT_SDK_ERRORS.has(err.name) || (code !== undefined && TRANSIENT_SDK_ERRORS.has(code)) || (status !== undefined && status >= 500)) {
    return new TransientError(`${err.name}: ${err.message}`, { cause: err });
  }
  return err;
}
