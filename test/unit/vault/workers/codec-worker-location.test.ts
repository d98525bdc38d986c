import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import type * as NodeFs from 'node:fs';
import type * as NodeOs from 'node:os';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { CodecPool } from '../../../../vault/workers/codec-pool';
import { CODEC_WORKER_ENV, CODEC_WORKER_FILE, codecWorkerScript, type CodecWorkerScript } from '../../../../vault/workers/codec-worker-location';
import { removeDir, tempDir } from '../../../support/vault-test-helpers';
import { REPO_ROOT } from '../../../support/repo-root';

/** This process's live esbuild children (Linux /proc): the service process behind esbuild's sync API. */
function liveEsbuildChildren(): string[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        const fields = /^\d+ \((.*)\) (\S) (\d+)/.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'));
        return fields?.[1] === 'esbuild' && fields[2] !== 'Z' && Number(fields[3]) === process.pid;
      } catch {
        return false; // gone between the listing and the read
      }
    });
}

describe('where the codec worker is loaded from', () => {
  let dir: string;
  // The test setup names a prebuilt worker (test/support/cli-bundle.ts); these tests choose their own.
  const givenByRun = process.env[CODEC_WORKER_ENV];
  const withoutGiven = (): NodeJS.ProcessEnv => Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== CODEC_WORKER_ENV));
  beforeAll(async () => {
    dir = await tempDir('worker-location');
  });
  beforeEach(() => {
    delete process.env[CODEC_WORKER_ENV];
  });
  afterAll(async () => {
    if (givenByRun !== undefined) process.env[CODEC_WORKER_ENV] = givenByRun;
    await CodecPool.shutdownShared();
    await removeDir(dir);
  });

  it('uses codec-worker.js beside the module that starts workers when it exists (bundles, dist/)', async () => {
    const built = path.join(dir, CODEC_WORKER_FILE);
    await fs.writeFile(built, '// built');
    const script = codecWorkerScript(dir);
    expect(script.file).toBe(built);
    script.release();
    expect(existsSync(built)).toBe(true);
  });

  it('takes the worker LIFEBOAT_CODEC_WORKER names when running from source, and refuses one that does not exist', async () => {
    const prebuilt = path.join(dir, 'prebuilt-codec-worker.js');
    await fs.writeFile(prebuilt, '// prebuilt');
    const empty = path.join(dir, 'no-worker-beside');
    await fs.mkdir(empty);
    process.env[CODEC_WORKER_ENV] = prebuilt;
    const script = codecWorkerScript(empty);
    expect(script.file).toBe(prebuilt);
    script.release();
    expect(existsSync(prebuilt)).toBe(true);
    process.env[CODEC_WORKER_ENV] = path.join(dir, 'missing.js');
    expect(() => codecWorkerScript(empty)).toThrow(`${CODEC_WORKER_ENV} names ${path.join(dir, 'missing.js')}, which does not exist`);
  });

  it('bundles the TypeScript module into a temporary file when it does not (tsx, jest), removed on release', async () => {
    const empty = path.join(dir, 'empty');
    await fs.mkdir(empty);
    const script = codecWorkerScript(empty);
    expect(path.basename(script.file)).toBe(CODEC_WORKER_FILE);
    expect(path.dirname(script.file)).not.toBe(empty);
    const code = await fs.readFile(script.file, 'utf8');
    // The sealed codec is bundled in, not re-implemented: its shared error text is there.
    expect(code).toContain('authentication failed (AES-256-GCM tag mismatch)');
    script.release();
    expect(existsSync(path.dirname(script.file))).toBe(false);
  });

  it('names the file and TMPDIR when the worker cannot be written there (a full disk), and leaves no directory behind', async () => {
    const privateTmp = path.join(dir, 'full-tmp');
    await fs.mkdir(privateTmp);
    const empty = path.join(dir, 'no-worker-here');
    await fs.mkdir(empty);
    // os.tmpdir() reads the real process's TMPDIR, not the test's copy of the environment.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const temporary = jest.spyOn(require('node:os') as typeof NodeOs, 'tmpdir').mockReturnValue(privateTmp);
    const full = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    // The module object itself (the module under test calls its writeFileSync): an ES namespace import's properties cannot be redefined.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const nodeFs = require('node:fs') as typeof NodeFs;
    const write = jest.spyOn(nodeFs, 'writeFileSync').mockImplementationOnce(() => {
      throw full;
    });
    try {
      expect(() => codecWorkerScript(empty)).toThrow(
        new RegExp(`^Could not write the codec worker to ${privateTmp}/lifeboat-codec-worker-\\w+/${CODEC_WORKER_FILE} \\(the temporary directory, TMPDIR=${privateTmp}\\): ENOSPC: no space left on device, write; free space there or set TMPDIR`),
      );
    } finally {
      write.mockRestore();
      temporary.mockRestore();
    }
    expect(await fs.readdir(privateTmp)).toEqual([]);
  });

  it('leaves no built worker on disk once the threads have loaded it, even when the process is then killed', async () => {
    const privateTmp = path.join(dir, 'tmp');
    await fs.mkdir(privateTmp);
    const program = path.join(dir, 'start-pool-then-die.ts');
    await fs.writeFile(
      program,
      [
        `import { CodecPool, SlabPool } from ${JSON.stringify(path.join(REPO_ROOT, 'vault', 'workers', 'codec-pool'))};`,
        `import { importVaultKeys } from ${JSON.stringify(path.join(REPO_ROOT, 'vault', 'crypto', 'vault-keys'))};`,
        'void (async () => {',
        '  const pool = CodecPool.shared() as CodecPool;',
        '  const k = pool.keySet(await importVaultKeys(Buffer.alloc(64, 1))) as number;',
        '  const slabs = new SlabPool(pool, 1 << 16, 1);',
        '  const region = await slabs.alloc(4);',
        '  // One task per worker: each has loaded its script by the time it answers.',
        '  await Promise.all(Array.from({ length: pool.size }, () => pool.hash(k, region.slab.id, region.offset, 4)));',
        "  process.kill(process.pid, 'SIGKILL');",
        '})();',
      ].join('\n'),
    );
    const r = spawnSync(process.execPath, ['--import', 'tsx', program], { cwd: REPO_ROOT, env: { ...withoutGiven(), TMPDIR: privateTmp }, encoding: 'utf8', timeout: 60_000 });
    expect(r.signal).toBe('SIGKILL');
    expect(r.stderr).toBe('');
    expect((await fs.readdir(privateTmp)).filter((n) => n.startsWith('lifeboat-codec-worker-'))).toEqual([]);
  });

  it('stops esbuild once the worker is bundled: no esbuild thread and process stay until exit (they made jest workers miss their 500 ms to end)', async () => {
    const before = liveEsbuildChildren();
    const empty = path.join(dir, 'fresh-registry');
    await fs.mkdir(empty);
    // A fresh module registry, as every jest test file has: its first codecWorkerScript bundles anew.
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- isolateModules hands out modules through require only
      const fresh = require('../../../../vault/workers/codec-worker-location') as { codecWorkerScript(moduleDir: string): CodecWorkerScript };
      fresh.codecWorkerScript(empty).release();
    });
    // stop() kills the service process; it is gone (or a zombie, dead) within moments.
    for (let waited = 0; liveEsbuildChildren().some((pid) => !before.includes(pid)) && waited < 5000; waited += 50) await new Promise((r) => setTimeout(r, 50));
    expect(liveEsbuildChildren().filter((pid) => !before.includes(pid))).toEqual([]);
  });
});
