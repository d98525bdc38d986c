import { CLI_CLIENT_TIMEOUTS } from './client-timeouts';
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
 */
export function runCredentials(profile?: string): CredentialsProvider {
  const key = profile ?? '';
  let provider = providers.get(key);
  if (provider === undefined) {
    provider = credentialsWithTimeouts(CLI_CLIENT_TIMEOUTS, profile);
    providers.set(key, provider);
  }
  return provider;
}
