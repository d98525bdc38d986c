import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { buildSync } from 'esbuild';
import { CLOUD_PROCESS_ENV } from '../../local/cloud/local-cloud';
import { REPO_ROOT } from './repo-root';

/** Marks the bundle this setup made, so the teardown removes only that one. */
const BUILT_BY_SETUP_ENV = 'LIFEBOAT_CLOUD_PROCESS_TEMPORARY';

/**
 * Part of the jest globalSetup of the tiers that start local clouds (infra, integration, e2e):
 * local/cloud/cloud-process.ts bundled once per run (our sources in one CommonJS file, npm packages
 * left to node_modules) and named by LIFEBOAT_CLOUD_PROCESS, so none of the run's ~50 local-cloud
 * starts goes through tsx's loader (≈ 1.9 s of CPU to load from the sources, ≈ 0.85 s from the bundle). Built from the sources at the start of every run, so it
 * cannot be older than the code under test. It lives under the repository's .cache so that its
 * packages resolve from node_modules. An explicit LIFEBOAT_CLOUD_PROCESS is left as it is.
 */
export function setupCloudProcessBundle(): void {
  if (process.env[CLOUD_PROCESS_ENV]) return;
  const cacheDir = path.join(REPO_ROOT, '.cache');
  mkdirSync(cacheDir, { recursive: true });
  const dir = mkdtempSync(path.join(cacheDir, 'test-cloud-process-'));
  const outfile = path.join(dir, 'cloud-process.cjs');
  buildSync({ bundle: true, platform: 'node', format: 'cjs', target: 'node22', packages: 'external', logLevel: 'silent', entryPoints: [path.join(REPO_ROOT, 'local', 'cloud', 'cloud-process.ts')], outfile });
  process.env[CLOUD_PROCESS_ENV] = outfile;
  process.env[BUILT_BY_SETUP_ENV] = dir;
}

export function teardownCloudProcessBundle(): void {
  const dir = process.env[BUILT_BY_SETUP_ENV];
  if (!dir) return;
  rmSync(dir, { recursive: true, force: true });
  delete process.env[BUILT_BY_SETUP_ENV];
  delete process.env[CLOUD_PROCESS_ENV];
}
