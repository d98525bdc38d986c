import { credentialsStsRegion, credentialsStsTroubleKind, type CredentialsStsTroubleKind, stsTroubleWords } from './credentials-sts-unanswered';
import { CredentialsUnansweredError } from './credentials-unanswered';

/**
 * A request its client never sent because the client's credentials could not be had, in words. The SDK asks for them
 * again for each attempt of a send (its own retries too), so such a failure says the service was not asked only if no
 * attempt of that send reached the transport (request-reached-transport.ts; review r63W F1). (Review r63C F1: the workflow
 * runner's start took it for a StartExecution without answer, which may have started the workflow). `stsRegion`: the
 * region of a role's STS that did not answer, answered with a fault or throttled the ask (credentials-sts-unanswered.ts).
 * `stsTrouble`: what that STS did. `askedAgain`: the next request asks for the credentials anew (an STS fault or
 * throttle is not remembered, as a silence is: unanswered-credentials-memory.ts), so trying again may get them; it
 * cannot start anything twice, since this request was not sent (review r63O F1, F2).
 */
export type UnsentForCredentials = { words: string; stsRegion?: string; stsTrouble?: CredentialsStsTroubleKind; askedAgain: boolean };

/** What `err` says if it is the failure of a client's credentials (run-credentials.ts), else undefined. */
export function unsentForCredentials(err: unknown): UnsentForCredentials | undefined {
  if (!(err instanceof Error)) return undefined;
  const sts = stsTroubleWords(err);
  if (sts !== undefined) {
    const stsTrouble = credentialsStsTroubleKind(err);
    return { stsRegion: credentialsStsRegion(err), words: sts, ...(stsTrouble !== undefined ? { stsTrouble } : {}), askedAgain: stsTrouble === 'fault' || stsTrouble === 'throttled' };
  }
  // Already in words: whose credentials, and other credentials of the account to use (credentials-unanswered.ts).
  if (err instanceof CredentialsUnansweredError) return { words: err.message, askedAgain: false };
  if (err.name === 'CredentialsProviderError') return { words: `the credentials could not be had (${err.message})`, askedAgain: false };
  return undefined;
}
