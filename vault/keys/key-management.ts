import { type KeyProvider } from './key-provider';
import { keyObjectsOf, putKeyObject, unwrapKeyObjects } from './key-object';
import { vaultKeyMaterial } from '../crypto/vault-keys';
import { idFromKey, KEYS_PREFIX } from '../repository/vault-layout';
import { type Vault } from '../repository/vault';
import { isS3AccessDenied } from '../backend/s3/sdk-error';
import { isS3PermissionRefusal, s3ErrorOf } from '../backend/s3/permission-refusal';
import { ObjectLockedError, VaultError } from '../vault-errors';

/**
 * Several credentials for one vault, as restic's `key list | add | remove` (docs/FORMAT.md §2, "Adding
 * and retiring a key"): every key object wraps the same master key, so a key is added by wrapping that
 * key under the new credential, and retired by deleting its key object; nothing else is re-encrypted.
 */

/** One `keys/` object as `vault key list` shows it. */
export type KeyObjectSummary = {
  /** The object's key, `keys/<id>`. */
  readonly key: string;
  /** Its id: the hex SHA-256 of its bytes. */
  readonly id: string;
  /** The key object that opened the vault now (restic's `*`). */
  readonly current: boolean;
  /** Null for a damaged key object: nothing of it can be trusted. */
  readonly kind: KeyProvider['kind'] | null;
  /** When its writer says it was created (ISO time); null for a damaged key object. */
  readonly created: string | null;
  /** A key-file key object's fingerprint of its key file (first 16 hex of SHA-256 of the file key). */
  readonly fingerprint?: string;
  /** A KMS key object's KMS key (the ARN KMS resolved it to). */
  readonly kmsKeyId?: string;
  /** Why a damaged key object is damaged (it opens nothing; `vault verify` reports it). */
  readonly damage?: string;
  /** Why a passphrase key object is tried only after every cheaper one (its scrypt cost; it is not damaged). */
  readonly costly?: string;
};

/** The short form of a key object id, as restic prints key ids: its first 8 hex digits. */
export function shortKeyObjectId(id: string): string {
  return id.slice(0, 8);
}

/** A key management request refused before anything was changed: the same credential twice, the key in use, an id that names no single key object. */
export class KeyManagementError extends VaultError {
  override name = 'KeyManagementError';
}

/** The store refused to delete a key object (Object Lock, a role without s3:DeleteObject, a read-only directory): the vault is unchanged. */
export class KeyObjectNotRemovedError extends VaultError {
  override name = 'KeyObjectNotRemovedError';
}

/**
 * The key object through which `provider` opened `vault`: the first, in listing order, that unwraps to
 * the vault's master key (openVault takes the first whose key opens `config`, and only the vault's own
 * master key does). Another key object `provider` unwraps to the same key would open the vault as well.
 */
export async function currentKeyObject(vault: Vault, provider: KeyProvider): Promise<string> {
  // The one the open used, when this provider opened it and it is still there: no second unwrap (a passphrase's scrypt).
  const opened = vault.openedWith;
  if (opened?.provider === provider && (await vault.store.has(opened.keyObject))) return opened.keyObject;
  const found = await keyObjectOpenedBy(vault, provider);
  // Only a key object deleted between the open and now gets here.
  if (found === undefined) throw new VaultError(`${vault.location}: the key object this ${provider.kind} opened the vault with is gone; is another process removing keys?`);
  return found;
}

/** The first key object, in listing order, that `provider` unwraps to the master key of the open `vault`; undefined when none does (any more). */
export async function keyObjectOpenedBy(vault: Vault, provider: KeyProvider): Promise<string | undefined> {
  const material = vaultKeyMaterial(vault.keys);
  for await (const found of unwrapKeyObjects(vault.store, provider)) if (found.material.equals(material)) return found.key;
  return undefined;
}

