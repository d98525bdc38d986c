import * as path from 'node:path';
import { type EnvironmentConfig, type LifeboatConfig } from '../config/lifeboat-config';
import { findEnvironment } from '../config/load-config';
import { type LocalEndpoints } from '../lambdas/runtime/local-endpoints';
import { synthesizeEnvironment } from './assembly/synthesize';
import { type SynthesizedStack } from './assembly/synthesized-stack';
import { readCloudState, isProcessAlive } from './cloud/cloud-state';
import { attachLocalCloud, type LocalCloudHandle, startLocalCloud } from './cloud/local-cloud';
import { provisionFromTemplates } from './cloud/provision-from-templates';

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
  /** Stops the cloud if this call started it; leaves an already running one alone. */
  close(): Promise<void>;
};

export async function openLocalEnvironment(options: {
  config: LifeboatConfig;
  envName: string;
  dataDir: string;
  /** Tests: the cloud stops when the test process exits. */
  exitWithParent?: boolean;
}): Promise<LocalEnvironment> {
  const environment = findEnvironment(options.config, options.envName);
  const dataDir = path.resolve(options.dataDir);
  const stacks = await synthesizeEnvironment({ config: options.config, envName: options.envName, outdir: path.join(dataDir, 'cdk.out') });
  const state = readCloudState(dataDir);
  const running = state !== undefined && isProcessAlive(state.pid);
  const cloud: LocalCloudHandle = running
    ? await attachLocalCloud(dataDir)
    : await startLocalCloud({
        dataDir,
        regions: [environment.primaryRegion, environment.drRegion],
        account: environment.account,
        exitWithParent: options.exitWithParent ?? false,
      });
  await provisionFromTemplates(stacks, cloud.endpoints);
  return {
    environment,
    dataDir,
    stacks,
    endpoints: cloud.endpoints,
    fsRoot: path.join(dataDir, 'fs'),
    close: async () => {
      if (!running) await cloud.stop();
    },
  };
}
