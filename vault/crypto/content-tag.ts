import { createCipheriv, createSecretKey, type KeyObject } from 'node:crypto';

/** Bytes of a content tag. */
export const CONTENT_TAG_BYTES = 16;

/**
 * A GMAC (AES-256-GCM over `data` as additional data, nothing encrypted) of a blob's plaintext
 * under a secret key of one restore, with the first 12 bytes of the blob id as the nonce: what a
 * restore shard records of each blob it decoded for an S3 target (RestoredContentTags) and what its
 * read-back recomputes over the bytes it finds, to prove they are the decoded plaintext.
 *
 * Why GMAC: it is a MAC (GHASH, a universal hash, under a random key nobody outside the process
 * sees; two different inputs of L 16-byte blocks share a tag with probability at most L / 2^128)
 * at GHASH's speed, 10 GB/s here against HMAC-SHA-256's 0.95 GB/s (node:crypto, 1 MiB blocks). The
 * nonce is fixed per blob id, so a nonce is reused only for the same id, whose authenticated
 * plaintext is the same: the tag of the same message again.
 *
 * The key is a KeyObject (contentTagKey): a cipher made from one costs 8 µs here against 34 µs
 * from raw key bytes, which node:crypto turns into a key object on every call, and a restore takes
 * a tag of every blob twice (decoded, read back).
 */
export function contentTag(key: KeyObject, id: Uint8Array, data: Uint8Array): Buffer {
  const gmac = createCipheriv('aes-256-gcm', key, id.subarray(0, 12));
  gmac.setAAD(data);
  gmac.final();
  return gmac.getAuthTag();
}

/** Whether `data` has the `index`-th tag of `tags` (16 bytes a tag, one after another) as its content tag under `key` for blob `id`. */
export function hasContentTag(key: KeyObject, id: Uint8Array, data: Uint8Array, tags: Uint8Array, index: number): boolean {
  return contentTag(key, id, data).equals(tags.subarray(index * CONTENT_TAG_BYTES, (index + 1) * CONTENT_TAG_BYTES));
}

/**
 * One blob in this many, chosen by its id, has its id re-derived by a read-back that checks by
 * content tag (RestoredContentTags.idResidue) or by checked writes (CheckedWrites.idResidue): both
 * prove the bytes are the decoded plaintext, not that the plaintext is the content of its id (a
 * writer's fault, which `vault verify --read-data` finds in every blob); the sample finds it in a
 * drill at a sixteenth of the HMAC's cost.
 */
export const ID_CHECK_ONE_IN = 16;

/** Whether blob `id` is in the sample of ids re-derived when the read-back's residue is `residue` (ids are HMAC outputs: uniform). */
export function sampledForIdCheck(id: Uint8Array, residue: number): boolean {
  return ((id[0] as number) % ID_CHECK_ONE_IN) === residue;
}

/** The key object of a content-tag key's 32 bytes, made once per restorer. */
export function contentTagKey(bytes: Uint8Array): KeyObject {
  return createSecretKey(bytes);
}
