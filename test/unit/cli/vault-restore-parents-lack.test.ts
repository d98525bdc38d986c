import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { vaultInit, vaultRestore } from '../../../cli/commands/vault-commands';
import { FileVaultStore } from '../../../vault/backend/file/file-vault-store';
import { KeyFileKeyProvider } from '../../../vault/keys/key-file-key-provider';
import { type ManifestEntry } from '../../../vault/manifest/manifest-entry';
import { openVault } from '../../../vault/repository/vault';
import { capturedCliIo } from '../../support/captured-cli-io';
import { removeDir, tempDir } from '../../support/vault-test-helpers';

/**
 * Review r59A F5: under `vault restore --include`, what could not be set on the parents the restore made on the way to
 * the include (their extended attributes here: the platform calls are off) was left out of the count since review r58I
 * F4, as they are not the include's entries, and said nowhere. It is one note apart, and `parentsLack` in `--json`.
 */
const saved = process.env.LIFEBOAT_PLATFORM_CALLS;
// platformCalls() loads on first use, and this file's module registry is its own: off for the whole restore below.
process.env.LIFEBOAT_PLATFORM_CALLS = 'off';
const LOSS = 'extended attributes not restored: platform calls are turned off (LIFEBOAT_PLATFORM_CALLS=off)';

let dir: string;
beforeAll(async () => {
  dir = await tempDir('vault-restore-parents-lack');
});
afterAll(async () => {
  if (saved === undefined) delete process.env.LIFEBOAT_PLATFORM_CALLS;
  else process.env.LIFEBOAT_PLATFORM_CALLS = saved;
  await removeDir(dir);
});

it('says what the parents made on the way to the include lack, apart from the count, in one note and in --json', async () => {
  const vaultDir = path.join(dir, 'vault');
  const keyFile = path.join(dir, 'key');
  expect(await vaultInit({ vault: vaultDir, keyFile }, { io: capturedCliIo().io })).toBe(0);
  const vault = await openVault(new FileVaultStore(vaultDir, { durable: false }), await KeyFileKeyProvider.load(keyFile));
  const writer = await vault.newSnapshotWriter({ inline: true });
  const stored = await writer.storeContent(Buffer.from('kept\n'));
  const parts = [await writer.finish()];
  await vault.reloadIndex();
  const xattrs = { 'user.tag': Buffer.from('x').toString('base64') };
  const entries: ManifestEntry[] = [
    { path: 'd', kind: 'dir', meta: { mode: 0o755, xattrs }, size: 0, content: [] },
    { path: 'd/e', kind: 'dir', meta: { mode: 0o755, xattrs }, size: 0, content: [] },
    { path: 'd/e/f', kind: 'file', meta: { mode: 0o644 }, size: stored.size, content: [...stored.content] },
  ];
  const snapshot = await vault.commitSnapshot({ source: { kind: 'directory', id: '/src' }, parts, entries });

  const target = path.join(dir, 'restored');
  const { out, err, io } = capturedCliIo();
  // The include's one file is restored whole: nothing is counted as not restored, exit 0.
  expect(await vaultRestore(snapshot.id, { vault: vaultDir, keyFile, target, include: 'd/e/f', json: true }, { io })).toBe(0);
  const printed = JSON.parse(out[0] as string) as Record<string, unknown>;
  expect(printed).toMatchObject({ include: 'd/e/f', stats: { entries: 1, files: 1 }, notRestored: [], damaged: [] });
  expect(printed.parentsLack).toEqual([{ path: 'd', what: `${LOSS} (and for 1 more entries)`, entries: 2 }]);
  expect(err).toEqual([
    `Restored 1 entries (1 files, 0 directories, 0 symlinks, 5 bytes) of ${snapshot.id} to ${target}`,
    `Note: the parent directories made on the way to d/e/f lack what could not be set on them (not counted above): d: ${LOSS} (and for 1 more entries)`,
  ]);
  expect(await fs.readFile(path.join(target, 'd', 'e', 'f'), 'utf8')).toBe('kept\n');
});
