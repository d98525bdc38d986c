import { type IndexedPack } from '../blob-index/index-object';
import { authenticateBlob } from '../pack/pack-reader';
import { mapBounded } from '../workers/bounded-concurrency';
import { PackWriter } from '../pack/pack-writer';
import { type Vault } from '../repository/vault';
import { packKey } from '../repository/vault-layout';
import { VaultCorruptionError, VaultObjectArchivedError } from '../vault-errors';
import { type PackToRepack } from './prune-plan';

export type RepackResult = {
  /** Old packs whose live blobs are now in new packs (they can be condemned). */
  readonly repacked: string[];
  readonly newPacks: IndexedPack[];
  readonly blobsMoved: number;
  readonly bytesWritten: number;
  /** Packs left as they are because a live blob failed its check (verify names it; repair from the DR vault). */
  readonly damaged: Array<{ pack: string; problem: string }>;
  /** Packs left as they are because they are in an archive storage class: moving them would need a thaw ("Storage tiers"). */
  readonly archived: string[];
};

/**
 * Copies the live blobs of packs into new packs. A blob's envelope is bound to its id, not to its
 * pack, so it moves as stored bytes; each is authenticated first (its GCM tag, as the scrub checks),
 * so a damaged blob is not copied (its pack is then left alone); an archived pack (S3 Glacier Flexible Retrieval,
 * Deep Archive) cannot be read without a thaw and is left alone too, counted. Stops starting packs at the deadline; what was done is returned.
 *
 * Tiers: a pack's object tags say which plan's lifecycle rule moves it (`lifeboat-tier`, docs/ARCHITECTURE.md
 * "Storage tiers"), so blobs only move into new packs with the same tags as the pack they come from: one
 * pack writer per tag set (untagged packs are a set of their own), and a repack never moves a blob to a
 * colder or warmer tier. Stores without `tagsOf` (a directory) have no tags: one writer, untagged packs.
 */
export async function repackPacks(vault: Vault, packs: readonly PackToRepack[], options: { readonly outOfTime: () => boolean }): Promise<RepackResult> {
  const newPacks: IndexedPack[] = [];
  const writers = new PackWritersByTags(vault, (p) => newPacks.push(p));
  const repacked: string[] = [];
  const damaged: RepackResult['damaged'] = [];
  const archived: string[] = [];
  let blobsMoved = 0;
  let bytesWritten = 0;
  for (const pack of packs) {
    if (options.outOfTime()) break;
    const key = packKey(pack.id);
    let blobs: Array<{ id: Buffer; stored: Buffer; rawLength: number }>;
    let tags: Readonly<Record<string, string>>;
    try {
      // The tags with the body: one more request per old pack, in parallel with its read.
      const [body, packTags] = await Promise.all([vault.store.get(key), vault.store.tagsOf ? vault.store.tagsOf(key) : Promise.resolve({})]);
      tags = packTags;
      if (body.length !== pack.length) throw new VaultCorruptionError(vault.location, key, `pack is ${body.length} bytes, the index says ${pack.length}`);
      // The new packs take views into the old body when at least half of it is live: the bodies they
      // hold then add up to at most twice the new packs' own bytes (the open pack and its uploads).
      // A mostly dead pack's live blobs are copied out, so its body goes at once. (A view also spares
      // the copy's fresh pages, each a page fault: on the development machine ~4 ms per MiB.)
      const viewed = pack.liveBytes * 2 >= body.length;
      // Authenticated (GCM tag, with the blob's id as additional data): that proves the bytes are the
      // ones sealed under the id, which is all a copy of them needs.
      blobs = await mapBounded(pack.live, 4, async (e) => {
        const stored = viewed ? body.subarray(e.offset, e.offset + e.storedLength) : Buffer.copyBytesFrom(body, e.offset, e.storedLength);
        await authenticateBlob(vault.keys, e.id, stored, { location: vault.location, key });
        return { id: e.id, stored, rawLength: e.rawLength };
      });
    } catch (err) {
      if (err instanceof VaultObjectArchivedError) {
        archived.push(pack.id);
        continue;
      }
      if (!(err instanceof VaultCorruptionError)) throw err;
      damaged.push({ pack: pack.id, problem: `not repacked: ${err.message}` });
      continue;
    }
    const writer = writers.for(tags);
    for (const b of blobs) {
      await writer.add(b.id, b.stored, b.rawLength);
      blobsMoved++;
      bytesWritten += b.stored.length;
    }
    repacked.push(pack.id);
  }
  await writers.flushAll();
  return { repacked, newPacks, blobsMoved, bytesWritten, damaged, archived };
}

/**
 * One PackWriter per tag set, made when a pack with that set is first repacked (and by the index
 * repair, vault/repair/, when it copies the intact blobs out of a damaged pack). Each holds at most an
 * open pack and two uploads (one uploading while the next fills, as the repack had with one writer), so
 * memory grows with the number of tag sets met (the vault's plans, and untagged: a few packs of
 * packSize each), not with the packs repacked.
 */
export class PackWritersByTags {
  private readonly writers = new Map<string, PackWriter>();

  constructor(
    private readonly vault: Vault,
    private readonly onPackStored: (p: IndexedPack) => void,
  ) {}

  for(tags: Readonly<Record<string, string>>): PackWriter {
    const entries = Object.entries(tags).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const name = JSON.stringify(entries);
    let writer = this.writers.get(name);
    if (!writer) {
      writer = new PackWriter(this.vault.store, this.vault.keys, {
        targetSize: this.vault.config.packSize,
        maxUploads: 2,
        onPackStored: this.onPackStored,
        ...(entries.length > 0 ? { tags: Object.fromEntries(entries) } : {}),
      });
      this.writers.set(name, writer);
    }
    return writer;
  }

  /** Closes every writer's open pack and waits for all uploads; the first failure is thrown after all have ended. */
  async flushAll(): Promise<void> {
    const results = await Promise.allSettled([...this.writers.values()].map((w) => w.flush()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }
}
