import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { backupDirectory } from '../../../../vault/archiver/directory-source';
import { type FileVaultStore } from '../../../../vault/backend/file/file-vault-store';
import { type ByteRange } from '../../../../vault/backend/vault-store';
import { DATA_PREFIX, packKey } from '../../../../vault/repository/vault-layout';
import { type Vault } from '../../../../vault/repository/vault';
import { COPY_MIN_BYTES } from '../../../../vault/restorer/restored-contents';
import { RestoreIncompleteError, restoreSnapshot } from '../../../../vault/restorer/restore';
import { CodecPool } from '../../../../vault/workers/codec-pool';
import { type Snapshot } from '../../../../vault/manifest/snapshot-record';
import { captureTree, displayPath } from '../../../support/tree-capture';
import { newTestVault, pseudoRandomBytes, removeDir, tempDir } from '../../../support/vault-test-helpers';

/** Pack bytes read through the store while `run` runs (the in-thread codec reads every pack range through it). */
async function packBytesRead(store: FileVaultStore, run: () => Promise<unknown>): Promise<number> {
  let bytes = 0;
  const get = store.get.bind(store);
  const spy = jest.spyOn(store, 'get').mockImplementation(async (key: string, range?: ByteRange) => {
    const got = await get(key, range);
    if (key.startsWith(DATA_PREFIX)) bytes += got.length;
    return got;
  });
  try {
    await run();
  } finally {
    spy.mockRestore();
  }
  return bytes;
}

/** Writes `bytes` leaving its run of zeros after COPY_MIN_BYTES unwritten, so the source file has that hole too. */
async function writeWithHole(file: string, bytes: Buffer): Promise<void> {
  const fh = await fs.open(file, 'w');
  try {
    await fh.write(bytes, 0, COPY_MIN_BYTES, 0);
    const tail = bytes.length - COPY_MIN_BYTES;
    await fh.write(bytes, tail, COPY_MIN_BYTES, tail);
  } finally {
    await fh.close();
  }
}

describe('a restore copies a file whose content it restored before instead of decoding it again', () => {
  let dir: string;
  let src: string;
  let vault: Vault;
  let store: FileVaultStore;
  let snapshot: Snapshot;
  const big = pseudoRandomBytes(3 * COPY_MIN_BYTES, 7);
  // Zeros in the middle: a sparse restore leaves them as a hole, in the copy too.
  const holed = Buffer.concat([pseudoRandomBytes(COPY_MIN_BYTES, 8), Buffer.alloc(1024 * 1024), pseudoRandomBytes(COPY_MIN_BYTES, 9)]);

  beforeAll(async () => {
    dir = await tempDir('restored-contents');
    ({ vault, store } = await newTestVault(dir));
    src = path.join(dir, 'src');
    await fs.mkdir(path.join(src, 'copies'), { recursive: true });
    await fs.writeFile(path.join(src, 'a.bin'), big);
    // Copies with attributes of their own: the copy takes the bytes, never the first file's mode or times.
    await fs.writeFile(path.join(src, 'copies', 'b.bin'), big, { mode: 0o400 });
    await fs.utimes(path.join(src, 'copies', 'b.bin'), new Date('2001-02-03T04:05:06Z'), new Date('2001-02-03T04:05:06Z'));
    await fs.writeFile(path.join(src, 'copies', 'c.bin'), big, { mode: 0o751 });
    await writeWithHole(path.join(src, 'holed-1.bin'), holed);
    await writeWithHole(path.join(src, 'holed-2.bin'), holed);
    // Below COPY_MIN_BYTES: decoded, as any file.
    await fs.writeFile(path.join(src, 'small-1.txt'), 'the same small text\n');
    await fs.writeFile(path.join(src, 'small-2.txt'), 'the same small text\n');
    snapshot = (await backupDirectory(vault, src)).snapshot;
  });
  afterAll(async () => {
    await CodecPool.shutdownShared();
    await removeDir(dir);
  });

  it('in-thread: every file equal to its source (bytes, modes, times), and each shared content read from the packs once', async () => {
    const target = path.join(dir, 'target-inline');
    const read = await packBytesRead(store, () => restoreSnapshot(vault, snapshot, target, { inline: true }));
    expect(await captureTree(target)).toEqual(await captureTree(src));
    // The random bytes stored once (they do not compress; the zeros do, to almost nothing). Decoding
    // every copy would read a.bin's content three times and holed's twice: about 1.7 MB.
    const unique = big.length + 2 * COPY_MIN_BYTES;
    expect(read).toBeGreaterThan(0.95 * unique);
    expect(read).toBeLessThan(1.1 * unique);
  });

  it('through the codec workers: the same tree, and the copy of a file with a hole has the hole too', async () => {
    const target = path.join(dir, 'target-workers');
    await restoreSnapshot(vault, snapshot, target);
    expect(await captureTree(target)).toEqual(await captureTree(src));
    const first = await fs.stat(path.join(target, 'holed-1.bin'));
    const copy = await fs.stat(path.join(target, 'holed-2.bin'));
    expect(copy.size).toBe(holed.length);
    expect(copy.blocks * 512).toBeLessThan(holed.length - 512 * 1024);
    expect(copy.blocks).toBe(first.blocks);
  });

  it.each([
    ['workers', false],
    ['in-thread', true],
  ])('with the shared content damaged (%s): no copy is made from a file that was not written; every file of that content is named as damaged', async (_name, inline) => {
    const entry = await (await vault.manifest(snapshot)).find('a.bin');
    const loc = (await vault.index()).lookup(Buffer.from(entry?.content[0] as string, 'hex'));
    const packFile = store.localPath(packKey(loc?.packId as string));
    const original = await fs.readFile(packFile);
    const damaged = Buffer.from(original);
    const at = (loc?.offset as number) + 40;
    damaged[at] = (damaged[at] as number) ^ 0xff;
    await fs.writeFile(packFile, damaged);
    try {
      const target = path.join(dir, `target-damaged-${inline ? 'inline' : 'workers'}`);
      const failure = restoreSnapshot(vault, snapshot, target, { inline });
      await expect(failure).rejects.toThrow(RestoreIncompleteError);
      const err = (await failure.catch((e: unknown) => e)) as RestoreIncompleteError;
      expect(err.damaged.map((d) => d.path)).toEqual(['a.bin', 'copies/b.bin', 'copies/c.bin']);
      const restored = await captureTree(target);
      expect([...restored.keys()].map(displayPath).sort()).toEqual(['copies', 'holed-1.bin', 'holed-2.bin', 'small-1.txt', 'small-2.txt']);
    } finally {
      await fs.writeFile(packFile, original);
    }
  });
});
