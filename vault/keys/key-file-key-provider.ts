import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as z from 'zod/mini';
import { checkSchema } from '../repository/vault-schema';
import { type KeyProvider, VAULT_KEY_BYTES, type WrappedVaultKey } from './key-provider';
import { unwrapKey, wrapKey } from '../crypto/key-wrap';
import { KeyUnwrapError } from '../vault-errors';

/**
 * A local key file holding 32 random bytes that wrap the vault's master key (docs/FORMAT.md §2).
 * File format: JSON `{"lifeboatKeyFile":1,"key":"<base64 of 32 bytes>"}`, mode 0600.
 * The wrapped key records a fingerprint (first 16 hex of SHA-256 of the file key) so that the
 * wrong key file is reported as such, not as corruption.
 */
const keyFileSchema = z.object({ lifeboatKeyFile: z.literal(1), key: z.string() });

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

  /** Creates a new key file (mode 0600); refuses to overwrite an existing one. */
  static async create(file: string): Promise<KeyFileKeyProvider> {
    const key = randomBytes(32);
    const body = `${JSON.stringify({ lifeboatKeyFile: 1, key: key.toString('base64') })}\n`;
    await fs.writeFile(file, body, { mode: 0o600, flag: 'wx' });
    return new KeyFileKeyProvider(file, key);
  }

  /** Loads the key file, creating it first when it does not exist. */
  static async loadOrCreate(file: string): Promise<{ provider: KeyFileKeyProvider; created: boolean }> {
    try {
      return { provider: await KeyFileKeyProvider.create(file), created: true };
    } catch (err) {
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
    if (typeof nonce !== 'string') throw new KeyUnwrapError('the wrapped key has no nonce');
    if (fingerprint !== this.fingerprint()) {
      throw new KeyUnwrapError(`key file ${this.file} (fingerprint ${this.fingerprint()}) is not the key of this vault (it expects ${String(fingerprint)})`);
    }
    return Promise.resolve(unwrapKey(this.fileKey, wrapped.ciphertext, nonce, this.kind, `key file ${this.file} does not unwrap the vault key: the key object was changed`));
  }
}
