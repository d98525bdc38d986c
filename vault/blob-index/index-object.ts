import { VaultCorruptionError } from '../vault-errors';
import { PACK_ENTRY_BYTES, type PackEntry, writePackEntry } from '../pack/pack-format';

/**
 * Plaintext of an index object (docs/FORMAT.md §5), sealed as kind `index`, stored at
 * `index/<sha256 of the stored bytes>`:
 *
 *   "LBI1" | pack count (u32 LE) | per pack:
 *     pack id (32 bytes) | pack length (u32 LE) | blob count (u32 LE) | blob count × PACK_ENTRY (44 bytes)
 *
 * Binary rather than JSON: a million-blob index is 44 MB of JSON-free records parsed in one pass.
 */
export type IndexedPack = {
  readonly packId: string;
  readonly length: number;
  readonly entries: readonly PackEntry[];
};

const MAGIC = Buffer.from('LBI1', 'ascii');

export function encodeIndexObject(packs: readonly IndexedPack[]): Buffer {
  let size = 8;
  for (const p of packs) size += 40 + p.entries.length * PACK_ENTRY_BYTES;
  const out = Buffer.allocUnsafe(size);
  MAGIC.copy(out, 0);
  out.writeUInt32LE(packs.length, 4);
  let o = 8;
  for (const p of packs) {
    out.write(p.packId, o, 32, 'hex');
    out.writeUInt32LE(p.length, o + 32);
    out.writeUInt32LE(p.entries.length, o + 36);
    o += 40;
    for (const e of p.entries) o = writePackEntry(out, o, e);
  }
  return out;
}

/**
 * Splits an index plaintext into its packs, each with its blob records as one view of `plain`
 * (blob count × PACK_ENTRY_BYTES, the pack-format layout: id, offset, stored length, raw length):
 * prune holds a vault's index this way, 44 bytes a blob, instead of an object per blob.
 */
export function decodeIndexPacks(plain: Buffer, where: { location: string; key: string }, visit: (packId: string, packLength: number, records: Buffer) => void): number {
  const fail = (detail: string): never => {
    throw new VaultCorruptionError(where.location, where.key, detail);
  };
  if (plain.length < 8 || !plain.subarray(0, 4).equals(MAGIC)) fail('not an index object (bad magic)');
  const packCount = plain.readUInt32LE(4);
  let o = 8;
  let blobs = 0;
  for (let p = 0; p < packCount; p++) {
    if (o + 40 > plain.length) fail('truncated pack record');
    const packId = plain.toString('hex', o, o + 32);
    const packLength = plain.readUInt32LE(o + 32);
    const n = plain.readUInt32LE(o + 36);
    o += 40;
    if (o + n * PACK_ENTRY_BYTES > plain.length) fail(`pack ${packId}: truncated blob records`);
    visit(packId, packLength, plain.subarray(o, o + n * PACK_ENTRY_BYTES));
    o += n * PACK_ENTRY_BYTES;
    blobs += n;
  }
  if (o !== plain.length) fail(`${plain.length - o} trailing bytes`);
  return blobs;
}

/** Streams the records of an index plaintext to `visit` without building objects per blob. */
export function decodeIndexObject(
  plain: Buffer,
  where: { location: string; key: string },
  visit: (packId: string, packLength: number, id: Buffer, offset: number, storedLength: number, rawLength: number) => void,
): number {
  return decodeIndexPacks(plain, where, (packId, packLength, records) => {
    for (let o = 0; o < records.length; o += PACK_ENTRY_BYTES) {
      visit(packId, packLength, records.subarray(o, o + 32), records.readUInt32LE(o + 32), records.readUInt32LE(o + 36), records.readUInt32LE(o + 40));
    }
  });
}
