import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { REPO_ROOT } from './repo-root';

/** Set by the test run's globalSetup (test/support/cli-bundle.ts): the CLI bundled into one CommonJS file. */
export const TEST_CLI_ENV = 'LIFEBOAT_TEST_CLI';

/** Longest a command may run before it counts as hung (the CLI once never exited). */
export const HANG_MS = 60_000;

export type CliRun = { status: number | null; timedOut: boolean; stdout: string; stderr: string };

/**
 * Runs `lifeboat vault …` as its own process, as a user does; `timedOut` when it had to be killed.
 * The test run's prebuilt bundle of bin/lifeboat.ts when there is one (a fraction of tsx's start-up
 * per command), else the TypeScript sources through tsx (a test file run on its own).
 */
export function runVaultCli(args: readonly string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; argv?: readonly string[] } = {}): CliRun {
  // `argv`: the whole command line after `lifeboat` (another command group than vault).
  const r = spawnSync(process.execPath, options.argv ? cliArgv(options.argv) : vaultCliArgv(args), { cwd: options.cwd ?? REPO_ROOT, encoding: 'utf8', timeout: HANG_MS, ...(options.env ? { env: options.env } : {}) });
  return { status: r.status, timedOut: r.signal !== null, stdout: r.stdout, stderr: r.stderr };
}

/** The arguments of `node` that run `lifeboat vault <args>`: the test run's bundle, or the sources through tsx. */
export function vaultCliArgv(args: readonly string[]): string[] {
  return cliArgv(['vault', ...args]);
}

/** The arguments of `node` that run `lifeboat <args>`. */
export function cliArgv(args: readonly string[]): string[] {
  const bundle = process.env[TEST_CLI_ENV];
  return [...(bundle ? [bundle] : ['--import', 'tsx', path.join(REPO_ROOT, 'bin', 'lifeboat.ts')]), ...args];
}
