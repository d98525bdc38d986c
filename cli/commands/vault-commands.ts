import * as fs from 'node:fs/promises';
import { type Command, Option } from 'commander';
import { CodecPool, keepFreedBuffersInHeapSoon, prewarmPlatformCalls } from '../../vault';
import { backupDirectory } from '../../vault';
import { type KeyProvider } from '../../vault';
import { KeyFileKeyProvider } from '../../vault';
import { isS3VaultLocation, openLocalVaultStore } from '../../vault';
import { PassphraseKeyProvider } from '../../vault';
import { type DamagedEntry, entriesNotRestored, type ManifestEntry, type NotRestored, RestoreIncompleteError, type RestoreStats, parentsLackNote, restoreSnapshot, snapshotPathOf, unreadParentNote } from '../../vault';
import { initVault, openVault, type Vault, VaultExistsError, VaultNotFoundError } from '../../vault';
import { COMPRESSION_LEVEL_MAX, COMPRESSION_LEVEL_MIN, DEFAULT_COMPRESSION_LEVEL, isCompressionLevel, KeyUnwrapError, VaultConfigMissingError } from '../../vault';
import { parsePruneSettings, pruneWithTemporaryFiles } from './prune-to-end';
import { earlierBatchesWaiting } from './earlier-prune-batches';
import { pruneReportLines } from './prune-report-lines';
import { VaultRepairPruneRunningError } from './vault-repair-prune-running-error';
import { awaitNoReplicaPrune } from '../../lambdas/replication/replica-prune-wait';
import { VaultError } from '../../vault';
import { UNINDEXED_HEADERS_READ, verifyVault, type VerifyReport } from '../../vault';
import { repairIndex, type RepairIndexReport, repairPruneState } from '../../vault';
import { packKey } from '../../vault';
import { type VaultStore } from '../../vault';
import { describeUnreadableSnapshot } from '../../vault';
import { damagedPartKeys, ESCAPED_KEY_SEGMENT, escapedKeysUnder, markersStoredApart, s3KeyOf, type Snapshot, underPrefix, type UnreadableManifestPart } from '../../vault';
import { escapeName } from '../escape-name';
import { unseenJsonEscaped, unseenOnlyEscaped } from '../../lambdas/runtime/quoted-service-words';
import { type VaultForgetRuleOptions } from './vault-forget';
import { type CliIo, processIo } from '../cli-io';
import { keptByObjectLock } from './kept-by-object-lock';
import { restoreIncompleteInstead, restoreStoppedInstead } from './restore-stopped-error';
import { EndpointThrottledError } from '../endpoint-throttled-error';
import { isThrottledRequest } from '../throttled-request';
import { saidWithNextStep } from '../throttled-next-step';
import { registerVaultKeyCommands } from './vault-key-commands';

/**
 * `lifeboat vault init | backup | restore | verify | ls | forget | prune | repair index | repair prune-state | key list | key add | key remove`: the vault engine on a local directory (or
 * `s3://bucket/prefix`) and a key, as a program. Exit codes: 0 success, 1 failure (for verify:
 * a problem was found; each is printed with the object it concerns; unreferenced objects are
 * information and keep 0), 3 completed with entries left out: a backup that committed its snapshot
 * but could not read some entries, a restore that finished but was not allowed to recreate some
 * (sockets, devices when not root, some extended attributes), a forget that S3 Object Lock kept from
 * deleting some snapshots, an index repair that left damaged or missing packs or blobs out of the
 * index; each is listed (as restic's exit 3). An unreadable snapshot object is a warning on stderr for ls, restore and backup, which go
 * on with the readable snapshots (docs/FORMAT.md §10). Entry names are printed through escapeName.
 */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_INCOMPLETE = 3;
/** Entries named in a summary of what was left out; the rest are counted. */
const LISTED_ENTRIES = 20;

export type VaultAccessOptions = { vault: string; keyFile?: string; passphraseEnv?: string };
export type VaultInitOptions = VaultAccessOptions & { compression?: string };
export type VaultBackupOptions = VaultAccessOptions & { parent?: string | false; json?: boolean };
export type VaultRestoreOptions = VaultAccessOptions & { include?: string; target: string; overwrite?: boolean; owner?: boolean; sparse?: boolean; json?: boolean };
export type VaultVerifyOptions = VaultAccessOptions & { readData?: boolean; json?: boolean };
export type VaultLsOptions = VaultAccessOptions & { json?: boolean; prefix?: string };
export type VaultPruneOptions = VaultAccessOptions & { dryRun?: boolean; grace?: string; repackThreshold?: string; json?: boolean };
export type VaultRepairIndexOptions = VaultAccessOptions & { readData?: boolean; json?: boolean };
export type VaultRepairPruneStateOptions = VaultAccessOptions & { json?: boolean };
export type VaultForgetOptions = VaultAccessOptions & VaultForgetRuleOptions & { dryRun?: boolean; json?: boolean; prune?: boolean; grace?: string; repackThreshold?: string };

export type VaultCommandDeps = { io: CliIo; env: NodeJS.ProcessEnv };
export const defaultDeps: VaultCommandDeps = { io: processIo, env: process.env };

async function storeFor(location: string, env: NodeJS.ProcessEnv): Promise<VaultStore> {
  // Local vaults never load the AWS SDK (a quarter of a second of start-up); s3:// ones load it here.
  if (!isS3VaultLocation(location)) {
    const stats = await fs.stat(location).catch(() => null);
    if (stats && !stats.isDirectory()) throw new VaultError(`the vault location ${location} is a file, not a vault directory; give the directory that \`lifeboat vault init\` created`);
    return openLocalVaultStore(location);
  }
  const [{ vaultS3Client }, { openVaultStore }] = await Promise.all([import('../vault-s3-client.js'), import('../../vault/aws.js')]);
  // The composition root: the S3 client is built here, and only when an s3:// location asks for it.
  const client = await vaultS3Client(env, /^s3:\/\/([^/]+)/.exec(location)?.[1]);
  return openVaultStore(location, { s3Client: () => client });
}

/** The passphrase in environment variable `variable` (given with option `flag`): refused when it is unset or empty. */
export function passphraseFromEnv(env: NodeJS.ProcessEnv, variable: string, flag: string): PassphraseKeyProvider {
  const passphrase = env[variable];
  if (!passphrase) throw new VaultError(`environment variable ${variable} (from ${flag}) is empty or not set`);
  return new PassphraseKeyProvider(passphrase);
}

export async function keyProvider(options: VaultAccessOptions, env: NodeJS.ProcessEnv, create: boolean): Promise<KeyProvider> {
  // Either key opens the vault; with both, which one was meant is a guess this command does not make.
  if (options.passphraseEnv !== undefined && options.keyFile !== undefined) throw new VaultError('give the vault key with --key-file <file> or with --passphrase-env <VAR>, not both');
  if (options.passphraseEnv !== undefined) return passphraseFromEnv(env, options.passphraseEnv, '--passphrase-env');
  if (options.keyFile === undefined) throw new VaultError('give the vault key with --key-file <file> or --passphrase-env <VAR>');
  return create ? (await KeyFileKeyProvider.loadOrCreate(options.keyFile)).provider : KeyFileKeyProvider.load(options.keyFile);
}

/**
 * Opens the vault for a command. A snapshot object that cannot be read does not stop `ls`, `restore
 * latest` or a backup's parent lookup: each is named in a warning on stderr, with what to do, and
 * the command goes on with the readable snapshots (docs/FORMAT.md §10).
 */
