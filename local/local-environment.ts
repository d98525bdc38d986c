import * as path from 'node:path';
import { type EnvironmentConfig, type LifeboatConfig } from '../config/lifeboat-config';
import { findEnvironment } from '../config/load-config';
import { type LocalEndpoints } from '../lambdas/runtime/local-endpoints';
import { synthesizeEnvironment } from './assembly/synthesize';
import { type SynthesizedStack } from './assembly/synthesized-stack';
import { cloudAccountsOf } from './cloud/cloud-accounts';
import { attachLocalCloud, liveCloudState, type LocalCloudHandle, startLocalCloud } from './cloud/local-cloud';
import { provisionFromTemplates } from './cloud/provision-from-templates';
import { LambdaWorkerPool } from './executor/lambda-worker-pool';

/**
 * One environment of the CDK app, running locally: synthesized into <dataDir>/cdk.out, its buckets
 * and tables provisioned in the local cloud (started here unless one already runs in dataDir).
 * The demo, the CLI and the end-to-end tests all go through this.
 */
export type LocalEnvironment = {
  environment: EnvironmentConfig;
  dataDir: string;
  stacks: SynthesizedStack[];
  endpoints: LocalEndpoints;
  /** Where file-system sources live: '/mnt/x' in the config is <fsRoot>/mnt/x here. */
  fsRoot: string;
  /**
   * Warm Lambda environments of `size` workers for runLocalExecution's `pool`, kept between the
   * executions of this environment as Lambda keeps execution environments (one pool per size).
   */
  lambdaPool(size: number): LambdaWorkerPool;
  /**
   * Regions of an already running cloud that were stopped (`lifeboat local region stop`) when this
   * environment opened: their stacks were not provisioned. Empty when this call started the cloud.
   */
  stoppedRegions: readonly string[];
  /**
   * True when this call started the cloud (none ran in dataDir), which close() stops: the endpoints of this run,
   * on free ports, answer no more once the command ends, so a command printed against them needs the cloud again.
   */
  startedCloud: boolean;
  /** Stops the warm Lambda environments, and the cloud if this call started it (an already running one is left alone). */
  close(): Promise<void>;
};

/**
 * Where the file-system sources of a local environment live: the local executor gives this to the
 * functions as LIFEBOAT_FS_ROOT, so the configured `/mnt/x` is `<dataDir>/fs/mnt/x`.
 */
export function localFileSystemRoot(dataDir: string): string {
  return path.join(path.resolve(dataDir), 'fs');
}

export async function openLocalEnvironment(options: {
  config: LifeboatConfig;
  envName: string;
  dataDir: string;
  /**
   * The cloud this call starts stops by itself when this process is gone, however it ended (SIGTERM,
   * SIGKILL), not only through close(). Default true: nothing that opens an environment wants the cloud it
   * started to outlive it (a long-running cloud is `lifeboat local up`'s, which this call then attaches to).
   */
  exitWithParent?: boolean;
  /** Delay of the local S3 Replication when this call starts the cloud (startLocalCloud's replicationDelayMs). */
  replicationDelayMs?: number;
}): Promise<LocalEnvironment> {
  const environment = findEnvironment(options.config, options.envName);
  const dataDir = path.resolve(options.dataDir);
  const stacks = await synthesizeEnvironment({ config: options.config, envName: options.envName, outdir: path.join(dataDir, 'cdk.out') });
  // A cloud.json whose pid now belongs to another program is no cloud to attach to: one is started anew (which
  // removes the stale file); a damaged one throws, as nothing may be started on a data directory a cloud may still hold.
  const state = liveCloudState(dataDir);
  const running = state !== undefined;
  const cloud: LocalCloudHandle = running
    ? await attachLocalCloud(dataDir)
    : await startLocalCloud({
        dataDir,
        regions: [environment.primaryRegion, environment.drRegion],
        ...cloudAccountsOf(environment),
        exitWithParent: options.exitWithParent ?? true,
        ...(options.replicationDelayMs !== undefined ? { replicationDelayMs: options.replicationDelayMs } : {}),
      });
  // A region stopped with `lifeboat local region stop` refuses connections, as a region that is down does: its
  // stacks are not provisioned, so the DR region's runbooks (failover, drill, catalog rebuild) run without it.
  const stoppedRegions = state ? [...state.stoppedRegions] : [];
  const stopped = new Set(stoppedRegions);
  await provisionFromTemplates(
    stacks.filter((s) => !stopped.has(s.region)),
    cloud.endpoints,
  );
  const pools = new Map<number, LambdaWorkerPool>();
  return {
    environment,
    dataDir,
    stacks,
    endpoints: cloud.endpoints,
    fsRoot: localFileSystemRoot(dataDir),
    stoppedRegions,
    startedCloud: !running,
    lambdaPool: (size) => {
      let pool = pools.get(size);
      if (!pool) pools.set(size, (pool = new LambdaWorkerPool(size)));
      return pool;
    },
    close: async () => {
      await Promise.all([...pools.values()].map((p) => p.close()));
      pools.clear();
      if (!running) await cloud.stop();
    },
  };
}
