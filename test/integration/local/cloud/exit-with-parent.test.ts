import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isProcessAlive, readCloudState } from '../../../../local/cloud/cloud-state';
import { stopLocalCloud } from '../../../../local/cloud/local-cloud';
import { PRIMARY, tempDir } from '../../../support/local-cloud-helpers';

const tmp = tempDir('orphan');

afterAll(async () => {
  await stopLocalCloud(tmp.dir);
  tmp.remove();
});

it('a cloud started with exitWithParent stops by itself when its parent is killed', async () => {
  const parent = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'fixtures', 'start-cloud-and-wait.ts'), tmp.dir, PRIMARY], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  parent.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const cloudPid = await new Promise<number>((resolve, reject) => {
    parent.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
    parent.once('exit', (code) => reject(new Error(`fixture exited with ${String(code)}: ${stderr}`)));
  });
  expect(isProcessAlive(cloudPid)).toBe(true);
  expect(readCloudState(tmp.dir)?.pid).toBe(cloudPid);

  parent.kill('SIGKILL');
  const deadline = Date.now() + 10_000;
  while (isProcessAlive(cloudPid) && Date.now() < deadline) await sleep(100);
  expect(isProcessAlive(cloudPid)).toBe(false);
  // It shut down cleanly: cloud.json removed.
  expect(readCloudState(tmp.dir)).toBeUndefined();
});
