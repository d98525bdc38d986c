import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { vaultBackup, vaultInit, vaultLs } from '../../../cli/commands/vault-commands';
import { recordingCliIo } from '../../support/captured-cli-io';
import { pseudoRandomBytes, removeDir, tempDir } from '../../support/vault-test-helpers';

/**
 * `lifeboat vault backup --vault V SRC` with V inside SRC: the vault is left out of the snapshot (it
 * would be backed up into itself, half written), also when V is named through a symlink, and a note
 * says so; the backup is complete otherwise (exit 0).
 */
describe('lifeboat vault backup of a directory that holds its own vault', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await tempDir('vault-own');
  });
  afterEach(async () => removeDir(dir));

  // Review r64N F5: --json wrote the excluded path's C1 controls and bidi overrides raw (JSON.stringify leaves them).
  it('--json writes a left-out path\'s C1 control and bidi override as \\uXXXX, which parses back to the same path', async () => {
    const src = path.join(dir, 'src');
    await fs.mkdir(src);
    await fs.writeFile(path.join(src, 'a'), 'a');
    const name = 'v\u202eault\u009b\u2028';
    const vault = path.join(src, name);
    const keyFile = path.join(dir, 'key');
    expect(await vaultInit({ vault, keyFile }, { io: recordingCliIo() })).toBe(0);
    const json = recordingCliIo();
    expect(await vaultBackup(src, { vault, keyFile, json: true }, { io: json })).toBe(0);
    const out = json.lines.join('\n');
    expect(out).not.toMatch(/[\u0080-\u009f\u2028\u202e]/);
    expect(out).toContain('"path":"v\\u202eault\\u009b\\u2028"');
    expect((JSON.parse(out) as { excluded: unknown }).excluded).toEqual([{ path: name, excludedAs: vault }]);
  });

  it('leaves the vault out, named directly or through a symlink, and notes it on stderr and in --json', async () => {
    const src = path.join(dir, 'src');
    await fs.mkdir(path.join(src, 'docs'), { recursive: true });
    await fs.writeFile(path.join(src, 'docs', 'a.txt'), 'a\n');
    await fs.writeFile(path.join(src, 'big.bin'), pseudoRandomBytes(30_000, 3));
    const vault = path.join(src, 'vault');
    const keyFile = path.join(dir, 'key');
    expect(await vaultInit({ vault, keyFile }, { io: recordingCliIo() })).toBe(0);
    const link = path.join(dir, 'link');
    await fs.symlink(vault, link);

    for (const named of [vault, link]) {
      const io = recordingCliIo();
      expect(await vaultBackup(src, { vault: named, keyFile }, { io })).toBe(0);
      expect(io.errors).toEqual([`lifeboat vault: note: left out vault: it is the vault this backup writes to (${named})`]);
      const ls = recordingCliIo();
      expect(await vaultLs(io.lines[0], { vault, keyFile }, { io: ls })).toBe(0);
      expect(ls.lines.map((l) => l.split(/\s+/).at(-1))).toEqual(['big.bin', 'docs', 'docs/a.txt']);
    }
    const json = recordingCliIo();
    expect(await vaultBackup(src, { vault, keyFile, json: true }, { io: json })).toBe(0);
    expect((JSON.parse(json.lines[0] as string) as { excluded: unknown }).excluded).toEqual([{ path: 'vault', excludedAs: vault }]);
  });
});