export async function openForCommand(options: VaultAccessOptions, env: NodeJS.ProcessEnv, io: CliIo, given?: KeyProvider): Promise<Vault> {
  // A command that needs the provider again (`vault key`) builds it and passes it: a passphrase is derived once.
  const provider = given ?? (await keyProvider(options, env, false));
  let vault: Vault;
  try {
    vault = await openVault(await storeFor(options.vault, env), provider);
  } catch (err) {
    // The engine's message gives no advice (an environment's vault is made by its first backup); a bare location's vault is made by `vault init`.
    if (err instanceof VaultNotFoundError) throw new VaultNotFoundError(`${err.message}; create one with \`lifeboat vault init\``, { cause: err });
    const hint = err instanceof KeyUnwrapError ? otherKeyKindHint(err.otherKeyKinds, provider.kind, err.ownKindTried || err.damagedSkipped) : undefined;
    if (hint !== undefined) throw new KeyUnwrapError(`${err instanceof Error ? err.message : String(err)}; ${hint}`);
    throw err;
  }
  vault.onUnreadableSnapshot = (u) => io.err(`lifeboat vault: warning: ${describeUnreadableSnapshot(u)}`);
  return vault;
}

/**
 * The option that opens a vault whose key objects are of another kind than the one given
 * (KeyUnwrapError.otherKeyKinds): the vault engine says `keys/… is a passphrase key`, which names no
 * option of this command. A vault with key objects of the given kind too (several credentials, `vault key
 * add`) was not opened by this one: the given key is wrong or retired, and the other kind is only an
 * alternative (so is one with damaged key objects, which may have been of the given kind). A vault whose only key
 * objects are KMS's is an environment's, which `lifeboat vault` does not open.
 */
function otherKeyKindHint(otherKinds: readonly string[], given: KeyProvider['kind'], ownKindPossible: boolean): string | undefined {
  const other = given === 'key-file' ? 'passphrase' : given === 'passphrase' ? 'key-file' : undefined;
  const option = other === 'passphrase' ? '--passphrase-env <VAR>' : '--key-file <file>';
  const givenOption = given === 'key-file' ? '--key-file' : '--passphrase-env';
  if (other !== undefined && otherKinds.includes(other)) {
    return ownKindPossible
      ? `the vault also has a ${other} key object: ${option} opens it too`
      : `this vault is opened with its ${other === 'passphrase' ? 'passphrase' : 'key file'}: give ${option} instead of ${givenOption}`;
  }
  if (!ownKindPossible && otherKinds.length > 0 && otherKinds.every((kind) => kind === 'kms')) {
    return "its only key objects are KMS key objects (an environment's vault, opened by the environment's functions through KMS): `lifeboat vault` opens a vault with a key file or a passphrase; use the environment's commands (`lifeboat backups`, `lifeboat restore`)";
  }
  return undefined;
}

/**
 * Runs a command: its status on success, EXIT_FAILED with the message on any error. The codec worker
 * pool is stopped when the command ends, success or not, so that the process exits with its status.
 */
export async function runVaultCommand(io: CliIo, fn: () => Promise<number>): Promise<number> {
  try {
    return await fn();
  } catch (err) {
    io.err(`lifeboat vault: ${describeError(err)}`);
    return EXIT_FAILED;
  } finally {
    await CodecPool.shutdownShared();
  }
}

/**
 * A throttle that stopped a restore, with what it left and what to run (throttled-next-step.ts; f65K: it ended with the
 * throttle's words alone), or undefined for any other error. Into a target that was empty and is still (restoreStoppedInstead
 * said nothing), nothing was written and the same command runs again; with --overwrite, the target holds what it wrote,
 * and the same command writes over it again. A stop part way into an empty target is RestoreStoppedError's to say.
 */
function restoreThrottledInstead(err: unknown, target: string, overwrite: boolean): EndpointThrottledError | undefined {
  if (!isThrottledRequest(err)) return undefined;
  const stop = overwrite ? { left: `The restore stopped part way: ${target} holds what it wrote so far`, why: 'with --overwrite it writes over what is there' } : { left: `Nothing was written to ${target}` };
  return new EndpointThrottledError(saidWithNextStep(describeError(err), stop), err);
}

/** Whether a restore target holds nothing (or is not there): a restore stopped then wrote nothing into it. */
async function targetIsEmpty(target: string): Promise<boolean> {
  return fs.readdir(target).then(
    (names) => names.length === 0,
    (err: unknown) => (err as NodeJS.ErrnoException).code === 'ENOENT',
  );
}

/** The message of an error, with the raw errno texts of the usual mistakes said in words. */
function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  // Its list of damaged files holds entry paths: the same message, with the names printed as the CLI prints names.
  if (err instanceof RestoreIncompleteError) {
    const parents = err.stats.unreadParents;
    const stats = parents ? { ...err.stats, unreadParents: parents.map((p) => ({ ...p, path: escapeName(p.path) })) } : err.stats;
    return new RestoreIncompleteError(err.damaged.map((d) => ({ ...d, path: escapeName(d.path), ...(d.through !== undefined ? { through: escapeName(d.through) } : {}) })), stats).message;
  }
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'ENOTDIR' && e.path !== undefined) return `${e.path}: a path on the way is a file, not a directory (${e.message})`;
  if (e.code === 'ENOENT' && e.syscall === 'stat' && e.path !== undefined) return `${e.path} does not exist`;
  return err.message;
}

/** `vault restore` into a directory that holds anything needs --overwrite: a restore must not mix into other data by accident. */
async function checkRestoreTarget(target: string, overwrite: boolean): Promise<void> {
  let names: string[];
  try {
    names = await fs.readdir(target);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return;
    if (code === 'ENOTDIR') throw new VaultError(`the restore target ${target} is a file, not a directory; choose a directory (it is created when missing)`);
    throw err;
  }
  if (names.length > 0 && !overwrite) {
    throw new VaultError(`the restore target ${target} is not empty (${names.length} entries); restore into an empty or new directory, or pass --overwrite to write over what is there`);
  }
}

/** `--compression`: "off" or a zstd level a vault's config may record (vault-config.ts), checked before anything is created. */
export function parseCompressionOption(text: string | undefined): number | null {
  if (text === undefined) return DEFAULT_COMPRESSION_LEVEL;
  if (text === 'off') return null;
  const level = text.trim() === '' ? NaN : Number(text);
  if (!isCompressionLevel(level)) throw new VaultError(`--compression must be off or a zstd level from ${COMPRESSION_LEVEL_MIN} to ${COMPRESSION_LEVEL_MAX}, got ${text}`);
  return level;
}

export function vaultInit(options: VaultInitOptions, deps: Partial<VaultCommandDeps> = {}): Promise<number> {
  const { io, env } = { ...defaultDeps, ...deps };
  return runVaultCommand(io, async () => {
    const compressionLevel = parseCompressionOption(options.compression);
    const store = await storeFor(options.vault, env);
    if (options.passphraseEnv !== undefined || options.keyFile === undefined) {
      const vault = await initVault(store, await keyProvider(options, env, true), { compressionLevel });
      io.out(`Created vault ${vault.config.id} at ${vault.location}`);
      return EXIT_OK;
    }
    // A key file this run creates belongs to the vault it creates: an init refused before it wrote anything
    // (the vault exists, or its config is lost) removes it again, so that no key that opens nothing is left
    // to be kept or copied. Any later failure keeps it: the vault may have been created with it. One that
    // existed before is never touched.
    const { provider, created } = await KeyFileKeyProvider.loadOrCreate(options.keyFile);
    try {
      const vault = await initVault(store, provider, { compressionLevel });
      io.out(`Created vault ${vault.config.id} at ${vault.location}`);
      return EXIT_OK;
    } catch (err) {
      if (created && (err instanceof VaultExistsError || err instanceof VaultConfigMissingError)) await fs.rm(options.keyFile, { force: true });
      throw err;
    }
  });
}

