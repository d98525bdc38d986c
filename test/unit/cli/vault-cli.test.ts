import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { vaultBackup, vaultInit, vaultLs, vaultRestore, vaultVerify } from '../../../cli/commands/vault-commands';
import { recordingCliIo } from '../../support/captured-cli-io';
import { pseudoRandomBytes, readTree, removeDir, tempDir } from '../../support/vault-test-helpers';
import { REPO_ROOT } from '../../support/repo-root';

const repo = REPO_ROOT;

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

    const io = recordingCliIo();
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

    // --json: what the stderr lines say, as one object on stdout, for scripts.
    const asJson = recordingCliIo();
    const jsonTarget = path.join(dir, 'restored-json');
    expect(await vaultRestore('latest', { vault, keyFile, target: jsonTarget, json: true }, { io: asJson })).toBe(0);
    expect(asJson.lines).toHaveLength(1);
    expect(JSON.parse(asJson.lines[0] as string)).toEqual({
      snapshotId: result.snapshotId,
      target: jsonTarget,
      include: '',
      stats: { entries: 4, files: 3, links: 0, dirs: 1, symlinks: 0, specials: 0, bytes: 1_500_012 },
      notRestored: [],
      damaged: [],
      temporaryFiles: { removed: 0, leftRecent: 0 },
    });
    expect(asJson.errors.join('\n')).toContain(`Restored 4 entries (3 files, 1 directories, 0 symlinks, 1500012 bytes) of ${result.snapshotId}`);
    expect(await readTree(jsonTarget)).toEqual(await readTree(src));

    const ls = recordingCliIo();
    expect(await vaultLs(undefined, { vault, keyFile }, { io: ls })).toBe(0);
    expect(ls.lines.join('\n')).toContain(result.snapshotId.slice(0, 16));
    const entries = recordingCliIo();
    expect(await vaultLs('latest', { vault, keyFile }, { io: entries })).toBe(0);
    expect(entries.lines.map((l) => l.split(/\s+/).pop())).toEqual(['empty', 'note.txt', 'sub', 'sub/data.bin']);

    const ok = recordingCliIo();
    expect(await vaultVerify({ vault, keyFile, readData: true }, { io: ok })).toBe(0);
    const indexDir = path.join(vault, 'index');
    const [indexName] = await fs.readdir(indexDir);
    const indexFile = path.join(indexDir, indexName as string);
    const body = await fs.readFile(indexFile);
    body[20] = (body[20] as number) ^ 1;
    await fs.writeFile(indexFile, body);
    const bad = recordingCliIo();
    expect(await vaultVerify({ vault, keyFile }, { io: bad })).toBe(1);
    expect(bad.lines.join('\n')).toContain(`index/${indexName as string}`);
  });

  it('restores the part --include names, taken relative to the backed-up directory; refuses one that names nothing, before touching the target', async () => {
    const vault = path.join(dir, 'include-vault');
    const keyFile = path.join(dir, 'include-key');
    const src = path.join(dir, 'include-src');
    await fs.mkdir(path.join(src, 'd1', 'd2'), { recursive: true });
    await fs.mkdir(path.join(src, 'd1x'));
    await fs.writeFile(path.join(src, 'd1', 'a'), 'a\n');
    await fs.writeFile(path.join(src, 'd1', 'd2', 'b'), 'b\n');
    await fs.writeFile(path.join(src, 'd1x', 'c'), 'c\n');
    const io = recordingCliIo();
    expect(await vaultInit({ vault, keyFile }, { io })).toBe(0);
    expect(await vaultBackup(src, { vault, keyFile }, { io })).toBe(0);

    // A leading "/" or "./" is the backed-up directory itself; a trailing "/" (a shell's completion) still restores d1's own entry; the sibling d1x is not under d1.
    for (const [label, include] of [['slash', '/d1'], ['dot', './d1'], ['plain', 'd1'], ['trailing', 'd1/']]) {
      const target = path.join(dir, `include-${label}`);
      expect(await vaultRestore('latest', { vault, keyFile, target, include }, { io })).toBe(0);
      const tree = await readTree(target);
      const whole = await readTree(src);
      expect([...tree.keys()].sort()).toEqual(['d1', 'd1/a', 'd1/d2', 'd1/d2/b']);
      for (const [name, spec] of tree) expect(spec).toEqual(whole.get(name));
      expect((await fs.stat(path.join(target, 'd1'))).mtimeMs).toBe((await fs.stat(path.join(src, 'd1'))).mtimeMs);
    }

    for (const [label, include, message] of [
      ['nothing', 'nope', /^lifeboat vault: snapshot [0-9a-f]{12} has no entry at or under "nope", so nothing was restored; its paths are relative to the directory that was backed up \(`lifeboat vault ls [0-9a-f]{12}` lists them\); a name that is not UTF-8, or that starts with %lifeboat-escaped-, is stored escaped, as %lifeboat-escaped-name-<base64url of its bytes>: give that segment as the backup stores it$/],
      // A "." part is no S3 refusal here: of a directory's snapshot the path is looked up as given (no entry has one).
      ['dot-part', 'd1/./d2', /^lifeboat vault: snapshot [0-9a-f]{12} has no entry at or under "d1\/\.\/d2", so nothing was restored; its paths are relative to the directory that was backed up/],
      ['parent', '../etc', /^lifeboat vault: --include "\.\.\/etc": an include with a "\.\." part is refused: a directory's snapshot has no path with one \(paths are relative to the directory that was backed up\)/],
    ] as const) {
      const target = path.join(dir, `include-${label}`);
      const failed = recordingCliIo();
      expect(await vaultRestore('latest', { vault, keyFile, target, include }, { io: failed })).toBe(1);
      expect(failed.errors).toEqual([expect.stringMatching(message)]);
      await expect(fs.stat(target)).rejects.toMatchObject({ code: 'ENOENT' });
    }
    // The "..": refused before the snapshot's kind is known, so its S3 advice (the workflow's --prefix, vault ls
    // --prefix: nothing for a directory) comes after the directory's sentence, marked as for an S3 snapshot (review r62D F4).
    const parent = recordingCliIo();
    expect(await vaultRestore('latest', { vault, keyFile, target: path.join(dir, 'include-parent-2'), include: '../etc' }, { io: parent })).toBe(1);
    const said = parent.errors.join('\n');
    expect(said).toContain('a directory\'s snapshot has no path with one (paths are relative to the directory that was backed up); for an S3 snapshot: an include is a key prefix');
    expect(said.indexOf('--prefix')).toBeGreaterThan(said.indexOf('; for an S3 snapshot: '));
    expect(said.indexOf('; for an S3 snapshot: ')).toBeGreaterThan(0);
  });

  it('explains a missing key option and a wrong key file', async () => {
    const io = recordingCliIo();
    expect(await vaultLs(undefined, { vault: path.join(dir, 'nowhere') }, { io })).toBe(1);
    expect(io.errors.join('\n')).toMatch(/holds no vault|--key-file/);
    const both = recordingCliIo();
    expect(await vaultLs(undefined, { vault: path.join(dir, 'vault'), keyFile: path.join(dir, 'key'), passphraseEnv: 'LIFEBOAT_TEST_PASSPHRASE' }, { io: both, env: { LIFEBOAT_TEST_PASSPHRASE: 'x' } })).toBe(1);
    expect(both.errors).toEqual(['lifeboat vault: give the vault key with --key-file <file> or with --passphrase-env <VAR>, not both']);
  });
});
