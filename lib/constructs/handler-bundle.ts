import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import type * as esbuild from 'esbuild';

/**
 * Where the code of a Lifeboat Lambda handler comes from: a directory holding `index.js` (the
 * bundled handler, `exports.handler`), its source map, and `codec-worker.js` (the vault's codec
 * worker thread, which the vault looks for beside the running bundle, see
 * vault/workers/codec-worker-location.ts).
 *
 * In order:
 * 1. `LIFEBOAT_HANDLER_BUNDLES=<dir>`: prebuilt bundles in `<dir>/<handler>/` (a test run builds
 *    them once, see scripts/jest/handler-bundles-setup.ts);
 * 2. the installed package: `dist/handlers/<handler>/`, built at pack time (scripts/build-package.ts),
 *    located relative to this file compiled into `dist/lib/constructs/`, so a user's synth needs
 *    neither our TypeScript sources nor esbuild;
 * 3. the repository: `lambdas/handlers/<handler>.ts` bundled with the local esbuild (never Docker),
 *    once per handler per process, into `.cache/handler-bundles/`.
 */
export const HANDLER_BUNDLES_ENV = 'LIFEBOAT_HANDLER_BUNDLES';

/** The bundle's files: the handler module (Lambda's `index.handler`) and the codec worker beside it. */
export const HANDLER_MODULE = 'index.js';
export const CODEC_WORKER_MODULE = 'codec-worker.js';

/**
 * `<repo>` when this file runs from source (lib/constructs/), `<package>/dist` when compiled into
 * dist/lib/constructs/: both hold `lambdas/` (sources, repository only) and `handlers/` (prebuilt, dist only).
 */
const CODE_ROOT = path.resolve(__dirname, '..', '..');
const PREBUILT_DIR = path.join(CODE_ROOT, 'handlers');
const HANDLER_SOURCES = path.join(CODE_ROOT, 'lambdas', 'handlers');
const CODEC_WORKER_SOURCE = path.join(CODE_ROOT, 'vault', 'workers', 'codec-worker.ts');
const CACHE_DIR = path.join(CODE_ROOT, '.cache', 'handler-bundles');
/** Cached bundles of older sources are removed after this long (a live synth copies its bundle within a second). */
const STALE_CACHE_MS = 10 * 60 * 1000;

/** No code for a handler: neither a prebuilt bundle nor a source to bundle. */
export class HandlerBundleNotFoundError extends Error {
  override name = 'HandlerBundleNotFoundError';
  constructor(handler: string, looked: readonly string[], fix: string) {
    super(`No code for the Lifeboat handler "${handler}": none of ${looked.join(', ')} exists. ${fix}`);
  }
}

const bundledThisProcess = new Map<string, string>();

/**
 * The directory whose contents are the Lambda code of `handler` (see the order above). With
 * `bundle: false` (a synth that skips bundling, context `aws:cdk:bundling-stacks`, as
 * template-only tests do) a missing bundle is not built: the handler sources stand in, unbundled.
 */
export function handlerBundleDir(handler: string, options: { bundle?: boolean } = {}): string {
  const override = process.env[HANDLER_BUNDLES_ENV];
  if (override) {
    const dir = path.resolve(override, handler);
    if (!existsSync(path.join(dir, HANDLER_MODULE))) {
      throw new HandlerBundleNotFoundError(handler, [path.join(dir, HANDLER_MODULE)], `Build the bundles into ${path.resolve(override)} (scripts/build-handler-bundles.ts) or unset ${HANDLER_BUNDLES_ENV}.`);
    }
    return dir;
  }
  const prebuilt = path.join(PREBUILT_DIR, handler);
  if (existsSync(path.join(prebuilt, HANDLER_MODULE))) return prebuilt;
  const known = bundledThisProcess.get(handler);
  // Another process may have pruned the cache since: bundle again rather than point at nothing.
  if (known && existsSync(path.join(known, HANDLER_MODULE))) return known;
  const source = handlerSource(handler);
  if (!existsSync(source)) {
    throw new HandlerBundleNotFoundError(
      handler,
      [path.join(prebuilt, HANDLER_MODULE), source],
      'An installed package is incomplete (reinstall it); in the repository, check the handler name against lambdas/handlers/.',
    );
  }
  if (options.bundle === false) return HANDLER_SOURCES;
  for (const [name, dir] of bundleAllIntoCache()) bundledThisProcess.set(name, dir);
  const dir = bundledThisProcess.get(handler);
  // handlerNames() lists every source of lambdas/handlers, and this one exists.
  if (!dir) throw new HandlerBundleNotFoundError(handler, [source], 'Check the handler name against lambdas/handlers/.');
  return dir;
}

/** The handlers of the repository (file names under lambdas/handlers, without extension). */
export function handlerNames(): string[] {
  return readdirSync(HANDLER_SOURCES)
    .filter((file) => file.endsWith('.ts'))
    .map((file) => file.slice(0, -'.ts'.length))
    .sort();
}

