import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as z from 'zod/mini';
import { checkSchema } from '../repository/vault-schema';
import { type KeyProvider, VAULT_KEY_BYTES, type WrappedVaultKey } from './key-provider';
import { unwrapKey, wrapKey } from '../crypto/key-wrap';
import { KeyUnwrapError } from '../vault-errors';
import { DamagedKeyObjectError } from './damaged-key-object-error';

/**
 * A local key file holding 32 random bytes that wrap the vault's master key (docs/FORMAT.md §2).
 * File format: JSON `{"lifeboatKeyFile":1,"key":"<base64 of 32 bytes>"}`, mode 0600.
 * The wrapped key records a fingerprint (first 16 hex of SHA-256 of the file key) so that the
 * wrong key file is reported as such, not as corruption.
 */
const keyFileSchema = z.object({ lifeboatKeyFile: z.literal(1), key: z.string() });

/** Creates `file` exclusively (mode 0600) with `body`, synced: a key that a crash loses would orphan the vault it wraps. */
async function writeSynced(file: string, body: string): Promise<void> {
  const fh = await fs.open(file, 'wx', 0o600);
  try {
    await fh.writeFile(body);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Makes a new name in `dir` durable; best effort, as some file systems cannot sync a directory. */
async function syncDirectory(dir: string): Promise<void> {
  try {
    const fh = await fs.open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    // Ignored on purpose: the key file itself is synced; only its name might not survive a power cut.
  }
}

export class KeyFileKeyProvider implements KeyProvider {
  readonly kind = 'key-file' as const;

  private constructor(
    readonly file: string,
    private readonly fileKey: Buffer,
  ) {}

  /** Reads an existing key file. */
  static async load(file: string): Promise<KeyFileKeyProvider> {
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (err) {
      throw new KeyUnwrapError(`cannot read key file ${file}: ${err instanceof Error ? err.message : String(err)}`);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    const parsed = checkSchema(keyFileSchema, json);
    if (!parsed.ok) throw new KeyUnwrapError(`${file} is not a Lifeboat key file (expected {"lifeboatKeyFile":1,"key":"<base64>"})`);
    const key = Buffer.from(parsed.value.key, 'base64');
    if (key.length !== 32) throw new KeyUnwrapError(`key file ${file} must hold 32 bytes of key, it holds ${key.length}`);
    return new KeyFileKeyProvider(file, key);
  }

  /**
   * Creates a new key file (mode 0600); refuses to overwrite an existing one (an error with code
   * EEXIST). The body is written whole and synced to a temporary file beside it, then hard-linked to
   * the name, which fails when the name exists: a concurrent loadOrCreate (two first backups of a
   * fresh data directory) never reads a key file that is created but not yet written.
   */
  static async create(file: string): Promise<KeyFileKeyProvider> {
    const key = randomBytes(32);
    const body = `${JSON.stringify({ lifeboatKeyFile: 1, key: key.toString('base64') })}\n`;
    const temp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(8).toString('hex')}.tmp`);
    try {
      await writeSynced(temp, body);
      try {
        await fs.link(temp, file);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        // A file system without hard links: an exclusive create, not atomic, is the best it offers.
        if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw err;
        await writeSynced(file, body);
      }
    } finally {
      await fs.rm(temp, { force: true });
    }
    await syncDirectory(path.dirname(file));
    return new KeyFileKeyProvider(file, key);
  }

  /**
   * Loads the key file, creating it first when it does not exist. Loaded first: an existing key file in a directory this
   * process may not write (a read-only mount) must load, and create() writes a temporary file beside it (review 42e F2).
   */
  static async loadOrCreate(file: string): Promise<{ provider: KeyFileKeyProvider; created: boolean }> {
    const exists = await fs.access(file).then(
      () => true,
      () => false,
    );
    if (exists) return { provider: await KeyFileKeyProvider.load(file), created: false };
    try {
      return { provider: await KeyFileKeyProvider.create(file), created: true };
    } catch (err) {
      // Another writer created it in between (two first backups of a fresh data directory): theirs is the key.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      return { provider: await KeyFileKeyProvider.load(file), created: false };
    }
  }

  private fingerprint(): string {
    return createHash('sha256').update(this.fileKey).digest('hex').slice(0, 16);
  }

  async createVaultKey(): Promise<{ plaintext: Buffer; wrapped: WrappedVaultKey }> {
    const plaintext = randomBytes(VAULT_KEY_BYTES);
    return { plaintext, wrapped: await this.wrapVaultKey(plaintext) };
  }

  wrapVaultKey(material: Buffer): Promise<WrappedVaultKey> {
    const { ciphertext, nonce } = wrapKey(this.fileKey, material, this.kind);
    return Promise.resolve({ kind: this.kind, ciphertext, params: { nonce, fingerprint: this.fingerprint() } });
  }

  async unwrapVaultKey(wrapped: WrappedVaultKey): Promise<Buffer> {
    if (wrapped.kind !== this.kind) throw new KeyUnwrapError(`this vault key is of kind ${wrapped.kind}; a key file cannot open it`);
    const { nonce, fingerprint } = wrapped.params;
    if (typeof nonce !== 'string') throw new DamagedKeyObjectError('the wrapped key has no nonce');
    if (fingerprint !== this.fingerprint()) {
      throw new KeyUnwrapError(`key file ${this.file} (fingerprint ${this.fingerprint()}) is not the key of this vault (it expects ${String(fingerprint)})`);
    }
    return Promise.resolve(unwrapKey(this.fileKey, wrapped.ciphertext, nonce, this.kind, `key file ${this.file} does not unwrap the vault key: the key object was changed`));
  }
}