/** Every `keys/` object of the vault, damaged ones too, oldest first (damaged ones last), the one `provider` opened the vault with marked. */
export async function listKeyObjects(vault: Vault, provider: KeyProvider): Promise<KeyObjectSummary[]> {
  const current = await currentKeyObject(vault, provider);
  const summaries: KeyObjectSummary[] = [];
  for await (const { key, read } of keyObjectsOf(vault.store)) {
    const id = keyObjectId(key);
    if ('damage' in read) {
      summaries.push({ key, id, current: false, kind: null, created: null, damage: read.damage });
      continue;
    }
    const { created, wrapped } = read.keyObject;
    const { fingerprint, keyId } = wrapped.params;
    summaries.push({
      key,
      id,
      current: key === current,
      kind: wrapped.kind,
      created,
      ...(wrapped.kind === 'key-file' && typeof fingerprint === 'string' ? { fingerprint } : {}),
      ...(wrapped.kind === 'kms' && typeof keyId === 'string' ? { kmsKeyId: keyId } : {}),
      ...(read.costly !== undefined ? { costly: read.costly.reason } : {}),
    });
  }
  // The store lists in no particular order; a listing that keeps its order from one run to the next is easier to compare.
  return summaries.sort((a, b) => (a.created ?? '\uffff').localeCompare(b.created ?? '\uffff') || a.id.localeCompare(b.id));
}

/**
 * Wraps the master key of the open `vault` under `added` and stores it as a new key object (the writer
 * initVault uses; its name is the SHA-256 of its bytes, so it replaces nothing). Refused when `added`
 * already opens the vault through a key object: a second one would only be a second name for the same
 * credential (a costly passphrase key object is not derived to tell: docs/FORMAT.md §2). Returns the new object's key.
 */
export async function addKeyObject(vault: Vault, added: KeyProvider): Promise<string> {
  const material = vaultKeyMaterial(vault.keys);
  // Costly key objects are not derived (review r6-F1): anyone who may create under keys/ can plant one, and the vault is
  // open already, so nothing is gained by paying for it. Missing a costly duplicate of `added` only adds a second,
  // cheaper key object for the same credential, which opens the vault as the first does and can be removed.
  for await (const found of unwrapKeyObjects(vault.store, added, undefined, { costly: false })) {
    if (found.material.equals(material)) {
      throw new KeyManagementError(`this ${describeKind(added.kind)} already opens the vault at ${vault.location} (key object ${shortKeyObjectId(keyObjectId(found.key))}); nothing was added`);
    }
  }
  return putKeyObject(vault.store, await added.wrapVaultKey(material));
}

/**
 * Deletes the key object whose id starts with `idPrefix` (a whole `keys/<id>` is accepted too), so that
 * its credential no longer opens the vault. Refused, with nothing changed: a prefix that names no key
 * object or several, the key object `provider` opened the vault with (restic refuses it too: a vault
 * must keep a key its user holds), and a KMS key object (an environment's: its key is KMS's, rotated
 * by KMS, and the environment's functions open the vault with it). A damaged key object may be removed.
 * Returns the removed object's key.
 */
