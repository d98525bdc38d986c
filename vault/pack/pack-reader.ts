import { decodePackHeader, PACK_TRAILER_BYTES, type PackEntry } from './pack-format';
import { authenticate, EnvelopeError, open } from '../crypto/sealed-codec';
import { openSealed } from '../crypto/sealed-object';
import { VaultCorruptionError } from '../vault-errors';
import { type VaultKeys } from '../crypto/vault-keys';
import { type VaultStore } from '../backend/vault-store';

/** Largest plaintext a blob may have; bounds decompression (chunker max is at most 64 MiB). */
export const MAX_BLOB_PLAINTEXT = 64 * 1024 * 1024;

/** Reads a pack's header with two ranged reads (trailer, then header), given the pack length from the index. */
export async function readPackHeader(store: VaultStore, keys: VaultKeys, key: string, packLength: number): Promise<PackEntry[]> {
  if (packLength < PACK_TRAILER_BYTES) throw new VaultCorruptionError(store.location, key, `pack length ${packLength} is too small`);
  const trailer = await store.get(key, { offset: packLength - PACK_TRAILER_BYTES, length: PACK_TRAILER_BYTES });
  if (trailer.length !== PACK_TRAILER_BYTES) throw new VaultCorruptionError(store.location, key, `pack is shorter than the ${packLength} bytes the index records`);
  const headerLength = trailer.readUInt32LE(0);
  const headerStart = packLength - PACK_TRAILER_BYTES - headerLength;
  if (headerStart < 0) throw new VaultCorruptionError(store.location, key, `header length ${headerLength} exceeds the pack`);
  const header = await store.get(key, { offset: headerStart, length: headerLength });
  return decodePackHeader(await openSealed(store.location, key, keys, 'pack-header', header), headerStart, { location: store.location, key });
}

/** Parses a whole pack held in memory: its header and the blob envelopes it lists. */
export async function parsePack(location: string, key: string, keys: VaultKeys, pack: Buffer): Promise<PackEntry[]> {
  if (pack.length < PACK_TRAILER_BYTES) throw new VaultCorruptionError(location, key, `pack of ${pack.length} bytes has no trailer`);
  const headerLength = pack.readUInt32LE(pack.length - PACK_TRAILER_BYTES);
  const headerStart = pack.length - PACK_TRAILER_BYTES - headerLength;
  if (headerStart < 0) throw new VaultCorruptionError(location, key, `header length ${headerLength} exceeds the pack`);
  const plain = await openSealed(location, key, keys, 'pack-header', pack.subarray(headerStart, headerStart + headerLength));
  return decodePackHeader(plain, headerStart, { location, key });
}

/** Authenticates one blob envelope (its GCM tag, with the blob id as additional data) without opening it further; failures name the pack. */
export async function authenticateBlob(keys: VaultKeys, id: Uint8Array, stored: Uint8Array, where: { location: string; key: string }): Promise<void> {
  try {
    await authenticate(keys, id, stored);
  } catch (err) {
    if (err instanceof EnvelopeError) throw new VaultCorruptionError(where.location, where.key, `blob ${Buffer.from(id).toString('hex')}: ${err.message}`);
    throw err;
  }
}

/** Decrypts and decompresses one blob envelope; failures name the pack. */
export async function decodeBlob(keys: VaultKeys, id: Uint8Array, stored: Uint8Array, rawLength: number, where: { location: string; key: string }): Promise<Buffer> {
  try {
    return await open(keys, id, stored, { maxPlaintext: MAX_BLOB_PLAINTEXT, expectedLength: rawLength });
  } catch (err) {
    if (err instanceof EnvelopeError) throw new VaultCorruptionError(where.location, where.key, `blob ${Buffer.from(id).toString('hex')}: ${err.message}`);
    throw err;
  }
}
