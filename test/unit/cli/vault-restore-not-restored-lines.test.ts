import * as path from 'node:path';
import { vaultRestore } from '../../../cli/commands/vault-commands';
import { type ManifestEntry } from '../../../vault/manifest/manifest-entry';
import { CodecPool } from '../../../vault/workers/codec-pool';
import { newTestVault, removeDir, tempDir } from '../../support/vault-test-helpers';
import { requireCalls } from '../../support/hostile-fixture-tree';

/**
 * Review r58D F6: `lifeboat vault restore` printed the reason of what it could not restore raw, and a reason names an
 * extended attribute, whose name is the backup's data: an ESC or BEL in it reached the operator's terminal (a title
 * set, the screen cleared). And one entry read "1 entries … were".
 */
let dir: string;
afterAll(async () => {
  await CodecPool.shutdownShared();
  await removeDir(dir);
});

it('escapes the reason as the path is escaped, and says one entry in the singular', async () => {
  requireCalls();
  dir = await tempDir('vault-restore-not-restored-lines');
  const { vault, keyFile } = await newTestVault(dir);
  const writer = await vault.newSnapshotWriter({ inline: true });
  const stored = await writer.storeContent(Buffer.from('x\n'));
  const parts = [await writer.finish()];
  await vault.reloadIndex();
  // A namespace Linux does not know: ENOTSUP on any file system, so the restore goes on without it.
  const xattrs = { 'bogus.\u001b]0;owned\u0007\u001b[2J': Buffer.from('x').toString('base64') };
  const entries: ManifestEntry[] = [{ path: 'f', kind: 'file', size: stored.size, content: [...stored.content], meta: { mode: 0o644, xattrs } }];
  await vault.commitSnapshot({ source: { kind: 'directory', id: '/src' }, parts, entries });
  const err: string[] = [];
  const code = await vaultRestore('latest', { vault: path.join(dir, 'vault'), keyFile, target: path.join(dir, 'target') }, { io: { out: () => undefined, err: (l) => err.push(l) } });
  expect(code).toBe(3);
  expect(err.slice(1)).toEqual([
    'lifeboat vault: restore completed, but 1 entry (or attribute of an entry) was not restored as recorded:',
    '  f: extended attribute bogus.\\x1b]0;owned\\a\\x1b[2J not restored: ENOTSUP (the target file system does not support it)',
  ]);
  // eslint-disable-next-line no-control-regex -- no control character may reach the terminal
  for (const line of err) expect(line).not.toMatch(/[\x00-\x1f\x7f]/);
});
