import { isPassingFollowFailure } from './passing-follow-failure';
import { notAwsAnswerPageOf } from './not-aws-answer';
import { isUnreadAnswer } from './unread-answer';

/**
 * The errors of credentials that could not be had or that AWS did not take, whichever way they come: the SDK's own
 * (no HTTP answer at all: an SSO session that expired) or an AWS answer's name. A poll failing so is helped by other
 * or renewed credentials.
 */
const CREDENTIALS_ERROR_NAMES: ReadonlySet<string> = new Set([
  'CredentialsProviderError',
  'TokenProviderError',
  'ExpiredToken',
  'ExpiredTokenException',
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
]);

/**
 * How a poll of a running execution failed: in a way that may pass (`passing`: polled again), with an AWS answer that
 * stays (`answer`: an HTTP 4xx, or credentials that could not be had or were not taken), or with anything else
 * (`unread`: the CLI could not read the poll). Every failure that was not passing read as an answer that stays, with
 * renewed-credentials advice: a TypeError of the CLI's own, or a proxy's HTML page that the SDK could not deserialize,
 * ended the follow after one poll so (review r63Q F3). A deserialization error (it carries the `$response` the SDK could
 * not read, and no `$fault`, which AWS's own answers have) is a page between the CLI and AWS, which may pass: it is
 * polled again.
 */
export type PollFailureKind = 'passing' | 'answer' | 'unread';

export function pollFailureKind(err: unknown): PollFailureKind {
  if (isPassingFollowFailure(err)) return 'passing';
  if (!(err instanceof Error)) return 'unread';
  if (CREDENTIALS_ERROR_NAMES.has(err.name)) return 'answer';
  // The SDK attaches `$response` to AWS's own answers too (AccessDeniedException, ExpiredTokenException: review r63Z
  // F1, which were polled for 10 minutes so); only an error without AWS's `$fault` is a page it could not read, whatever
  // its status (a proxy's 403 or 407 page ended the follow as an answer that stays: review r63AC F1). The runner ends
  // the follow after a few 4xx pages in a row (workflow-runner.ts, f65F): one may be a portal's passing page, many are not.
  if (isUnreadAnswer(err)) return 'passing';
  // A proxy's 4xx with an empty or JSON body, which the SDK names `UnknownError`, is such a page too (f65F).
  if (notAwsAnswerPageOf(err) !== undefined) return 'passing';
  const status = (err as { $metadata?: { httpStatusCode?: unknown } }).$metadata?.httpStatusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) return 'answer';
  return 'unread';
}
