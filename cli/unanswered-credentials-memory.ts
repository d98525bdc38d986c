import { isCredentialsUnanswered } from './credentials-unanswered';
import { isUnanswered } from './unanswered-endpoint';

type Provider<T, O> = (options?: O) => Promise<T>;

/**
 * How long a provider that did not answer is taken at its word (review r62G F2): a silent SSO portal cost each later
 * client of the run its own 2 × requestTimeout (`status --env dev --aws`: 163 s, 16 portal connections), where the
 * first one's failure already said what the others would learn. Short, so that a portal back within a minute is asked
 * again; an AccessDenied or expired token is not remembered (the user fixes it, the next ask must see the fix).
 */
export const UNANSWERED_REMEMBERED_MS = 60_000;

/** One failure to answer, taken at its word for UNANSWERED_REMEMBERED_MS. */
export class RememberedUnanswered {
  private failure: { error: Error; at: number } | undefined;

  /** The failure remembered, if it is recent enough at `at`. */
  recalled(at: number): Error | undefined {
    return this.failure !== undefined && at - this.failure.at < UNANSWERED_REMEMBERED_MS ? this.failure.error : undefined;
  }

  remember(error: Error, at: number): void {
    this.failure = { error, at };
  }

  forget(): void {
    this.failure = undefined;
  }

  /** Forgets the failure if it was met at or before `at`: an answer asked for after it says the provider is back. */
  forgetIfBefore(at: number): void {
    if (this.failure !== undefined && this.failure.at <= at) this.failure = undefined;
  }
}

/**
 * The provider, whose failure to answer (isCredentialsUnanswered: a timeout, the portal's 5xx; or its region's STS
 * silent, isUnanswered) is thrown again at once to every ask within UNANSWERED_REMEMBERED_MS of it, without asking
 * again. `now`: the clock, for tests.
 * Only an ask that has no credentials fails here: the SDK's chain serves the ones it has while they are valid (a
 * failed refresh before their expiry is swallowed), so a follow loop's polls (workflow-runner.ts) are not failed by it.
 *
 * `shared`: where the failures that are the same whichever region asks are remembered, for the run's providers of the
 * other regions to throw at once too (review r62N F2): an SSO profile's portal is in its sso_region for every client,
 * so a provider per region asked the silent portal once per region (`status`: 4 connections, not 2). Every failure
 * remembered there is of that kind: the portal, its token refresh, the instance's or container's endpoint. A role's STS,
 * asked in the client's region (credentials-with-timeouts.ts), that does not answer (isUnanswered: the STS client's
 * own TimeoutError or network code) is remembered by this provider alone, the one of its region, never in `shared`:
 * the other region's STS may answer (review r62T F4: unremembered, every primary client of a run asked the silent STS
 * again, 2 × requestTimeout each, `status` about 80 s). It is thrown again as the very error STS's client gave, not
 * worded as the credentials' failure (review r62Q F1: so worded, the doctor and verify lost their DR fallbacks),
 * so every path that reads it as its region's silence still does. A shared failure is not thrown to a provider that still
 * holds valid credentials: it does not need to ask. A provider given new credentials by an ask begun after the shared
 * failure forgets it for every region (review r62Q F3): the portal answered again.
 */
export function rememberingUnanswered<T, O>(provider: Provider<T, O>, now: () => number = Date.now, shared?: RememberedUnanswered): Provider<T, O> {
  const own = new RememberedUnanswered();
  let held: T | undefined;
  return async (options) => {
    const at = now();
    const remembered = own.recalled(at) ?? (held !== undefined && stillValid(held, at) ? undefined : shared?.recalled(at));
    if (remembered !== undefined) throw remembered;
    try {
      const credentials = await provider(options);
      // The SDK serves credentials it holds without asking: only new ones say the provider answered.
      if (credentials !== held) shared?.forgetIfBefore(at);
      held = credentials;
      own.forget();
      return credentials;
    } catch (err) {
      if (isCredentialsUnanswered(err)) (shared ?? own).remember(err, now());
      else if (isUnanswered(err)) own.remember(err, now());
      throw err;
    }
  };
}

/** Whether credentials got before are still valid at `at`: those without an expiry (an access key's) always are. */
function stillValid(credentials: unknown, at: number): boolean {
  if (typeof credentials !== 'object' || credentials === null || !('expiration' in credentials)) return true;
  const { expiration } = credentials;
  return !(expiration instanceof Date) || expiration.getTime() > at;
}
