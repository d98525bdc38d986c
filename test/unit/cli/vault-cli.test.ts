import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { vaultInit, vaultLs, vaultRestore, vaultVerify } from '../../../cli/commands/vault-commands';
import { type CliIo } from '../../../cli/cli-io';
import { pseudoRandomBytes, readTree, removeDir, tempDir } from '../../support/vault-test-helpers';
import { REPO_ROOT } from '../../support/repo-root';

const repo = REPO_ROOT;

function capture(): CliIo & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (l) => lines.push(l), err: (l) => errors.push(l) };
}

describe('lifeboat vault CLI', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir('vault-cli');
  });
  afterAll(async () => removeDir(dir));

  it('backs up in one process and restores, lists and verifies in another from the vault and key alone', async () => {
    const vault = path.join(dir, 'vault');
    const keyFile = path.join(dir, 'key');
    const src = path.join(dir, 'src');
    await fs.mkdir(path.join(src, 'sub'), { recursive: true });
    await fs.writeFile(path.join(src, 'sub', 'data.bin'), pseudoRandomBytes(1_500_000, 11));
    await fs.writeFile(path.join(src, 'note.txt'), 'hello vault\n');
    await fs.writeFile(path.join(src, 'empty'), '');

    const io = capture();
    expect(await vaultInit({ vault, keyFile }, { io })).toBe(0);
    expect((await fs.stat(keyFile)).mode & 0o777).toBe(0o600);

    const backup = spawnSync(process.execPath, ['--import', 'tsx', path.join(repo, 'bin', 'lifeboat.ts'), 'vault', 'backup', '--vault', vault, '--key-file', keyFile, '--json', src], {
      cwd: repo,
      encoding: 'utf8',
    });
    expect(backup.stderr).toBe('');
    expect(backup.status).toBe(0);
    const result = JSON.parse(backup.stdout.trim().split('\n').pop() as string) as { snapshotId: string; stats: Record<string, number> };
    expect(result.snapshotId).toMatch(/^[0-9a-f]{64}$/);
    expect(result.stats).toMatchObject({ entries: 4, bytesScanned: 1_500_012 });

    const target = path.join(dir, 'restored');
    expect(await vaultRestore(result.snapshotId, { vault, keyFile, target }, { io })).toBe(0);
    const restored = await readTree(target);
    expect(restored).toEqual(await readTree(src));

    const ls = capture();
    expect(await vaultLs(undefined, { vault, keyFile }, { io: ls })).toBe(0);
    expect(ls.lines.join('\n')).toContain(result.snapshotId.slice(0, 16));
    const entries = capture();
    expect(await vaultLs('latest', { vault, keyFile }, { io: entries })).toBe(0);
    expect(entries.lines.map((l) => l.split(/\s+/).pop())).toEqual(['empty', 'note.txt', 'sub', 'sub/data.bin']);

    const ok = capture();
    expect(await vaultVerify({ vault, keyFile, readData: true }, { io: ok })).toBe(0);
    const indexDir = path.join(vault, 'index');
    const [indexName] = await fs.readdir(indexDir);
    const indexFile = path.join(indexDir, indexName as string);
    const body = await fs.readFile(indexFile);
    body[20] = (body[20] as number) ^ 1;
    await fs.writeFile(indexFile, body);
    const bad = capture();
    expect(await vaultVerify({ vault, keyFile }, { io: bad })).toBe(1);
    expect(bad.lines.join('\n')).toContain(`index/${indexName as string}`);
  });

  it('explains a missing key option and a wrong key file', async () => {
    const io = capture();
    expect(await vaultLs(undefined, { vault: path.join(dir, 'nowhere') }, { io })).toBe(1);
    expect(io.errors.join('\n')).toMatch(/holds no vault|--key-file/);
  });
});