export function vaultBackup(source: string, options: VaultBackupOptions, deps: Partial<VaultCommandDeps> = {}): Promise<number> {
  const { io, env } = { ...defaultDeps, ...deps };
  return runVaultCommand(io, async () => {
    CodecPool.prewarm(1); // one worker boots while the vault, its index and the parent manifest load; more start if the backup waits for it
    prewarmPlatformCalls();
    keepFreedBuffersInHeapSoon();
    const vault = await openForCommand(options, env, io);
    const parent = options.parent === false ? null : options.parent === undefined ? undefined : (await vault.resolveSnapshot(options.parent)).id;
    // A vault inside the source would be backed up into itself, half written: it is left out, and said (a note: the snapshot is complete without it).
    const ownVault = isS3VaultLocation(options.vault) ? [] : [options.vault];
    const { snapshot, skipped, changed, excluded, xattrsNotRead } = await backupDirectory(vault, source, {
      parent,
      exclude: ownVault,
      onParentUnreadable: (warning) => io.err(`lifeboat vault: warning: ${warning}`),
    });
    const s = snapshot.stats;
    if (options.json) {
      // Skipped, changed and excluded paths are the source's names, any text: their C1 controls, bidi overrides and
      // U+2028, which JSON.stringify leaves raw, as \uXXXX too (a JSON reader reads back the same text) (review r64N F5).
      io.out(unseenJsonEscaped(JSON.stringify({ snapshotId: snapshot.id, parent: snapshot.parent, rootHash: snapshot.manifest, skipped, changed, excluded, stats: { entries: s.entries, bytes: s.bytes, bytesScanned: s.bytesScanned, bytesNew: s.bytesNew, bytesStored: s.bytesStored, blobsNew: s.blobsNew, durationMs: s.durationMs } })));
    } else {
      io.out(snapshot.id);
    }
    if (xattrsNotRead !== undefined) io.err(`lifeboat vault: note: extended attributes were not backed up: ${xattrsNotRead}`);
    for (const e of excluded) io.err(`lifeboat vault: note: left out ${escapeName(e.path)}: it is the vault this backup writes to (${e.excludedAs})`);
    if (skipped.length === 0 && changed.length === 0) return EXIT_OK;
    if (skipped.length > 0) {
      const what = skipped.length === 1 ? 'entry (or attribute of an entry) could not be read and is' : 'entries (or attributes of entries) could not be read and are';
      io.err(`lifeboat vault: snapshot ${snapshot.id} committed, but ${skipped.length} ${what} not in it:`);
      // The reason is escaped as the path is: it names the path again or an extended attribute, the source's data (review f58O).
      for (const line of listed(skipped.map((k) => `${escapeName(k.path)}: ${escapeName(k.reason)}`))) io.err(line);
    }
    if (changed.length > 0) {
      // tar's "file changed as we read it": what is stored may be a state the file never had whole.
      io.err(`lifeboat vault: snapshot ${snapshot.id} committed, but ${changed.length} file(s) changed while they were read and are in it as read (possibly torn); the next backup reads them again:`);
      for (const line of listed(changed.map(escapeName))) io.err(line);
    }
    return EXIT_INCOMPLETE;
  });
}

/** The first LISTED_ENTRIES lines indented, then how many more there are. */
export function listed(lines: readonly string[]): string[] {
  const shown = lines.slice(0, LISTED_ENTRIES).map((line) => `  ${line}`);
  if (lines.length > LISTED_ENTRIES) shown.push(`  … and ${lines.length - LISTED_ENTRIES} more`);
  return shown;
}

/**
 * Where the keys go that an S3 include cannot restore into a directory: the restore workflow's --prefix, a plain string
 * prefix (as S3's), and the listing that shows them. `vault ls --prefix P` lists P and what lies below `P/`, fewer keys
 * than the workflow's P takes (`P-old` too) unless P ends with "/", so it is named for what it shows (review r61Y F2).
 */
function workflowPrefixAdvice(raw: string, ref: string): string {
  const prefix = JSON.stringify(raw);
  const ls = `lifeboat vault ls ${ref}`;
  const listing = raw.endsWith('/')
    ? `\`${ls} --prefix ${prefix}\` lists them`
    : `\`${ls} --prefix ${prefix}\` lists only those that are ${prefix} or start with ${JSON.stringify(`${raw}/`)}, \`${ls}\` every key`;
  return `restore such keys into a bucket with the restore workflow's --prefix ${prefix}, which takes every key starting with ${prefix} (a plain string prefix, as S3's); ${listing}, each with its key after its stored path`;
}

/**
 * `--include` as a path inside the snapshot (snapshotPathOf: relative to the directory that was backed up). A ".." part
 * is refused whatever the snapshot's kind, so before the vault is opened: a wrong include cost a key prompt and a vault
 * read, and an error about the vault hid it (f62E). The message serves both kinds, the snapshot's unknown yet: the
 * directory's sentence first, then the S3 one with its advice, marked as such, since the workflow's --prefix and
 * `vault ls --prefix` do nothing for a directory's snapshot (review r62D F4); of an S3 snapshot such keys are refused
 * in keys, not in file-path words (review r61J F2).
 */
export function includePath(raw: string, ref: string): string {
  const path = snapshotPathOf(raw);
  if (path === null) {
    throw new VaultError(
      `--include ${JSON.stringify(raw)}: an include with a ".." part is refused: a directory's snapshot has no path with one (paths are relative to the directory that was backed up); for an S3 snapshot: an include is a key prefix, taken as given, and a key with a ".." part is one no file path can be, which a restore into a directory lists as not restored; ${workflowPrefixAdvice(raw, ref)}`,
    );
  }
  return path;
}

/**
 * An S3 snapshot's --include is a key prefix, taken as given, but includePath drops a leading `/` or `./` as a path's:
 * `--include /photos/sub` restored the key `photos/sub/`'s folder where the workflow selects `/photos/sub/` (review r61E
 * F5). A key starting so is one no file path can be, which a restore into a directory lists as not restored: refused. So
 * is a prefix with an empty part (`a//`), whose trailing slashes includePath dropped: it took the keys of `a` and below
 * `a/` where the workflow selects those starting with `a//` only (review r61Y F3), and one with a "." part: `a/./` took
 * the key `a/.`, which the workflow's `a/./` does not (review r62D F5). A ".." part includePath refuses.
 */
