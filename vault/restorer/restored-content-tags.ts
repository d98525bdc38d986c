import { type KeyObject, randomBytes, randomInt } from 'node:crypto';
import { BlobIdSet } from '../blob-index/blob-id-set';
import { CONTENT_TAG_BYTES, contentTag, contentTagKey, ID_CHECK_ONE_IN } from '../crypto/content-tag';

/**
 * The content tags (crypto/content-tag.ts) of the blobs one restorer decoded and wrote, by blob id,
 * under a key of its own, random and never stored: what lets the same process check the S3 objects
 * it restored against the backup, as it reads them back, without re-deriving every blob id (files are
 * proved as they are written instead: checked-writes.ts).
 *
 * The proof, link by link: a blob's plaintext was opened with AES-256-GCM whose additional data is
 * its id (docs/FORMAT.md §3), so it is what the vault key sealed as that blob; its tag was taken
 * from that plaintext; the bytes read back from the target, cut at the blobs' lengths in manifest
 * order, must each give that blob's tag. Only the first link is re-proved by the slower check
 * (HMAC-SHA-256 of what is read back against the id): that whoever sealed a blob gave it the id of
 * its own content, which is what `lifeboat vault verify --read-data` checks of every blob, and the
 * read-back of a sixteenth of them (idResidue).
 *
 * Memory: 40–48 bytes an id (BlobIdSet) and 16 of tag, for the blobs of one restore shard.
 */
export class RestoredContentTags {
  /** The GMAC key, 32 random bytes for this restorer's lifetime, as a key object (content-tag.ts says why). */
  readonly keyObject: KeyObject = contentTagKey(randomBytes(32));
  /**
   * Which sixteenth of the blobs the read-back also re-derives the id of (sampledForIdCheck), drawn
   * at random per restorer so that successive drills cover every blob; the option is a test seam.
   */
  readonly idResidue: number;
  private readonly ids = new BlobIdSet();
  private tags = Buffer.alloc(1024 * CONTENT_TAG_BYTES);

  constructor(options: { idResidue?: number } = {}) {
    this.idResidue = options.idResidue ?? randomInt(ID_CHECK_ONE_IN);
  }
  get size(): number {
    return this.ids.size;
  }

  /** Takes and records the tag of blob `id` from its plaintext. */
  recordPlaintext(id: Uint8Array, plaintext: Uint8Array): void {
    this.record(id, contentTag(this.keyObject, id, plaintext));
  }

  /** Records the tag of blob `id`; a blob decoded again gives the same tag. */
  record(id: Uint8Array, tag: Uint8Array): void {
    const ordinal = this.ids.add(id);
    const at = ordinal * CONTENT_TAG_BYTES;
    if (at + CONTENT_TAG_BYTES > this.tags.length) {
      const grown = Buffer.alloc(this.tags.length * 2);
      this.tags.copy(grown);
      this.tags = grown;
    }
    this.tags.set(tag.subarray(0, CONTENT_TAG_BYTES), at);
  }

  /** The tags of `ids` in order, one after another, or undefined when any of them was not recorded. */
  tagsOf(ids: readonly Uint8Array[]): Buffer | undefined {
    const out = Buffer.allocUnsafe(ids.length * CONTENT_TAG_BYTES);
    for (let i = 0; i < ids.length; i++) {
      const ordinal = this.ids.ordinalOf(ids[i] as Uint8Array);
      if (ordinal < 0) return undefined;
      this.tags.copy(out, i * CONTENT_TAG_BYTES, ordinal * CONTENT_TAG_BYTES, (ordinal + 1) * CONTENT_TAG_BYTES);
    }
    return out;
  }
}
