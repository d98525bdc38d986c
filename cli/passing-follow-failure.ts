import { CredentialsUnansweredError, isCredentialsUnanswered } from './credentials-unanswered';
import { isPassingAwsFailure } from './passing-aws-failure';

/**
 * Whether a poll of a running execution failed in a way that may pass: as isPassingAwsFailure, and also when the
 * credentials' provider did not answer (an SSO portal's silence, as CredentialsProviderError or as the words of
 * credentials-unanswered.ts). Step Functions was then not asked at all, and the portal may answer the next poll: a
 * portal's brief outage ended the follow of a run that may last hours (review r63F F3). The start tells such a
 * failure apart first (unsent-for-credentials.ts): there it means the workflow was not started.
 */
export function isPassingFollowFailure(err: unknown): boolean {
  return isPassingAwsFailure(err) || err instanceof CredentialsUnansweredError || isCredentialsUnanswered(err);
}