export async function removeKeyObject(vault: Vault, provider: KeyProvider, idPrefix: string): Promise<string> {
  const prefix = idPrefix.trim().toLowerCase().replace(/^keys\//, '');
  if (!/^[0-9a-f]+$/.test(prefix)) throw new KeyManagementError(`${JSON.stringify(idPrefix)} is not a key object id: give the id (or a unique prefix of it) that \`lifeboat vault key list\` shows`);
  const all: { key: string; kind: KeyProvider['kind'] | null }[] = [];
  for await (const { key, read } of keyObjectsOf(vault.store)) all.push({ key, kind: 'damage' in read ? null : read.keyObject.wrapped.kind });
  const ids = all.map((k) => keyObjectId(k.key)).sort();
  const matching = all.filter((k) => keyObjectId(k.key).startsWith(prefix));
  if (matching.length === 0) throw new KeyManagementError(`no key object of the vault at ${vault.location} has an id starting with ${prefix}; its key objects: ${ids.map(shortKeyObjectId).join(', ') || 'none'}`);
  if (matching.length > 1) {
    const named = matching.map((k) => keyObjectId(k.key)).sort();
    throw new KeyManagementError(`the id prefix ${prefix} is ambiguous: it matches ${named.join(', ')}; give more of the id`);
  }
  const [target] = matching as [(typeof matching)[number]];
  const id = keyObjectId(target.key);
  if (target.kind === 'kms') {
    throw new KeyManagementError(
      `key object ${shortKeyObjectId(id)} is a KMS key object: the environment's functions open the vault with it, and its key is KMS's (rotated by KMS, not by replacing the key object); \`lifeboat vault key remove\` removes only key-file and passphrase key objects`,
    );
  }
  const own = await currentKeyObject(vault, provider);
  if (target.key === own) {
    throw new KeyManagementError(`key object ${shortKeyObjectId(id)} is the one that opened the vault now (the ${describeKind(provider.kind)} given): use another key to remove it`);
  }
  // Kept to put back: its name is the SHA-256 of these bytes, so the same object returns (review r3 of 9ae0683).
  const body = await vault.store.get(target.key);
  try {
    await vault.store.delete(target.key);
  } catch (err) {
    const why = deleteRefusal(err);
    if (why === undefined) throw err;
    throw new KeyObjectNotRemovedError(`cannot remove key object ${shortKeyObjectId(id)} (${target.key}) of the vault at ${vault.location}: ${why}; nothing was changed, and its credential still opens the vault`, { cause: err });
  }
  // Two removes that cross (each removing the other's key object) would each find its own key still there before its
  // delete, and leave the vault with no key at all. Each looks again after its delete: one that finds its own key object
  // gone puts back the one it removed, whatever else is left. Another key object left proves nothing: it may be a stray
  // (an init that lost its race, or planted by anyone who may create under keys/) wrapping another master key, and only
  // its credential could tell (audit d5-1; before, a remove put back nothing when any intact key object was left). The
  // other process can retire the key object put back again, with a credential it shows opens the vault.
  try {
    if (!(await vault.store.has(own))) {
      await vault.store.put(target.key, body);
      throw new KeyManagementError(
        `another process removed key object ${shortKeyObjectId(keyObjectId(own))}, the one the ${describeKind(provider.kind)} given opened the vault with, while this command removed ${shortKeyObjectId(id)}: ${shortKeyObjectId(id)} was put back, since this command cannot tell whether any other key object opens the vault; run \`lifeboat vault key list\` with a credential you hold, and remove ${shortKeyObjectId(id)} again with one that opens the vault if it is to be retired`,
      );
    }
  } catch (err) {
    if (err instanceof KeyManagementError) throw err;
    const why = err instanceof Error ? err.message : String(err);
    throw new KeyManagementError(
      `key object ${shortKeyObjectId(id)} (${target.key}) is removed, but checking afterwards that the vault at ${vault.location} still has a key (or putting the key object back) failed (${why}): run \`lifeboat vault key list\` with a credential you hold; if none opens the vault any more, restore ${target.key} from a noncurrent version (S3 versioning) or a copy of the vault`,
      { cause: err },
    );
  }
  return target.key;
}

/** Why the store refused a delete, in words an operator can act on; undefined for a failure that is not a refusal (a network error). */
function deleteRefusal(err: unknown): string | undefined {
  // Object Lock retains the key objects of locked snapshots (snapshot-locks.ts) as long as the snapshots.
  if (err instanceof ObjectLockedError) return `S3 Object Lock keeps it (${err.message})`;
  const said = err instanceof Error ? err.message : String(err);
  if (isS3PermissionRefusal(err)) return `S3 refused the delete (${said}): the role needs s3:DeleteObject on the vault's keys/ prefix, which a vault's bucket policy may deny`;
  // A 403 for the clock or the credentials (RequestTimeTooSkewed, InvalidAccessKeyId) no IAM grant lifts (review r65M F5).
  if (isS3AccessDenied(err)) {
    const name = String((s3ErrorOf(err) as { name?: unknown }).name);
    return `S3 refused the delete (${said}) with 403 ${name}, which is no want of a permission: put right what S3's words say (for RequestTimeTooSkewed this machine's clock, for InvalidAccessKeyId or SignatureDoesNotMatch its credentials), then remove it again`;
  }
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return `the directory refused the delete (${code}): this user may not delete files in the vault's keys/ directory`;
  return undefined;
}

/** The id of a `keys/<id>` object (the hex SHA-256 of its bytes), as `vault key` prints and takes it. */
export function keyObjectId(key: string): string {
  return idFromKey(KEYS_PREFIX, key) ?? key.slice(KEYS_PREFIX.length);
}

function describeKind(kind: KeyProvider['kind']): string {
  return kind === 'key-file' ? 'key file' : kind === 'passphrase' ? 'passphrase' : 'KMS key';
}
