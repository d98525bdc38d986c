import { isCredentialsUnanswered } from './credentials-unanswered';

type Provider<T, O> = (options?: O) => Promise<T>;

/**
 * How long a provider that did not answer is taken at its word (review r62G F2): a silent SSO portal cost each later
 * client of the run its own 2 × requestTimeout (`status --env dev --aws`: 163 s, 16 portal connections), where the
 * first one's failure already said what the others would learn. Short, so that a portal back within a minute is asked
 * again; an AccessDenied or expired token is not remembered (the user fixes it, the next ask must see the fix).
 */
export const UNANSWERED_REMEMBERED_MS = 60_000;

/**
 * The provider, whose failure to answer (isCredentialsUnanswered: a timeout, the portal's 5xx) is thrown again at
 * once to every ask within UNANSWERED_REMEMBERED_MS of it, without asking again. `now`: the clock, for tests.
 * Only an ask that has no credentials fails here: the SDK's chain serves the ones it has while they are valid (a
 * failed refresh before their expiry is swallowed), so a follow loop's polls (workflow-runner.ts) are not failed by it.
 */
export function rememberingUnanswered<T, O>(provider: Provider<T, O>, now: () => number = Date.now): Provider<T, O> {
  let unanswered: { error: Error; at: number } | undefined;
  return async (options) => {
    if (unanswered !== undefined && now() - unanswered.at < UNANSWERED_REMEMBERED_MS) throw unanswered.error;
    try {
      const credentials = await provider(options);
      unanswered = undefined;
      return credentials;
    } catch (err) {
      if (isCredentialsUnanswered(err)) unanswered = { error: err, at: now() };
      throw err;
    }
  };
}
