import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { acquireDemoLock, DEMO_LOCK_FILE } from '../../../../local/demo/demo-lock';
import { DemoAlreadyRunningError } from '../../../../local/demo/demo-errors';

let dataDir: string;
beforeEach(() => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'lifeboat-demo-lock-'));
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

const lockFile = (): string => path.join(dataDir, DEMO_LOCK_FILE);

it('holds the pid of the demo while it runs, refuses a second demo naming it, and is gone after release', () => {
  const lock = acquireDemoLock(dataDir);
  expect(readFileSync(lockFile(), 'utf8')).toBe(`${process.pid}\n`);
  expect(() => acquireDemoLock(dataDir)).toThrow(DemoAlreadyRunningError);
  expect(() => acquireDemoLock(dataDir)).toThrow(`A demo (pid ${process.pid}) is already running on ${dataDir}:`);
  lock.release();
  expect(existsSync(lockFile())).toBe(false);
  // Nothing but the lock file was left behind (the temporary file it was written through is gone).
  expect(spawnSync('ls', ['-A', dataDir], { encoding: 'utf8' }).stdout).toBe('');
  acquireDemoLock(dataDir).release();
});

it('refuses while another live process holds it', () => {
  // This process's parent (jest) lives for the whole test.
  writeFileSync(lockFile(), `${process.ppid}\n`);
  expect(() => acquireDemoLock(dataDir)).toThrow(new DemoAlreadyRunningError(dataDir, process.ppid));
  expect(readFileSync(lockFile(), 'utf8')).toBe(`${process.ppid}\n`);
});

it('takes over the file of a demo that was killed, and a release leaves a file that is not its own', () => {
  const ended = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  writeFileSync(lockFile(), `${ended.stdout}\n`);
  const lock = acquireDemoLock(dataDir);
  expect(readFileSync(lockFile(), 'utf8')).toBe(`${process.pid}\n`);
  writeFileSync(lockFile(), `${process.ppid}\n`);
  lock.release();
  expect(readFileSync(lockFile(), 'utf8')).toBe(`${process.ppid}\n`);
});

it('creates the data directory of a first demo', () => {
  const fresh = path.join(dataDir, 'new', '.lifeboat');
  acquireDemoLock(fresh).release();
  expect(existsSync(fresh)).toBe(true);
});
