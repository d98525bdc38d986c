import { getDefaultRoleAssumer } from '@aws-sdk/client-sts';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { CLI_CLIENT_TIMEOUTS, type ClientTimeouts, requestClientSettings } from './client-timeouts';

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
 * A timeout of STS's, or a fault of its side, met while getting the credentials comes out as the STS client's own
 * error (a TimeoutError, a network code), not a CredentialsProviderError as the portal's, and is left so (review r62Q
 * F1): STS is asked in the client's own region, so its silence is that region's, which the commands read as such (the
 * doctor asks the DR region's STS, `--from dr` is offered). Worded as the credentials' failure, a role profile in a
 * primary outage was told to use break-glass keys and the doctor skipped every DR check.
 */
export function credentialsWithTimeouts(timeouts: ClientTimeouts = CLI_CLIENT_TIMEOUTS, profile?: string, region?: string): CredentialsProvider {
  const settings = requestClientSettings(timeouts);
  return fromNodeProviderChain({
    clientConfig: settings,
    ...(profile !== undefined ? { profile } : {}),
    ...(region !== undefined ? { roleAssumer: getDefaultRoleAssumer({ ...settings, region, ...(profile !== undefined ? { profile } : {}) }) } : {}),
  });
}
