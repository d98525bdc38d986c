import { copyFileSync, renameSync } from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from './repo-root';
import { TEST_CLI_ENV } from './vault-cli-process';

/** The local executor's Lambda sandbox script, which it loads from beside its own module (lambda-worker-pool.ts). */
const LAMBDA_WORKER = path.join(REPO_ROOT, 'local', 'executor', 'lambda-worker.cjs');

/**
 * The arguments of `node` that run `lifeboat <args>` for a command that runs workflows on the local executor
 * (`lifeboat backup`, `restore`, … with `--data-dir`): the test run's CLI bundle (test/support/cli-bundle.ts) when
 * there is one, with the executor's lambda-worker.cjs copied beside it, since the bundled executor looks for it
 * there; else the TypeScript sources through tsx (a test file run on its own). The bundle starts in a fraction of
 * tsx's time: tsx compiles every source module of the CLI at each start (about 5 CPU-s for `lifeboat backup`).
 * The copy is written under another name and renamed into place, so suites in other workers never load half of it;
 * the bundle's directory, copy included, is removed by the run's teardown (a directory the caller gave is kept, and the copy
 * in it is refreshed at each call).
 */
export function executorCliArgv(args: readonly string[]): string[] {
  const bundle = process.env[TEST_CLI_ENV];
  if (!bundle) return ['--import', 'tsx', path.join(REPO_ROOT, 'bin', 'lifeboat.ts'), ...args];
  const beside = path.join(path.dirname(bundle), 'lambda-worker.cjs');
  // Copied every time (a few KB): a bundle directory the caller keeps (LIFEBOAT_TEST_CLI given) must not hold an older checkout's worker.
  const staging = `${beside}.${process.pid}.tmp`;
  copyFileSync(LAMBDA_WORKER, staging);
  renameSync(staging, beside);
  return [bundle, ...args];
}
