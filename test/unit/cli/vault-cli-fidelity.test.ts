import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as net from 'node:net';
import * as path from 'node:path';
import { vaultBackup, vaultInit } from '../../../cli/commands/vault-commands';
import { type CliIo } from '../../../cli/cli-io';
import { tempDir } from '../../support/vault-test-helpers';
import { type CliRun, runVaultCli } from '../../support/vault-cli-process';

const quiet: CliIo = { out: () => undefined, err: () => undefined };
/** Far above a command's run time here: a process still alive then is hung, not slow. */
const lifeboat = (...args: string[]): CliRun => runVaultCli(args);

/**
 * Makes `depth` nested directories named `segment` under `dir`, and a file at the bottom, walking
 * down with relative chdir calls: the whole path is longer than PATH_MAX, which a shell's `cd`
 * (building absolute paths) and Node's fs (taking them) refuse.
 */
function makeDeepTree(dir: string, segment: string, depth: number): void {
  const script = `process.chdir(process.argv[1]); const fs = require('fs'); for (let i = 0; i < ${depth}; i++) { fs.mkdirSync(${JSON.stringify(segment)}); process.chdir(${JSON.stringify(segment)}); } fs.writeFileSync('deep.txt', 'deep');`;
  const r = spawnSync(process.execPath, ['-e', script, dir], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`could not make the deep tree: ${r.stderr}`);
}

/** Removes a tree too deep for Node's fs.rm (paths over PATH_MAX): coreutils' rm walks it with openat. */
function removeDeep(dir: string): void {
  spawnSync('rm', ['-rf', dir]);
}

describe('lifeboat vault exits 3 when it completed without some entries (never a plain 0)', () => {
  let dir: string;
  let vault: string;
  let keyFile: string;
  let access: string[];
  beforeAll(async () => {
    dir = await tempDir('vault-cli-fidelity');
    vault = path.join(dir, 'vault');
    keyFile = path.join(dir, 'key');
    access = ['--vault', vault, '--key-file', keyFile];
    expect(await vaultInit({ vault, keyFile }, { io: quiet })).toBe(0);
  });
  afterAll(() => removeDeep(dir));

  it('backup: commits the snapshot, names an entry it could not read, and exits 3 (with --json, lists it in `skipped`)', async () => {
    // Even root cannot read below PATH_MAX (4096 bytes): a directory nested deeper cannot be reached by path.
    const src = path.join(dir, 'deep-src');
    await fs.mkdir(src);
    await fs.writeFile(path.join(src, 'readable.txt'), 'fine\n');
    const segment = 'd'.repeat(250);
    makeDeepTree(src, segment, 20);

    const r = lifeboat('backup', ...access, src);
    expect(r).toMatchObject({ timedOut: false, status: 3 });
    const snapshotId = r.stdout.trim();
    expect(snapshotId).toMatch(/^[0-9a-f]{64}$/);
    expect(r.stderr).toContain(`snapshot ${snapshotId} committed, but 1 entry (or attribute of an entry) could not be read and is not in it:`);
    expect(r.stderr).toMatch(new RegExp(`\\n  ${segment}/.*: cannot (stat|list): ENAMETOOLONG`));

    const out: string[] = [];
    expect(await vaultBackup(src, { vault, keyFile, json: true }, { io: { out: (l) => out.push(l), err: () => undefined } })).toBe(3);
    const report = JSON.parse(out.join('')) as { snapshotId: string; skipped: Array<{ path: string; reason: string }> };
    expect(report.skipped).toHaveLength(1);
    expect(report.skipped[0]?.path.startsWith(`${segment}/`)).toBe(true);
    expect(report.skipped[0]?.reason).toMatch(/ENAMETOOLONG/);
  });

  it('restore: finishes, names the socket it may not recreate, and exits 3', async () => {
    const src = path.join(dir, 'socket-src');
    await fs.mkdir(src);
    await fs.writeFile(path.join(src, 'data.txt'), 'data\n');
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(path.join(src, 'app.sock'), resolve));
    try {
      expect(await vaultBackup(src, { vault, keyFile }, { io: quiet })).toBe(0);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }

    const target = path.join(dir, 'socket-restored');
    const r = lifeboat('restore', 'latest', ...access, '--target', target);
    expect(r).toMatchObject({ timedOut: false, status: 3 });
    expect(r.stderr).toContain('restore completed, but 1 entry (or attribute of an entry) was not restored as recorded:\n  app.sock: socket not recreated');
    expect(await fs.readFile(path.join(target, 'data.txt'), 'utf8')).toBe('data\n');
  });
});
