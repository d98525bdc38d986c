import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { z } from 'zod';

/**
 * The copy the CLI keeps of the environment it last read from a stack (`--stack`, review r60K F2): when the primary
 * region is down, its CloudFormation does not answer DescribeStacks, and `failover --stack` (the runbook of that very
 * outage) would have no environment. The DR stack cannot carry the output: its JSON holds the primary stack's tokens.
 * One file a profile, stack and region, `~/.lifeboat/stacks/<profile>/<region>-<stack>.json`, rewritten on every
 * successful read. Keyed by the AWS profile (review r60M F1): the same stack name in the same region is another
 * stack in another account, and in an outage the profile is all that is known of the account without a network call.
 */
export type CachedStackEnvironment = {
  stack: string;
  region: string;
  /** The environment's account, said in the line that tells the copy is used. */
  account: string;
  /** The output's key, for the messages of a copy the CLI cannot read. */
  key: string;
  /** When the stack was read (ISO 8601). */
  readAt: string;
  /** The output's JSON, its parts joined, as the stack gave it. */
  json: string;
};

const cachedSchema = z.object({ stack: z.string(), region: z.string(), account: z.string(), key: z.string(), readAt: z.iso.datetime(), json: z.string() });

/** The AWS profile whose credentials the SDK uses: AWS_PROFILE, else the SDK's `default`. */
export function activeProfile(env: NodeJS.ProcessEnv = process.env): string {
  return env.AWS_PROFILE || 'default';
}

/**
 * Where the copy of `stack` in `region` read with `profile`'s credentials is kept, under `home` (unless told, the
 * user's home directory).
 */
export function stackEnvironmentCacheFile(stack: string, region: string, profile: string, home: string = userHome()): string {
  return path.join(home, '.lifeboat', 'stacks', fileNamePart(profile), `${fileNamePart(region)}-${fileNamePart(stack)}.json`);
}

/**
 * $HOME, as the shell has it, else the account's home directory of the system's user database. Not os.homedir(): it
 * gives an empty HOME as it is, and the copy would go into the working directory (review r60M F4).
 */
function userHome(): string {
  if (process.env.HOME) return process.env.HOME;
  try {
    const { homedir } = userInfo();
    if (homedir) return homedir;
  } catch {
    // No entry of this user in the system's database (a container's arbitrary uid): the temp directory, below.
  }
  return tmpdir();
}

/**
 * `name` as one file name: a stack may be given by its ARN (`arn:aws:cloudformation:…:stack/Shop/…`), whose `/`
 * would make directories, and a profile is any text: percent-encoded, each stays one readable name.
 */
function fileNamePart(name: string): string {
  const encoded = encodeURIComponent(name).replace(/[!'()*~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  // "." and ".." are directories, not names.
  return encoded.replace(/^\.\.?$/, (dots) => dots.replace(/\./g, '%2E'));
}

/**
 * Keeps `cached` in `file`, replacing the former copy whole (written aside, then renamed: a reader never meets half
 * a file). A copy that cannot be written costs only the fallback, so the caller goes on without it.
 */
export function writeStackEnvironmentCache(file: string, cached: CachedStackEnvironment): void {
  // The environment names the account's buckets, tables and keys: the user's alone to read (review r60M F4).
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const aside = `${file}.${process.pid}.tmp`;
  writeFileSync(aside, `${JSON.stringify(cached)}\n`, { mode: 0o600 });
  renameSync(aside, file);
}

/** The copy kept in `file`, or undefined when there is none or it is not a copy this CLI wrote. */
export function readStackEnvironmentCache(file: string): CachedStackEnvironment | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const parsed = cachedSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** How long ago `readAt` was, for a person: "3 h 5 min", "2 d 4 h", "40 s". */
export function ageSince(readAt: string, now: Date): string {
  const seconds = Math.max(0, Math.round((now.getTime() - Date.parse(readAt)) / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}
