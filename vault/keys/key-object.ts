import type * as z from 'zod/mini';
import { type KeyProvider, type WrappedVaultKey } from './key-provider';
import { decodeJson, encodeJson, sha256Hex } from '../crypto/sealed-object';
import { keyObjectSchema } from '../repository/vault-config';
import { KeyUnwrapError, VaultCorruptionError, VaultObjectNotFoundError } from '../vault-errors';
import { idFromKey, KEYS_PREFIX, keyObjectKey } from '../repository/vault-layout';
import { type VaultStore } from '../backend/vault-store';
import { DamagedKeyObjectError } from './damaged-key-object-error';
import { readScryptParams, scryptCostlyReason, scryptWork } from './passphrase-key-provider';
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
 * Why a reader tries a passphrase key object only after every cheaper one (its scrypt cost, see SCRYPT_PROMPT_COST),
 * with that cost's work to order such objects by; undefined for any other.
 */
function costliness(wrapped: WrappedVaultKey): { reason: string; work: number } | undefined {
  if (wrapped.kind !== 'passphrase') return undefined;
  const stored = readScryptParams(wrapped.params);
  if ('problem' in stored) return undefined;
  const reason = scryptCostlyReason(stored.cost);
  return reason === undefined ? undefined : { reason, work: scryptWork(stored.cost) };
}

/** A key object as read: intact (costly when a reader tries it last), or damaged and why. */
export type KeyObjectRead = { keyObject: KeyObject; costly?: { reason: string; work: number } } | { damage: string };

/**
 * The key object stored at `key`, or why its bytes cannot be one a Lifeboat writer stored: its name is
 * not their SHA-256, they are not JSON of the key object's structure, or its wrapped key's fields are
 * impossible (scrypt parameters beyond the readers' cost limit, checked here before any derivation).
 */
function readKeyObject(store: VaultStore, key: string, id: string, body: Buffer): KeyObjectRead {
  if (sha256Hex(body) !== id) return { damage: 'its SHA-256 does not match its name' };
  let keyObject: KeyObject;
  try {
    keyObject = decodeJson(keyObjectSchema, body, { location: store.location, key });
  } catch (err) {
    if (err instanceof VaultCorruptionError) return { damage: err.detail };
    throw err;
  }
  const damage = wrappedKeyProblem(keyObject.wrapped);
  if (damage !== undefined) return { damage };
  const costly = costliness(keyObject.wrapped);
  return costly === undefined ? { keyObject } : { keyObject, costly };
}

/**
 * Every `keys/` object in listing order, as readKeyObject judges it. A key object removed between listing and
 * reading (an init that lost its race, cleaning up) is passed over.
 */
export async function* keyObjectsOf(store: VaultStore): AsyncGenerator<{ key: string; read: KeyObjectRead }> {
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
 * and reading (an init that lost its race, cleaning up) is skipped silently. A costly passphrase key
 * object (scrypt beyond SCRYPT_PROMPT_COST) comes last, cheapest first, once every other one was
 * yielded: a consumer that stops at the first key that opens the vault (openVault) never derives one
 * that someone planted, unless no cheaper key object opens the vault. With `costly: false` the costly ones are not
 * tried at all (nor counted in `findings`), for a consumer that may miss one (addKeyObject's duplicate check).
 */
export async function* unwrapKeyObjects(
  store: VaultStore,
  provider: KeyProvider,
  findings: KeyObjectFindings = newKeyObjectFindings(),
  { costly: tryCostly = true }: { costly?: boolean } = {},
): AsyncGenerator<{ key: string; material: Buffer }> {
  const damaged = (key: string, damage: string): void => {
    findings.damaged.push(key);
    findings.problems.push(`${key} is damaged (${damage}): skipped`);
  };
  const unwrap = async (key: string, wrapped: WrappedVaultKey): Promise<Buffer | undefined> => {
    findings.ownKindTried++;
    try {
      return await provider.unwrapVaultKey(wrapped);
    } catch (err) {
      if (err instanceof DamagedKeyObjectError) damaged(key, err.message);
      else if (err instanceof KeyUnwrapError) findings.problems.push(err.message);
      else throw err;
      return undefined;
    }
  };
  const costly: { key: string; wrapped: WrappedVaultKey; work: number }[] = [];
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
    if (read.costly !== undefined) {
      if (tryCostly) costly.push({ key, wrapped, work: read.costly.work });
      continue;
    }
    const material = await unwrap(key, wrapped);
    if (material !== undefined) yield { key, material };
  }
  for (const { key, wrapped } of costly.sort((a, b) => a.work - b.work)) {
    const material = await unwrap(key, wrapped);
    if (material !== undefined) yield { key, material };
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
