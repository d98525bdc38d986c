import { createHash } from 'node:crypto';
import { CLI_CLIENT_TIMEOUTS } from './client-timeouts';
import { credentialsIdentity, type CredentialsIdentity } from './credentials-account';
import { credentialsUnansweredWords, CredentialsUnansweredError, isCredentialsUnanswered } from './credentials-unanswered';
import { markIfStsTrouble } from './credentials-sts-unanswered';
import { credentialsWithTimeouts } from './credentials-with-timeouts';
import { RememberedUnanswered, rememberingUnanswered } from './unanswered-credentials-memory';

type CredentialsProvider = ReturnType<typeof credentialsWithTimeouts>;

/** One provider per profile, region and credential environment (runCredentials), built on first use. */
const providers = new Map<string, CredentialsProvider>();

/**
 * The failures to answer that are the same in every region (the SSO portal's: unanswered-credentials-memory.ts), one
 * per profile and credential environment, shared by that profile's providers of every region (review r62N F2).
 */
const regionlessFailures = new Map<string, RememberedUnanswered>();

/**
 * The credentials of every AWS client this CLI run builds (`--aws`, `--stack`, the doctor; not the local cloud's,
 * whose emulators take static ones): the default chain with the CLI's timeouts (credentials-with-timeouts.ts), or a
 * named profile's (`--dr-profile`). One provider for the run's clients of a region, not one per client (review f62L): a
 * provider caches the credentials it got, so every client after the first signs without asking again, where a provider
 * per client asked the SSO portal (or STS) once per client, and a portal that does not answer was waited on once per
 * client; and it remembers for a while that its provider did not answer (unanswered-credentials-memory.ts, r62G F2).
 *
 * `region`: the region of the client that takes it. Not one provider for every region (review r62G F1): the SDK's
 * fromIni keeps the STS client of a role profile's AssumeRole on the provider, in the region of the first client that
 * asked (when the profile names none), so with the primary region down every DR client's AssumeRole went to the
 * primary region's STS and the DR catalog could not be read. A region's clients share one ask of their region's STS,
 * which the region is given to (credentials-with-timeouts.ts), even when the profile names another (review r62N F1).
 * The credential environment (AWS_*, HOME) is part of the key too (r62G F4): a process, or a test, that changes
 * AWS_PROFILE or the keys gets the credentials they name, not those asked for before.
 *
 * A provider that does not answer fails in words (CredentialsUnansweredError: whose credentials, use other ones of the
 * account), not as the SDK's bare `TimeoutError: … requestTimeout`, which every command printed as it was, read as a
 * region's silence (review f62R): the one place all the clients' requests ask, so every command says it alike. A role's
 * STS that does not answer, or answers with a fault of its own, is left as STS's own error, the region's trouble, and
 * marked as STS's (credentials-sts-unanswered.ts) for a line that would name the client's service as silent or at
 * fault (review r62T F3, r63H F2: a 503 of STS was `DynamoDB … answered with a fault of its own`).
 */
export function runCredentials(profile: string | undefined, region: string): CredentialsProvider {
  return markingStsTrouble(sharedProvider(profile, region), region, (err) =>
    err instanceof CredentialsUnansweredError || !isCredentialsUnanswered(err) ? err : new CredentialsUnansweredError(credentialsUnansweredWords(err, ...whose(profile)), { cause: err }),
  );
}

/**
 * The run's same provider, its failures as the SDK gives them: for `--stack`'s CloudFormation client, whose
 * stack-environment.ts words a provider's silence itself (with the stack's copy kept on this machine). `region`
 * undefined: the client's region is the SDK's choice (the stack's region is not given), and so is its STS's. A role's
 * STS in trouble is marked as in runCredentials, for its line not to say CloudFormation did not answer (review r63C F2).
 */
export function runCredentialsAsGiven(profile: string | undefined, region: string | undefined): CredentialsProvider {
  return markingStsTrouble(sharedProvider(profile, region), region, (err) => err);
}

/**
 * `provider`, a failure of which is marked when it is a role's STS in `region` in trouble (credentials-sts-unanswered.ts)
 * before `thrown` says what it throws: both providers of the run mark it alike, whatever words they then give it.
 */
function markingStsTrouble(provider: CredentialsProvider, region: string | undefined, thrown: (err: unknown) => unknown): CredentialsProvider {
  return async (options) => {
    try {
      return await provider(options);
    } catch (err) {
      markIfStsTrouble(err, region);
      throw thrown(err);
    }
  };
}

/** Forgets every provider (the credentials and failures they remember): for tests, which ask anew each time. */
export function forgetRunCredentials(): void {
  providers.clear();
  regionlessFailures.clear();
}

function sharedProvider(profile: string | undefined, region: string | undefined): CredentialsProvider {
  const whoseKey = JSON.stringify([profile ?? null, credentialEnvironment(process.env)]);
  const key = JSON.stringify([whoseKey, region ?? null]);
  let provider = providers.get(key);
  if (provider === undefined) {
    let shared = regionlessFailures.get(whoseKey);
    if (shared === undefined) {
      shared = new RememberedUnanswered();
      regionlessFailures.set(whoseKey, shared);
    }
    provider = rememberingUnanswered(credentialsWithTimeouts(CLI_CLIENT_TIMEOUTS, profile, region), Date.now, shared);
    providers.set(key, provider);
  }
  return provider;
}

/** Where the SDK looks for the home of ~/.aws (os.homedir's variables). */
const HOME_VARIABLES = new Set(['HOME', 'USERPROFILE', 'HOMEDRIVE', 'HOMEPATH']);

/**
 * What the SDK's chain reads from the environment, hashed (the key holds no secret): every AWS_ variable (the
 * profile, the keys, the role and token file, the config files, the endpoints) and the home the config files are in.
 */
function credentialEnvironment(env: NodeJS.ProcessEnv): string {
  const read = Object.entries(env)
    .filter(([name]) => name.startsWith('AWS_') || HOME_VARIABLES.has(name))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash('sha256').update(JSON.stringify(read)).digest('hex');
}

/** Whose the credentials are, and how others are given: a `--dr-profile` profile's by another --dr-profile. */
function whose(profile: string | undefined): [CredentialsIdentity, string?] {
  if (profile === undefined) return [credentialsIdentity()];
  return [credentialsIdentity({ ...process.env, AWS_PROFILE: profile }), '--dr-profile <a profile with an access key of the account>'];
}
