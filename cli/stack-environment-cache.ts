import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { z } from 'zod';

/**
 * The copy the CLI keeps of the environment it last read from a stack (`--stack`, review r60K F2): when the primary
 * region is down, its CloudFormation does not answer DescribeStacks, and `failover --stack` (the runbook of that very
 * outage) would have no environment. The DR stack cannot carry the output: its JSON holds the primary stack's tokens.
 * One file a stack, region and the stack's account (which CloudFormation's answer gives, review r61H),
 * `~/.lifeboat/stacks/account-<account>/<region>-<stack>.json`, rewritten on every successful read: the same stack
 * name in the same region is another stack in another account (review r60M F1), and whatever credentials of the
 * account read it, it is one copy.
 */
export type CachedStackEnvironment = {
  stack: string;
  region: string;
  /** The environment's account, said in the line that tells the copy is used. */
  account: string;
  /**
   * The environment's DR account when it is another (drAccount): the error of an outage with credentials of that
   * account and no copy of their own names this copy, never uses it (review r61W F1: one DR account may serve several
   * environments).
   */
  drAccount?: string;
  /** The output's key, for the messages of a copy the CLI cannot read. */
  key: string;
  /** When the stack was read (ISO 8601). */
  readAt: string;
  /** The output's JSON, its parts joined, as the stack gave it. */
  json: string;
};

const cachedSchema = z.object({
  stack: z.string(),
  region: z.string(),
  account: z.string(),
  drAccount: z.string().optional(),
  key: z.string(),
  readAt: z.iso.datetime(),
  json: z.string(),
});

/** Where the copy of `stack` in `region` of `account` is kept, under `home` (unless told, the user's home directory). */
export function stackEnvironmentCacheFile(stack: string, region: string, account: string, home: string = userHome()): string {
  return path.join(stacksDirectory(home), `account-${fileNamePart(account)}`, copyFileName(stack, region));
}

/**
 * Where the released CLI kept the copy, by profile (`<AWS_PROFILE|default>/<region>-<stack>.json`): read in an outage
 * when the account has no copy yet, so an upgrade does not lose the copy an outage needs.
 */
export function legacyStackEnvironmentCacheFile(stack: string, region: string, profile: string, home: string = userHome()): string {
  return path.join(stacksDirectory(home), shortened(fileNamePart(profile), ''), copyFileName(stack, region));
}

/**
 * The pointer of credentials whose account is not known offline (or is misread): the account of the stack they read
 * last, `~/.lifeboat/stacks/by-credentials/<who>.json`, by which they find that account's copy in an outage.
 */
export function credentialsPointerFile(who: string, home: string = userHome()): string {
  return path.join(stacksDirectory(home), 'by-credentials', shortened(fileNamePart(who), '.json'));
}

/**
 * What a pointer says: the account of the stack the credentials read, and when; and the account the credentials told
 * offline when it was written (null: none), for it holds only while they still tell that one (review r61O F2: a
 * profile since pointed at another account's role would fail over with the former account's environment). A pointer
 * of an older lifeboat has no offlineAccount: written under an unknown account or a misread one, it is not known which.
 */
export type CredentialsPointer = { account: string; readAt: string; offlineAccount?: string | null };

const pointerSchema = z.object({ account: z.string().regex(/^\d{12}$/), readAt: z.iso.datetime(), offlineAccount: z.string().nullable().optional() });

function stacksDirectory(home: string): string {
  return path.join(home, '.lifeboat', 'stacks');
}

function copyFileName(stack: string, region: string): string {
  return shortened(`${fileNamePart(region)}-${fileNamePart(stack)}`, '.json');
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
 * An error's message; Node's fs errors are not always instanceof this realm's Error (jest's vm), so it is read as it is.
 */
export function messageOf(err: unknown): string {
  return typeof err === 'object' && err !== null && 'message' in err ? String(err.message) : String(err);
}

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
 * Keeps `value` in `file` (a copy or a pointer), replacing the former one whole (written aside, then renamed: a reader
 * never meets half a file). A file that cannot be written costs only the fallback, so the caller goes on without it.
 */