function refuseS3IncludeAsPath(snapshot: Snapshot, raw: string): void {
  if (snapshot.source.kind !== 's3') return;
  const short = snapshot.id.slice(0, 12);
  const elsewhere = workflowPrefixAdvice(raw, short);
  if (/^\.?\//.test(raw)) {
    const without = raw.replace(/^(?:\.?\/)+/, '');
    // Without a key prefix left (`--include /`), no include names those keys: `--include ""` is the whole snapshot.
    const give = without === '' || snapshotPathOf(without) === '' ? '' : `give the keys without it (--include ${JSON.stringify(without)}), or `;
    throw new VaultError(
      `--include ${JSON.stringify(raw)} of S3 snapshot ${short}: an S3 include is a key prefix, taken as given, and a key starting with "/" or "./" is one no file path can be, which a restore into a directory lists as not restored; ${give}${elsewhere}`,
    );
  }
  // The include stops at "/" (`photos/` is photos and what lies below it), so an empty part has no path to stop at.
  if (raw.includes('//')) {
    throw new VaultError(
      `--include ${JSON.stringify(raw)} of S3 snapshot ${short}: an S3 include is a key prefix, taken as given, and a key with an empty part ("//") is one no file path can be, which a restore into a directory lists as not restored; ${elsewhere}`,
    );
  }
  // `.` is no path of a key but the whole snapshot as a file path: taken so, a restore of keys starting with "." wrote
  // the whole bucket into the target (review r61Y F1).
  if (snapshotPathOf(raw) === '' && raw !== '') {
    throw new VaultError(
      `--include ${JSON.stringify(raw)} of S3 snapshot ${short}: an S3 include is a key prefix, taken as given, and ${JSON.stringify(raw)} names no key a file path can be (as a path it is the whole snapshot); give --include "" (or none) for the whole snapshot, or ${elsewhere}`,
    );
  }
  // After the whole-include "." above: a "." part, as an empty one, is no path to stop at; includePath kept it and
  // dropped `a/./`'s "/", so it selected the key `a/.` (stored escaped, vault ls shows it) and the keys below `a/./`.
  if (raw.split('/').includes('.')) {
    throw new VaultError(
      `--include ${JSON.stringify(raw)} of S3 snapshot ${short}: an S3 include is a key prefix, taken as given, and a key with a "." part is one no file path can be, which a restore into a directory lists as not restored; ${elsewhere}`,
    );
  }
}

export function vaultRestore(ref: string, options: VaultRestoreOptions, deps: Partial<VaultCommandDeps> = {}): Promise<number> {
  const { io, env } = { ...defaultDeps, ...deps };
  return runVaultCommand(io, async () => {
    // What the include's text alone refuses, before the target is read or the vault opened (f62E).
    const include = includePath(options.include ?? '', ref);
    await checkRestoreTarget(options.target, options.overwrite ?? false);
    CodecPool.prewarm();
    prewarmPlatformCalls();
    keepFreedBuffersInHeapSoon();
    // Throttled before restoring began, nothing was written whatever --overwrite says: the throttle's words alone named no
    // next step (review r65K F3).
    const { vault, snapshot } = await (async () => {
      const opened = await openForCommand(options, env, io);
      return { vault: opened, snapshot: await opened.resolveSnapshot(ref) };
    })().catch((err: unknown) => {
      throw restoreThrottledInstead(err, options.target, false) ?? err;
    });
    // Once the snapshot's kind is known: an S3 include is refused in keys, not in file-path words (review r61J F2).
    refuseS3IncludeAsPath(snapshot, options.include ?? '');
    // The data's owner restores: every mode bit is kept, setuid/setgid included (as restic does);
    // owners are set when running as root (as tar does) or when asked with --owner.
    // This process is the target's one writer, so what a killed restore left at temporary names
    // goes (only a target that held anything, that is with --overwrite, can hold such files).
    let leftovers = 0;
    let recent = 0;
    const restoring = restoreSnapshot(vault, snapshot, options.target, {
      include,
      overwrite: options.overwrite ?? false,
      keepSetIdBits: true,
      owner: options.owner ? 'always' : 'if-root',
      sparse: options.sparse ?? true,
      leftoverTemporaries: { removed: () => leftovers++, leftRecent: () => recent++ },
    });
    // The same facts as the lines on stderr, for scripts: which snapshot went where, the counts, every entry not restored
    // as recorded, and the files whose data was damaged, or the manifest pages (none but when the restore fails for them).
    // JSON.stringify leaves a path's or key's C1 controls, bidi overrides and U+2028 raw: written as \uXXXX too, which a
    // JSON reader reads back as the same characters, so a terminal showing the object is not driven by them (review r64F F4).
    const printJson = (stats: RestoreStats, damaged: readonly DamagedEntry[]) =>
      io.out(
        unseenJsonEscaped(JSON.stringify({
          snapshotId: snapshot.id,
          target: options.target,
          include,
          stats: { entries: stats.entries, files: stats.files, links: stats.links, dirs: stats.dirs, symlinks: stats.symlinks, specials: stats.specials, bytes: stats.bytes },
          notRestored: stats.notRestored.map((n) => ({
            path: n.path,
            ...(n.key !== undefined ? { key: n.key } : {}),
            // A line said once for many keys (a folder too long for the target): the first of them (review r60A F1).
            ...(n.keys !== undefined ? { keys: n.keys } : {}),
            what: n.what,
            ...(n.entries !== undefined ? { entries: n.entries } : {}),
          })),
          // A damaged manifest page is the entries it lists: from `path` through `through`, `entries` of them (audit a58B F3);
          // with `partlyOutside` (the include), up to that many of the include's, the page listing entries outside it too.
          damaged: damaged.map((d) => ({
            path: d.path,
            ...(d.through !== undefined ? { through: d.through, entries: d.entries } : {}),
            ...(d.partlyOutside !== undefined ? { partlyOutside: d.partlyOutside } : {}),
            // A part only the folder markers' second read could not read: its other entries were restored (review r60I F3).
            ...(d.markersOnly === true ? { markersOnly: true } : {}),
            message: d.error.message,
          })),
          temporaryFiles: { removed: leftovers, leftRecent: recent },
          // Parents of the include made on the way whose entry is on an unreadable page: not the include's entries (f59E).
          ...(stats.unreadParents ? { unreadParents: stats.unreadParents.map((p) => ({ path: p.path, message: p.error.message })) } : {}),
          // What could not be set on the parents made on the way to the include: not its entries, not counted (review r59A F5).
          ...(stats.parentsLack ? { parentsLack: stats.parentsLack.map((n) => ({ path: n.path, what: n.what, ...(n.entries !== undefined ? { entries: n.entries } : {}) })) } : {}),
        })),
      );
    // Said also when the restore fails (damaged files): they were removed all the same.
    const stats = await restoring
      .finally(() => {
        if (leftovers > 0) io.err(`Removed ${leftovers} temporary file(s) (.<name>.lifeboat-<random>.tmp) that an interrupted restore had left in the target`);
        if (recent > 0) io.err(`Left ${recent} temporary file(s) (.<name>.lifeboat-<random>.tmp) changed in the last 15 minutes: another restore into this target may be writing them; a restore after they are that old removes them`);
      })
      .catch(async (err: unknown) => {
        // Every other entry was restored: a script learns which from the object; the error (exit 1) follows on stderr.
        if (options.json && err instanceof RestoreIncompleteError) printJson(err.stats, err.damaged);
        // What was not restored for other reasons (an S3 key no file path can be) is said too, not only the damage (review r60A F2).
        else if (err instanceof RestoreIncompleteError) printNotRestored(io, err.stats.notRestored, '', ' either');
        // A restore stopped part way into a target that was empty: the same command is refused now, so the ways on are said (review r64E F1).
        else if (!(options.overwrite ?? false)) throw (await restoreStoppedInstead(options.target, describeError(err), err)) ?? restoreThrottledInstead(err, options.target, false) ?? err;
        if (!(options.overwrite ?? false)) throw (await restoreIncompleteInstead(options.target, describeError(err), err)) ?? err;
        // Stopped on its first data read, the target it made (or found empty) holds nothing: not "what it wrote so far" (review r65K F4).
        throw restoreThrottledInstead(err, options.target, !(await targetIsEmpty(options.target))) ?? err;
      });
    if (options.json) printJson(stats, []);
    const links = stats.links > 0 ? ` (${stats.links} of them hard links)` : '';
    const specials = stats.specials > 0 ? `, ${stats.specials} special files` : '';
    io.err(`Restored ${stats.entries} entries (${stats.files} files${links}, ${stats.dirs} directories, ${stats.symlinks} symlinks${specials}, ${stats.bytes} bytes) of ${snapshot.id} to ${options.target}`);
    for (const p of stats.unreadParents ?? []) io.err(`Note: ${unreadParentNote(escapeName(p.path), p.error.message)}`);
    if (stats.parentsLack) io.err(`Note: ${parentsLackNote(escapeName(include), stats.parentsLack.map((n) => `${escapeName(n.path)}: ${escapeName(n.what)}`))}`);
    // Counted by entries: a loss of the platform calls is one line for every entry it struck (audit f58E).
    const notRestored = entriesNotRestored(stats.notRestored);
    if (notRestored === 0) return EXIT_OK;
    printNotRestored(io, stats.notRestored, 'restore completed, but ', '');
    return EXIT_INCOMPLETE;
  });
}

