import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { buildSync } from 'esbuild';
import { REPO_ROOT } from './repo-root';
import { CODEC_WORKER_ENV } from '../../vault/workers/codec-worker-location';
import { TEST_CLI_ENV } from './vault-cli-process';

/** Marks the bundle this setup made, so the teardown removes only that one. */
const BUILT_BY_SETUP_ENV = 'LIFEBOAT_TEST_CLI_TEMPORARY';
/** Marks a LIFEBOAT_CODEC_WORKER this setup set, so the teardown unsets only that one. */
const CODEC_WORKER_SET_BY_SETUP_ENV = 'LIFEBOAT_CODEC_WORKER_TEMPORARY';
/** Marks a NODE_COMPILE_CACHE this setup set, so the teardown unsets only that one. */
const COMPILE_CACHE_SET_BY_SETUP_ENV = 'LIFEBOAT_COMPILE_CACHE_TEMPORARY';

/**
 * Part of the jest globalSetup of every tier: bin/lifeboat.ts bundled once per run (our sources in
 * one CommonJS file, npm packages left to node_modules, the codec worker beside it as in the
 * published package), so the CLI tests start a command in ~0.4 s instead of tsx's ~1 s. The bundle
 * lives under the repository's .cache so that its packages resolve from node_modules. An explicit
 * LIFEBOAT_TEST_CLI is left as it is. The codec worker built beside it also serves the test files
 * themselves (LIFEBOAT_CODEC_WORKER), which would each bundle it again from source otherwise.
 * V8's compile cache (which the CLI turns on, bin/lifeboat.ts) goes into the same directory: the run's
 * CLI processes share it, and it goes with the bundle instead of growing in os.tmpdir() by one entry
 * per run (Node keys it by file path, and each run's bundle has a path of its own).
 */
export function setupCliBundle(): void {
  if (process.env[TEST_CLI_ENV]) return;
  const cacheDir = path.join(REPO_ROOT, '.cache');
  mkdirSync(cacheDir, { recursive: true });
  const dir = mkdtempSync(path.join(cacheDir, 'test-cli-'));
  const common = { bundle: true, platform: 'node', format: 'cjs', target: 'node22', packages: 'external', logLevel: 'silent' } as const;
  buildSync({ ...common, entryPoints: [path.join(REPO_ROOT, 'bin', 'lifeboat.ts')], outfile: path.join(dir, 'lifeboat.cjs') });
  buildSync({ ...common, entryPoints: [path.join(REPO_ROOT, 'vault', 'workers', 'codec-worker.ts')], outfile: path.join(dir, 'codec-worker.js') });
  process.env[TEST_CLI_ENV] = path.join(dir, 'lifeboat.cjs');
  process.env[BUILT_BY_SETUP_ENV] = dir;
  if (!process.env['NODE_COMPILE_CACHE']) {
    process.env['NODE_COMPILE_CACHE'] = path.join(dir, 'compile-cache');
    process.env[COMPILE_CACHE_SET_BY_SETUP_ENV] = '1';
  }
  if (!process.env[CODEC_WORKER_ENV]) {
    process.env[CODEC_WORKER_ENV] = path.join(dir, 'codec-worker.js');
    process.env[CODEC_WORKER_SET_BY_SETUP_ENV] = '1';
  }
}

export function teardownCliBundle(): void {
  const dir = process.env[BUILT_BY_SETUP_ENV];
  if (!dir) return;
  rmSync(dir, { recursive: true, force: true });
  delete process.env[BUILT_BY_SETUP_ENV];
  delete process.env[TEST_CLI_ENV];
  if (process.env[COMPILE_CACHE_SET_BY_SETUP_ENV]) {
    delete process.env['NODE_COMPILE_CACHE'];
    delete process.env[COMPILE_CACHE_SET_BY_SETUP_ENV];
  }
  if (process.env[CODEC_WORKER_SET_BY_SETUP_ENV]) {
    delete process.env[CODEC_WORKER_ENV];
    delete process.env[CODEC_WORKER_SET_BY_SETUP_ENV];
  }
}
