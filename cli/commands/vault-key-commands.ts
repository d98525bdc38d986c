import * as fs from 'node:fs/promises';
import { type Command } from 'commander';
import { addKeyObject, KeyFileKeyProvider, keyObjectId, keyObjectOpenedBy, type KeyObjectSummary, listKeyObjects, removeKeyObject, shortKeyObjectId, VaultError } from '../../vault';
import { defaultDeps, EXIT_OK, keyProvider, openForCommand, passphraseFromEnv, runVaultCommand, type VaultAccessOptions, type VaultCommandDeps } from './vault-commands';

/**
 * `lifeboat vault key list | add | remove`: several credentials for one vault, as restic's `key` commands
 * (vault/keys/key-management.ts, docs/FORMAT.md §2 "Adding and retiring a key"). Each command opens the
 * vault with its current credential (--key-file or --passphrase-env); `add` wraps the same master key
 * under a new one, `remove` deletes another credential's key object. KMS key objects, in a vault that also has a
 * key-file or passphrase one, are listed, never added or removed here: their key is KMS's, rotated by KMS. An
 * environment's vault, whose key objects are KMS's only, is not opened by `lifeboat vault` at all.
 */
export type VaultKeyListOptions = VaultAccessOptions & { json?: boolean };
export type VaultKeyAddOptions = VaultAccessOptions & { newKeyFile?: string; newPassphraseEnv?: string };
export type VaultKeyRemoveOptions = VaultAccessOptions;

/** `vault key list`: every key object, the one that opened the vault marked `*`; a damaged one is listed as such (exit 0: `vault verify` reports it). */
export function vaultKeyList(options: VaultKeyListOptions, deps: Partial<VaultCommandDeps> = {}): Promise<number> {
  const { io, env } = { ...defaultDeps, ...deps };
  return runVaultCommand(io, async () => {
    const provider = await keyProvider(options, env, false);
    const vault = await openForCommand(options, env, io, provider);
    const keys = await listKeyObjects(vault, provider);
    if (options.json) {
      io.out(JSON.stringify({ vault: vault.location, keys: keys.map((k) => ({ ...k, shortId: shortKeyObjectId(k.id) })) }, null, 2));
      return EXIT_OK;
    }
    for (const line of keyListLines(keys)) io.out(line);
    return EXIT_OK;
  });
}

/** What `vault key list` prints: restic's table (`*` before the key object in use), then what the mark means. */
export function keyListLines(keys: readonly KeyObjectSummary[]): string[] {
  const lines = [' ID        Kind        Created (UTC)         Detail', '-'.repeat(72)];
  for (const k of keys) {
    const created = k.created === null ? '-' : k.created.replace('T', ' ').replace(/\.\d+Z$|Z$/, '');
    lines.push(`${k.current ? '*' : ' '}${shortKeyObjectId(k.id)}  ${(k.kind ?? 'DAMAGED').padEnd(10)}  ${created.padEnd(20)}  ${keyDetail(k)}`.trimEnd());
  }
  lines.push(`* opened the vault now; ${keys.length} key object(s)`);
  return lines;
}

function keyDetail(k: KeyObjectSummary): string {
  if (k.damage !== undefined) return `${k.damage}: it opens nothing (\`lifeboat vault key remove ${shortKeyObjectId(k.id)}\` removes it)`;
  if (k.fingerprint !== undefined) return `key file fingerprint ${k.fingerprint}`;
  if (k.kmsKeyId !== undefined) return `KMS key ${k.kmsKeyId}`;
  if (k.costly !== undefined) return k.costly;
  return '';
}

/**
 * `vault key add`: opens the vault with the current credential, then stores the master key wrapped under the new
 * one; prints the new key object's id. A new key file is created (mode 0600) when absent, as `vault init` does,
 * and removed again when the key object could not be stored (a key file that opens nothing is not a credential), unless a
 * key object for it exists by then or the vault cannot be asked (then it is kept, with a note).
 */
