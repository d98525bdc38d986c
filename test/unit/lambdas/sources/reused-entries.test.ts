import { mkdir, truncate, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { addDirectoryShard } from '../../../../lambdas/sources/directory-entries';
import { type EntrySink, newObservations } from '../../../../lambdas/sources/entry-sink';
import { type ManifestEntry, type NewEntry } from '../../../../vault';
import { removeDir, tempDir } from '../../../support/vault-test-helpers';

/**
 * Audit R14 F1: a source that asked canReuse and got the parent's entry must add the entry with that
 * content. Added without content, the writer asks the parent again, and by then another entry in
 * flight may have found a parent page damaged and dropped the parent: the entry was recorded as 0
 * bytes, restored empty, and reused empty by every later incremental.
 */
describe('a source adding an entry it may reuse', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir('reused-entries');
  });
  afterAll(async () => removeDir(dir));

  it('passes the parent entry canReuse returned as stored content, counted as reused', async () => {
    const root = path.join(dir, 'root');
    await mkdir(root, { recursive: true });
    await writeFile(path.join(root, 'kept.txt'), 'unchanged since the parent');
    const parentEntry: ManifestEntry = { path: 'kept.txt', kind: 'file', meta: {}, size: 26, content: ['ab'.repeat(32)], changeToken: 'token' };
    const added: NewEntry[] = [];
    const sink: EntrySink = {
      canReuse: async (p, kind) => (p === 'kept.txt' && kind === 'file' ? parentEntry : null),
      add: async (entry) => {
        added.push(entry);
      },
    };
    await addDirectoryShard(root, ['kept.txt'], sink, newObservations());
    expect(added).toHaveLength(1);
    expect(added[0]?.content).toBeUndefined();
    expect(added[0]?.stored).toEqual({ size: 26, content: parentEntry.content });
    expect(added[0]?.reused).toBe(true);
  });
});

/**
 * Audit R18 F1: a file above WHOLE_FILE_BYTES is opened only by the writer (streamed), outside the reader's own
 * error handling; one it could not open or read failed the shard, and with it every backup of the source.
 */
describe('a large file the writer cannot read', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir('unreadable-large');
  });
  afterAll(async () => removeDir(dir));

  async function shardWith(failure: NodeJS.ErrnoException) {
    const root = path.join(dir, `root-${failure.code ?? 'plain'}`);
    await mkdir(root, { recursive: true });
    await writeFile(path.join(root, 'small.txt'), 'read whole');
    // Sparse: only its size matters, which makes the shard stream it.
    await writeFile(path.join(root, 'big.bin'), '');
    await truncate(path.join(root, 'big.bin'), 9 * 1024 * 1024);
    const added: string[] = [];
    const sink: EntrySink = {
      canReuse: async () => null,
      add: async (entry) => {
        if (entry.path === 'big.bin') {
          expect(typeof entry.content).toBe('function');
          throw failure;
        }
        added.push(entry.path);
      },
    };
    const observations = newObservations();
    await addDirectoryShard(root, ['big.bin', 'small.txt'], sink, observations);
    return { added, observations };
  }

  it('is left out and reported as skipped (EACCES) or vanished (ENOENT), and the shard goes on', async () => {
    const denied = await shardWith(Object.assign(new Error("EACCES: permission denied, open 'big.bin'"), { code: 'EACCES' }));
    expect(denied.added).toEqual(['small.txt']);
    expect(denied.observations.skipped).toEqual(["big.bin: cannot read: EACCES: permission denied, open 'big.bin'"]);
    const gone = await shardWith(Object.assign(new Error("ENOENT: no such file or directory, open 'big.bin'"), { code: 'ENOENT' }));
    expect(gone.observations.vanished).toEqual(['big.bin']);
    expect(gone.observations.skipped).toEqual([]);
  });

  it('still fails the shard for any other error (the vault, the workers)', async () => {
    await expect(shardWith(Object.assign(new Error('the vault refused the pack'), { code: undefined }))).rejects.toThrow('the vault refused the pack');
  });
});
