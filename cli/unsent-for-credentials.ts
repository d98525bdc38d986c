import { credentialsStsRegion, stsTroubleWords } from './credentials-sts-unanswered';
import { CredentialsUnansweredError } from './credentials-unanswered';

/**
 * A request its client never sent because the client's credentials could not be had, in words. The SDK gets them
 * before a request's first attempt, so such a failure says the service was not asked (review r63C F1: the workflow
 * runner's start took it for a StartExecution without answer, which may have started the workflow). `stsRegion`: the
 * region of a role's STS that did not answer or answered with a fault (credentials-sts-unanswered.ts), which commands
 * read as that region's trouble.
 */
export type UnsentForCredentials = { words: string; stsRegion?: string };

/** What `err` says if it is the failure of a client's credentials (run-credentials.ts), else undefined. */
export function unsentForCredentials(err: unknown): UnsentForCredentials | undefined {
  if (!(err instanceof Error)) return undefined;
  const sts = stsTroubleWords(err);
  if (sts !== undefined) return { stsRegion: credentialsStsRegion(err), words: sts };
  // Already in words: whose credentials, and other credentials of the account to use (credentials-unanswered.ts).
  if (err instanceof CredentialsUnansweredError) return { words: err.message };
  if (err.name === 'CredentialsProviderError') return { words: `the credentials could not be had (${err.message})` };
  return undefined;
}