/** `lifeboat vault restore`'s list of what was not restored as recorded, under a line counting it (`before` and `after` that count). */
function printNotRestored(io: CliIo, items: readonly NotRestored[], before: string, after: string): void {
  const count = entriesNotRestored(items);
  if (count === 0) return;
  io.err(`lifeboat vault: ${before}${count} ${count === 1 ? 'entry (or attribute of an entry) was' : 'entries (or attributes of entries) were'} not restored as recorded${after}:`);
  const shown = items.slice(0, LISTED_ENTRIES);
  // The reason is escaped as the path is: it may name an extended attribute, whose name is the backup's data (review r58D F6).
  // An S3 key is named as the key (JSON-quoted), not by its manifest path, opaque for a key that is no file path (review r59I F2).
  for (const n of shown) io.err(`  ${n.key !== undefined ? `S3 key ${quotedKey(n.key)}: ${keyLedReason(n.what)}` : `${escapeName(n.path)}: ${escapeName(n.what)}`}${keysOf(n)}`);
  const more = count - entriesNotRestored(shown);
  if (more > 0) io.err(`  … and ${more} more`);
}

/**
 * The reason on a line led by an S3 key: it quotes the key (and a folder of keys) as JSON, which escapeName escaped a
 * second time, doubling its backslashes and writing `\u{202e}`, so the key inside no longer read back with JSON.parse
 * (review r64F F3). Only the controls and unseen characters are escaped, as \uXXXX, which inside its JSON strings reads
 * back as the same characters; the reason's own backslashes stay as written.
 */
function keyLedReason(what: string): string {
  return unseenOnlyEscaped(what);
}

/** The keys a line said once for many S3 keys names (the first of them), and how many more it stands for. */
function keysOf(n: NotRestored): string {
  if (n.keys === undefined) return '';
  const more = (n.entries ?? 1) - n.keys.length;
  return `; the keys: ${n.keys.map(quotedKey).join(', ')}${more > 0 ? ` and ${more} more` : ''}`;
}

/**
 * An S3 key as a JSON string, escaped once: its C1 controls, bidi and unseen characters as \uXXXX within the JSON, so
 * that JSON.parse (the AWS CLI's `--key`) reads back the key itself. escapeName over the JSON escaped it twice: its
 * backslashes doubled and a `\u{200b}` no JSON reader knows (review r63V F3).
 */
function quotedKey(key: string): string {
  return unseenJsonEscaped(JSON.stringify(key));
}

export function vaultVerify(options: VaultVerifyOptions, deps: Partial<VaultCommandDeps> = {}): Promise<number> {
  const { io, env } = { ...defaultDeps, ...deps };
  return runVaultCommand(io, async () => {
    const vault = await openForCommand(options, env, io);
    const report = await verifyVault(vault, { readData: options.readData ?? false });
    // A key or a message quotes a vault object's name, any text: JSON.stringify leaves its C1 controls, bidi overrides and
    // U+2028 raw, so they are written as \uXXXX too (a JSON reader reads back the same text), as forget --json does.
    if (options.json) io.out(unseenJsonEscaped(JSON.stringify(report)));
    else {
      // The keys are shown as `vault ls` shows names (escapeName): a `.tmp-` file a writer named with an ESC or a U+202E
      // is the vault directory's own text, and reached the terminal raw (review r64N F8).
      for (const p of report.problems) io.out(`CORRUPT ${escapeName(p.key)}: ${p.message}`);
      io.out(
        `${report.ok ? 'OK' : 'FAILED'}: ${report.snapshots} snapshots, ${report.entries} manifest entries, ${report.indexes} indexes, ${report.packs} packs, ${report.blobs} blobs${options.readData ? ` (${report.blobsRead} read${report.blobsDamaged > 0 ? `, ${report.blobsDamaged} damaged` : ''})` : ''}, ${report.problems.length} problems`,
      );
      for (const line of describeUnindexed(report)) io.out(line);
      for (const line of describeUnreferenced(report)) io.out(line);
      // Information, not a failure: what a repair's tombstone supersedes on an Object Lock vault (docs/FORMAT.md §12).
      for (const s of report.superseded) io.out(`SUPERSEDED ${escapeName(s.key)}: ${s.message}`);
      const archived = report.archivedNotRead ?? [];
      // Information, not a failure: an archived pack is read only after a thaw (docs/ARCHITECTURE.md, "Storage tiers").
      if (archived.length > 0) io.out(`INFO: ${archived.length} packs not checked: in an archive storage class (a read needs a thaw, S3 RestoreObject), first ${archived.slice(0, 5).join(', ')}`);
    }
    return report.ok ? EXIT_OK : EXIT_FAILED;
  });
}

/**
 * Packs no index lists while snapshots reference blobs no index lists (VerifyReport.unindexed): information, listed as
 * the garbage is, but said to be no garbage, and what indexes them again. Only those that may hold such a blob intact:
 * verify read the headers of such packs (a few), and one holding none of them intact is listed as unreferenced.
 */
function describeUnindexed(report: VerifyReport): string[] {
  const packs = report.unindexed ?? [];
  if (packs.length === 0) return [];
  const unknown = packs.filter((o) => o.bytes === null).length;
  const bytes = packs.reduce((n, o) => n + (o.bytes ?? 0), 0);
  const headerUnread = new Set(report.unindexedHeaderUnread ?? []);
  return [
    ...packs.map((o) => `UNINDEXED ${o.kind} ${escapeName(o.key)}${o.bytes === null ? '' : ` (${o.bytes} bytes)`}${headerUnread.has(o.key) ? ': its header does not read' : ''}`),
    `INFO: ${packs.length} pack(s) no index lists, ${bytes} bytes${unknown > 0 ? ` (+ ${unknown} of unknown size)` : ''}: snapshots reference blobs no index lists (above), and these packs may hold them intact (an index object that listed them is missing or damaged; verify reads the headers of such packs until one holds such a blob intact, ${UNINDEXED_HEADERS_READ} at most, and lists one that holds none of them intact as unreferenced); no garbage while that lasts, and a prune refuses to run until then: run \`lifeboat vault repair index\` (add --read-data to leave damaged blobs out), which indexes every pack whose header reads, then verify again`,
    ...headerUnreadAdvice(packs.filter((o) => headerUnread.has(o.key)).length),
  ];
}

