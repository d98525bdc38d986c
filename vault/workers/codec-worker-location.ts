import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type * as Esbuild from 'esbuild';

/** The built worker's file name, next to the module that starts workers (Lambda bundles, dist/). */
export const CODEC_WORKER_FILE = 'codec-worker.js';

/** The worker script to start threads from; `release` once every thread has loaded it. */
export type CodecWorkerScript = { readonly file: string; release(): void };

/**
 * A codec worker built beforehand, for runs from source that start many module registries (jest
 * gives each test file its own, and each would bundle the worker again): the test setup builds it
 * once per run (test/support/cli-bundle.ts). Built code ignores it: its own file comes first.
 */
export const CODEC_WORKER_ENV = 'LIFEBOAT_CODEC_WORKER';

let bundledFromSource: string | undefined;

/**
 * The JavaScript file of the codec worker thread (codec-worker.ts).
 *
 * Built code (a Lambda bundle, dist/) has `codec-worker.js` beside it: `__dirname` is the bundle's
 * directory there. Running from TypeScript source (tsx, jest) it does not exist: the file that
 * LIFEBOAT_CODEC_WORKER names is taken when set, and otherwise the .ts is
 * bundled with esbuild (a devDependency, present wherever the sources are) once per process, and
 * written to a temporary file that `release` removes as soon as the threads have loaded it (and
 * the process's exit at the latest): processes that are killed, as jest kills its workers, leave
 * nothing behind.
 */
export function codecWorkerScript(moduleDir: string = __dirname): CodecWorkerScript {
  const built = path.join(moduleDir, CODEC_WORKER_FILE);
  if (existsSync(built)) return { file: built, release: () => undefined };
  const given = process.env[CODEC_WORKER_ENV];
  if (given) {
    if (!existsSync(given)) throw new Error(`${CODEC_WORKER_ENV} names ${given}, which does not exist: build the codec worker there or unset the variable`);
    return { file: given, release: () => undefined };
  }
  bundledFromSource ??= bundleFromSource();
  const temporary = tmpdir();
  // The temporary directory's disk, not the data directory's: an error that names neither sent the operator to the wrong disk.
  const unwritable = (what: string, err: unknown): Error =>
    new Error(`Could not write the codec worker to ${what} (the temporary directory, TMPDIR=${temporary}): ${err instanceof Error ? err.message : String(err)}; free space there or set TMPDIR to a directory that has it`, { cause: err });
  let dir: string;
  try {
    dir = mkdtempSync(path.join(temporary, 'lifeboat-codec-worker-'));
  } catch (err) {
    throw unwritable(temporary, err);
  }
  const file = path.join(dir, CODEC_WORKER_FILE);
  const remove = (): void => rmSync(dir, { recursive: true, force: true });
  try {
    writeFileSync(file, bundledFromSource);
  } catch (err) {
    // Not yet under the exit clean-up: removed here, or a half-written file stayed behind.
    remove();
    throw unwritable(file, err);
  }
  process.once('exit', remove);
  let released = false;
  return {
    file,
    release: () => {
      if (released) return;
      released = true;
      process.off('exit', remove);
      remove();
    },
  };
}

function bundleFromSource(): string {
  const entry = path.join(__dirname, 'codec-worker.ts');
  if (!existsSync(entry)) throw new Error(`neither ${CODEC_WORKER_FILE} next to the vault code nor its source ${entry} exists: the build did not emit the codec worker`);
  // Loaded only here, through a runtime require, so that bundles (which have the built file) never pull esbuild in.
  const esbuild = createRequire(__filename)('esbuild') as typeof Esbuild;
  let result: Esbuild.BuildResult<{ write: false }>;
  try {
    result = esbuild.buildSync({ entryPoints: [entry], bundle: true, write: false, platform: 'node', format: 'cjs', target: 'node22', logLevel: 'silent' });
  } finally {
    // buildSync runs in a worker thread of esbuild's, with an esbuild process behind it, that stay
    // until this process exits; each jest test file has its own module registry, hence its own pair,
    // and tearing twenty of them down at exit took a jest worker past its 500 ms to end ("A worker
    // process has failed to exit gracefully"). One build per process is all this needs: stop them now.
    void esbuild.stop();
  }
  const output = result.outputFiles[0];
  if (!output) throw new Error(`esbuild produced no output for ${entry}`);
  return output.text;
}
