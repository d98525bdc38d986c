import { createHash } from 'node:crypto';
import { type core } from 'zod/mini';
import { checkSchema } from '../repository/vault-schema';
import { EnvelopeError, objectContext, open, seal, type SealedObjectKind } from './sealed-codec';
import { VaultCorruptionError } from '../vault-errors';
import { type VaultKeys } from './vault-keys';
import { type VaultStore } from '../backend/vault-store';

/**
 * Content-addressed sealed objects (index, manifest pages and roots, snapshots): stored at
 * `<prefix><sha256 of the stored bytes>`, so a reader checks the name before decrypting and a
 * changed byte, or an object copied under another name, is caught and named.
 */
const MAX_OBJECT_PLAINTEXT = 512 * 1024 * 1024;

export function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export async function putSealedObject(
  store: VaultStore,
  keys: VaultKeys,
  keyOf: (id: string) => string,
  kind: SealedObjectKind,
  plaintext: Uint8Array,
  compressionLevel: number | null,
): Promise<string> {
  const { stored } = await seal(keys, objectContext(kind), plaintext, { compressionLevel });
  const id = sha256Hex(stored);
  await store.put(keyOf(id), stored);
  return id;
}

/** Reads, checks the content address, decrypts. `id` null for objects with a fixed name (config). */
export async function getSealedObject(store: VaultStore, keys: VaultKeys, key: string, id: string | null, kind: SealedObjectKind): Promise<Buffer> {
  const stored = await store.get(key);
  if (id !== null && sha256Hex(stored) !== id) throw new VaultCorruptionError(store.location, key, 'its SHA-256 does not match its name');
  return openSealed(store.location, key, keys, kind, stored);
}

export async function openSealed(location: string, key: string, keys: VaultKeys, kind: SealedObjectKind, stored: Uint8Array): Promise<Buffer> {
  try {
    return await open(keys, objectContext(kind), stored, { maxPlaintext: MAX_OBJECT_PLAINTEXT });
  } catch (err) {
    if (err instanceof EnvelopeError) throw new VaultCorruptionError(location, key, err.message);
    throw err;
  }
}

export function encodeJson(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), 'utf8');
}

/** Parses JSON read from the vault with a zod schema; any failure is corruption of that object. */
export function decodeJson<S extends core.$ZodType>(schema: S, plain: Buffer, where: { location: string; key: string }): core.output<S> {
  const checked = checkSchema(schema, parseJson(plain, where));
  if (!checked.ok) throw new VaultCorruptionError(where.location, where.key, `unexpected structure at ${checked.problem}`);
  return checked.value;
}

/**
 * decodeJson with a hand-written parser instead of a schema, for the objects read by the thousand
 * (manifest pages). `parse` throws an Error whose message says where the structure is wrong.
 */
export function decodeJsonWith<T>(parse: (raw: unknown) => T, plain: Buffer, where: { location: string; key: string }): T {
  const raw = parseJson(plain, where);
  try {
    return parse(raw);
  } catch (err) {
    throw new VaultCorruptionError(where.location, where.key, `unexpected structure at ${err instanceof Error ? err.message : String(err)}`);
  }
}

function parseJson(plain: Buffer, where: { location: string; key: string }): unknown {
  try {
    return JSON.parse(plain.toString('utf8')) as unknown;
  } catch {
    throw new VaultCorruptionError(where.location, where.key, 'content is not JSON');
  }
}