export function vaultKeyAdd(options: VaultKeyAddOptions, deps: Partial<VaultCommandDeps> = {}): Promise<number> {
  const { io, env } = { ...defaultDeps, ...deps };
  return runVaultCommand(io, async () => {
    const { newKeyFile, newPassphraseEnv } = options;
    if (newKeyFile !== undefined && newPassphraseEnv !== undefined) throw new VaultError('give --new-key-file <file> or --new-passphrase-env <VAR>, not both');
    if (newPassphraseEnv !== undefined) {
      // Read before the vault is opened, so that a variable left unset fails at once.
      const passphrase = passphraseFromEnv(env, newPassphraseEnv, '--new-passphrase-env');
      io.out(keyObjectId(await addKeyObject(await openForCommand(options, env, io), passphrase)));
      return EXIT_OK;
    }
    if (newKeyFile === undefined) throw new VaultError('give the new credential with --new-key-file <file> or --new-passphrase-env <VAR>');
    // Opened first: a wrong current credential creates no new key file.
    const vault = await openForCommand(options, env, io);
    const { provider, created } = await KeyFileKeyProvider.loadOrCreate(newKeyFile);
    let key: string;
    try {
      key = await addKeyObject(vault, provider);
    } catch (err) {
      // Not a file another run's add (the same command twice at once) has meanwhile made a key object for; when the
      // vault cannot be asked, the file stays (an unused key file is harmless, a deleted credential is not).
      const opens = created ? await keyObjectOpenedBy(vault, provider).catch(() => 'unknown') : undefined;
      if (created && opens === undefined) await fs.rm(newKeyFile, { force: true });
      if (opens === 'unknown') io.err(`lifeboat vault: note: kept the key file ${newKeyFile} this command created: the vault could not be asked whether a key object for it exists; it may open nothing (check with \`lifeboat vault key list --vault ${options.vault} --key-file ${newKeyFile}\`)`);
      throw err;
    }
    if (created) io.err(`lifeboat vault: note: created the key file ${newKeyFile} (mode 0600); keep a copy apart from the vault`);
    io.out(keyObjectId(key));
    return EXIT_OK;
  });
}

/** `vault key remove <id>`: deletes another credential's key object (an id or a unique prefix of one). */
export function vaultKeyRemove(id: string, options: VaultKeyRemoveOptions, deps: Partial<VaultCommandDeps> = {}): Promise<number> {
  const { io, env } = { ...defaultDeps, ...deps };
  return runVaultCommand(io, async () => {
    const provider = await keyProvider(options, env, false);
    const vault = await openForCommand(options, env, io, provider);
    const removed = await removeKeyObject(vault, provider, id);
    io.out(`Removed key object ${keyObjectId(removed)}`);
    // A crossing remove elsewhere puts back the one it deleted and tells only its own operator (docs/FORMAT.md §2).
    io.err(
      `lifeboat vault: note: a \`vault key remove\` running at the same time with the credential this command retired puts back the key object it removed, even one retired here too, and only its own output says so: check with \`lifeboat vault key list\` once no other remove runs on this vault, above all when the retired credential may have leaked`,
    );
    return EXIT_OK;
  });
}

function access(cmd: Command): Command {
  return cmd
    .requiredOption('--vault <location>', 'vault directory or s3://bucket/prefix')
    .option('--key-file <file>', 'a key file that opens the vault now')
    .option('--passphrase-env <VAR>', 'environment variable holding a passphrase that opens the vault now');
}

export function registerVaultKeyCommands(vault: Command): void {
  const exit = (code: number): void => {
    process.exitCode = code;
  };
  const key = vault
    .command('key')
    .description(
      "manage the vault's credentials (key objects, as restic's `key`): each wraps the same master key, so adding or retiring one re-encrypts nothing; KMS key objects (in a vault that also has a key file or passphrase) are listed, not added or removed: their key is KMS's, rotated by KMS; an environment's vault, KMS only, is not opened by lifeboat vault",
    );
  access(key.command('list').description('list the key objects: id, kind, created, key file fingerprint; * marks the one that opened the vault now; damaged ones are listed as such'))
    .option('--json', 'print {vault, keys} as JSON')
    .action(async (o: VaultKeyListOptions) => exit(await vaultKeyList(o)));
  access(key.command('add').description('wrap the vault key under a new key file or passphrase as a new key object; prints its id'))
    .option('--new-key-file <file>', 'the new key file (created, mode 0600, when absent)')
    .option('--new-passphrase-env <VAR>', 'environment variable holding the new passphrase')
    .action(async (o: VaultKeyAddOptions) => exit(await vaultKeyAdd(o)));
  access(
    key
      .command('remove')
      .description('delete a key object, so that its key file or passphrase no longer opens the vault (not the one in use now, nor a KMS one)')
      .argument('<id>', 'key object id, or a unique prefix of it (`vault key list` shows them)'),
  ).action(async (id: string, o: VaultKeyRemoveOptions) => exit(await vaultKeyRemove(id, o)));
}
