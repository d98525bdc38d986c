import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { vaultBackup, vaultInit } from '../../../cli/commands/vault-commands';
import { type CliIo } from '../../../cli/cli-io';
import { tempDir } from '../../support/vault-test-helpers';

/**
 * Review f58O: `lifeboat vault backup` printed the reason of each entry it could not read raw, and the reason names the
 * entry's path again (the file system's message) or an extended attribute, both the source's data: an ESC in a file name
 * reached the operator's terminal (the screen cleared). And one entry read "1 entries … are". `lifeboat vault restore`
 * escapes its reasons since 71c88310; the backup's lines now do too.
 */
const quiet: CliIo = { out: () => undefined, err: () => undefined };
let dir: string;

afterAll(() => {
  // A tree deeper than PATH_MAX, which Node's fs.rm cannot reach: coreutils' rm walks it with openat.
  spawnSync('rm', ['-rf', dir]);
});

it('escapes the reason as the path is escaped, and says one entry in the singular', async () => {
  dir = await tempDir('vault-backup-skipped-lines');
  const vault = path.join(dir, 'vault');
  const keyFile = path.join(dir, 'key');
  expect(await vaultInit({ vault, keyFile }, { io: quiet })).toBe(0);
  const src = path.join(dir, 'src');
  await fs.mkdir(src);
  await fs.writeFile(path.join(src, 'readable.txt'), 'fine\n');
  // Nested past PATH_MAX (made by relative chdir in a child: a path that long is refused whole), so even root cannot read
  // below it: its entry is skipped, and the reason names the path, an ESC sequence in its first segment.
  const segment = `\u001b[2J${'d'.repeat(240)}`;
  const script = `process.chdir(process.argv[1]); const fs = require('fs'); for (let i = 0; i < 20; i++) { fs.mkdirSync(${JSON.stringify(segment)}); process.chdir(${JSON.stringify(segment)}); } fs.writeFileSync('deep.txt', 'deep');`;
  expect(spawnSync(process.execPath, ['-e', script, src], { encoding: 'utf8' }).status).toBe(0);

  const err: string[] = [];
  expect(await vaultBackup(src, { vault, keyFile }, { io: { out: () => undefined, err: (l) => err.push(l) } })).toBe(3);
  // eslint-disable-next-line no-control-regex -- no control character may reach the terminal
  for (const line of err) expect(line).not.toMatch(/[\x00-\x1f\x7f]/);
  expect(err[0]).toMatch(/^lifeboat vault: snapshot [0-9a-f]{64} committed, but 1 entry \(or attribute of an entry\) could not be read and is not in it:$/);
  expect(err[1]).toMatch(/^ {2}\\x1b\[2Jd{240}\/.*: cannot (stat|list): ENAMETOOLONG.*\\x1b\[2J/);
});
