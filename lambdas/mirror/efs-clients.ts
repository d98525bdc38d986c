import { EFSClient, type EFSClientConfig } from '@aws-sdk/client-efs';
import { OTHER_REGION_TIMEOUTS } from '../runtime/aws-clients';

/**
 * The mirror check's EFS clients, one per region, kept for the container as AwsClients keeps the others. The check
 * runs in the DR region and asks the sources' region for the file system's replication state: a client of another
 * region gets OTHER_REGION_TIMEOUTS, so a region that accepts connections but never answers is noted unreachable
 * instead of holding the function until its own timeout. (EFS stays out of AwsClients: every handler loads that.)
 */
export class EfsClients {
  private readonly clients = new Map<string, EFSClient>();

  constructor(
    /** The function's own region. */
    private readonly ownRegion: string,
    /** Settings every client gets besides its region (tests point them at a loopback server). */
    private readonly settings: Omit<EFSClientConfig, 'region' | 'requestHandler'> = {},
  ) {}

  client(region: string): EFSClient {
    let client = this.clients.get(region);
    if (!client) {
      client = new EFSClient({ ...this.settings, region, ...(region === this.ownRegion ? {} : { requestHandler: OTHER_REGION_TIMEOUTS }) });
      this.clients.set(region, client);
    }
    return client;
  }

  destroy(): void {
    for (const client of this.clients.values()) client.destroy();
    this.clients.clear();
  }
}
