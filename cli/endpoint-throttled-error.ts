import { type AnswerMetadata, answerMetadataOf } from './answer-metadata';

/**
 * An endpoint's throttle said in the CLI's words that stays a throttle: the SDK's error name (S3's `SlowDown`) and the
 * answer's `$metadata` (its status and request ids) are kept, so that what tells a throttle (isThrottledRequest) reads
 * it as the SDK's own. The service is up and asks to be called less often, so the message says it may take the request
 * in a minute, not another region (review r63W F2: a throttle is not a region down); what to run then is the caller's
 * to say (review r64E F1: "run the command again" after a forget done and its prune throttled refused the snapshot).
 */
export class EndpointThrottledError extends Error {
  readonly $metadata: AnswerMetadata;

  constructor(message: string, cause: Error) {
    super(message, { cause });
    this.name = cause.name;
    this.$metadata = answerMetadataOf(cause);
  }
}