/**
 * Said once a run, not on each pack's line (f60I): what brings back the blobs of the `count` packs no index lists whose
 * header does not read. No repair reads such a pack, but its blobs may be intact at the offsets an index object gives.
 * This command acts on a vault by location, with no environment options, so no `lifeboat scrub --repair` line it could
 * complete: what works on any vault is another copy of it, whose objects have the same names and bytes.
 */
function headerUnreadAdvice(count: number): string[] {
  if (count === 0) return [];
  return [
    `INFO: ${count} of these pack(s) have a header that does not read (marked above): no repair of the index reads them, yet they may still hold those blobs intact. ` +
      'Before any prune, copy the index objects that listed them from another copy of this vault (the same names hold the same bytes there; for a Lifeboat environment\'s vault, ' +
      'its other vault, primary or DR), or copy those packs from it and run `lifeboat vault repair index`; then verify again',
  ];
}

/**
 * The garbage part of a verify report: information, not a failure. Each object is named (a few
 * hundred at most after a killed backup), then the total; said plainly when the list may hold
 * objects that damaged ones reference, so that nobody deletes what a repair still needs.
 */
function describeUnreferenced(report: VerifyReport): string[] {
  if (report.unreferenced.length === 0) return [];
  const unknown = report.unreferenced.filter((o) => o.bytes === null).length;
  const lines = report.unreferenced.map((o) => `UNREFERENCED ${o.kind} ${escapeName(o.key)}${o.bytes === null ? '' : ` (${o.bytes} bytes)`}`);
  const temps = report.unreferenced.filter((o) => o.kind === 'temp').length;
  // Packs and manifest objects are condemned, then deleted after the grace; a temporary file goes once it is older than the grace (a running write may own a young one).
  const reclaim = temps === 0 ? 'a prune reclaims them' : '`vault prune` reclaims them (a temporary file once it is older than the grace, and at least an hour: a running write may own a younger one)';
  lines.push(
    `INFO: ${report.unreferenced.length} unreferenced objects, ${report.unreferencedBytes} bytes${unknown > 0 ? ` (+ ${unknown} of unknown size)` : ''}: left by a killed or failed backup, or being written by a running one; no snapshot needs them, ${reclaim}`,
  );
  if (!report.ok) lines.push('INFO: the problems above may make objects look unreferenced that a damaged snapshot, manifest or index refers to: repair those first, delete nothing listed here');
  return lines;
}

export function vaultLs(ref: string | undefined, options: VaultLsOptions, deps: Partial<VaultCommandDeps> = {}): Promise<number> {
  const { io, env } = { ...defaultDeps, ...deps };
  return runVaultCommand(io, async () => {
    const vault = await openForCommand(options, env, io);
    if (ref === undefined) {
      const snapshots = await vault.listSnapshots();
      // A hostname, a directory, a tag or a time is any text: written as forget --json writes it (\uXXXX for the unseen).
      if (options.json) io.out(unseenJsonEscaped(JSON.stringify(snapshots)));
      // A snapshot's time is its object's text, as its directory is: an ESC or a U+202E in it reached the terminal (review r64F F5).
      else for (const s of snapshots) io.out(`${s.id.slice(0, 16)}  ${escapeName(s.time)}  ${s.source.kind} ${escapeName(s.source.id)}  ${s.stats.entries} entries  ${s.stats.bytes} bytes`);
      return EXIT_OK;
    }
    const snapshot = await vault.resolveSnapshot(ref);
    const s3 = snapshot.source.kind === 's3';
    const prefix = options.prefix ?? '';
    const print = (e: ManifestEntry): void => {
      if (options.json) io.out(unseenJsonEscaped(JSON.stringify(e)));
      else io.out(`${e.kind.padEnd(7)} ${String(e.size).padStart(12)}  ${escapeName(e.path)}${entryDetail(e)}${s3 ? escapedKeyDetail(e) : ''}`);
    };
    for await (const e of vault.entries(snapshot, prefix)) print(e);
    // The keys under an S3 prefix stored escaped (its folder markers: `photos/sub/`) sort apart, under the escaped prefix:
    // listed after the others, as a restore of the same --include makes them (review r61E F6: never shown). Read as the
    // restore reads them, the run of stored paths that can hold them only: a damaged page elsewhere under the escaped prefix
    // failed the listing with a bare "object manifest/… does not exist" (review r61J F1).
    if (!s3 || !markersStoredApart(prefix)) return EXIT_OK;
    const unreadable: UnreadableManifestPart[] = [];
    for await (const e of escapedKeysUnder(vault, await vault.manifest(snapshot), prefix, (key) => underPrefix(key, prefix), unreadable)) print(e);
    if (unreadable.length === 0) return EXIT_OK;
    // Exit 1, as a damaged page listing the prefix's plain keys fails the listing: what is printed is not all there is.
    for (const part of unreadable) {
      const keys = damagedPartKeys(s3KeyOf({ path: part.first, meta: {} }), s3KeyOf({ path: part.last, meta: {} }), `${part.count} entries, some possibly outside ${JSON.stringify(prefix)}`);
      io.err(`lifeboat vault: not listed: ${keys}: ${part.error.message}`);
    }
    io.err(
      `lifeboat vault: snapshot ${snapshot.id.slice(0, 16)}: the listing under ${JSON.stringify(prefix)} is incomplete: the keys stored escaped that the part(s) above list are not shown (a restore of --include ${JSON.stringify(prefix)} lists the same part(s) as not restored); \`lifeboat vault verify\` names the damage`,
    );
    return EXIT_FAILED;
  });
}

/** What `vault ls` prints after an entry's path: a symlink's target, a special file's type, a hard link's first name. */
function entryDetail(e: ManifestEntry): string {
  if (e.kind === 'symlink') return ` -> ${escapeName(String(e.meta['target']))}`;
  if (e.kind === 'special') return ` (${String(e.meta['type'])})`;
  if (typeof e.meta['hardlink'] === 'string') return ` => ${escapeName(e.meta['hardlink'])}`;
  return '';
}

/**
 * The key an S3 backup stores escaped (a folder marker `photos/sub/`, a key no file path can be), after its stored path:
 * `vault ls` showed only `%lifeboat-escaped-key/<base64url>`, where no one finds the folder (review r60M F5).
 */
function escapedKeyDetail(e: ManifestEntry): string {
  // Escaped once: JSON.stringify's `\\` escaped again by escapeName doubled a key's backslashes (review r61E F7).
  return e.path.startsWith(`${ESCAPED_KEY_SEGMENT}/`) ? ` (S3 key "${escapeName(s3KeyOf(e)).replaceAll('"', '\\"')}")` : '';
}

function access(cmd: Command): Command {
  return cmd
    .requiredOption('--vault <location>', 'vault directory or s3://bucket/prefix')
    .option('--key-file <file>', 'key file holding the key that wraps the vault key')
    .option('--passphrase-env <VAR>', 'environment variable holding the vault passphrase');
}

