import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { accessKeyAccount, roleArnAccount } from './access-key-account';

/**
 * The copy the CLI keeps of the environment it last read from a stack (`--stack`, review r60K F2): when the primary
 * region is down, its CloudFormation does not answer DescribeStacks, and `failover --stack` (the runbook of that very
 * outage) would have no environment. The DR stack cannot carry the output: its JSON holds the primary stack's tokens.
 * One file a credentials' owner, stack and region, `~/.lifeboat/stacks/<owner>/<region>-<stack>.json`, rewritten on
 * every successful read. Keyed by whose credentials read it (review r60M F1): the same stack name in the same region
 * is another stack in another account, and in an outage the key must be known without a network call.
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
  /**
   * The account the key id of the credentials that read the stack decodes to, when it is not the stack's (a key id
   * the decoder misreads): the copy is kept under the stack's account, and these credentials still find it in an
   * outage (review r61B F1).
   */
  keyIdAccount?: string;
};

const cachedSchema = z.object({
  stack: z.string(),
  region: z.string(),
  account: z.string(),
  key: z.string(),
  readAt: z.iso.datetime(),
  json: z.string(),
  keyIdAccount: z.string().optional(),
});

/** Whose credentials a copy is kept for: the directory of its copies, and the account when it is known offline. */
export type CacheOwner = { directory: string; account?: string };

/**
 * Whose credentials the SDK uses, in the SDK's order (@aws-sdk/credential-provider-node: the environment's keys only
 * without AWS_PROFILE, and only with their secret; web identity only with its token file): AWS_PROFILE, the profile;
 * else keys in the environment (aws-vault exec, exported SSO keys, CI), the account their key id encodes,
 * `account-<12 digits>`, the same for every session of that account (review r60N F4; a hash of the key id was a new
 * directory each session, review r60O F1); else web identity, the account of AWS_ROLE_ARN; else `default` (container
 * and instance credentials, a key id of the old format: their account is not known without a call; review r61B F1, F4).
 */
export function cacheOwner(env: NodeJS.ProcessEnv = process.env): CacheOwner {
  if (env.AWS_PROFILE) return { directory: env.AWS_PROFILE };
  const keys = env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY ? env.AWS_ACCESS_KEY_ID : undefined;
  const account = keys !== undefined ? accessKeyAccount(keys) : env.AWS_ROLE_ARN && env.AWS_WEB_IDENTITY_TOKEN_FILE ? roleArnAccount(env.AWS_ROLE_ARN) : undefined;
  return account !== undefined ? accountOwner(account) : { directory: 'default' };
}

/** The owner of the credentials of `account`, known offline. */
export function accountOwner(account: string): CacheOwner {
  return { directory: `account-${account}`, account };
}

/**
 * Where the copy of `stack` in `region` read with the credentials of `owner` (a CacheOwner's directory) is kept,
 * under `home` (unless told, the user's home directory).
 */
export function stackEnvironmentCacheFile(stack: string, region: string, owner: string, home: string = userHome()): string {
  return path.join(home, '.lifeboat', 'stacks', shortened(fileNamePart(owner), ''), shortened(`${fileNamePart(region)}-${fileNamePart(stack)}`, '.json'));
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

/** File systems refuse names over 255 bytes, and a stack's ARN of a 128-character name, encoded, is past it. */
const MAX_FILE_NAME_BYTES = 200;

/**
 * `name` + `suffix`; a name too long, its start, still readable, then the sha256 of the whole (review r60N F5): still
 * one file a name.
 */
function shortened(name: string, suffix: string): string {
  // Encoded names are ASCII: a character is a byte.
  if (name.length + suffix.length <= MAX_FILE_NAME_BYTES) return `${name}${suffix}`;
  return `${name.slice(0, 100)}-${createHash('sha256').update(name).digest('hex')}${suffix}`;
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

/** A copy of a stack's environment, with where it is kept: its file and its owner's directory (as on disk). */
export type KeptCopy = { file: string; directory: string; cached: CachedStackEnvironment };

/**
 * The copies of `stack` in `region` kept under owners other than `owner` (a CacheOwner's directory), under `home`:
 * the same stack read with other credentials, or before the copy was kept by account (review r61B F2, F3).
 */
export function otherOwnersCopies(stack: string, region: string, owner: string, home: string = userHome()): KeptCopy[] {
  const own = stackEnvironmentCacheFile(stack, region, owner, home);
  const stacks = path.dirname(path.dirname(own));
  let directories: string[];
  try {
    directories = readdirSync(stacks).sort();
  } catch {
    return [];
  }
  const copies: KeptCopy[] = [];
  for (const directory of directories) {
    const file = path.join(stacks, directory, path.basename(own));
    if (file === own) continue;
    const cached = readStackEnvironmentCache(file);
    // A shortened name is a prefix and a hash: the copy says which stack it is of.
    if (cached !== undefined && cached.stack === stack && cached.region === region) copies.push({ file, directory, cached });
  }
  return copies;
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
