import { S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { type ProtectionPlanConfig } from '../../../../config/lifeboat-config';
import { planRestore } from '../../../../lambdas/restore/plan-restore';
import { type RestoreIo } from '../../../../lambdas/restore/restore-io';
import { restoreShardBatch } from '../../../../lambdas/restore/restore-shard';
import { thawRestore } from '../../../../lambdas/restore/thaw-restore';
import { backupDirectory } from '../../../../vault/archiver/directory-source';
import { type FileVaultStore } from '../../../../vault/backend/file/file-vault-store';
import { type StoredObjectState } from '../../../../vault/backend/vault-store';
import { type PackEntry } from '../../../../vault/pack/pack-format';
import { Vault } from '../../../../vault/repository/vault';
import { DATA_PREFIX, packKey } from '../../../../vault/repository/vault-layout';
import { VaultObjectArchivedError, VaultObjectNotFoundError } from '../../../../vault/vault-errors';
import { CodecPool } from '../../../../vault/workers/codec-pool';
import { servePlanObjects } from '../../../support/memory-plan-store';
import { storeEveryPackTwice, type StoredTwice } from '../../../support/packs-stored-twice';
import { mockedRestoreIo, resolvedFileRestore } from '../../../support/restore-fixtures';
import { newTestVault, pseudoRandomBytes, removeDir, requiredMethodsStore, tempDir } from '../../../support/vault-test-helpers';

const CONTENT = pseudoRandomBytes(300_000, 7);
const PLANS = [
  { name: 'demo', retention: { keepLast: 1 }, storage: { archive: { retrievalTier: 'Expedited' } }, sources: [{ name: 'files', type: 'filesystem', path: '/files' }] },
] as unknown as ProtectionPlanConfig[];

const planS3 = mockClient(S3Client);
const written = new Map<string, string>();
afterAll(async () => {
  planS3.restore();
  await CodecPool.shutdownShared();
});

/**
 * Review R4-1: a blob stored twice is read from its first copy and from the other when that one fails its check or its
 * pack is gone, but the Thaw step thawed only the first copy's pack: with the first copy gone the restore died in Thaw
 * (a store answering the HEAD with not found) or its shard met the unthawed other copy ("archived and not thawed").
 */
describe('the Thaw step of a restore of blobs stored twice, every pack archived', () => {
  let dir: string;
  let io: RestoreIo;
  let planKey: string;
  let pairs: StoredTwice[];
  /** The vault's directory, under the S3-like store: its packs as they are, archived or not. */
  let files: FileVaultStore;
  /** Packs with a thawed copy (requestThaw). */
  const thawed = new Set<string>();

  /** A backup of one file whose packs are each stored twice, on an S3-like store that archives every pack; `absentHead`: what its HEAD of a missing key does. */
  async function setUp(absentHead: 'null' | 'throws'): Promise<void> {
    dir = await tempDir('thaw-restore');
    const made = await newTestVault(dir);
    const src = path.join(dir, 'src');
    await fs.mkdir(src);
    await fs.writeFile(path.join(src, 'a.bin'), CONTENT);
    const { snapshot } = await backupDirectory(made.vault, src);
    pairs = await storeEveryPackTwice(made.store, made.vault.keys);
    thawed.clear();
    files = made.store;
    const inner = files;
    const store = requiredMethodsStore(inner, {
      storageState: async (key): Promise<StoredObjectState | null> => {
        if (!(await inner.has(key))) {
          if (absentHead === 'throws') throw new VaultObjectNotFoundError(inner.location, key);
          return null;
        }
        return key.startsWith(DATA_PREFIX) ? { storageClass: 'GLACIER', archived: true, thaw: thawed.has(key) ? 'ready' : 'none' } : { storageClass: 'STANDARD', archived: false, thaw: 'none' };
      },
      requestThaw: async (key) => {
        if (!(await inner.has(key))) throw new VaultObjectNotFoundError(inner.location, key);
        thawed.add(key);
        return 'started';
      },
      get: async (key, range) => {
        if (key.startsWith(DATA_PREFIX) && (await inner.has(key)) && !thawed.has(key)) throw new VaultObjectArchivedError(inner.location, key, 'GLACIER');
        return inner.get(key, range);
      },
    });
    await fs.mkdir(path.join(dir, 'fs'));
    io = mockedRestoreIo(new Vault(store, made.vault.keys, made.vault.config), (p) => path.join(dir, 'fs', p));
    written.clear();
    planS3.reset();
    servePlanObjects(planS3, written);
    const restore = resolvedFileRestore({ restoreId: 'r-thaw-copies', snapshotId: snapshot.id, target: { type: 'filesystem', path: '/out' } });
    planKey = (await planRestore(restore, { map: 'distributed', maxConcurrency: 2 }, io)).planKey;
  }

  afterEach(async () => removeDir(dir));

  async function restoresTheFile(): Promise<void> {
    await restoreShardBatch({ BatchInput: { restoreId: 'r-thaw-copies', planKey }, Items: [{ shardIndex: 0 }] }, io);
    expect((await fs.readFile(path.join(dir, 'fs', 'out', 'a.bin'))).equals(CONTENT)).toBe(true);
  }

  it.each([
    ['deleted, S3 answering its HEAD as absent (null)', 'null'],
    ['deleted, the store answering its HEAD with VaultObjectNotFoundError', 'throws'],
  ] as const)('thaws the other copy when the first copy\'s pack is %s, and the shard restores the file from it', async (_name, absentHead) => {
    await setUp(absentHead);
    for (const { first } of pairs) await files.delete(packKey(first));
    const report = await thawRestore({ planKey }, { ...io, plans: PLANS });
    expect([...thawed].sort()).toEqual(pairs.map((p) => packKey(p.second)).sort());
    expect(report).toMatchObject({ archived: pairs.length, requested: pairs.length, pending: pairs.length });
    await restoresTheFile();
  });

  it('thaws both copies when the first is damaged, and the shard restores the file from the other', async () => {
    await setUp('null');
    for (const { first, entries } of pairs) {
      const entry = entries[0] as PackEntry;
      const bytes = Buffer.from(await files.get(packKey(first)));
      const at = entry.offset + Math.floor(entry.storedLength / 2);
      bytes[at] = (bytes[at] as number) ^ 0xff;
      await files.delete(packKey(first));
      await files.put(packKey(first), bytes);
    }
    const report = await thawRestore({ planKey }, { ...io, plans: PLANS });
    expect([...thawed].sort()).toEqual(pairs.flatMap((p) => [packKey(p.first), packKey(p.second)]).sort());
    expect(report).toMatchObject({ packs: 2 * pairs.length, archived: 2 * pairs.length });
    await restoresTheFile();
  });

  it('fails as for a blob stored once when every copy\'s pack is missing', async () => {
    await setUp('throws');
    for (const { first, second } of pairs) {
      await files.delete(packKey(first));
      await files.delete(packKey(second));
    }
    await expect(thawRestore({ planKey }, { ...io, plans: PLANS })).rejects.toBeInstanceOf(VaultObjectNotFoundError);
  });
});