/** `vault prune`: the prune of `lifeboat prune` on a vault given by location (docs/FORMAT.md "Prune"). */
export function vaultPrune(options: VaultPruneOptions, deps: Partial<VaultCommandDeps> = {}): Promise<number> {
  const { io, env } = { ...defaultDeps, ...deps };
  return runVaultCommand(io, async () => {
    const settings = parsePruneSettings(options);
    if (typeof settings === 'string') throw new VaultError(settings);
    const vault = await openForCommand(options, env, io);
    const dryRun = options.dryRun ?? false;
    const startedAt = new Date();
    const { report, temporaryFiles } = await pruneWithTemporaryFiles(vault, { ...settings, dryRun });
    if (options.json) io.out(unseenJsonEscaped(JSON.stringify({ ...report, temporaryFiles }, null, 2)));
    else {
      // What earlier prunes condemned and this run left to its own grace: read again, a failure only shortens the Waiting line.
      const waiting = await earlierBatchesWaiting(vault, { graceMs: settings.graceMs, startedAt, now: new Date() }).catch(() => undefined);
      for (const line of pruneReportLines(report, vault.location, settings.graceMs, temporaryFiles, waiting)) io.out(line);
    }
    return EXIT_OK;
  });
}

/**
 * `vault repair index`: the index rebuilt from the packs (vault/repair/, docs/FORMAT.md "Repairing the
 * index"). Exit 0 when every pack and blob is in the new index; 3 when some were left out (damaged,
 * or missing): each is printed, and snapshots referencing them stay damaged until a backup stores
 * those blobs again or they are forgotten; 3 too when a pack in an archive storage class no index
 * object lists was left out (healthy: thaw it and run the repair again), and when a pack's header is
 * unreadable (its blobs indexed from the old index: they restore, but the pack is damaged until
 * `--read-data` copies them); 1 when the repair failed, or a prune holds the vault's lease
 * (VaultRepairPruneRunningError).
 */
export function vaultRepairIndex(options: VaultRepairIndexOptions, deps: Partial<VaultCommandDeps> = {}): Promise<number> {
  const { io, env } = { ...defaultDeps, ...deps };
  return runVaultCommand(io, async () => {
    const vault = await openForCommand(options, env, io);
    // Read-only, as the repair-index runbook looks (a lease this version cannot read counts as running), once.
    const running = await awaitNoReplicaPrune(vault.store, vault.keys, { now: () => Date.now() });
    if (running) throw new VaultRepairPruneRunningError(vault.location, running);
    const report = await repairIndex(vault, { readData: options.readData ?? false });
    if (report.condemnedNotWeighed !== undefined) {
      io.err(`lifeboat vault: warning: ${report.packsLeftToPrune} pack(s) a pending prune condemns were left to it unread, because the snapshots could not be read to tell whether one needs them: ${report.condemnedNotWeighed}`);
    }
    if (options.json) io.out(unseenJsonEscaped(JSON.stringify({ vault: vault.location, ...report }, null, 2)));
    else for (const line of repairReportLines(report, vault.location)) io.out(line);
    const advice = repairAdviceLines(report);
    for (const line of advice) io.err(line);
    return advice.length === 0 ? EXIT_OK : EXIT_INCOMPLETE;
  });
}

/**
 * `vault repair prune-state`: damaged objects of prune's state replaced (vault/repair/repair-prune-state.ts,
 * docs/FORMAT.md §11 "A damaged prune state"), holding the prune lease. Exit 0, also when nothing was damaged; 1 when the repair failed.
 */
export function vaultRepairPruneState(options: VaultRepairPruneStateOptions, deps: Partial<VaultCommandDeps> = {}): Promise<number> {
  const { io, env } = { ...defaultDeps, ...deps };
  return runVaultCommand(io, async () => {
    const vault = await openForCommand(options, env, io);
    const report = await repairPruneState(vault);
    if (options.json) {
      io.out(unseenJsonEscaped(JSON.stringify({ vault: vault.location, ...report }, null, 2)));
      return EXIT_OK;
    }
    if (report.damaged.length === 0) io.out(`${vault.location}: prune's state is intact; nothing was changed`);
    for (const key of report.damaged) io.out(`Replaced ${key} (damaged)`);
    if (report.tombstone !== null) io.out(`Wrote ${report.tombstone}: a tombstone naming the ${report.missingPacks} pack(s) an index object lists that are no longer stored, so that no backup deduplicates against them (a backup running now refuses to commit: run it again)`);
    if (report.damagedIndexObjects.length > 0) io.out(`Left out ${report.damagedIndexObjects.length} damaged index object(s) (${report.damagedIndexObjects.join(', ')}): backups refuse to run until \`lifeboat vault repair index\` rebuilds the index; run it next`);
    return EXIT_OK;
  });
}

/**
 * What `vault repair index` says on stderr when the index is not whole: none when it is (exit 0). Archived,
 * unlisted packs are counted apart from the damaged: they are healthy, and only a thaw and another run index
 * them, where the damaged ones' blobs are stored again by a backup.
 */
export function repairAdviceLines(report: RepairIndexReport): string[] {
  const lines: string[] = [];
  const archived = report.packsLeftOut.filter((p) => p.reason === 'archived, unlisted').length;
  const damagedPacks = report.packsLeftOut.length - archived;
  if (archived > 0) {
    lines.push(
      `lifeboat vault: ${archived} pack(s) in an archive storage class were left out of the index: no index object lists them, so what they hold cannot be known without reading them; thaw them (restore them to a readable storage class) and run \`lifeboat vault repair index\` again, before a prune condemns them as packs no index object lists`,
    );
  }
  if (damagedPacks + report.blobsLeftOut.length > 0) {
    lines.push(
      `lifeboat vault: the index was rebuilt, but ${damagedPacks} pack(s) and ${report.blobsLeftOut.length} blob(s) were left out of it: a snapshot that references them is damaged until a backup stores those blobs again (back up its source now: blobs in no index are stored anew) or it is forgotten; \`lifeboat vault verify\` names the snapshots`,
    );
  }
  if (report.packsHeaderUnreadable.length > 0) {
    lines.push(
      `lifeboat vault: ${report.packsHeaderUnreadable.length} pack(s) have an unreadable header: their blobs were indexed from the old index and restore, but the packs are damaged (\`lifeboat vault verify\` names them); run \`lifeboat vault repair index --read-data\` to copy their blobs into new packs`,
    );
  }
  return lines;
}

/** What `vault repair index` prints: what was read and indexed, the index objects written and removed, then every pack and blob left out and why. */
export function repairReportLines(report: RepairIndexReport, where: string): string[] {
  const read = report.readData ? 'read whole, every blob decrypted and its id checked' : 'their headers read';
  const lines = [
    `Repaired the index of ${where}: ${report.packsRead} pack(s) ${read}; ${report.packsIndexed} pack(s) with ${report.blobsIndexed} blob(s) indexed.`,
    `Index objects: ${report.indexesWritten.length} written, then ${report.indexesRemoved.length} old one(s) removed${report.indexesUnreadable.length > 0 ? ` (${report.indexesUnreadable.length} of them unreadable)` : ''}${
      report.indexesLocked.length > 0 ? `; ${report.indexesLocked.length} kept by Object Lock (${keptByObjectLock(report.tombstone)})` : ''
    }${report.indexesLeftToPrune > 0 ? `; ${report.indexesLeftToPrune} a pending prune condemns left to it` : ''}.`,
  ];
  for (const s of report.packsSalvaged) lines.push(`Salvaged: ${s.blobsCopied} intact blob(s) of ${packKey(s.pack)} copied into a new pack; the damaged pack is left unindexed, for prune to delete.`);
  if (report.packsLeftToPrune > 0) lines.push(`Left to prune: ${report.packsLeftToPrune} pack(s) a pending prune condemns and no snapshot needs.`);
  if (report.packsNotRead.length > 0) lines.push(`Not read: ${report.packsNotRead.length} pack(s) in an archive storage class (a read needs a thaw), indexed as the old index objects listed them, e.g. ${report.packsNotRead.slice(0, 3).map(packKey).join(', ')}.`);
  for (const p of report.packsHeaderUnreadable) lines.push(`HEADER UNREADABLE pack ${packKey(p.pack)}: ${p.blobs} blob(s) ${p.reason}: ${p.detail}`);
  for (const p of report.packsLeftOut) lines.push(`LEFT OUT pack ${packKey(p.pack)}: ${p.reason}: ${p.detail}`);
  for (const b of report.blobsLeftOut) lines.push(`LEFT OUT blob ${b.blob} of ${packKey(b.pack)}: ${b.reason}: ${b.detail}`);
  return lines;
}

