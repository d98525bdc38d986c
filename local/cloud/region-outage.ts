import { type CloudState, processLiveness, dataDirLayout, readCloudStateFile } from './cloud-state';
import { LocalCloudNotRunningError, LocalCloudStateDamagedError, RegionControlError, UnknownRegionError } from './errors';
import { dataDirOption } from './data-dir-option';
import { controlErrorSchema, type RegionAction, regionActionPath, type RegionChange, regionChangeSchema } from './region-control-protocol';

/**
 * A region outage in the running local cloud: `stopRegion` makes the region's S3 and DynamoDB
 * refuse connections (ECONNREFUSED, as from an unreachable region); `startRegion` brings them back
 * on the same ports with their data. Both ask the cloud process through its control endpoint
 * (region-control-server.ts), and are idempotent: `changed` is false when the region already was
 * in that state. The CLI's `lifeboat local region stop|start` is a thin wrapper over these.
 */
export type RegionOutageResult = RegionChange & {
  /** The region's endpoints, the same before, during and after the outage. */
  endpoints: { s3: string; dynamodb: string };
};

export type RegionOutageOptions = {
  /** How long to wait for the cloud's answer. Default 30 s (a stop lets in-flight requests finish for up to 2 s). */
  timeoutMs?: number;
};

const DEFAULT_TIMEOUT_MS = 30_000;

export function stopRegion(dataDir: string, region: string, options: RegionOutageOptions = {}): Promise<RegionOutageResult> {
  return changeRegion(dataDir, region, 'stop', options);
}

export function startRegion(dataDir: string, region: string, options: RegionOutageOptions = {}): Promise<RegionOutageResult> {
  return changeRegion(dataDir, region, 'start', options);
}

/**
 * The cloud to ask: a cloud.json whose pid is gone or now another program's is no running cloud (its control URL and
 * token may since be anyone's), and a damaged one says so rather than "not running" (a cloud may still run there).
 * Read here, not through local-cloud.ts, which re-exports this module.
 */
function runningCloud(dataDir: string): CloudState {
  const layout = dataDirLayout(dataDir);
  const file = readCloudStateFile(dataDir);
  if (file.kind === 'unreadable') throw new LocalCloudStateDamagedError(layout.root, layout.stateFile, file.problem);
  if (file.kind === 'absent' || processLiveness(file.state) !== 'alive') throw new LocalCloudNotRunningError(layout.root);
  return file.state;
}

async function changeRegion(dataDir: string, region: string, action: RegionAction, options: RegionOutageOptions): Promise<RegionOutageResult> {
  const state = runningCloud(dataDir);
  if (!state.regions.includes(region)) throw new UnknownRegionError(region, state.regions);
  if (!state.control) {
    throw new RegionControlError(
      `The local cloud on ${dataDirLayout(dataDir).root} (pid ${state.pid}) was started by a Lifeboat without region control; restart it with \`lifeboat local down${dataDirOption(dataDir)}\` and \`lifeboat local up${dataDirOption(dataDir)}\`.`,
    );
  }
  const endpoints = { s3: state.endpoints.s3[region] ?? '?', dynamodb: state.endpoints.dynamodb[region] ?? '?' };

  let response: Response;
  try {
    response = await fetch(new URL(regionActionPath(region, action), state.control.url), {
      method: 'POST',
      headers: { authorization: `Bearer ${state.control.token}` },
      signal: AbortSignal.timeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS),
    });
  } catch (err) {
    throw new RegionControlError(
      `The local cloud (pid ${state.pid}) did not answer on its control endpoint ${state.control.url}: ${(err as Error).message}. Check ${dataDirLayout(dataDir).logFile}.`,
      { cause: err },
    );
  }
  const body: unknown = await response.json().catch(() => undefined);
  if (response.ok) {
    const change = regionChangeSchema.safeParse(body);
    if (change.success) return { ...change.data, endpoints };
  }
  const error = controlErrorSchema.safeParse(body);
  if (error.success && error.data.error === 'UnknownRegion') throw new UnknownRegionError(region, error.data.regions ?? state.regions);
  const message = error.success ? error.data.message : `unexpected answer (HTTP ${response.status}) from ${state.control.url}`;
  throw new RegionControlError(`${message} Check ${dataDirLayout(dataDir).logFile}.`);
}