/**
 * Bundles each of `handlers` with the codec worker into `<outdir>/<handler>/` as Lambda runs them
 * (options below), written by esbuild itself.
 *
 * One esbuild build for all of them: esbuild parses each shared module (the vault, zod, the
 * handlers' common code) once for the whole build instead of once per handler, and writes the files
 * itself instead of sending them to this process (about 50 MB for all handlers, which its JavaScript
 * side decodes). The files are the same bytes as one build per handler gives (each output's source
 * map is relative to its own directory). docs/TESTING.md has the times.
 */
export function bundleHandlers(handlers: readonly string[], outdir: string): void {
  runBuild(handlers, outdir, (handler) => handler);
}

function handlerSource(handler: string): string {
  return path.join(HANDLER_SOURCES, `${handler}.ts`);
}

/**
 * One esbuild build of `handlers`, each bundle (`index.js` and `codec-worker.js`) written into
 * `subdir(handler)` of `outdir`: CommonJS for Node 24, source maps on without the sources' text
 * (the functions run with --enable-source-maps, which needs only the mappings), and the AWS SDK v3
 * left out (the nodejs24.x runtime ships it; bundling it would only grow cold starts).
 */
function runBuild(handlers: readonly string[], outdir: string, subdir: (handler: string) => string): void {
  // Loaded only here, so that synthesizing with prebuilt bundles (an installed package) needs no esbuild.
  const { buildSync } = createRequire(__filename)('esbuild') as typeof esbuild;
  const withWorker = existsSync(CODEC_WORKER_SOURCE);
  const entryPoints = handlers.flatMap((handler) => {
    const dir = subdir(handler);
    const entries = [{ in: handlerSource(handler), out: path.join(dir, path.parse(HANDLER_MODULE).name) }];
    if (withWorker) entries.push({ in: CODEC_WORKER_SOURCE, out: path.join(dir, path.parse(CODEC_WORKER_MODULE).name) });
    return entries;
  });
  buildSync({
    entryPoints,
    outdir,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node24',
    sourcemap: true,
    // The maps carry mappings and source paths, not the sources' text: --enable-source-maps needs only
    // those for stack traces, and the text was two thirds of each handler's asset (2.5 of 3.6 MB).
    sourcesContent: false,
    external: ['@aws-sdk/*'],
    logLevel: 'warning',
  });
}

/**
 * Bundles every handler of the repository into `.cache/handler-bundles/<handler>/<hash of the
 * output>` and returns each one's directory. The same sources give the same directory, so concurrent
 * processes (jest workers) share it, and one that finds it already written leaves it alone. Each
 * bundle is written to a temporary sibling and renamed into place, so no process ever sees half of
 * one; the sibling has the final directory's depth, which the source maps' relative paths need.
 *
 * All handlers at the first one asked for, in one build: a synth of the app asks for every one of
 * them, and the one build of all 29 (about 2 s on the 2-core machine) costs what a dozen builds of one
 * handler each cost.
 */
function bundleAllIntoCache(): Map<string, string> {
  const handlers = handlerNames();
  const stagingName = `bundle.${process.pid}.tmp`;
  for (const handler of handlers) rmSync(path.join(CACHE_DIR, handler, stagingName), { recursive: true, force: true });
  runBuild(handlers, CACHE_DIR, (handler) => path.join(handler, stagingName));
  const dirs = new Map<string, string>();
  for (const handler of handlers) {
    const handlerCache = path.join(CACHE_DIR, handler);
    const staging = path.join(handlerCache, stagingName);
    const dir = path.join(handlerCache, contentHash(staging));
    if (existsSync(path.join(dir, HANDLER_MODULE))) rmSync(staging, { recursive: true, force: true });
    else {
      try {
        renameSync(staging, dir);
      } catch (err) {
        // Another process renamed the same bundle into place first.
        rmSync(staging, { recursive: true, force: true });
        if (!existsSync(path.join(dir, HANDLER_MODULE))) throw err;
      }
    }
    pruneStale(handlerCache, dir);
    dirs.set(handler, dir);
  }
  return dirs;
}

/** The first 16 hex digits of a SHA-256 over the names and contents of the files in `dir`. */
function contentHash(dir: string): string {
  const hash = createHash('sha256');
  for (const name of readdirSync(dir).sort()) hash.update(name).update('\0').update(readFileSync(path.join(dir, name))).update('\0');
  return hash.digest('hex').slice(0, 16);
}

/** Removes bundles of older sources (and temporaries of crashed processes) once they are stale. */
function pruneStale(handlerCache: string, keep: string): void {
  const now = Date.now();
  for (const entry of readdirSync(handlerCache)) {
    const candidate = path.join(handlerCache, entry);
    if (candidate === keep) continue;
    try {
      if (now - statSync(candidate).mtimeMs > STALE_CACHE_MS) rmSync(candidate, { recursive: true, force: true });
    } catch {
      // Pruned by another process meanwhile.
    }
  }
}
