import type * as z from 'zod/mini';
import { type KeyProvider, type WrappedVaultKey } from './key-provider';
import { decodeJson, encodeJson, sha256Hex } from '../crypto/sealed-object';
import { keyObjectSchema } from '../repository/vault-config';
import { KeyUnwrapError, VaultCorruptionError, VaultObjectNotFoundError } from '../vault-errors';
import { idFromKey, KEYS_PREFIX, keyObjectKey } from '../repository/vault-layout';
import { type VaultStore } from '../backend/vault-store';
import { DamagedKeyObjectError } from './damaged-key-object-error';
import { readScryptParams } from './passphrase-key-provider';
import { kmsCiphertextProblem } from './kms-ciphertext';

/** Stores a wrapped master key as a `keys/<sha256>` object (docs/FORMAT.md §2) and returns its key. */
export async function putKeyObject(store: VaultStore, wrapped: WrappedVaultKey, created: Date = new Date()): Promise<string> {
  const body = encodeJson({ v: 1, created: created.toISOString(), wrapped });
  const key = keyObjectKey(sha256Hex(body));
  await store.put(key, body);
  return key;
}

/** Why the key objects a provider went through could not be used: what an open that fails reports. */
export type KeyObjectFindings = {
  /** One line per key object not used: of another kind, a wrong key or passphrase, damaged. */
  readonly problems: string[];
  /** The kinds of the key objects another provider would open (a passphrase vault opened with a key file). */
  readonly otherKinds: Set<string>;
  /** The key objects that are damaged or forged (see readKeyObject); they were skipped. */
  readonly damaged: string[];
  /** How many intact key objects of the provider's own kind it tried to unwrap. */
  ownKindTried: number;
};

export function newKeyObjectFindings(): KeyObjectFindings {
  return { problems: [], otherKinds: new Set(), damaged: [], ownKindTried: 0 };
}

/** What to do about a damaged key object: it opens nothing, and other key objects may open the vault. */
export const DAMAGED_KEY_OBJECT_ADVICE =
  'restore it from a noncurrent version (S3 versioning) or a copy of the vault; a key object the vault does not need (another one opens it) may be deleted';

type KeyObject = z.infer<typeof keyObjectSchema>;

/** Why a wrapped key's fields are impossible for its kind (what each provider also refuses before unwrapping), or undefined. */
function wrappedKeyProblem(wrapped: WrappedVaultKey): string | undefined {
  switch (wrapped.kind) {
    case 'passphrase': {
      const stored = readScryptParams(wrapped.params);
      return 'problem' in stored ? stored.problem : undefined;
    }
    case 'key-file':
      return typeof wrapped.params['nonce'] === 'string' ? undefined : 'the wrapped key has no nonce';
    case 'kms':
      return kmsCiphertextProblem(wrapped.ciphertext);
  }
}

/**
 * The key object stored at `key`, or why its bytes cannot be one a Lifeboat writer stored: its name is
 * not their SHA-256, they are not JSON of the key object's structure, or its wrapped key's fields are
 * impossible (scrypt parameters beyond the readers' cost limit, checked here before any derivation).
 */
function readKeyObject(store: VaultStore, key: string, id: string, body: Buffer): { keyObject: KeyObject } | { damage: string } {
  if (sha256Hex(body) !== id) return { damage: 'its SHA-256 does not match its name' };
  let keyObject: KeyObject;
  try {
    keyObject = decodeJson(keyObjectSchema, body, { location: store.location, key });
  } catch (err) {
    if (err instanceof VaultCorruptionError) return { damage: err.detail };
    throw err;
  }
  const damage = wrappedKeyProblem(keyObject.wrapped);
  return damage === undefined ? { keyObject } : { damage };
}

/**
 * Every `keys/` object in listing order, as readKeyObject judges it. A key object removed between listing and
 * reading (an init that lost its race, cleaning up) is passed over.
 */
export async function* keyObjectsOf(store: VaultStore): AsyncGenerator<{ key: string; read: ReturnType<typeof readKeyObject> }> {
  for await (const key of store.list(KEYS_PREFIX)) {
    const id = idFromKey(KEYS_PREFIX, key);
    if (id === null) continue;
    let body: Buffer;
    try {
      body = await store.get(key);
    } catch (err) {
      if (err instanceof VaultObjectNotFoundError) continue;
      throw err;
    }
    yield { key, read: readKeyObject(store, key, id, body) };
  }
}

/**
 * The master key material of every `keys/` object `provider` can unwrap, in listing order. Why the
 * others could not be used goes into `findings`: another kind of key, a wrong key or passphrase, or
 * damage. A damaged or forged key object is skipped like a wrong one (docs/FORMAT.md §2: a reader
 * tries each key object until one opens `config`), so that one bad object under `keys/` (a stray
 * key of an init that lost its race, rotted; an object the primary account may create in the DR
 * vault) cannot lock a vault whose own key object is intact. A key object removed between listing
 * and reading (an init that lost its race, cleaning up) is skipped silently.
 */
export async function* unwrapKeyObjects(store: VaultStore, provider: KeyProvider, findings: KeyObjectFindings = newKeyObjectFindings()): AsyncGenerator<{ key: string; material: Buffer }> {
  const damaged = (key: string, damage: string): void => {
    findings.damaged.push(key);
    findings.problems.push(`${key} is damaged (${damage}): skipped`);
  };
  for await (const { key, read } of keyObjectsOf(store)) {
    if ('damage' in read) {
      damaged(key, read.damage);
      continue;
    }
    const { wrapped } = read.keyObject;
    if (wrapped.kind !== provider.kind) {
      findings.problems.push(`${key} is a ${wrapped.kind} key`);
      findings.otherKinds.add(wrapped.kind);
      continue;
    }
    findings.ownKindTried++;
    let material: Buffer;
    try {
      material = await provider.unwrapVaultKey(wrapped);
    } catch (err) {
      if (err instanceof DamagedKeyObjectError) damaged(key, err.message);
      else if (err instanceof KeyUnwrapError) findings.problems.push(err.message);
      else throw err;
      continue;
    }
    yield { key, material };
  }
}

/**
 * The damaged key objects of a vault (as readKeyObject judges them without a key), as corruption
 * errors whose message says what to do: `vault verify` reports them, since a reader skips them and
 * nothing else would tell that the vault has lost one of its ways in.
 */
export async function damagedKeyObjects(store: VaultStore): Promise<VaultCorruptionError[]> {
  const found: VaultCorruptionError[] = [];
  for await (const { key, read } of keyObjectsOf(store)) {
    if ('damage' in read) found.push(new VaultCorruptionError(store.location, key, `${read.damage}; it opens nothing (this vault opened through another key object): ${DAMAGED_KEY_OBJECT_ADVICE}`));
  }
  return found;
}
