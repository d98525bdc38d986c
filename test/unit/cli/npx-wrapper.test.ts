import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT } from '../../support/repo-root';

/**
 * bin/lifeboat.cjs (`npx lifeboat`) runs bin/lifeboat.ts beside it. A copy of it runs here beside a
 * stand-in CLI that says `ready`, and on SIGINT or SIGHUP takes a moment to clean up, writes down
 * which signal it got, and exits with its own code; SIGTERM kills it (no handler).
 */
const STAND_IN = `
import { writeFileSync } from 'node:fs';
const [command, arg] = process.argv.slice(2);
if (command === 'exit') process.exit(Number(arg));
for (const [signal, code] of [['SIGINT', 130], ['SIGHUP', 5]] as const) {
  process.on(signal, () => setTimeout(() => { writeFileSync(arg, signal); process.exit(code); }, 300));
}
// Never outlives a failed test for long.
setTimeout(() => process.exit(9), 30000);
process.stdout.write('ready\\n');
`;

let root: string;
let running: ChildProcess | undefined;
beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), 'lifeboat-npx-wrapper-'));
  mkdirSync(path.join(root, 'bin'));
  mkdirSync(path.join(root, 'scripts'));
  copyFileSync(path.join(REPO_ROOT, 'bin', 'lifeboat.cjs'), path.join(root, 'bin', 'lifeboat.cjs'));
  copyFileSync(path.join(REPO_ROOT, 'scripts', 'require-node.cjs'), path.join(root, 'scripts', 'require-node.cjs'));
  writeFileSync(path.join(root, 'bin', 'lifeboat.ts'), STAND_IN);
});
afterEach(() => {
  // A wrapper that died before its CLI (the bug) leaves the CLI's group behind.
  if (running?.pid !== undefined) {
    try {
      process.kill(-running.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  running = undefined;
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

type Ended = { code: number | null; signal: NodeJS.Signals | null; cleanedUp: string | undefined };

/** Runs the wrapper in a process group of its own (as a shell's foreground job); `whenReady` once the CLI said so. */
function runWrapper(args: string[], whenReady: (wrapper: ChildProcess) => void = () => {}): Promise<Ended> {
  const marker = path.join(root, `cleaned-up-${args.join('-')}`);
  rmSync(marker, { force: true });
  // tsx is resolved from the working directory: the repository's.
  const wrapper = spawn(process.execPath, [path.join(root, 'bin', 'lifeboat.cjs'), ...args, marker], { cwd: REPO_ROOT, detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
  running = wrapper;
  wrapper.stdout?.on('data', (chunk: Buffer) => {
    if (chunk.toString().includes('ready')) whenReady(wrapper);
  });
  return new Promise((resolve, reject) => {
    wrapper.on('error', reject);
    // Read at the wrapper's exit: the CLI must have cleaned up before it.
    wrapper.on('exit', (code, signal) => resolve({ code, signal, cleanedUp: existsSync(marker) ? readFileSync(marker, 'utf8') : undefined }));
  });
}

it("exits with the CLI's exit code", async () => {
  await expect(runWrapper(['exit', '7'])).resolves.toMatchObject({ code: 7, signal: null });
});

it("on the terminal's Ctrl-C (a SIGINT to the whole group) waits for the CLI's clean-up and exits with its code", async () => {
  const ended = await runWrapper(['wait'], (wrapper) => process.kill(-(wrapper.pid as number), 'SIGINT'));
  expect(ended).toEqual({ code: 130, signal: null, cleanedUp: 'SIGINT' });
});

it('passes a SIGINT sent to the wrapper alone (kill -INT, timeout -s INT) on to the CLI and waits for it (review r64M F2)', async () => {
  // Until then the wrapper ignored its SIGINT, taking it for the terminal's, and the CLI never learnt of it.
  const ended = await runWrapper(['wait'], (wrapper) => wrapper.kill('SIGINT'));
  expect(ended).toEqual({ code: 130, signal: null, cleanedUp: 'SIGINT' });
});

it('passes a SIGHUP sent to the wrapper alone on to the CLI and waits for it', async () => {
  const ended = await runWrapper(['wait'], (wrapper) => wrapper.kill('SIGHUP'));
  expect(ended).toEqual({ code: 5, signal: null, cleanedUp: 'SIGHUP' });
});

it('passes a SIGTERM sent to the wrapper alone on to the CLI, and exits 128+15 when it killed the CLI', async () => {
  const ended = await runWrapper(['wait'], (wrapper) => wrapper.kill('SIGTERM'));
  expect(ended).toEqual({ code: 143, signal: null, cleanedUp: undefined });
});
