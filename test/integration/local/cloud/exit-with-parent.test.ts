import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { dataDirLayout, isProcessAlive, readCloudState } from '../../../../local/cloud/cloud-state';
import { stopLocalCloud } from '../../../../local/cloud/local-cloud';
import { PRIMARY, tempDir } from '../../../support/local-cloud-helpers';

const tmp = tempDir('orphan');
const dirs = { killed: join(tmp.dir, 'killed'), interrupted: join(tmp.dir, 'interrupted') };
const fixtures: ChildProcess[] = [];

afterAll(async () => {
  // A fixture the test did not end (a failed assertion before its signal) idles for ever otherwise.
  for (const f of fixtures) if (f.exitCode === null && f.signalCode === null) f.kill('SIGKILL');
  await stopLocalCloud(dirs.killed);
  await stopLocalCloud(dirs.interrupted);
  tmp.remove();
});

/** Starts the fixture (in a process group of its own when `detached`, as a shell runs a job) and waits for its cloud's pid. */
async function startFixture(dataDir: string, options: { mode?: 'default'; detached?: boolean } = {}) {
  const parent = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'fixtures', 'start-cloud-and-wait.ts'), dataDir, PRIMARY, ...(options.mode ? [options.mode] : [])], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.detached ?? false,
  });
  fixtures.push(parent);
  let stderr = '';
  parent.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const cloudPid = await new Promise<number>((resolve, reject) => {
    parent.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
    parent.once('exit', (code) => reject(new Error(`fixture exited with ${String(code)}: ${stderr}`)));
  });
  return { parent, cloudPid };
}

async function gone(pid: number): Promise<boolean> {
  const deadline = Date.now() + 10_000;
  while (isProcessAlive(pid) && Date.now() < deadline) await sleep(100);
  return !isProcessAlive(pid);
}

/** The process group of a process (the fifth field of /proc/<pid>/stat, after the parenthesised command). */
function processGroupOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
}

it('a cloud started with exitWithParent stops by itself when its parent is killed', async () => {
  const { parent, cloudPid } = await startFixture(dirs.killed);
  expect(isProcessAlive(cloudPid)).toBe(true);
  expect(readCloudState(dirs.killed)?.pid).toBe(cloudPid);

  parent.kill('SIGKILL');
  expect(await gone(cloudPid)).toBe(true);
  // It shut down cleanly: cloud.json removed.
  expect(readCloudState(dirs.killed)).toBeUndefined();
});

it("a cloud a command starts for itself is outside the command's process group, and follows the command when it dies", async () => {
  // What a terminal's Ctrl-C does: SIGINT to the foreground job's whole process group.
  const { parent, cloudPid } = await startFixture(dirs.interrupted, { mode: 'default', detached: true });
  const group = parent.pid ?? 0;
  expect(processGroupOf(group)).toBe(group);
  expect(processGroupOf(cloudPid)).not.toBe(group);

  process.kill(-group, 'SIGINT');
  expect(await gone(cloudPid)).toBe(true);
  expect(readCloudState(dirs.interrupted)).toBeUndefined();
  // Not stopped by the group's SIGINT (the caller would have lost its cloud while giving back what it held): by its watch of the parent.
  const log = readFileSync(dataDirLayout(dirs.interrupted).logFile, 'utf8');
  expect(log).toContain(`stopping (parent ${group} exited)`);
  expect(log).not.toContain('stopping (SIGINT)');
});
