import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { CLI_CLIENT_TIMEOUTS, type ClientTimeouts, requestClientSettings } from './client-timeouts';

/**
 * The SDK's default credential chain, whose own clients (SSO's GetRoleCredentials, SSO-OIDC's token refresh, STS's
 * AssumeRole and AssumeRoleWithWebIdentity) get the CLI's small-request timeouts (review r61O F4). A client's own
 * default chain builds them without the timeouts of the client it serves, so an SSO portal that accepted the
 * connection and never answered held `--stack` for minutes (a probe waited past 300 s) before its outage error; with
 * these, about 2 × requestTimeoutMs (4 × when a cached SSO token is due for refresh: the token
 * refresh and then the role credentials, each tried twice; review r62E F2). Their region is not set here: each takes its own (the profile's sso_region, the
 * caller's). `profile`: a named profile's credentials (as a client's `profile` setting reads them: the environment's
 * AWS_ACCESS_KEY_ID does not take its place), else the chain's own choice (AWS_PROFILE, the keys, [default]…).
 */
export function credentialsWithTimeouts(timeouts: ClientTimeouts = CLI_CLIENT_TIMEOUTS, profile?: string): ReturnType<typeof fromNodeProviderChain> {
  return fromNodeProviderChain({ clientConfig: requestClientSettings(timeouts), ...(profile !== undefined ? { profile } : {}) });
}
