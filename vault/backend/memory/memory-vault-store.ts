import { VaultCorruptionError, VaultError, VaultObjectNotFoundError } from '../../vault-errors';
import { type ByteRange, type DeleteOptions, type ListedObject, type PutOptions, type VaultStore } from '../vault-store';
import { vaultKeyProblem } from '../vault-key-rules';

/**
 * A vault held in this process's memory: tests and tools that need a throwaway store without a
 * directory or an S3 endpoint. It follows the VaultStore contract as the S3 store does (keys are
 * checked the same way, a range past the end of an object is corruption, not a short read), and
 * keeps its own copy of every object, so changing a buffer after `put` or after `get` changes
 * nothing stored. Every call is one synchronous step on the map, which makes `putIfAbsent`
 * trivially atomic. It keeps the tags an object is written with, as S3 does (a write replaces them, without
 * tags it leaves none), so tests can see which tier a pack was given.
 */
export class MemoryVaultStore implements VaultStore {
  readonly location: string;
  private readonly objects = new Map<string, Buffer>();
  private readonly tags = new Map<string, Readonly<Record<string, string>>>();

  /** `name` only labels the store in error messages (`memory://<name>`). */
  constructor(name = 'vault') {
    this.location = `memory://${name}`;
  }

  async put(key: string, body: Uint8Array, options?: PutOptions): Promise<void> {
    this.store(this.checkedKey(key), Buffer.from(body), options);
  }

  async putParts(key: string, parts: readonly Uint8Array[], options?: PutOptions): Promise<void> {
    this.store(this.checkedKey(key), Buffer.concat(parts), options);
  }

  async putIfAbsent(key: string, body: Uint8Array): Promise<boolean> {
    const checked = this.checkedKey(key);
    if (this.objects.has(checked)) return false;
    this.store(checked, Buffer.from(body), undefined);
    return true;
  }

  async get(key: string, range?: ByteRange): Promise<Buffer> {
    const body = this.objects.get(this.checkedKey(key));
    if (body === undefined) throw new VaultObjectNotFoundError(this.location, key);
    if (range === undefined) return Buffer.from(body);
    if (!Number.isSafeInteger(range.offset) || range.offset < 0 || !Number.isSafeInteger(range.length) || range.length < 0) {
      throw new VaultError(`${this.location}: invalid byte range offset=${range.offset} length=${range.length} for object ${key}`);
    }
    if (range.offset + range.length > body.length) {
      throw new VaultCorruptionError(this.location, key, `asked for ${range.length} bytes from offset ${range.offset} but the object is ${body.length} bytes long (truncated, or an index points past its end)`);
    }
    return Buffer.from(body.subarray(range.offset, range.offset + range.length));
  }

  async has(key: string): Promise<boolean> {
    return this.objects.has(this.checkedKey(key));
  }

  async *list(prefix: string): AsyncIterable<string> {
    for (const key of this.keysUnder(prefix)) yield key;
  }

  async *listWithSizes(prefix: string): AsyncIterable<ListedObject> {
    for (const key of this.keysUnder(prefix)) {
      // Deleted since the keys were taken: left out, as a listing taken now would.
      const body = this.objects.get(key);
      if (body !== undefined) yield { key, size: body.length };
    }
  }

  /** A copy of the keys under `prefix` (the caller may put or delete while it iterates). */
  private keysUnder(prefix: string): string[] {
    if (prefix !== '' && (!prefix.endsWith('/') || vaultKeyProblem(prefix.slice(0, -1)) !== undefined)) {
      throw new VaultError(`${this.location}: invalid list prefix ${JSON.stringify(prefix)}: a list prefix is '' or a vault key followed by '/'`);
    }
    return [...this.objects.keys()].filter((key) => key.startsWith(prefix));
  }

  /** No Object Lock in memory, so nothing retains an object: `overRetention` changes nothing. */
  async delete(key: string, _options?: DeleteOptions): Promise<void> {
    const checked = this.checkedKey(key);
    this.objects.delete(checked);
    this.tags.delete(checked);
  }

  async tagsOf(key: string): Promise<Record<string, string>> {
    const checked = this.checkedKey(key);
    if (!this.objects.has(checked)) throw new VaultObjectNotFoundError(this.location, key);
    return { ...this.tags.get(checked) };
  }

  private store(key: string, body: Buffer, options: PutOptions | undefined): void {
    this.objects.set(key, body);
    const tags = options?.tags;
    if (tags && Object.keys(tags).length > 0) this.tags.set(key, { ...tags });
    else this.tags.delete(key);
  }

  private checkedKey(key: string): string {
    const problem = vaultKeyProblem(key);
    if (problem !== undefined) {
      throw new VaultError(`${this.location}: invalid object key ${JSON.stringify(key)}: ${problem}; vault keys are relative '/'-separated paths such as data/ab/<id>`);
    }
    return key;
  }
}

