/**
 * The local cloud process: `node --openssl-legacy-provider --import tsx local/cloud/cloud-process.ts
 *   --data-dir .lifeboat --region us-east-1 --region us-west-2 [--s3-port REGION=PORT]
 *   [--dynamodb-port REGION=PORT] [--account 000000000000] [--region-account REGION=ACCOUNT] [--exit-with-parent [--parent-pid PID]]`
 *
 * Starts the emulators (cloud-servers.ts) and the control endpoint that stops and starts a region
 * (region-control-server.ts), writes <dataDir>/cloud.json when they all listen (and again whenever a
 * region stops or starts), and on SIGTERM/SIGINT closes them (LevelDB included) and removes
 * cloud.json before exiting. Started and stopped by local-cloud.ts; not imported by anything.
 */
import { createCipheriv } from 'node:crypto';
import { parseCloudProcessArgv } from './cloud-process-args';
import { startCloudServers } from './cloud-servers';
import { processLiveness, isProcessAlive, readCloudState, removeCloudState, writeCloudState } from './cloud-state';
import { processStartTime } from './process-start-time';
import { startRegionControlServer } from './region-control-server';

/** Exit codes, so the starter can tell why the process ended before it was ready. */
export const EXIT_BAD_ARGS = 2;
export const EXIT_ALREADY_RUNNING = 3;
export const EXIT_NO_LEGACY_PROVIDER = 4;
export const EXIT_FAILED = 1;

const PARENT_POLL_MS = 500;
const SHUTDOWN_TIMEOUT_MS = 15_000;

function log(message: string): void {
  process.stdout.write(`${new Date().toISOString()} ${message}\n`);
}

function fail(code: number, message: string): never {
  process.stderr.write(`${new Date().toISOString()} local cloud: ${message}\n`);
  process.exit(code);
}

/** s3rver encrypts ListObjectsV2 continuation tokens with DES, which OpenSSL 3 only has in its legacy provider. */
function desAvailable(): boolean {
  try {
    createCipheriv('des', Buffer.alloc(8), Buffer.alloc(8));
    return true;
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  let args;
  try {
    args = parseCloudProcessArgv(process.argv.slice(2), process.ppid);
  } catch (err) {
    fail(EXIT_BAD_ARGS, (err as Error).message);
  }
  if (!desAvailable()) {
    fail(EXIT_NO_LEGACY_PROVIDER, 'DES is unavailable: start node with --openssl-legacy-provider (s3rver needs it for ListObjectsV2 pagination)');
  }
  const existing = readCloudState(args.dataDir);
  if (existing && existing.pid !== process.pid && processLiveness(existing) === 'alive') {
    fail(EXIT_ALREADY_RUNNING, `already running on ${args.dataDir} (pid ${existing.pid})`);
  }

  const servers = await startCloudServers({
    dataDir: args.dataDir,
    regions: args.regions,
    ...(args.account ? { account: args.account } : {}),
    ...(args.regionAccounts ? { regionAccounts: args.regionAccounts } : {}),
    ports: { s3: args.s3Ports, dynamodb: args.dynamoDbPorts },
    ...(args.replicationDelayMs !== undefined ? { replicationDelayMs: args.replicationDelayMs } : {}),
    log,
  });
  const startedAt = new Date().toISOString();
  const ownStartTime = processStartTime(process.pid);
  const writeState = (): void => {
    writeCloudState(args.dataDir, {
      pid: process.pid,
      ...(ownStartTime !== undefined ? { processStartTime: ownStartTime } : {}),
      startedAt,
      regions: args.regions,
      endpoints: servers.endpoints,
      stoppedRegions: [...servers.regions.values()].filter((r) => r.state === 'stopped').map((r) => r.region),
      control: { url: control.url, token: control.token },
    });
  };
  const control = await startRegionControlServer({ regions: servers.regions, onChange: writeState, log });

  let stopping = false;
  const shutdown = (reason: string): void => {
    if (stopping) return;
    stopping = true;
    log(`stopping (${reason})`);
    setTimeout(() => {
      process.stderr.write('local cloud: servers did not close in time; exiting anyway\n');
      removeOwnState();
      process.exit(EXIT_FAILED);
    }, SHUTDOWN_TIMEOUT_MS).unref();
    // The control endpoint first: a region start must not reopen servers that are being closed.
    control
      .close()
      .then(() => servers.close())
      .then(
        () => {
          removeOwnState();
          log('stopped');
          process.exit(0);
        },
        (err: unknown) => {
          process.stderr.write(`local cloud: error while closing: ${String(err)}\n`);
          removeOwnState();
          process.exit(EXIT_FAILED);
        },
      );
  };
  const removeOwnState = (): void => {
    if (readCloudState(args.dataDir)?.pid === process.pid) removeCloudState(args.dataDir);
  };

  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGHUP', () => shutdown('SIGHUP'));
  if (args.parentPid !== undefined) {
    const parentPid = args.parentPid;
    setInterval(() => {
      if (!isProcessAlive(parentPid)) shutdown(`parent ${parentPid} exited`);
    }, PARENT_POLL_MS).unref();
  }

  writeState();
  log(`ready on ${args.dataDir}: ${JSON.stringify(servers.endpoints)}`);
}

main().catch((err: unknown) => {
  fail(EXIT_FAILED, err instanceof Error ? (err.stack ?? err.message) : String(err));
});
