import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
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
  const dir = bundleIntoCache(handler);
  bundledThisProcess.set(handler, dir);
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
 * Bundles `handler` and the codec worker into `outdir` (created if missing) as Lambda runs them:
 * CommonJS for Node 24, source maps on without the sources' text (the functions run with
 * --enable-source-maps, which needs only the mappings), and the AWS
 * SDK v3 left out (the nodejs24.x runtime ships it; bundling it would only grow cold starts).
 */
export function bundleHandler(handler: string, outdir: string): void {
  writeOutputs(buildHandler(handler, outdir), outdir);
}

type BundleFile = { readonly name: string; readonly contents: Uint8Array };

function handlerSource(handler: string): string {
  return path.join(HANDLER_SOURCES, `${handler}.ts`);
}

/** The bundle's files (names relative to `outdir`, which source-map paths are relative to), not yet written. */
function buildHandler(handler: string, outdir: string): BundleFile[] {
  // Loaded only here, so that synthesizing with prebuilt bundles (an installed package) needs no esbuild.
  const { buildSync } = createRequire(__filename)('esbuild') as typeof esbuild;
  const entryPoints = [{ in: handlerSource(handler), out: path.parse(HANDLER_MODULE).name }];
  if (existsSync(CODEC_WORKER_SOURCE)) entryPoints.push({ in: CODEC_WORKER_SOURCE, out: path.parse(CODEC_WORKER_MODULE).name });
  const result = buildSync({
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
    write: false,
    logLevel: 'warning',
  });
  return result.outputFiles.map((file) => ({ name: path.relative(outdir, file.path), contents: file.contents }));
}

function writeOutputs(files: readonly BundleFile[], outdir: string): void {
  mkdirSync(outdir, { recursive: true });
  for (const file of files) writeFileSync(path.join(outdir, file.name), file.contents);
}

/**
 * Bundles into `.cache/handler-bundles/<handler>/<hash of the output>`: the same sources give the
 * same directory, so concurrent processes (jest workers) share it, and one that finds it already
 * written leaves it alone. The bundle is written to a temporary sibling and renamed into place, so
 * no process ever sees half of one. Source-map paths are relative to the output directory, which
 * is why the build runs with that directory's depth.
 */
function bundleIntoCache(handler: string): string {
  const handlerCache = path.join(CACHE_DIR, handler);
  const files = buildHandler(handler, path.join(handlerCache, 'bundle'));
  const hash = createHash('sha256');
  for (const file of [...files].sort((a, b) => a.name.localeCompare(b.name))) hash.update(file.name).update('\0').update(file.contents).update('\0');
  const dir = path.join(handlerCache, hash.digest('hex').slice(0, 16));
  if (existsSync(path.join(dir, HANDLER_MODULE))) return dir;
  const staging = `${dir}.${process.pid}.tmp`;
  rmSync(staging, { recursive: true, force: true });
  writeOutputs(files, staging);
  try {
    renameSync(staging, dir);
  } catch (err) {
    // Another process renamed the same bundle into place first.
    rmSync(staging, { recursive: true, force: true });
    if (!existsSync(path.join(dir, HANDLER_MODULE))) throw err;
  }
  pruneStale(handlerCache, dir);
  return dir;
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