export function writeStackEnvironmentCache(file: string, value: CachedStackEnvironment | CredentialsPointer): void {
  // The environment names the account's buckets, tables and keys: the user's alone to read (review r60M F4).
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const aside = `${file}.${process.pid}.tmp`;
  writeFileSync(aside, `${JSON.stringify(value)}\n`, { mode: 0o600 });
  renameSync(aside, file);
}

/** A copy read from its file: none there, one that cannot be read (and why), or the copy. */
export type CopyRead = { kind: 'none' } | { kind: 'unreadable'; reason: string } | { kind: 'copy'; cached: CachedStackEnvironment };

/** The copy kept in `file`; a file that is there but is not a copy this CLI wrote says why (review r61H F5). */
export function readStackEnvironmentCache(file: string): CopyRead {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (typeof err === 'object' && err !== null && 'code' in err && err.code === 'ENOENT') return { kind: 'none' };
    return { kind: 'unreadable', reason: messageOf(err) };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return { kind: 'unreadable', reason: `not JSON (${(err as Error).message})` };
  }
  const parsed = cachedSchema.safeParse(raw);
  return parsed.success ? { kind: 'copy', cached: parsed.data } : { kind: 'unreadable', reason: `not a copy this CLI wrote (${parsed.error.issues.map((i) => `${i.path.join('.') || 'the file'}: ${i.message}`).join('; ')})` };
}

/**
 * The pointer in `file` of credentials that tell `offlineAccount` offline (undefined: none), or undefined when there
 * is none, it cannot be read (it is only a hint), or it was written while they told another account (review r61O F2).
 * An older lifeboat's pointer, which does not say, serves only credentials that tell none.
 */
export function readCredentialsPointer(file: string, offlineAccount: string | undefined): CredentialsPointer | undefined {
  let pointer: CredentialsPointer;
  try {
    const parsed = pointerSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (!parsed.success) return undefined;
    pointer = parsed.data;
  } catch {
    return undefined;
  }
  const writtenUnder = pointer.offlineAccount === undefined ? null : pointer.offlineAccount;
  return writtenUnder === (offlineAccount ?? null) ? pointer : undefined;
}

/**
 * Why the pointer in `file` cannot be read, or undefined when it can or is not there: a pointer there but damaged (a
 * truncated write, a full disk) still says these credentials read a stack here, so they are not given the older
 * lifeboat's `default/` copy in its place (review r61AB F5).
 */
export function unreadableCredentialsPointer(file: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (typeof err === 'object' && err !== null && 'code' in err && err.code === 'ENOENT') return undefined;
    return messageOf(err);
  }
  try {
    const parsed = pointerSchema.safeParse(JSON.parse(text));
    return parsed.success ? undefined : 'not a pointer this CLI wrote';
  } catch (err) {
    return `not JSON (${(err as Error).message})`;
  }
}

/** A file kept under `account-<account>/` for a stack and region, as it was read. */
export type KeptCopy = { account: string; file: string; read: Exclude<CopyRead, { kind: 'none' }> };

/**
 * Every file kept for `stack` in `region` under an `account-*` directory of `home`, readable or not: one that cannot be
 * read still says this lifeboat kept a copy of the stack here (review r62A F3).
 */
export function copiesKept(stack: string, region: string, home: string = userHome()): KeptCopy[] {
  let directories: string[];
  try {
    directories = readdirSync(stacksDirectory(home)).sort();
  } catch {
    return [];
  }
  return directories.flatMap((directory) => {
    const account = /^account-(\d{12})$/.exec(directory)?.[1];
    if (account === undefined) return [];
    const file = stackEnvironmentCacheFile(stack, region, account, home);
    const read = readStackEnvironmentCache(file);
    return read.kind === 'none' ? [] : [{ account, file, read }];
  });
}

/**
 * The copy a kept file holds when it is the one its name says: of `stack` in `region` of its directory's account; else
 * undefined (a file that cannot be read, or a copy of another stack, region or account).
 */
export function copyKeptOf(kept: KeptCopy, stack: string, region: string): CachedStackEnvironment | undefined {
  // A shortened name is a prefix and a hash: the copy says which stack it is of.
  const read = kept.read;
  return read.kind === 'copy' && read.cached.stack === stack && read.cached.region === region && read.cached.account === kept.account ? read.cached : undefined;
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
