import { spawnSync } from 'node:child_process';
import type * as NodeFs from 'node:fs';
import { existsSync, linkSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { acquireDemoLock, DEMO_LOCK_FILE, processStartTime } from '../../../../local/demo/demo-lock';
import { DemoAlreadyRunningError } from '../../../../local/demo/demo-errors';

let dataDir: string;
beforeEach(() => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'lifeboat-demo-lock-'));
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

const lockFile = (): string => path.join(dataDir, DEMO_LOCK_FILE);
/** What a live demo with this pid writes: its pid and its start time (/proc/<pid>/stat field 22). */
const holding = (pid: number): string => `${pid} ${processStartTime(pid)}\n`;
/** This process's parent (jest) lives for the whole test: it stands for another demo. */
const refusal = (): DemoAlreadyRunningError => new DemoAlreadyRunningError(dataDir, process.ppid, lockFile());

it('holds the pid and start time of the demo while it runs, and is gone after release', () => {
  expect(processStartTime(process.pid)).toMatch(/^\d+$/);
  const lock = acquireDemoLock(dataDir);
  expect(readFileSync(lockFile(), 'utf8')).toBe(holding(process.pid));
  lock.release();
  expect(existsSync(lockFile())).toBe(false);
  // Nothing but the lock file was left behind (the temporary file it was written through is gone).
  expect(spawnSync('ls', ['-A', dataDir], { encoding: 'utf8' }).stdout).toBe('');
  acquireDemoLock(dataDir).release();
});

it('refuses while another live demo holds it, naming its pid and the file to delete if it is not a demo', () => {
  writeFileSync(lockFile(), holding(process.ppid));
  expect(() => acquireDemoLock(dataDir)).toThrow(refusal());
  expect(() => acquireDemoLock(dataDir)).toThrow(
    `A demo (pid ${process.ppid}) is already running on ${dataDir}: two demos on one data directory change each other's sources and lock each other's backups. ` +
      `Wait for it to end, stop it (kill -INT ${process.ppid}), or give this one another --data-dir. ` +
      `If pid ${process.ppid} is not a demo (the lock was left by one that was killed), delete ${lockFile()}.`,
  );
  expect(readFileSync(lockFile(), 'utf8')).toBe(holding(process.ppid));
  // A lock written before start times were recorded: the pid alone decides.
  writeFileSync(lockFile(), `${process.ppid}\n`);
  expect(() => acquireDemoLock(dataDir)).toThrow(refusal());
});

it('takes over the file of a demo that was killed, and a release leaves a file that is not its own', () => {
  const ended = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  writeFileSync(lockFile(), `${ended.stdout}\n`);
  const lock = acquireDemoLock(dataDir);
  expect(readFileSync(lockFile(), 'utf8')).toBe(holding(process.pid));
  writeFileSync(lockFile(), holding(process.ppid));
  lock.release();
  expect(readFileSync(lockFile(), 'utf8')).toBe(holding(process.ppid));
});

it.each([
  ['its own pid (the killed demo had the pid this one got)', (): string => holding(process.pid)],
  ['its own pid without a start time', (): string => `${process.pid}\n`],
  ['a live process whose start time is not the one recorded (a reused pid)', (): string => `${process.ppid} 1\n`],
])('takes over a stale file that names %s', (_what, content) => {
  writeFileSync(lockFile(), content());
  const lock = acquireDemoLock(dataDir);
  expect(readFileSync(lockFile(), 'utf8')).toBe(holding(process.pid));
  lock.release();
  expect(spawnSync('ls', ['-A', dataDir], { encoding: 'utf8' }).stdout).toBe('');
});

describe('two demos that find the same stale file', () => {
  afterEach(() => jest.restoreAllMocks());

  /** Runs `meanwhile` right after this demo has read the stale lock file, before it acts on it. */
  function afterReadingTheLock(meanwhile: () => void): void {
    // The module object itself (the lock calls its readFileSync): an ES namespace import's properties cannot be redefined.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const fs = require('node:fs') as typeof NodeFs;
    const read = fs.readFileSync;
    let done = false;
    jest.spyOn(fs, 'readFileSync').mockImplementation(((...args: Parameters<typeof fs.readFileSync>) => {
      const content = read(...args);
      if (!done && args[0] === lockFile()) {
        done = true;
        meanwhile();
      }
      return content;
    }) as typeof fs.readFileSync);
  }

  it('refuses when the other took the stale file over between its read and its take-over, and leaves the other its lock', () => {
    writeFileSync(lockFile(), '999999999 1\n');
    afterReadingTheLock(() => {
      // The other demo's take-over: the stale file goes, its own lock comes in one step.
      rmSync(lockFile());
      writeFileSync(`${lockFile()}.other`, holding(process.ppid));
      linkSync(`${lockFile()}.other`, lockFile());
      rmSync(`${lockFile()}.other`);
    });
    expect(() => acquireDemoLock(dataDir)).toThrow(refusal());
    expect(readFileSync(lockFile(), 'utf8')).toBe(holding(process.ppid));
    expect(spawnSync('ls', ['-A', dataDir], { encoding: 'utf8' }).stdout).toBe(`${DEMO_LOCK_FILE}\n`);
  });

  it('takes the lock when the other has only moved the stale file away', () => {
    writeFileSync(lockFile(), '999999999 1\n');
    afterReadingTheLock(() => rmSync(lockFile()));
    const lock = acquireDemoLock(dataDir);
    expect(readFileSync(lockFile(), 'utf8')).toBe(holding(process.pid));
    lock.release();
  });
});

it('creates the data directory of a first demo', () => {
  const fresh = path.join(dataDir, 'new', '.lifeboat');
  acquireDemoLock(fresh).release();
  expect(existsSync(fresh)).toBe(true);
});
