import { GetObjectCommand, GetObjectTaggingCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { RestoreVerificationError } from '../../../../lambdas/restore/restore-errors';
import { type RestorePlanDocument } from '../../../../lambdas/restore/restore-plan-document';
import { type ResolvedRestore } from '../../../../lambdas/restore/resolved-restore';
import { restoreShard } from '../../../../lambdas/restore/restore-shard';
import { type RestoreIo } from '../../../../lambdas/restore/restore-io';
import { checkRestoredEntries } from '../../../../lambdas/restore/restored-entry-check';
import { putShardCheck, shardCheckKey } from '../../../../lambdas/restore/shard-checks';
import { verifyRestore } from '../../../../lambdas/restore/verify-restore';
import { backupDirectory } from '../../../../vault/archiver/directory-source';
import { type ManifestEntry } from '../../../../vault/manifest/manifest-entry';
import { type Snapshot } from '../../../../vault/manifest/snapshot-record';
import { type Vault } from '../../../../vault/repository/vault';
import { CodecPool } from '../../../../vault/workers/codec-pool';
import { type Codec, InThreadCodec, PooledCodec } from '../../../../vault/workers/codec';
import { contentTag, ID_CHECK_ONE_IN } from '../../../../vault/crypto/content-tag';
import { seal } from '../../../../vault/crypto/sealed-codec';
import { packKey } from '../../../../vault/repository/vault-layout';
import { type FileVaultStore } from '../../../../vault/backend/file/file-vault-store';
import { CheckedWrites } from '../../../../vault/restorer/checked-writes';
import { RestoredContentTags } from '../../../../vault/restorer/restored-content-tags';
import { readEntryContent, restoreSnapshot } from '../../../../vault/restorer/restore';
import { servePlanObjects } from '../../../support/memory-plan-store';
import { newTestVault, pseudoRandomBytes, removeDir, tempDir } from '../../../support/vault-test-helpers';
import { mockedRestoreIo, resolvedFileRestore } from '../../../support/restore-fixtures';

const planS3 = mockClient(S3Client);

/** Many chunks under the test vault's small chunker (1–16 KiB). */
const BIG = pseudoRandomBytes(300 * 1024, 11);
const SMALL = Buffer.from('a few bytes\n');

/**
 * The read-back of a restore: every byte read back from the target must be the backup's. The
 * shards check what they wrote (checkRestoredEntries) and record it; the verify step fails on what
 * they recorded. Run with the codec worker pool and without it (in-thread codec), as a Lambda may run either.
 */
describe.each([
  ['on the codec worker threads', '2'],
  ['in-thread (worker threads off)', '0'],
])('restored content read back against the backup %s', (_label, workers) => {
  let dir: string;
  let vault: Vault;
  let store: FileVaultStore;
  let snapshot: Snapshot;
  let entries: ManifestEntry[];
  /** The plan bucket's restore-plans/ objects: plans and the shards' check records. */
  const stored = new Map<string, string>();
  const saved = process.env.LIFEBOAT_VAULT_WORKERS;
  beforeAll(async () => {
    await CodecPool.shutdownShared();
    process.env.LIFEBOAT_VAULT_WORKERS = workers;
    dir = await tempDir('verify-restore-content');
    ({ vault, store } = await newTestVault(dir));
    const src = path.join(dir, 'src');
    await fs.mkdir(src);
    await fs.writeFile(path.join(src, 'big.bin'), BIG);
    await fs.writeFile(path.join(src, 'small.txt'), SMALL);
    await fs.writeFile(path.join(src, 'empty'), '');
    snapshot = (await backupDirectory(vault, src)).snapshot;
    entries = [];
    for await (const entry of vault.entries(snapshot)) if (entry.kind !== 'dir') entries.push(entry);
  });
  afterAll(async () => {
    planS3.reset();
    await CodecPool.shutdownShared();
    if (saved === undefined) delete process.env.LIFEBOAT_VAULT_WORKERS;
    else process.env.LIFEBOAT_VAULT_WORKERS = saved;
    await removeDir(dir);
  });

  function io(): RestoreIo {
    return mockedRestoreIo(vault, (p) => path.join(dir, 'fs', p));
  }

  function servePlan(restoreId: string, target: ResolvedRestore['target']): string {
    const plan: RestorePlanDocument = {
      restore: resolvedFileRestore({ restoreId, snapshotId: snapshot.id, target }),
      entries: 0,
      bytes: 0,
      shards: [{ index: 0, first: '', last: '\uffff', entries: 0, bytes: 0 }],
    };
    const planKey = `restore-plans/${restoreId}.json`;
    stored.set(planKey, JSON.stringify(plan));
    planS3.reset();
    servePlanObjects(planS3, stored);
    return planKey;
  }

  async function restoreToDirectory(name: string): Promise<{ planKey: string; target: string }> {
    const planKey = servePlan(`r-${name}`, { type: 'filesystem', path: `/${name}` });
    await restoreShard({ restoreId: `r-${name}`, planKey, shardIndex: 0 }, io());
    return { planKey, target: path.join(dir, 'fs', name) };
  }

  async function verifyError(planKey: string, deps: RestoreIo): Promise<RestoreVerificationError> {
    const error = await verifyRestore({ planKey }, deps).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(RestoreVerificationError);
    return error as RestoreVerificationError;
  }

  /** What the shard's read-back finds in a directory target: the mismatches, by entry. */
  async function directoryMismatches(target: string): Promise<string[]> {
    return (await checkRestoredEntries(vault, { type: 'filesystem', path: '/unused' }, { targetS3: new S3Client({ region: 'us-east-1' }), root: target, keepSetIdBits: false }, entries)).mismatches;
  }

  it('passes an exact restore to a directory: the shard reads back all it wrote, verify counts its record', async () => {
    const { planKey, target } = await restoreToDirectory('exact');
    expect(await fs.readFile(path.join(target, 'big.bin'))).toEqual(BIG);
    expect(await directoryMismatches(target)).toEqual([]);
    const report = await verifyRestore({ planKey }, io());
    // The three files, read back by the shard (the manifest has no entry for the root directory).
    expect(report.verified).toEqual({ entries: 3, mismatches: 0 });
    expect(JSON.parse(stored.get(shardCheckKey('r-exact', 0)) ?? 'null')).toMatchObject({ checked: 3, mismatchCount: 0 });
  });

  it.each([
    ['the first byte', 0],
    ['a byte in the middle', 150 * 1024 + 7],
    ['the last byte', BIG.length - 1],
  ])('finds a restored file with %s changed (same size), naming it', async (_what, at) => {
    const { target } = await restoreToDirectory(`flip-${at}`);
    const file = path.join(target, 'big.bin');
    const bytes = await fs.readFile(file);
    bytes[at] = (bytes[at] as number) ^ 0x01;
    await fs.writeFile(file, bytes);
    expect(await directoryMismatches(target)).toEqual(['"big.bin": content differs from the backup']);
  });

  it('finds a restored file whose two halves are swapped (same bytes, other order)', async () => {
    const { target } = await restoreToDirectory('swapped');
    const half = BIG.length / 2;
    await fs.writeFile(path.join(target, 'big.bin'), Buffer.concat([BIG.subarray(half), BIG.subarray(0, half)]));
    expect(await directoryMismatches(target)).toEqual(['"big.bin": content differs from the backup']);
  });

  it('fails verify with a RestoreVerificationError naming the file a shard found different', async () => {
    const { planKey, target } = await restoreToDirectory('recorded');
    await fs.writeFile(path.join(target, 'small.txt'), 'a few bytez\n');
    // The record the shard writes when its read-back finds the file changed.
    const mismatches = await directoryMismatches(target);
    await putShardCheck({ planS3: new S3Client({ region: 'us-east-1' }), planBucket: 'vault' }, { restoreId: 'r-recorded', shardIndex: 0, checked: 3, mismatches, mismatchCount: 1, notRestored: [], notRestoredCount: 0 });
    const error = await verifyError(planKey, io());
    expect(error.mismatches).toEqual(['"small.txt": content differs from the backup']);
  });

  it('fails verify when a shard left no check record: it did not finish', async () => {
    const { planKey } = await restoreToDirectory('unrecorded');
    stored.delete(shardCheckKey('r-unrecorded', 0));
    const error = await verifyError(planKey, io());
    expect(error.mismatches).toEqual([expect.stringContaining('restore shard 0 ("" to "\uffff") left no check record') as string]);
  });

  it('unpins the backup once the restore is verified, and only then (a failed verify leaves it to the abandon step)', async () => {
    const released: string[] = [];
    const releasePin = (r: { restoreId: string; backupId: string; vault: string }) => Promise.resolve(void released.push(`${r.restoreId} ${r.backupId} ${r.vault}`));
    const { planKey } = await restoreToDirectory('unpinned');
    await verifyRestore({ planKey }, { ...io(), releasePin });
    expect(released).toEqual(['r-unpinned 20260301T100000Z-1a2b3c4d primary']);
    const failing = await restoreToDirectory('still-pinned');
    stored.delete(shardCheckKey('r-still-pinned', 0));
    await expect(verifyRestore({ planKey: failing.planKey }, { ...io(), releasePin })).rejects.toBeInstanceOf(RestoreVerificationError);
    expect(released).toHaveLength(1);
  });

  /**
   * What a writer's fault would leave: the vault's blob of small.txt sealed from other bytes of the
   * same length under its id, so it authenticates and is written as it decodes. Per residue: checked
   * writes whose id sample holds the blob, and ones whose sample does not.
   */
  const MISFILED = /^"small\.txt": content is not that of its blob ids: .*lifeboat vault verify --read-data$/;
  const OTHER = Buffer.from('A FEW BYTES\n');

  it('finds a file whose blob decodes to content that is not that of its id when the blob is in the id sample of the checked writes', async () => {
    const id = Buffer.from(entries.find((e) => e.path === 'small.txt')?.content[0] ?? '', 'hex');
    expect(OTHER.length).toBe(SMALL.length);
    const loc = (await vault.index()).lookup(id);
    if (!loc) throw new Error('the blob of small.txt is in no index');
    const packFile = store.localPath(packKey(loc.packId));
    const pack = await fs.readFile(packFile);
    const { stored: sealed } = await seal(vault.keys, id, OTHER, { compressionLevel: null });
    expect(sealed.length).toBe(loc.storedLength);
    await fs.writeFile(packFile, Buffer.concat([pack.subarray(0, loc.offset), sealed, pack.subarray(loc.offset + loc.storedLength)]));
    try {
      const sampled = (id[0] as number) % ID_CHECK_ONE_IN;
      for (const [n, residue] of [sampled, (sampled + 1) % ID_CHECK_ONE_IN].entries()) {
        const target = path.join(dir, 'fs', `misfiled-${n}`);
        const checkedWrites = new CheckedWrites({ idResidue: residue });
        await restoreSnapshot(vault, snapshot, target, { checkedWrites });
        expect(await fs.readFile(path.join(target, 'small.txt'))).toEqual(OTHER);
        const { mismatches } = await checkRestoredEntries(vault, { type: 'filesystem', path: '/unused' }, { targetS3: new S3Client({ region: 'us-east-1' }), root: target, keepSetIdBits: false, checkedWrites }, entries);
        // Out of the sample it passes: every blob's id is re-derived by lifeboat vault verify --read-data, a sixteenth by each drill.
        if (residue === sampled) expect(mismatches).toEqual([expect.stringMatching(MISFILED)]);
        else expect(mismatches).toEqual([]);
      }
    } finally {
      await fs.writeFile(packFile, pack);
    }
  });

  /** Calls of checkFileContent (a file read back in full) on either codec while `run` runs. */
  async function fileReadBacks(run: () => Promise<unknown>): Promise<number> {
    let calls = 0;
    const spies = [PooledCodec.prototype, InThreadCodec.prototype].map((proto) => {
      const original = proto.checkFileContent;
      return jest.spyOn(proto, 'checkFileContent').mockImplementation(function (this: PooledCodec | InThreadCodec, ...args: Parameters<Codec['checkFileContent']>) {
        calls++;
        return original.apply(this, args);
      });
    });
    try {
      await run();
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
    return calls;
  }

  it('takes files written with checked writes on their record, and reads back in full one changed after it was placed: a changed byte or swapped halves are found', async () => {
    const target = path.join(dir, 'fs', 'checked');
    const checkedWrites = new CheckedWrites();
    await restoreSnapshot(vault, snapshot, target, { checkedWrites });
    let found: string[] = [];
    const mismatches = async (): Promise<number> =>
      fileReadBacks(async () => {
        found = (await checkRestoredEntries(vault, { type: 'filesystem', path: '/unused' }, { targetS3: new S3Client({ region: 'us-east-1' }), root: target, keepSetIdBits: false, checkedWrites }, entries)).mismatches;
      });
    expect(await mismatches()).toBe(0);
    expect(found).toEqual([]);
    const file = path.join(target, 'big.bin');
    const flipped = Buffer.from(BIG);
    flipped[150 * 1024 + 7] = (flipped[150 * 1024 + 7] as number) ^ 0x01;
    await fs.writeFile(file, flipped);
    expect(await mismatches()).toBe(1);
    expect(found).toEqual(['"big.bin": content differs from the backup']);
    const half = BIG.length / 2;
    await fs.writeFile(file, Buffer.concat([BIG.subarray(half), BIG.subarray(0, half)]));
    expect(await mismatches()).toBe(1);
    expect(found).toEqual(['"big.bin": content differs from the backup']);
  });

  it('a shard proves the files it writes by checked writes and reads none of them back', async () => {
    let planKey = '';
    const readBacks = await fileReadBacks(async () => {
      ({ planKey } = await restoreToDirectory('checked-shard'));
    });
    expect(readBacks).toBe(0);
    expect(JSON.parse(stored.get(shardCheckKey('r-checked-shard', 0)) ?? 'null')).toMatchObject({ checked: 3, mismatchCount: 0 });
    expect((await verifyRestore({ planKey }, io())).verified).toEqual({ entries: 3, mismatches: 0 });
  });

  /** Content tags of a read-back of S3 objects, per residue: one whose id sample holds small.txt's blob, and one whose sample does not. */
  function misfiledCases(): Array<{ tags: RestoredContentTags; id: Buffer; sampled: boolean }> {
    const id = Buffer.from(entries.find((e) => e.path === 'small.txt')?.content[0] ?? '', 'hex');
    const sampled = (id[0] as number) % ID_CHECK_ONE_IN;
    return [
      { tags: new RestoredContentTags({ idResidue: sampled }), id, sampled: true },
      { tags: new RestoredContentTags({ idResidue: (sampled + 1) % ID_CHECK_ONE_IN }), id, sampled: false },
    ];
  }

  describe('an S3 target', () => {
    /**
     * Serves the objects `bodies` holds (keys = entry paths) with the attributes a file entry maps to (none), the body in
     * uneven pieces; `tags` gives an object tags (with their count on GetObject, as S3 answers it). `sent` records the requests.
     */
    function targetS3(bodies: Map<string, Buffer>, tags: Record<string, Record<string, string>> = {}, sent: string[] = []): S3Client {
      const body = (input: { Key?: string }): Buffer => bodies.get(input.Key ?? '') ?? Buffer.alloc(0);
      async function* pieces(bytes: Buffer): AsyncGenerator<Uint8Array> {
        for (let at = 0; at < bytes.length; at += 7001) yield new Uint8Array(bytes.subarray(at, at + 7001));
      }
      const send = (command: unknown): Promise<unknown> => {
        if (command instanceof GetObjectTaggingCommand) {
          sent.push(`GetObjectTagging ${command.input.Key}`);
          return Promise.resolve({ TagSet: Object.entries(tags[command.input.Key ?? ''] ?? {}).map(([Key, Value]) => ({ Key, Value })) });
        }
        if (command instanceof GetObjectCommand) {
          sent.push(`GetObject ${command.input.Key}`);
          const count = Object.keys(tags[command.input.Key ?? ''] ?? {}).length;
          return Promise.resolve({ ContentLength: body(command.input).length, Metadata: {}, ...(count > 0 ? { TagCount: count } : {}), Body: pieces(body(command.input)) });
        }
        return Promise.reject(new Error(`unexpected command ${String(command)}`));
      };
      return { send } as unknown as S3Client;
    }

    it('reads each object back in one GetObject, and its tags only when it has some: an object with tags the backup did not record differs', async () => {
      const bodies = new Map([
        ['big.bin', BIG],
        ['small.txt', SMALL],
        ['empty', Buffer.alloc(0)],
      ]);
      const sent: string[] = [];
      const outcome = await checkRestoredEntries(vault, { type: 's3', bucket: 'target', prefix: '' }, { targetS3: targetS3(bodies, { 'small.txt': { stray: 'tag' } }, sent), root: '', keepSetIdBits: false }, entries);
      expect(outcome).toEqual({ checked: 3, mismatches: ['"small.txt": tags differ in "stray"'], notRestored: [] });
      expect(sent.sort()).toEqual(['GetObject big.bin', 'GetObject empty', 'GetObject small.txt', 'GetObjectTagging small.txt']);
    });

    it('passes objects equal to the backup and finds one with a changed byte', async () => {
      const check = (bodies: Map<string, Buffer>) => checkRestoredEntries(vault, { type: 's3', bucket: 'target', prefix: '' }, { targetS3: targetS3(bodies), root: '', keepSetIdBits: false }, entries);
      const exact = new Map([
        ['big.bin', BIG],
        ['small.txt', SMALL],
        ['empty', Buffer.alloc(0)],
      ]);
      expect(await check(exact)).toEqual({ checked: 3, mismatches: [], notRestored: [] });
      const damaged = Buffer.from(BIG);
      damaged[200_000] = (damaged[200_000] as number) ^ 0x80;
      expect((await check(new Map([...exact, ['big.bin', damaged]]))).mismatches).toEqual(['"big.bin": content differs from the backup']);
    });

    it('a shard restoring objects into a bucket reads them back by the content tags of the blobs it decoded', async () => {
      // An S3 source's snapshot of the same bytes (object entries), restored by one shard into the bucket "target".
      const writer = await vault.newSnapshotWriter({ inline: true });
      await writer.add({ path: 'big.bin', kind: 'object', meta: {}, content: BIG });
      await writer.add({ path: 'small.txt', kind: 'object', meta: {}, content: SMALL });
      const objects = await vault.commitSnapshot({ source: { kind: 's3', id: 'assets' }, parts: [await writer.finish()], tags: ['backupId:b-objects'] });
      const restoreId = 'r-objects';
      const planKey = servePlan(restoreId, { type: 's3', bucket: 'target', prefix: '' });
      const plan = JSON.parse(stored.get(planKey) ?? 'null') as RestorePlanDocument;
      stored.set(planKey, JSON.stringify({ ...plan, restore: { ...plan.restore, snapshotId: objects.id, source: { name: 'assets', type: 's3' } } }));
      // The one mocked S3 client: the plan bucket as before, the target bucket's objects kept here.
      const bodies = new Map<string, Buffer>();
      planS3.on(PutObjectCommand, { Bucket: 'target' }).callsFake((input: { Key: string; Body: Uint8Array }) => {
        bodies.set(input.Key, Buffer.from(input.Body));
        return {};
      });
      // Promises, as the SDK's send returns (the check chains .catch on the GetObject). No tags: no GetObjectTagging.
      planS3.on(GetObjectCommand, { Bucket: 'target' }).callsFake((input: { Key: string }) =>
        Promise.resolve({ ContentLength: bodies.get(input.Key)?.length, Metadata: {}, Body: (async function* () { yield bodies.get(input.Key) ?? Buffer.alloc(0); })() }),
      );
      // The read-back's look-ups of the tags (content-check.ts), with what they found.
      const seen: Array<{ size: number; found: boolean }> = [];
      const original = RestoredContentTags.prototype.tagsOf;
      const spy = jest.spyOn(RestoredContentTags.prototype, 'tagsOf').mockImplementation(function (this: RestoredContentTags, ids: readonly Uint8Array[]) {
        const found = original.call(this, ids);
        seen.push({ size: this.size, found: found !== undefined });
        return found;
      });
      try {
        await restoreShard({ restoreId, planKey, shardIndex: 0 }, io());
      } finally {
        spy.mockRestore();
      }
      expect(bodies).toEqual(new Map([['big.bin', BIG], ['small.txt', SMALL]]));
      const blobs: string[] = [];
      for await (const entry of vault.entries(objects)) blobs.push(...entry.content);
      // Each object read back by the shard's tags, every blob it decoded recorded.
      expect(seen).toEqual([
        { size: new Set(blobs).size, found: true },
        { size: new Set(blobs).size, found: true },
      ]);
      expect(JSON.parse(stored.get(shardCheckKey(restoreId, 0)) ?? 'null')).toMatchObject({ checked: 2, mismatchCount: 0 });
    });

    it('checks by the content tags recorded as the content was read from the vault: exact objects pass, a changed byte or swapped halves differ', async () => {
      const tags = new RestoredContentTags();
      const exact = new Map<string, Buffer>();
      for (const entry of entries) {
        const pieces: Buffer[] = [];
        for await (const piece of readEntryContent(vault, entry, { contentTags: tags })) pieces.push(piece);
        exact.set(entry.path, Buffer.concat(pieces));
      }
      expect(tags.size).toBe(new Set(entries.flatMap((e) => e.content)).size);
      const check = (bodies: Map<string, Buffer>) => checkRestoredEntries(vault, { type: 's3', bucket: 'target', prefix: '' }, { targetS3: targetS3(bodies), root: '', keepSetIdBits: false, contentTags: tags }, entries);
      expect(await check(exact)).toEqual({ checked: 3, mismatches: [], notRestored: [] });
      const damaged = Buffer.from(BIG);
      damaged[200_000] = (damaged[200_000] as number) ^ 0x80;
      expect((await check(new Map([...exact, ['big.bin', damaged]]))).mismatches).toEqual(['"big.bin": content differs from the backup']);
      const half = BIG.length / 2;
      expect((await check(new Map([...exact, ['big.bin', Buffer.concat([BIG.subarray(half), BIG.subarray(0, half)])]]))).mismatches).toEqual(['"big.bin": content differs from the backup']);
      // A wrong tag recorded for a blob of small.txt: the check goes by the tags.
      tags.record(Buffer.from(entries.find((e) => e.path === 'small.txt')?.content[0] ?? '', 'hex'), Buffer.alloc(16));
      expect((await check(exact)).mismatches).toEqual(['"small.txt": content differs from the backup']);
    });

    it('finds an object whose piece has its recorded tag but not the content of its blob id when the blob is in the id sample', async () => {
      for (const { tags, id, sampled } of misfiledCases()) {
        const bodies = new Map<string, Buffer>();
        for (const entry of entries) {
          const pieces: Buffer[] = [];
          for await (const piece of readEntryContent(vault, entry, { contentTags: tags })) pieces.push(piece);
          bodies.set(entry.path, Buffer.concat(pieces));
        }
        bodies.set('small.txt', OTHER);
        tags.record(id, contentTag(tags.keyObject, id, OTHER));
        const { mismatches } = await checkRestoredEntries(vault, { type: 's3', bucket: 'target', prefix: '' }, { targetS3: targetS3(bodies), root: '', keepSetIdBits: false, contentTags: tags }, entries);
        if (sampled) expect(mismatches).toEqual([expect.stringMatching(MISFILED)]);
        else expect(mismatches).toEqual([]);
      }
    });
  });
});
