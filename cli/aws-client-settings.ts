import { CLI_CLIENT_TIMEOUTS, type ClientTimeouts, requestClientSettings, transferClientSettings } from './client-timeouts';
import { runCredentials } from './run-credentials';

/**
 * The config of one of the CLI's AWS clients, spread into it: its region, the timeouts of its kind of request
 * (client-timeouts.ts) and the run's credentials of that region (run-credentials.ts), in one value (read-back rb62A
 * item 12): a client built with the timeouts alone signed with the SDK's own chain, whose SSO and STS clients wait
 * for ever on a portal that does not answer, and its region was written twice, once for the credentials' provider.
 * Not in client-timeouts.ts: run-credentials.ts reads the CLI's timeouts from there.
 *
 * `timeouts` bound the client's own requests only, not its credentials' asks: the provider is the run's one of the
 * region (and `profile`), shared by all the run's clients there so that the SSO portal is asked once (review f62L),
 * with the CLI's timeouts. A client with shorter ones (the catalog-format glance, markerGlanceTimeouts) would
 * otherwise fail a slow but live portal and read as its catalog's silence, and a provider per timeouts would ask again.
 */
export function awsRequestSettings(region: string, timeouts: ClientTimeouts = CLI_CLIENT_TIMEOUTS, profile?: string) {
  return { ...requestClientSettings(timeouts), region, credentials: runCredentials(profile, region) };
}

/** awsRequestSettings for a vault-transfer client (S3): transferClientSettings' handler, the region, the run's credentials. */
export function awsTransferSettings(region: string, timeouts: ClientTimeouts = CLI_CLIENT_TIMEOUTS, profile?: string) {
  return { ...transferClientSettings(timeouts), region, credentials: runCredentials(profile, region) };
}
