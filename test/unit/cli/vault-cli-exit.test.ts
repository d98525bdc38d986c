import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { vaultBackup, vaultInit } from '../../../cli/commands/vault-commands';
import { type CliIo } from '../../../cli/cli-io';
import { pseudoRandomBytes, removeDir, tempDir } from '../../support/vault-test-helpers';
import { spawn } from 'node:child_process';
import { type CliRun, runVaultCli, vaultCliArgv } from '../../support/vault-cli-process';

const quiet: CliIo = { out: () => undefined, err: () => undefined };
/** Far above a command's run time here: a process still alive then is hung, not slow. */
const lifeboat = (...args: string[]): CliRun => runVaultCli(args);

describe('lifeboat vault commands exit with their status (codec workers never keep the process alive)', () => {
  let dir: string;
  let vault: string;
  let keyFile: string;
  let access: string[];
  beforeAll(async () => {
    dir = await tempDir('vault-cli-exit');
    vault = path.join(dir, 'vault');
    keyFile = path.join(dir, 'key');
    access = ['--vault', vault, '--key-file', keyFile];
    expect(await vaultInit({ vault, keyFile }, { io: quiet })).toBe(0);
  });
  afterAll(async () => removeDir(dir));

  it.each([
    ['an empty directory', new Map<string, Buffer>()],
    ['one 6-byte file', new Map([['a.txt', Buffer.from('hello\n')]])],
    ['one 64 KiB file', new Map([['b.bin', pseudoRandomBytes(64 * 1024, 3)]])],
  ])('backs up %s and exits 0', async (name, files) => {
    const src = path.join(dir, `src-${name.replace(/\W+/g, '-')}`);
    await fs.mkdir(src, { recursive: true });
    for (const [file, body] of files) await fs.writeFile(path.join(src, file), body);
    const r = lifeboat('backup', ...access, src);
    expect(r).toMatchObject({ timedOut: false, status: 0, stderr: '' });
    expect(r.stdout.trim()).toMatch(/^[0-9a-f]{64}$/);
  });

  it('restores a one-file snapshot and exits 0', async () => {
    const src = path.join(dir, 'one');
    await fs.mkdir(src);
    await fs.writeFile(path.join(src, 'only.txt'), 'just this\n');
    expect(await vaultBackup(src, { vault, keyFile }, { io: quiet })).toBe(0);
    const target = path.join(dir, 'one-restored');
    const r = lifeboat('restore', 'latest', ...access, '--target', target);
    expect(r).toMatchObject({ timedOut: false, status: 0 });
    expect(await fs.readFile(path.join(target, 'only.txt'), 'utf8')).toBe('just this\n');
  });

  it('exits 1 with a message when the source directory is missing', () => {
    const missing = path.join(dir, 'no-such-dir');
    const r = lifeboat('backup', ...access, missing);
    expect(r).toMatchObject({ timedOut: false, status: 1 });
    expect(r.stderr.trim()).toBe(`lifeboat vault: the backup source ${missing} does not exist`);
  });

  it('exits 1 with a message when the restore target is a file', async () => {
    const file = path.join(dir, 'a-file');
    await fs.writeFile(file, 'x');
    const r = lifeboat('restore', 'latest', ...access, '--target', file);
    expect(r).toMatchObject({ timedOut: false, status: 1 });
    expect(r.stderr.trim()).toBe(`lifeboat vault: the restore target ${file} is a file, not a directory; choose a directory (it is created when missing)`);
  });

  it('exits 1 with a message when the vault path is a file', async () => {
    const file = path.join(dir, 'not-a-vault');
    await fs.writeFile(file, 'x');
    const r = lifeboat('ls', '--vault', file, '--key-file', keyFile);
    expect(r).toMatchObject({ timedOut: false, status: 1 });
    expect(r.stderr.trim()).toBe(`lifeboat vault: the vault location ${file} is a file, not a vault directory; give the directory that \`lifeboat vault init\` created`);
  });

  it('refuses to restore into a non-empty directory without --overwrite', async () => {
    const target = path.join(dir, 'busy');
    await fs.mkdir(target);
    await fs.writeFile(path.join(target, 'mine.txt'), 'keep me');
    const r = lifeboat('restore', 'latest', ...access, '--target', target);
    expect(r).toMatchObject({ timedOut: false, status: 1 });
    expect(r.stderr).toContain(`the restore target ${target} is not empty (1 entries)`);
    expect(await fs.readdir(target)).toEqual(['mine.txt']);
    expect(lifeboat('restore', 'latest', ...access, '--target', target, '--overwrite')).toMatchObject({ timedOut: false, status: 0 });
    expect((await fs.readdir(target)).sort()).toEqual(['mine.txt', 'only.txt']);
  });

  it('exits 1 naming the damaged file when the vault is corrupt, and leaves no partial file', async () => {
    const own = path.join(dir, 'corrupt-vault');
    const ownKey = path.join(dir, 'corrupt-key');
    expect(await vaultInit({ vault: own, keyFile: ownKey, compression: 'off' }, { io: quiet })).toBe(0);
    const src = path.join(dir, 'corrupt-src');
    await fs.mkdir(src);
    await fs.writeFile(path.join(src, 'data.bin'), pseudoRandomBytes(50_000, 9));
    expect(await vaultBackup(src, { vault: own, keyFile: ownKey }, { io: quiet })).toBe(0);
    const packFiles: string[] = [];
    for (const entry of await fs.readdir(path.join(own, 'data'), { recursive: true, withFileTypes: true })) if (entry.isFile()) packFiles.push(path.join(entry.parentPath, entry.name));
    expect(packFiles).toHaveLength(1);
    const pack = await fs.readFile(packFiles[0] as string);
    pack[100] = (pack[100] as number) ^ 0xff;
    await fs.writeFile(packFiles[0] as string, pack);
    const target = path.join(dir, 'corrupt-restored');
    const r = lifeboat('restore', 'latest', '--vault', own, '--key-file', ownKey, '--target', target);
    expect(r).toMatchObject({ timedOut: false, status: 1 });
    expect(r.stderr).toContain('1 file(s) could not be restored because their data in the vault is damaged or missing');
    expect(r.stderr).toContain('data.bin: ');
    expect(await fs.readdir(target)).toEqual([]);
  });

  it('stops quietly with its status when the reader of its output goes away (`vault ls … | head -1`)', async () => {
    const src = path.join(dir, 'many');
    await fs.mkdir(src);
    // A listing of about 150 KB, more than a pipe holds (64 KiB), so the command still writes after the reader
    // went away: 700 names of about 200 characters (3,000 of about 28 until 2026-12-06: the same bytes, 4x the files to back up).
    for (let i = 0; i < 700; i++) await fs.writeFile(path.join(src, `a-file-with-a-long-name-${'n'.repeat(170)}-${i}`), String(i));
    expect(await vaultBackup(src, { vault, keyFile }, { io: quiet })).toBe(0);
    const child = spawn(process.execPath, vaultCliArgv(['ls', 'latest', ...access]), { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // Read the first chunk, then close the pipe as `head -1` does.
    child.stdout.once('data', () => child.stdout.destroy());
    const status = await new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    expect({ status, stderr }).toEqual({ status: 0, stderr: '' });
  });

  it('exits 2 on a command line it cannot parse, and `lifeboat vault` 1, as restic does', () => {
    const bare = (...args: string[]): CliRun => runVaultCli(args, { argv: args });
    expect(bare('drill', 'run')).toMatchObject({ timedOut: false, status: 2, stderr: expect.stringContaining("required option '--plan <name>' not specified") });
    expect(bare('backup', '--plan', 'demo', '--workers', 'abc')).toMatchObject({ timedOut: false, status: 2, stderr: expect.stringContaining('must be a whole number of worker threads from 1 to 64, got "abc"') });
    expect(bare('verify', '--backup', 'x', '--from', 'tertiary')).toMatchObject({ timedOut: false, status: 2, stderr: expect.stringContaining('Allowed choices are primary, dr') });
    expect(lifeboat('ls')).toMatchObject({ timedOut: false, status: 1, stderr: expect.stringContaining("required option '--vault <location>' not specified") });
  });
});
