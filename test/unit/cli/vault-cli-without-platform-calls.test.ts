import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { vaultBackup, vaultInit } from '../../../cli/commands/vault-commands';
import { type CliIo } from '../../../cli/cli-io';
import { PRE_1970_NS, requireCalls } from '../../support/hostile-fixture-tree';
import { removeDir, tempDir } from '../../support/vault-test-helpers';
import { type CliRun, runVaultCli } from '../../support/vault-cli-process';

const quiet: CliIo = { out: () => undefined, err: () => undefined };
/** Far above a command's run time here: a process still alive then is hung, not slow. */
/** Runs `lifeboat vault …` as its own process without the platform calls, as a Lambda bundle without koffi runs. */
function lifeboatWithoutCalls(...args: string[]): CliRun {
  return runVaultCli(args, { env: { ...process.env, LIFEBOAT_PLATFORM_CALLS: 'off' } });
}

describe('lifeboat vault without the platform calls (koffi absent, another OS)', () => {
  let dir: string;
  let vault: string;
  let keyFile: string;
  let src: string;
  beforeAll(async () => {
    dir = await tempDir('vault-cli-no-calls');
    vault = path.join(dir, 'vault');
    keyFile = path.join(dir, 'key');
    expect(await vaultInit({ vault, keyFile }, { io: quiet })).toBe(0);
    const calls = requireCalls();
    src = path.join(dir, 'src');
    await fs.mkdir(src);
    for (const name of ['a.txt', 'b.txt', 'c.txt']) {
      await fs.writeFile(path.join(src, name), `${name}\n`);
      calls.setXattr(path.join(src, name), 'user.tag', Buffer.from(name));
    }
    calls.setTimes(path.join(src, 'a.txt'), PRE_1970_NS, PRE_1970_NS);
    // Backed up with the calls: the snapshot holds the extended attributes.
    expect(await vaultBackup(src, { vault, keyFile }, { io: quiet })).toBe(0);
  });
  afterAll(async () => removeDir(dir));

  it('restore: says once that extended attributes were not restored, exits 3, and still restores a pre-1970 mtime (to the microsecond)', async () => {
    const target = path.join(dir, 'restored');
    const r = lifeboatWithoutCalls('restore', 'latest', '--vault', vault, '--key-file', keyFile, '--target', target);
    expect(r).toMatchObject({ timedOut: false, status: 3 });
    const lines = r.stderr.split('\n').filter((l) => l.includes('extended attributes not restored'));
    expect(lines).toEqual(['  a.txt: extended attributes not restored: platform calls are turned off (LIFEBOAT_PLATFORM_CALLS=off) (and for 2 more entries)']);
    const mtimeNs = (await fs.stat(path.join(target, 'a.txt'), { bigint: true })).mtimeNs;
    expect(mtimeNs - PRE_1970_NS < 2000n && PRE_1970_NS - mtimeNs < 2000n).toBe(true);
    expect(await fs.readFile(path.join(target, 'c.txt'), 'utf8')).toBe('c.txt\n');
  });

  // Audit f58E: the one line stands for the three files, and the count said "1 entries".
  it('restore: counts every entry the one line stands for, on stderr and in --json (`entries`)', async () => {
    const target = path.join(dir, 'restored-json');
    const r = lifeboatWithoutCalls('restore', 'latest', '--vault', vault, '--key-file', keyFile, '--target', target, '--json');
    expect(r).toMatchObject({ timedOut: false, status: 3 });
    const lines = r.stderr.split('\n');
    expect(lines.slice(lines.findIndex((l) => l.includes('not restored as recorded')), -1)).toEqual([
      'lifeboat vault: restore completed, but 3 entries (or attributes of entries) were not restored as recorded:',
      '  a.txt: extended attributes not restored: platform calls are turned off (LIFEBOAT_PLATFORM_CALLS=off) (and for 2 more entries)',
    ]);
    expect((JSON.parse(r.stdout) as { notRestored: unknown }).notRestored).toEqual([
      { path: 'a.txt', what: 'extended attributes not restored: platform calls are turned off (LIFEBOAT_PLATFORM_CALLS=off) (and for 2 more entries)', entries: 3 },
    ]);
    expect(await fs.readFile(path.join(target, 'b.txt'), 'utf8')).toBe('b.txt\n');
  });

  it('backup: notes that extended attributes were not backed up, and exits 0 (nothing it could read was left out)', () => {
    const r = lifeboatWithoutCalls('backup', '--vault', vault, '--key-file', keyFile, src);
    expect(r).toMatchObject({ timedOut: false, status: 0 });
    expect(r.stderr.trim()).toBe('lifeboat vault: note: extended attributes were not backed up: platform calls are turned off (LIFEBOAT_PLATFORM_CALLS=off)');
  });
});
