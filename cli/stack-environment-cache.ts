import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { z } from 'zod';

/**
 * The copy the CLI keeps of the environment it last read from a stack (`--stack`, review r60K F2): when the primary
 * region is down, its CloudFormation does not answer DescribeStacks, and `failover --stack` (the runbook of that very
 * outage) would have no environment. The DR stack cannot carry the output: its JSON holds the primary stack's tokens.
 * One file a stack and region, `~/.lifeboat/stacks/<region>-<stack>.json`, rewritten on every successful read.
 */
export type CachedStackEnvironment = {
  stack: string;
  region: string;
  /** The output's key, for the messages of a copy the CLI cannot read. */
  key: string;
  /** When the stack was read (ISO 8601). */
  readAt: string;
  /** The output's JSON, its parts joined, as the stack gave it. */
  json: string;
};

const cachedSchema = z.object({ stack: z.string(), region: z.string(), key: z.string(), readAt: z.iso.datetime(), json: z.string() });

/** Where the copy of `stack` in `region` is kept, under `home` (unless told, $HOME, as the shell has it, else the OS's account home). */
export function stackEnvironmentCacheFile(stack: string, region: string, home: string = process.env.HOME ?? homedir()): string {
  // Stack names and regions are letters, digits and dashes: safe in a file name as they are.
  return path.join(home, '.lifeboat', 'stacks', `${region}-${stack}.json`);
}

/**
 * Keeps `cached` in `file`, replacing the former copy whole (written aside, then renamed: a reader never meets half
 * a file). A copy that cannot be written costs only the fallback, so the caller goes on without it.
 */
export function writeStackEnvironmentCache(file: string, cached: CachedStackEnvironment): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const aside = `${file}.${process.pid}.tmp`;
  writeFileSync(aside, `${JSON.stringify(cached)}\n`);
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