export function registerVaultCommands(program: Command): void {
  const vault = program.command('vault').description('the vault engine: deduplicated, compressed, encrypted snapshots of a directory');
  const exit = (code: number): void => {
    process.exitCode = code;
  };
  access(vault.command('init').description('create a vault (and the key file when absent, mode 0600)'))
    .option('--compression <level>', 'zstd level, or "off"', '3')
    .action(async (o: VaultInitOptions) => exit(await vaultInit(o)));
  access(vault.command('backup').description('back up a directory into a new snapshot; prints its id (exit 3: committed, but some entries could not be read)').argument('<sourceDir>'))
    .option('--parent <id>', 'parent snapshot for reusing unchanged files (default: the latest of the same directory)')
    .addOption(new Option('--no-parent', 'read every file (a full backup)'))
    .option('--json', 'print {snapshotId, stats} as JSON')
    .action(async (source: string, o: VaultBackupOptions) => exit(await vaultBackup(source, o)));
  access(
    vault
      .command('restore')
      .description('restore a snapshot (or a path prefix of it) into a directory (exit 3: completed, but some entries could not be recreated)')
      .argument('<snapshot>', 'snapshot id, unique prefix, or "latest"'),
  )
    .requiredOption('--target <dir>', 'directory to restore into')
    .option('--include <pathPrefix>', 'restore only this path and what lies below it')
    .option('--overwrite', 'restore into a non-empty directory, replacing files and links that are in the way')
    .option('--owner', 'set the recorded owners (uid/gid) and report those that may not be set; without it they are set when running as root')
    .addOption(new Option('--no-sparse', 'write all-zero blocks of files instead of leaving holes'))
    .option('--json', 'print {snapshotId, target, include, stats, notRestored, damaged, temporaryFiles, and unreadParents and parentsLack when --include met them} as JSON on stdout, also when damaged data fails it (the lines on stderr stay)')
    .action(async (ref: string, o: VaultRestoreOptions) => exit(await vaultRestore(ref, o)));
  access(vault.command('verify').description('check the vault structure; with --read-data, decrypt every blob and check its id'))
    .option('--read-data', 'read and check every blob')
    .option('--json', 'print the report as JSON')
    .action(async (o: VaultVerifyOptions) => exit(await vaultVerify(o)));
  access(vault.command('ls').description('list snapshots, or the entries of one snapshot').argument('[snapshot]', 'snapshot id, unique prefix, or "latest"'))
    .option('--prefix <pathPrefix>', 'only entries under this path')
    .option('--json', 'one JSON object per line')
    .action(async (ref: string | undefined, o: VaultLsOptions) => exit(await vaultLs(ref, o)));
  access(
    vault
      .command('forget')
      .description('delete snapshots: the ones named, or those the --keep-* rules do not keep, per backed-up directory (a prune then reclaims their data; exit 3: Object Lock kept some)')
      .argument('[snapshots...]', 'snapshot ids, unique prefixes, or "latest"; name each snapshot once (one named twice is refused, nothing forgotten)'),
  )
    .option('--keep-last <n>', 'keep the n newest snapshots')
    .option('--keep-hourly <n>', 'keep the newest snapshot of each of the n newest hours that have one')
    .option('--keep-daily <n>', 'keep the newest snapshot of each of the n newest days that have one')
    .option('--keep-weekly <n>', 'keep the newest snapshot of each of the n newest ISO weeks that have one')
    .option('--keep-monthly <n>', 'keep the newest snapshot of each of the n newest months that have one')
    .option('--keep-yearly <n>', 'keep the newest snapshot of each of the n newest years that have one')
    .option('--keep-within <duration>', 'keep every snapshot taken within this long before the newest ("7d", "2w", "1y6m")')
    .option('--time-zone <zone>', 'IANA time zone the hours, days, weeks, months and years are counted in (default UTC)')
    .option('--group-by <grouping>', 'apply the --keep-* rules to each "host,path" (default: each directory of each machine) or each "path" (machines whose hostname changes every run)')
    .option('--dry-run', 'show what would be forgotten (and, with --prune, what the prune would then reclaim); change nothing')
    .option('--prune', 'then prune, as `vault prune` does: what only the forgotten snapshots referenced is condemned, and deleted by a run after the grace period')
    .option('--grace <hours>', 'with --prune: hours what this run condemns waits before deletion (default 25); 0 deletes it at once, and a backup running meanwhile refuses to commit (run it again). What earlier prunes condemned keeps the longer of its own grace and this one')
    .option('--repack-threshold <share>', 'with --prune: repack packs with more than this share of garbage (default 0.2)')
    .option('--json', 'print the decisions (and the prune report) as JSON')
    // Loaded when run: the retention rules bring schemas that backup and restore do not load.
    .action(async (refs: string[], o: VaultForgetOptions) => exit(await (await import('./vault-forget-command.js')).vaultForget(refs, o)));
  const repair = vault.command('repair').description('repair a damaged vault');
  access(
    repair
      .command('index')
      .description(
        'build the index again from the packs themselves and replace the old index objects (exit 3: damaged or missing packs or blobs were left out; back up the sources again to store those blobs anew)',
      ),
  )
    .option('--read-data', 'also decrypt every blob and check its id; a damaged blob is left out (its pack\'s intact blobs are copied into a new pack)')
    .option('--json', 'print the report as JSON')
    .action(async (o: VaultRepairIndexOptions) => exit(await vaultRepairIndex(o)));
  access(
    repair
      .command('prune-state')
      .description(
        "replace damaged objects of prune's state (prune/policy, prune/condemned/*), which stop every backup and prune: a damaged batch becomes a tombstone of the indexed packs no longer stored; run it when no prune runs (it takes the prune lease)",
      ),
  )
    .option('--json', 'print the report as JSON')
    .action(async (o: VaultRepairPruneStateOptions) => exit(await vaultRepairPruneState(o)));
  access(vault.command('prune').description('delete what no snapshot references (condemned now, deleted by a run after the grace period), repack packs with too much garbage, and delete old .tmp-* files of killed writers'))
    .option('--dry-run', 'show what would be deleted, condemned and repacked, and the bytes freed; change nothing')
    .option('--grace <hours>', 'hours what this run condemns waits before deletion (default 25); 0 deletes it at once, and a backup running meanwhile refuses to commit (run it again). What earlier runs condemned keeps the longer of its own grace and this one')
    .option('--repack-threshold <share>', 'repack packs with more than this share of garbage (default 0.2)')
    .option('--json', 'print the report as JSON')
    .action(async (o: VaultPruneOptions) => exit(await vaultPrune(o)));
  registerVaultKeyCommands(vault);
}
