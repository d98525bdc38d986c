import { getDefaultRoleAssumer } from '@aws-sdk/client-sts';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { CLI_CLIENT_TIMEOUTS, type ClientTimeouts, requestClientSettings } from './client-timeouts';
import { isUnanswered, mentionsUnanswered } from './unanswered-endpoint';

type CredentialsProvider = ReturnType<typeof fromNodeProviderChain>;

/**
 * The SDK's default credential chain, whose own clients (SSO's GetRoleCredentials, SSO-OIDC's token refresh, STS's
 * AssumeRole and AssumeRoleWithWebIdentity) get the CLI's small-request timeouts (review r61O F4). A client's own
 * default chain builds them without the timeouts of the client it serves, so an SSO portal that accepted the
 * connection and never answered held `--stack` for minutes (a probe waited past 300 s) before its outage error; with
 * these, about 2 × requestTimeoutMs (4 × when a cached SSO token is due for refresh: the token
 * refresh and then the role credentials, each tried twice; review r62E F2). `profile`: a named profile's credentials
 * (as a client's `profile` setting reads them: the environment's AWS_ACCESS_KEY_ID does not take its place), else the
 * chain's own choice (AWS_PROFILE, the keys, [default]…).
 *
 * `region`: the region of the clients it serves, where a role profile's AssumeRole goes (review r62N F1). The SDK's
 * fromIni sends it to the PROFILE's `region` first, so a profile naming the primary region sent the DR clients'
 * AssumeRole to the primary's STS too, and in its outage the DR catalog could not be read. Given to the role assumer
 * alone, not as the chain's clientConfig.region: the SSO provider takes that over the profile's sso_region, and would
 * ask the DR region's portal, which does not know the token of the portal where the user signed in. The SSO clients
 * keep their sso_region; without `region` the AssumeRole goes where the SDK sends it.
 *
 * A timeout or a fault of STS's side met while getting the credentials comes out of the SDK as the STS client's own
 * error (a TimeoutError), not a CredentialsProviderError as the portal's: it is turned into one
 * (StsUnansweredError), so that it is worded and remembered as a provider that did not answer (run-credentials.ts),
 * not read by the command as the silence of the service it asked.
 */
export function credentialsWithTimeouts(timeouts: ClientTimeouts = CLI_CLIENT_TIMEOUTS, profile?: string, region?: string): CredentialsProvider {
  const settings = requestClientSettings(timeouts);
  const chain = fromNodeProviderChain({
    clientConfig: settings,
    ...(profile !== undefined ? { profile } : {}),
    ...(region !== undefined ? { roleAssumer: getDefaultRoleAssumer({ ...settings, region, ...(profile !== undefined ? { profile } : {}) }) } : {}),
  });
  return async (options) => {
    try {
      return await chain(options);
    } catch (err) {
      if (err instanceof Error && err.name !== 'CredentialsProviderError' && isStsUnanswered(err)) {
        throw new StsUnansweredError(`STS${region !== undefined ? ` in ${region}` : ''} did not answer the role's request for credentials (${err.name}: ${err.message})`, { cause: err });
      }
      throw err;
    }
  };
}

/**
 * STS (a role's AssumeRole, a web identity's AssumeRoleWithWebIdentity) did not answer while the credentials were
 * got: the chain's own clients are STS's alone outside a CredentialsProviderError. Named as the SDK's provider errors
 * are, so that what reads a provider's failure by its name (isCredentialsUnanswered, the doctor's access checks,
 * stack-environment.ts) reads it; its own class tells it from the SSO portal's, which is in one region for every
 * client (unanswered-credentials-memory.ts), where STS is asked in the client's own.
 */
export class StsUnansweredError extends Error {
  override readonly name = 'CredentialsProviderError';
}

/**
 * STS's client did not answer (a timeout, a refused or dropped connection; in its words too: the SDK's retry wraps a
 * Node error of another realm as `AWS SDK error wrapper for TimeoutError: socket hang up`), or answered with a fault
 * of its side (a 5xx: InternalFailure, ServiceUnavailable). Its AccessDenied is an answer, and stays as it is.
 */
function isStsUnanswered(err: Error): boolean {
  return mentionsUnanswered(`${err.name}: ${err.message}`) || (err as { $fault?: unknown }).$fault === 'server' || isUnanswered(err);
}
