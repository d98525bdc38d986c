import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { randomBytes } from 'node:crypto';
import { KeyFileKeyProvider } from '../../../../vault/keys/key-file-key-provider';
import { VAULT_KEY_BYTES } from '../../../../vault/keys/key-provider';
import { removeDir, tempDir } from '../../../support/vault-test-helpers';

const ROUNDS = 20;

/**
 * Another thread reading each round's key file as soon as its name exists, as a concurrent
 * loadOrCreate (another executor worker) does after its own create fails with EEXIST. Plain
 * JavaScript, so it runs without the TypeScript transform. It reports every read that was not a
 * whole key file (a file created but not yet written).
 */
const READER = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const partial = [];
const deadline = Date.now() + 30000;
for (let i = 0; i < workerData.rounds && Date.now() < deadline; i++) {
  const file = workerData.dir + '/vault-' + i + '.key';
  parentPort.postMessage({ reading: i });
  while (Date.now() < deadline) {
    let text;
    try { text = fs.readFileSync(file, 'utf8'); } catch { continue; }
    try { JSON.parse(text); break; } catch { partial.push(JSON.stringify(text)); }
  }
}
parentPort.postMessage({ partial });
`;

describe('KeyFileKeyProvider.create racing a reader and another loadOrCreate', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await tempDir('key-file-race');
  });
  afterEach(async () => removeDir(dir));

  it('never shows a partly written key file under its name; concurrent loadOrCreate calls agree on one key and leave no temporary files', async () => {
    const reader = new Worker(READER, { eval: true, workerData: { dir, rounds: ROUNDS } });
    const reading = new Set<number>();
    const waiters = new Map<number, () => void>();
    const done = new Promise<string[]>((resolve, reject) => {
      reader.on('message', (m: { reading?: number; partial?: string[] }) => {
        if (m.partial) return resolve(m.partial);
        if (m.reading === undefined) return;
        reading.add(m.reading);
        waiters.get(m.reading)?.();
      });
      reader.on('error', reject);
    });
    try {
      for (let i = 0; i < ROUNDS; i++) {
        if (!reading.has(i)) await new Promise<void>((resolve) => waiters.set(i, resolve));
        const file = path.join(dir, `vault-${i}.key`);
        const [a, b] = await Promise.all([KeyFileKeyProvider.loadOrCreate(file), KeyFileKeyProvider.loadOrCreate(file)]);
        expect([a.created, b.created].sort()).toEqual([false, true]);
        const material = randomBytes(VAULT_KEY_BYTES);
        expect(await b.provider.unwrapVaultKey(await a.provider.wrapVaultKey(material))).toEqual(material);
      }
      expect(await done).toEqual([]);
    } finally {
      await reader.terminate();
    }
    expect((await fs.readdir(dir)).filter((f) => !/^vault-\d+\.key$/.test(f))).toEqual([]);
    expect((await fs.stat(path.join(dir, 'vault-0.key'))).mode & 0o777).toBe(0o600);
  });
});
