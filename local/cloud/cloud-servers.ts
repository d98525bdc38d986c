import { type LocalEndpoints } from '../../lambdas/runtime/local-endpoints';
import { BucketReplicator } from './bucket-replication';
import { RegionServers } from './region-servers';
import { TableReplicator } from './table-replication';

/**
 * The emulators themselves, in this process: one s3rver and one dynalite per region
 * (region-servers.ts), all on 127.0.0.1. Regions are isolated as in AWS (a bucket or table created
 * in one region is not visible in the other), and each can be stopped and started on its own
 * (docs/LOCAL-CLOUD.md, "Region outages"). Run through cloud-process.ts, which needs
 * `--openssl-legacy-provider` for s3rver's ListObjectsV2 continuation tokens.
 */
export type CloudServerOptions = {
  dataDir: string;
  regions: readonly string[];
  /** Account id dynalite puts in table ARNs, and the owner of the region's buckets (default 000000000000). */
  account?: string;
  /** Regions of another account: the DR region of an environment with `drAccount`. */
  regionAccounts?: Readonly<Record<string, string>>;
  /** Fixed ports per region; a region without one gets a free port. */
  ports?: { s3?: Readonly<Record<string, number>>; dynamodb?: Readonly<Record<string, number>> };
  /** How long after a write in a replicated bucket or global table its replica is written (bucket-replication.ts, table-replication.ts). Default 1000 ms. */
  replicationDelayMs?: number;
  log?: (message: string) => void;
};

/** The replication delay when none is given: long enough to be seen, short enough for the demo. */
export const DEFAULT_REPLICATION_DELAY_MS = 1000;

export type CloudServers = {
  /** Every region's endpoints, stopped regions included: a region comes back on the same ports. */
  endpoints: LocalEndpoints;
  /** The regions in the order they were given. */
  regions: ReadonlyMap<string, RegionServers>;
  /** Closes every server; dynalite's LevelDB is closed too, so the next start can open it. */
  close(): Promise<void>;
};

export async function startCloudServers(options: CloudServerOptions): Promise<CloudServers> {
  const account = options.account ?? '000000000000';
  const regions = new Map<string, RegionServers>();
  const replicationOptions = { dataDir: options.dataDir, delayMs: options.replicationDelayMs ?? DEFAULT_REPLICATION_DELAY_MS, ...(options.log ? { log: options.log } : {}) };
  const replication = new BucketReplicator(replicationOptions);
  const tableReplication = new TableReplicator(replicationOptions);
  const close = async (): Promise<void> => {
    replication.stop();
    tableReplication.stop();
    const results = await Promise.allSettled([...regions.values()].map((r) => r.stop()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  };

  try {
    for (const region of options.regions) {
      const ports = { s3: options.ports?.s3?.[region] ?? 0, dynamodb: options.ports?.dynamodb?.[region] ?? 0 };
      regions.set(region, await RegionServers.start({ dataDir: options.dataDir, region, account: options.regionAccounts?.[region] ?? account, ports, replication, tableReplication }));
    }
  } catch (err) {
    await close().catch(() => undefined);
    throw err;
  }
  replication.attach([...regions.values()]);
  tableReplication.attach([...regions.values()]);
  const endpoints: LocalEndpoints = { s3: {}, dynamodb: {} };
  for (const [name, region] of regions) {
    endpoints.s3[name] = region.endpoints.s3;
    endpoints.dynamodb[name] = region.endpoints.dynamodb;
  }
  return { endpoints, regions, close };
}
