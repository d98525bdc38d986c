import { VaultCorruptionError } from '../vault-errors';

/**
 * Pack layout (docs/FORMAT.md §4):
 *
 *   blob_1 | blob_2 | … | blob_n | sealed header | header length (u32 LE)
 *
 * Each blob is an envelope (sealed-codec.ts) with the blob id as context. The header is an
 * envelope of kind `pack-header` whose plaintext is n records of PACK_ENTRY_BYTES:
 *   id (32) | offset (u32 LE) | stored length (u32 LE) | raw length (u32 LE)
 * Blobs are contiguous from offset 0, so every byte of a pack is covered by an authenticated
 * envelope or by the trailing length, which `verify --read-data` checks.
 */
export const PACK_ENTRY_BYTES = 44;
export const PACK_TRAILER_BYTES = 4;

export type PackEntry = {
  readonly id: Buffer;
  readonly offset: number;
  readonly storedLength: number;
  readonly rawLength: number;
};

export function encodePackHeader(entries: readonly PackEntry[]): Buffer {
  const out = Buffer.allocUnsafe(entries.length * PACK_ENTRY_BYTES);
  let o = 0;
  for (const e of entries) o = writePackEntry(out, o, e);
  return out;
}

/** Writes one PACK_ENTRY_BYTES record at `o` (the layout above; index objects use it too); returns the next offset. */
export function writePackEntry(out: Buffer, o: number, e: PackEntry): number {
  e.id.copy(out, o);
  out.writeUInt32LE(e.offset, o + 32);
  out.writeUInt32LE(e.storedLength, o + 36);
  out.writeUInt32LE(e.rawLength, o + 40);
  return o + PACK_ENTRY_BYTES;
}

/** Parses a decrypted header and checks that blobs tile the pack body [0, bodyLength) exactly. */
export function decodePackHeader(plain: Buffer, bodyLength: number, where: { location: string; key: string }): PackEntry[] {
  if (plain.length % PACK_ENTRY_BYTES !== 0) throw new VaultCorruptionError(where.location, where.key, `pack header length ${plain.length} is not a multiple of ${PACK_ENTRY_BYTES}`);
  const entries: PackEntry[] = [];
  let expected = 0;
  for (let o = 0; o < plain.length; o += PACK_ENTRY_BYTES) {
    const e = {
      id: Buffer.from(plain.subarray(o, o + 32)),
      offset: plain.readUInt32LE(o + 32),
      storedLength: plain.readUInt32LE(o + 36),
      rawLength: plain.readUInt32LE(o + 40),
    };
    if (e.offset !== expected) throw new VaultCorruptionError(where.location, where.key, `blob ${e.id.toString('hex')} starts at ${e.offset}, expected ${expected}`);
    expected += e.storedLength;
    entries.push(e);
  }
  if (expected !== bodyLength) throw new VaultCorruptionError(where.location, where.key, `blobs cover ${expected} bytes but the header starts at ${bodyLength}`);
  return entries;
}
