import { mkdir, writeFile } from 'node:fs/promises';
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
