import { CLI_CLIENT_TIMEOUTS } from './client-timeouts';
import { credentialsIdentity, type CredentialsIdentity } from './credentials-account';
import { credentialsUnansweredWords, CredentialsUnansweredError, isCredentialsUnanswered } from './credentials-unanswered';
import { credentialsWithTimeouts } from './credentials-with-timeouts';

type CredentialsProvider = ReturnType<typeof credentialsWithTimeouts>;

/** One provider per profile (the default chain's under the empty name), built on first use. */
const providers = new Map<string, CredentialsProvider>();

/**
 * The credentials of every AWS client this CLI run builds (`--aws`, `--stack`, the doctor; not the local cloud's,
 * whose emulators take static ones): the default chain with the CLI's timeouts (credentials-with-timeouts.ts), or a
 * named profile's (`--dr-profile`). One provider for the run, not one per client (review f62L): a provider caches the
 * credentials it got, so every client after the first signs without asking again, where a provider per client asked
 * the SSO portal (or STS) once per client, and a portal that does not answer was waited on once per client.
 *
 * A provider that does not answer fails in words (CredentialsUnansweredError: whose credentials, use other ones of the
 * account), not as the SDK's bare `TimeoutError: … requestTimeout`, which every command printed as it was, read as a
 * region's silence (review f62R): the one place all the clients' requests ask, so every command says it alike.
 */
export function runCredentials(profile?: string): CredentialsProvider {
  const provider = sharedProvider(profile);
  return async (options) => {
    try {
      return await provider(options);
    } catch (err) {
      if (err instanceof CredentialsUnansweredError || !isCredentialsUnanswered(err)) throw err;
      throw new CredentialsUnansweredError(credentialsUnansweredWords(err, ...whose(profile)), { cause: err });
    }
  };
}

/**
 * The run's same provider, its failures as the SDK gives them: for `--stack`'s CloudFormation client, whose
 * stack-environment.ts words a provider's silence itself (with the stack's copy kept on this machine).
 */
export function runCredentialsAsGiven(profile?: string): CredentialsProvider {
  return sharedProvider(profile);
}

function sharedProvider(profile: string | undefined): CredentialsProvider {
  const key = profile ?? '';
  let provider = providers.get(key);
  if (provider === undefined) {
    provider = credentialsWithTimeouts(CLI_CLIENT_TIMEOUTS, profile);
    providers.set(key, provider);
  }
  return provider;
}

/** Whose the credentials are, and how others are given: a `--dr-profile` profile's by another --dr-profile. */
function whose(profile: string | undefined): [CredentialsIdentity, string?] {
  if (profile === undefined) return [credentialsIdentity()];
  return [credentialsIdentity({ ...process.env, AWS_PROFILE: profile }), '--dr-profile <a profile with an access key of the account>'];
}
