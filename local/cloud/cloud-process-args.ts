import { parseArgs } from 'node:util';
import { DEFAULT_DATA_DIR } from './cloud-state';

/** The command line of cloud-process.ts, built by local-cloud.ts and parsed by the process. */
export type CloudProcessArgs = {
  dataDir: string;
  regions: string[];
  account?: string;
  /** Regions of another account (`--region-account REGION=ACCOUNT`): the DR region of an environment with `drAccount`. */
  regionAccounts?: Record<string, string>;
  s3Ports: Record<string, number>;
  dynamoDbPorts: Record<string, number>;
  /** Delay of the local S3 Replication (bucket-replication.ts); default DEFAULT_REPLICATION_DELAY_MS. */
  replicationDelayMs?: number;
  /** Exit when this process is gone (tests, so a crashed runner never leaks servers). */
  parentPid?: number;
};

function portsToArgs(flag: string, ports: Record<string, number>): string[] {
  return Object.entries(ports).flatMap(([region, port]) => [flag, `${region}=${port}`]);
}

export function toCloudProcessArgv(args: CloudProcessArgs): string[] {
  return [
    '--data-dir',
    args.dataDir,
    ...args.regions.flatMap((r) => ['--region', r]),
    ...(args.account ? ['--account', args.account] : []),
    ...Object.entries(args.regionAccounts ?? {}).flatMap(([region, account]) => ['--region-account', `${region}=${account}`]),
    ...portsToArgs('--s3-port', args.s3Ports),
    ...portsToArgs('--dynamodb-port', args.dynamoDbPorts),
    ...(args.replicationDelayMs !== undefined ? ['--replication-delay-ms', String(args.replicationDelayMs)] : []),
    ...(args.parentPid !== undefined ? ['--exit-with-parent', '--parent-pid', String(args.parentPid)] : []),
  ];
}

function parseRegionAccounts(values: readonly string[]): Record<string, string> {
  const accounts: Record<string, string> = {};
  for (const value of values) {
    const match = /^([a-z0-9-]+)=(\d{12})$/.exec(value);
    if (!match?.[1] || !match[2]) throw new Error(`--region-account expects REGION=ACCOUNT (12 digits), got "${value}"`);
    accounts[match[1]] = match[2];
  }
  return accounts;
}

function parsePorts(flag: string, values: readonly string[]): Record<string, number> {
  const ports: Record<string, number> = {};
  for (const value of values) {
    const match = /^([a-z0-9-]+)=(\d{1,5})$/.exec(value);
    const port = match ? Number(match[2]) : NaN;
    if (!match?.[1] || !(port > 0 && port < 65536)) throw new Error(`${flag} expects REGION=PORT, got "${value}"`);
    ports[match[1]] = port;
  }
  return ports;
}

/** Parses the process's argv; `--exit-with-parent` without `--parent-pid` watches the process that started it. */
export function parseCloudProcessArgv(argv: readonly string[], ppid: number): CloudProcessArgs {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      'data-dir': { type: 'string', default: DEFAULT_DATA_DIR },
      region: { type: 'string', multiple: true, default: [] },
      account: { type: 'string' },
      'region-account': { type: 'string', multiple: true, default: [] },
      's3-port': { type: 'string', multiple: true, default: [] },
      'dynamodb-port': { type: 'string', multiple: true, default: [] },
      'replication-delay-ms': { type: 'string' },
      'exit-with-parent': { type: 'boolean', default: false },
      'parent-pid': { type: 'string' },
    },
  });
  const regions = [...new Set(values.region)];
  if (regions.length === 0) throw new Error('at least one --region is required');
  const delay = values['replication-delay-ms'];
  const replicationDelayMs = delay !== undefined ? Number(delay) : undefined;
  if (replicationDelayMs !== undefined && !(Number.isInteger(replicationDelayMs) && replicationDelayMs >= 0)) throw new Error(`--replication-delay-ms must be a whole number of milliseconds, got "${delay}"`);
  const parentPid = values['parent-pid'] !== undefined ? Number(values['parent-pid']) : ppid;
  if (!Number.isInteger(parentPid) || parentPid <= 0) throw new Error(`--parent-pid must be a pid, got "${values['parent-pid']}"`);
  return {
    dataDir: values['data-dir'],
    regions,
    ...(values.account ? { account: values.account } : {}),
    ...(values['region-account'].length > 0 ? { regionAccounts: parseRegionAccounts(values['region-account']) } : {}),
    s3Ports: parsePorts('--s3-port', values['s3-port']),
    dynamoDbPorts: parsePorts('--dynamodb-port', values['dynamodb-port']),
    ...(replicationDelayMs !== undefined ? { replicationDelayMs } : {}),
    ...(values['exit-with-parent'] ? { parentPid } : {}),
  };
}
