import { type AnswerMetadata, answerMetadataOf } from './answer-metadata';

/**
 * A request of the vault bucket answered with a page the SDK could not read as S3's (isUnreadAnswer: an HTML 502 or 503
 * of a proxy or gateway between the CLI and S3): S3 may not have been asked, so it is not said as S3's fault nor with
 * the DR region's way out (review r64E F3: it was, quoting the SDK's "inspect the hidden field {error}.$response").
 * The answer's `$metadata` (its status) is kept for what reads a failure by its status; no `$fault` is claimed.
 */
export class VaultUnreadAnswerError extends Error {
  override readonly name = 'VaultUnreadAnswerError';
  readonly $metadata: AnswerMetadata;

  constructor(message: string, cause: Error) {
    super(message, { cause });
    this.$metadata = answerMetadataOf(cause);
  }
}
