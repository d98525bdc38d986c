import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { CodecPool, SlabPool } from '../../../../vault/workers/codec-pool';
import { prestartCodecWorker, prestartedWorkerState, takePrestartedWorker } from '../../../../vault/workers/prestarted-worker';
import { computeBlobId, importVaultKeys } from '../../../../vault/crypto/vault-keys';
import { pseudoRandomBytes, removeDir, tempDir } from '../../../support/vault-test-helpers';
import { REPO_ROOT } from '../../../support/repo-root';

/** The pool's worker hashes `data` in a slab: proof that it runs, with the keys and slab sent to it. */
async function hashOnPool(pool: CodecPool, data: Buffer): Promise<void> {
  const keys = await importVaultKeys(pseudoRandomBytes(64, 31));
  const k = pool.keySet(keys);
  const slabs = new SlabPool(pool, 1 << 16, 1);
  const region = await slabs.alloc(data.length);
  data.copy(region.bytes);
  const id = await pool.hash(k, region.slab.id, region.offset, data.length);
  slabs.release(region.slab);
  expect(id.toString('hex')).toBe((await computeBlobId(keys, data)).toString('hex'));
}

describe('a codec worker started before its pool', () => {
  const saved = process.env.LIFEBOAT_VAULT_WORKERS;

  beforeEach(async () => {
    await CodecPool.shutdownShared();
    delete process.env.LIFEBOAT_VAULT_WORKERS;
  });

  afterEach(async () => {
    await takePrestartedWorker()?.worker.terminate();
    await CodecPool.shutdownShared();
    if (saved === undefined) delete process.env.LIFEBOAT_VAULT_WORKERS;
    else process.env.LIFEBOAT_VAULT_WORKERS = saved;
  });

  it('is taken over by the first pool, as its one worker, and runs its tasks', async () => {
    prestartCodecWorker();
    CodecPool.prewarm(1);
    const pool = CodecPool.shared(1) as CodecPool;
    expect(pool.size).toBe(1);
    // Taken: nothing is left waiting for a second pool.
    expect(prestartedWorkerState()).toBe('none');
    expect(takePrestartedWorker()).toBeNull();
    await hashOnPool(pool, pseudoRandomBytes(40_000, 32));
  });

  it('reports a thread that loaded its script before the pool listened, and the pool uses it all the same', async () => {
    prestartCodecWorker();
    expect(prestartedWorkerState()).toBe('booting');
    const deadline = Date.now() + 30_000;
    while (prestartedWorkerState() === 'booting' && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(prestartedWorkerState()).toBe('loaded');
    process.env.LIFEBOAT_VAULT_WORKERS = '2';
    CodecPool.prewarm(2);
    const pool = CodecPool.shared(2) as CodecPool;
    expect(pool.size).toBe(2);
    await hashOnPool(pool, pseudoRandomBytes(40_000, 33));
  });

  it('is not started when the pool will have no workers', () => {
    process.env.LIFEBOAT_VAULT_WORKERS = '0';
    prestartCodecWorker();
    expect(prestartedWorkerState()).toBe('none');
  });

  it('does not keep a process alive that never makes a pool', async () => {
    const dir = await tempDir('prestart');
    try {
      const program = path.join(dir, 'prestart-then-return.ts');
      await fs.writeFile(program, `import { prestartCodecWorker } from ${JSON.stringify(path.join(REPO_ROOT, 'vault', 'prestart'))};\nprestartCodecWorker();\nconsole.log('started');\n`);
      const r = spawnSync(process.execPath, ['--import', 'tsx', program], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 });
      expect({ status: r.status, signal: r.signal, stdout: r.stdout.trim() }).toEqual({ status: 0, signal: null, stdout: 'started' });
    } finally {
      await removeDir(dir);
    }
  });
});
