import { type CredentialsIdentity } from './credentials-account';
import { mentionsUnanswered } from './unanswered-endpoint';

/**
 * Whether the credentials could not be had because their provider did not answer: an SSO profile's portal is in one
 * region, often the primary one, and in its outage the SDK fails before the service is asked (review r61H F1). The
 * SDK's provider says so as a CredentialsProviderError whose message is the timeout's or the fault's, never as the
 * TimeoutError a region that does not answer gives, so it is not taken for the service's silence (isUnanswered).
 */
export function isCredentialsUnanswered(err: unknown): err is Error {
  return err instanceof Error && err.name === 'CredentialsProviderError' && (mentionsUnanswered(err.message) || SSO_SERVER_FAULT.test(err.message));
}

/**
 * The portal answered with a fault of its side (review r61O F4): the SDK's SSO provider wraps the 5xx error itself in
 * a CredentialsProviderError, whose message is then the error as text, `ServiceUnavailableException: …`.
 */
const SSO_SERVER_FAULT = /\b(?:ServiceUnavailableException|InternalServerException|InternalFailure|ServiceUnavailable|InternalServerError)\b/;

/** Whose the credentials are, as the message names them: `of profile <p>` for a profile, else `in use`. */
export function credentialsWhose(credentials: CredentialsIdentity): string {
  return credentials.who.startsWith('profile-') ? `of profile ${credentials.who.slice('profile-'.length)}` : 'in use';
}

/**
 * What a user reads when the credentials' provider did not answer, the same with `--env` as with `--stack` (f62C's
 * words, cli/stack-environment.ts): whose credentials, the provider's error, and the way out, which is not another
 * region (the services may be fine) but other credentials of the same account, such as break-glass keys. `giving`:
 * how such credentials are given to the command (by default the SDK's environment variables, AWS_PROFILE first).
 */
export function credentialsUnansweredWords(err: Error, credentials: CredentialsIdentity, giving = DEFAULT_CHAIN_GIVING): string {
  const other = credentials.account !== undefined ? `other credentials of account ${credentials.account}` : 'other credentials of the account';
  return (
    `the credentials ${credentialsWhose(credentials)} could not be had, their provider did not answer (${err.message}; an SSO profile's portal is in one region, which may be the one that is down): ` +
    `use ${other}, such as break-glass keys (${giving})`
  );
}

/** How other credentials are given to a command that takes the SDK's default chain (the doctor's fix says it too). */
export const DEFAULT_CHAIN_GIVING = 'AWS_PROFILE=<a profile with an access key of the account>, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY with AWS_PROFILE unset: the SDK takes AWS_PROFILE over them';

/**
 * A credentials provider that did not answer, in words (credentialsUnansweredWords). It keeps the SDK's name,
 * CredentialsProviderError, so that what tells a provider's failure by its name reads it as before (a catalog out of
 * reach in catalog-format-admission.ts); the provider's own error is its cause.
 */
export class CredentialsUnansweredError extends Error {
  override readonly name = 'CredentialsProviderError';
}
