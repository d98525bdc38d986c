import { decodeIndexObject } from '../blob-index/index-object';
import { loadPage } from '../manifest/manifest-pages';
import { loadManifestRoot } from '../manifest/manifest-reader';
import { decodeBlob, parsePack, readPackHeader } from '../pack/pack-reader';
import { type PackEntry } from '../pack/pack-format';
import { getSealedObject } from '../crypto/sealed-object';
import { type Snapshot } from '../manifest/snapshot-record';
import { type Vault } from '../repository/vault';
import { VaultCorruptionError, VaultObjectNotFoundError } from '../vault-errors';
import { computeBlobId } from '../crypto/vault-keys';
import { VaultIndex } from '../blob-index/vault-index';
import { DATA_PREFIX, idFromKey, INDEX_PREFIX, indexKey, packKey, SNAPSHOTS_PREFIX, snapshotKey } from '../repository/vault-layout';
import { mapBounded } from '../workers/map-bounded';

export type VerifyOptions = {
  /** Also read every pack whole, decrypt every blob and check its id. */
  readonly readData?: boolean;
  /** Packs read at once with readData. @default 3 */
  readonly concurrency?: number;
};

export type VerifyProblem = { readonly key: string; readonly message: string };

export type VerifyReport = {
  ok: boolean;
  snapshots: number;
  indexes: number;
  packs: number;
  blobs: number;
  entries: number;
  blobsRead: number;
  problems: VerifyProblem[];
};

/**
 * Checks a vault's integrity and reports every problem with the object it concerns.
 * Structure: each index decrypts and matches its name; each pack it lists exists and its header
 * agrees with the index; each snapshot, manifest root and page decrypts and matches its hash;
 * each blob a manifest references is indexed. With readData: every pack is read whole, every blob
 * decrypted and its HMAC id recomputed, and the pack must consist of nothing but its blobs and header.
 */
export async function verifyVault(vault: Vault, options: VerifyOptions = {}): Promise<VerifyReport> {
  const { store, keys } = vault;
  const report: VerifyReport = { ok: true, snapshots: 0, indexes: 0, packs: 0, blobs: 0, entries: 0, blobsRead: 0, problems: [] };
  const problem = (key: string, err: unknown): void => {
    report.problems.push({ key, message: err instanceof Error ? err.message : String(err) });
  };
  const guard = async (key: string, fn: () => Promise<void>): Promise<void> => {
    try {
      await fn();
    } catch (err) {
      if (err instanceof VaultCorruptionError || err instanceof VaultObjectNotFoundError) problem(err.key, err);
      else problem(key, err);
    }
  };

  // 1. Indexes, into a fresh table that also remembers each pack's entries for the header check.
  const index = new VaultIndex();
  const packEntries = new Map<string, { length: number; entries: PackEntry[] }>();
  const indexIds: string[] = [];
  for await (const key of store.list(INDEX_PREFIX)) {
    const id = idFromKey(INDEX_PREFIX, key);
    if (id) indexIds.push(id);
  }
  await mapBounded(indexIds, 8, (id) =>
    guard(indexKey(id), async () => {
      const key = indexKey(id);
      const plain = await getSealedObject(store, keys, key, id, 'index');
      decodeIndexObject(plain, { location: store.location, key }, (packId, packLength, blobId, offset, storedLength, rawLength) => {
        index.add(blobId, packId, packLength, offset, storedLength, rawLength);
        let p = packEntries.get(packId);
        if (!p) packEntries.set(packId, (p = { length: packLength, entries: [] }));
        p.entries.push({ id: Buffer.from(blobId), offset, storedLength, rawLength });
      });
      report.indexes++;
    }),
  );
  report.blobs = index.size;

  // 2. Packs: presence, header against index; with readData, every blob.
  const present = new Set<string>();
  for await (const key of store.list(DATA_PREFIX)) {
    const id = idFromKey(DATA_PREFIX, key);
    if (id) present.add(id);
  }
  const packs = [...packEntries.entries()];
  report.packs = packs.length;
  await mapBounded(packs, options.readData ? (options.concurrency ?? 3) : 8, ([packId, info]) =>
    guard(packKey(packId), async () => {
      const key = packKey(packId);
      if (!present.has(packId)) throw new VaultObjectNotFoundError(store.location, key);
      let header: PackEntry[];
      let body: Buffer | null = null;
      if (options.readData) {
        body = await store.get(key);
        if (body.length !== info.length) throw new VaultCorruptionError(store.location, key, `pack is ${body.length} bytes, the index says ${info.length}`);
        header = await parsePack(store.location, key, keys, body);
      } else {
        header = await readPackHeader(store, keys, key, info.length);
      }
      const byId = new Map(header.map((e) => [e.id.toString('hex'), e]));
      for (const e of info.entries) {
        const h = byId.get(e.id.toString('hex'));
        if (!h || h.offset !== e.offset || h.storedLength !== e.storedLength || h.rawLength !== e.rawLength) {
          throw new VaultCorruptionError(store.location, key, `blob ${e.id.toString('hex')} is not where the index puts it`);
        }
      }
      if (body) {
        const pack = body;
        await mapBounded(header, 4, async (e) => {
          const plain = await decodeBlob(keys, e.id, pack.subarray(e.offset, e.offset + e.storedLength), e.rawLength, { location: store.location, key });
          if (!(await computeBlobId(keys, plain)).equals(e.id)) {
            throw new VaultCorruptionError(store.location, key, `blob ${e.id.toString('hex')} decrypts to content with another id`);
          }
          report.blobsRead++;
        });
      }
    }),
  );

  // 3. Snapshots, their manifests, and the blobs they reference.
  const snapshotIds: string[] = [];
  for await (const key of store.list(SNAPSHOTS_PREFIX)) {
    const id = idFromKey(SNAPSHOTS_PREFIX, key);
    if (id) snapshotIds.push(id);
  }
  const seenPages = new Set<string>();
  for (const id of snapshotIds) {
    await guard(snapshotKey(id), async () => {
      const snapshot: Snapshot = await vault.loadSnapshot(id);
      report.snapshots++;
      const root = await loadManifestRoot(store, keys, snapshot.manifest);
      for (const ref of root.pages) {
        if (seenPages.has(ref.id)) continue;
        seenPages.add(ref.id);
        await guard(`manifest/${ref.id}`, async () => {
          for (const entry of await loadPage(store, keys, ref)) {
            report.entries++;
            for (const blob of entry.content) {
              if (!index.has(Buffer.from(blob, 'hex'))) {
                problem(snapshotKey(id), new Error(`entry ${JSON.stringify(entry.path)} references blob ${blob}, which no index lists`));
              }
            }
          }
        });
      }
    });
  }
  report.ok = report.problems.length === 0;
  return report;
}
