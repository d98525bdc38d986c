import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { localEndpointsSchema } from '../../lambdas/runtime/local-endpoints';
import { processStartTime } from './process-start-time';

/**
 * The on-disk layout of a local cloud's data directory, and `cloud.json`, the file by which a
 * running cloud announces itself. The process writes it (atomically) once every server listens and
 * removes it after closing them; its presence with a live pid of the same start time means "running".
 */
export const DEFAULT_DATA_DIR = '.lifeboat';

export const cloudStateSchema = z.object({
  pid: z.number().int().positive(),
  /**
   * The process's start time as /proc has it (process-start-time.ts): a cloud killed hard leaves its
   * cloud.json, and its pid may since belong to another program, which must not be taken for the cloud
   * (nor signalled by `local down`). Absent without /proc and in the file of a cloud started before it
   * was recorded: then a live pid alone means running.
   */
  processStartTime: z.string().optional(),
  startedAt: z.string(),
  regions: z.array(z.string()).min(1),
  /** Every region's endpoints, stopped ones included: a stopped region comes back on the same ports. */
  endpoints: localEndpointsSchema,
  /** Regions stopped with `lifeboat local region stop` (their ports refuse connections); rewritten on each change. */
  stoppedRegions: z.array(z.string()).default([]),
  /**
   * The process's control endpoint (127.0.0.1) and the bearer token it requires, so only who can
   * read this file (mode 0600) stops or starts a region. Absent in the file of a cloud started
   * before region outages existed.
   */
  control: z.object({ url: z.string().url(), token: z.string().min(32) }).optional(),
});

export type CloudState = z.infer<typeof cloudStateSchema>;

export type DataDirLayout = {
  root: string;
  stateFile: string;
  logFile: string;
  s3Dir: (region: string) => string;
  /** Which account owns each bucket of the region that is not the cloud's own (bucket-owners.ts). */
  s3OwnersFile: (region: string) => string;
  dynamoDbDir: (region: string) => string;
  /** Object Lock state of the region's buckets (beside s3rver's directory: a folder inside it would be listed as a bucket). */
  s3ObjectLockDir: (region: string) => string;
  /** Storage classes and thaws of the region's objects (storage-classes.ts). */
  s3StorageClassDir: (region: string) => string;
  /** Default encryption and Block Public Access of the region's buckets (bucket-security-state.ts). */
  s3BucketSecurityFile: (region: string) => string;
  /** Lifecycle configurations of the region's buckets, kept and never run (bucket-lifecycle.ts). */
  s3BucketLifecycleFile: (region: string) => string;
  /** Encryption, deletion protection and point-in-time recovery of the region's tables (table-protection-state.ts), beside dynalite's directory. */
  dynamoDbProtectionFile: (region: string) => string;
};

export function dataDirLayout(dataDir: string): DataDirLayout {
  const root = resolve(dataDir);
  return {
    root,
    stateFile: join(root, 'cloud.json'),
    logFile: join(root, 'cloud.log'),
    s3Dir: (region) => join(root, 's3', region),
    s3OwnersFile: (region) => join(root, 's3', `${region}-bucket-owners.json`),
    dynamoDbDir: (region) => join(root, 'dynamodb', region),
    s3ObjectLockDir: (region) => join(root, 's3-object-lock', region),
    s3StorageClassDir: (region) => join(root, 's3-storage-class', region),
    s3BucketSecurityFile: (region) => join(root, 's3', `${region}-bucket-security.json`),
    s3BucketLifecycleFile: (region) => join(root, 's3', `${region}-bucket-lifecycle.json`),
    dynamoDbProtectionFile: (region) => join(root, 'dynamodb', `${region}-table-protection.json`),
  };
}

/**
 * cloud.json as found: absent (no cloud announced itself), a cloud's state, or a file that exists but is not a cloud's
 * state (not JSON, not the schema, not readable), with why. Told apart so that a damaged file is not reported as "no
 * cloud.json" (a half-written file never exists: writes are atomic, so it was written or edited by something else).
 */
export type CloudStateFile = { kind: 'absent' } | { kind: 'present'; state: CloudState } | { kind: 'unreadable'; problem: string };

export function readCloudStateFile(dataDir: string): CloudStateFile {
  let text: string;
  try {
    text = readFileSync(dataDirLayout(dataDir).stateFile, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'absent' };
    return { kind: 'unreadable', problem: (err as Error).message };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { kind: 'unreadable', problem: (err as Error).message };
  }
  const parsed = cloudStateSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { kind: 'unreadable', problem: issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : parsed.error.message };
  }
  return { kind: 'present', state: parsed.data };
}

/** Reads cloud.json; undefined when absent or unreadable (readCloudStateFile tells the two apart). */
export function readCloudState(dataDir: string): CloudState | undefined {
  const file = readCloudStateFile(dataDir);
  return file.kind === 'present' ? file.state : undefined;
}

export function writeCloudState(dataDir: string, state: z.input<typeof cloudStateSchema>): void {
  const { root, stateFile } = dataDirLayout(dataDir);
  mkdirSync(root, { recursive: true });
  const tmp = `${stateFile}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, stateFile);
}

export function removeCloudState(dataDir: string): void {
  rmSync(dataDirLayout(dataDir).stateFile, { force: true });
}

/**
 * Whether the process a file names by pid and start time (cloud.json, scheduler.json) still runs: 'gone' when no
 * process has the pid, 'reused' when one does but started at another time than the recorded one (the pid was given to
 * another program after the recorded process was killed). Without a recorded start time, or without /proc, the pid
 * decides.
 */
export type ProcessLiveness = 'alive' | 'gone' | 'reused';

export function processLiveness(recorded: { pid: number; processStartTime?: string }): ProcessLiveness {
  if (!isProcessAlive(recorded.pid)) return 'gone';
  if (recorded.processStartTime === undefined) return 'alive';
  const now = processStartTime(recorded.pid);
  return now === undefined || now === recorded.processStartTime ? 'alive' : 'reused';
}

/** True when a process with this pid exists (signal 0 checks without signalling). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
