import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { vaultBackup, vaultInit, vaultRestore } from '../../../cli/commands/vault-commands';
import { capturedCliIo } from '../../support/captured-cli-io';
import { pseudoRandomBytes, removeDir, tempDir } from '../../support/vault-test-helpers';

/**
 * `lifeboat vault restore --json` when a file's data in the vault is damaged (audit a2 #3b): every other entry is
 * restored, and stdout still holds the one object a script reads, the damaged file under `damaged`; exit 1 with the
 * error on stderr, as without --json.
 */

let dir: string;
beforeAll(async () => {
  dir = await tempDir('vault-restore-json-damage');
});
afterAll(async () => removeDir(dir));

it('prints the object with the damaged file and the counts of what was restored, then fails with exit 1', async () => {
  const vault = path.join(dir, 'vault');
  const keyFile = path.join(dir, 'key');
  const src = path.join(dir, 'src');
  await fs.mkdir(src);
  expect(await vaultInit({ vault, keyFile }, { io: capturedCliIo().io })).toBe(0);
  await fs.writeFile(path.join(src, 'bad.bin'), pseudoRandomBytes(20_000, 3));
  await fs.writeFile(path.join(src, 'good.txt'), 'kept\n');
  const backup = capturedCliIo();
  expect(await vaultBackup(src, { vault, keyFile }, { io: backup.io })).toBe(0);
  const snapshotId = backup.out[0] as string;
  // The largest pack holds bad.bin's 20 000 random bytes; good.txt's 5 bytes are stored apart from them.
  const packFiles = [];
  for (const packDir of await fs.readdir(path.join(vault, 'data'))) {
    for (const pack of await fs.readdir(path.join(vault, 'data', packDir))) packFiles.push(path.join(vault, 'data', packDir, pack));
  }
  const sizes = await Promise.all(packFiles.map(async (file) => (await fs.stat(file)).size));
  const packFile = packFiles[sizes.indexOf(Math.max(...sizes))] as string;
  const bytes = await fs.readFile(packFile);
  bytes[50] = (bytes[50] as number) ^ 0xff;
  await fs.writeFile(packFile, bytes);

  const target = path.join(dir, 'restored');
  const { out, err, io } = capturedCliIo();
  expect(await vaultRestore('latest', { vault, keyFile, target, json: true }, { io })).toBe(1);
  expect(out).toHaveLength(1);
  const printed = JSON.parse(out[0] as string) as { damaged: { path: string; message: string }[] };
  expect(printed).toEqual({
    snapshotId,
    target,
    include: '',
    stats: { entries: 2, files: 1, links: 0, dirs: 0, symlinks: 0, specials: 0, bytes: 5 },
    notRestored: [],
    damaged: [{ path: 'bad.bin', message: expect.stringMatching(/\S/) }],
    temporaryFiles: { removed: 0, leftRecent: 0 },
  });
  expect(err).toEqual([`lifeboat vault: 1 file(s) could not be restored because their data in the vault is damaged or missing (the other 1 entries were restored; run \`lifeboat vault verify --read-data\` for the whole picture):\n  bad.bin: ${printed.damaged[0]?.message ?? ''}`]);
  expect(await fs.readFile(path.join(target, 'good.txt'), 'utf8')).toBe('kept\n');
  await expect(fs.stat(path.join(target, 'bad.bin'))).rejects.toThrow('ENOENT');
});
