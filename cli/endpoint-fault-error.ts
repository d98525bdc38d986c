import { type AnswerMetadata, answerMetadataOf } from './answer-metadata';

/**
 * An endpoint's fault said in the CLI's words that stays a server fault: `$fault` and the answer's `$metadata` (its
 * HTTP status, its request ids) are kept, so that what asks a fault again or follows it through (isPassingAwsFailure,
 * the format admission's glance) reads it as the SDK's own. The catalog's and the vault's fault errors are this with their name.
 */
export abstract class EndpointFaultError extends Error {
  readonly $fault = 'server';
  readonly $metadata: AnswerMetadata;

  constructor(message: string, cause: Error) {
    super(message, { cause });
    this.$metadata = answerMetadataOf(cause);
  }
}
