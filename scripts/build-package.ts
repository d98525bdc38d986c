import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { CODEC_WORKER_MODULE, HANDLER_MODULE } from '../lib/constructs/handler-bundle';
import { buildHandlerBundles } from './build-handler-bundles';

/**
 * `npm run build` (and `prepack`): what the published package runs, in dist/.
 * - tsc (tsconfig.build.json): CommonJS JS and .d.ts of bin lib config vault lambdas local cli;
 * - the runtime files that are not TypeScript (the local executor's lambda-worker.cjs), copied beside;
 * - dist/handlers/<handler>/: every Lambda handler bundled with esbuild, plus codec-worker.js, so a
 *   user's synth takes the code from there and needs neither our sources nor esbuild.
 */
const ROOT = path.resolve(__dirname, '..');
const DIST = path.join(ROOT, 'dist');
/** Folders compiled into dist/ (as tsconfig.build.json includes them) whose non-TS files are copied too. */
const SOURCE_FOLDERS = ['lib', 'config', 'vault', 'lambdas', 'local', 'cli'];
/** What the built package must hold, beyond the handler bundles: checked so a broken build fails here, not at a user's. */
const REQUIRED_FILES = ['lib/index.js', 'lib/index.d.ts', 'bin/lifeboat.js', 'local/executor/lambda-worker.cjs', 'local/cloud/cloud-process.js', 'local/scheduler/scheduler-process.js', `vault/workers/${CODEC_WORKER_MODULE}`];
const RUNTIME_EXTENSIONS = new Set(['.cjs', '.mjs', '.json']);

class PackageBuildError extends Error {
  override name = 'PackageBuildError';
}

function compile(): void {
  const tsc = require.resolve('typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', path.join(ROOT, 'tsconfig.build.json')], { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) throw new PackageBuildError(`tsc -p tsconfig.build.json failed (exit code ${String(result.status)}): fix the type errors above, then run npm run build again.`);
}

function copyRuntimeFiles(folder: string): number {
  let copied = 0;
  for (const entry of readdirSync(path.join(ROOT, folder), { withFileTypes: true })) {
    const relative = path.join(folder, entry.name);
    if (entry.isDirectory()) copied += copyRuntimeFiles(relative);
    else if (RUNTIME_EXTENSIONS.has(path.extname(entry.name))) {
      mkdirSync(path.join(DIST, folder), { recursive: true });
      copyFileSync(path.join(ROOT, relative), path.join(DIST, relative));
      copied++;
    }
  }
  return copied;
}

function check(handlers: readonly string[]): void {
  const expected = [...REQUIRED_FILES, ...handlers.flatMap((h) => [`handlers/${h}/${HANDLER_MODULE}`, `handlers/${h}/${CODEC_WORKER_MODULE}`])];
  const missing = expected.filter((file) => !existsSync(path.join(DIST, file)));
  if (missing.length > 0) throw new PackageBuildError(`The build left out ${missing.map((f) => `dist/${f}`).join(', ')}.`);
}

function main(): void {
  const started = Date.now();
  rmSync(DIST, { recursive: true, force: true });
  compile();
  const copied = SOURCE_FOLDERS.reduce((n, folder) => n + copyRuntimeFiles(folder), 0);
  const handlers = buildHandlerBundles(path.join(DIST, 'handlers'));
  check(handlers);
  process.stdout.write(`Built dist/ in ${((Date.now() - started) / 1000).toFixed(1)} s: compiled sources, ${copied} runtime files, ${handlers.length} handler bundles.\n`);
}

try {
  main();
} catch (err) {
  process.stderr.write(`build: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
}
