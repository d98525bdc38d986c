import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { SYNTH_CACHE_ENV } from '../../local/assembly/synthesis-cache';
import setupHandlerBundles from '../../scripts/jest/handler-bundles-setup';
import { setupCliBundle } from './cli-bundle';
import { setupCloudProcessBundle } from './cloud-process-bundle';

/** Marks the synthesis cache this setup made, so the teardown removes only that one. */
export const SYNTH_CACHE_BY_SETUP_ENV = 'LIFEBOAT_SYNTH_CACHE_TEMPORARY';

/**
 * Jest globalSetup of the tiers that synthesize the app (infra, integration, e2e). It runs once in
 * jest's parent process before any worker starts, and the workers inherit its environment:
 * - the handler bundles are built once (LIFEBOAT_HANDLER_BUNDLES, scripts/jest/handler-bundles-setup.ts),
 *   so no synth in any suite runs esbuild;
 * - LIFEBOAT_SYNTH_CACHE points at an empty directory, so each environment the suites open is
 *   synthesized by the first suite that needs it and reused by the others (local/assembly/synthesis-cache.ts);
 * - the local cloud's process is bundled once (LIFEBOAT_CLOUD_PROCESS, ./cloud-process-bundle.ts), so no
 *   cloud start goes through tsx.
 * Idempotent: jest calls it once per project that has tests to run, and values given by the caller are kept.
 */
export default function setup(): void {
  setupHandlerBundles();
  // The end-to-end fidelity test runs the CLI as a process too.
  setupCliBundle();
  setupCloudProcessBundle();
  if (process.env[SYNTH_CACHE_ENV]) return;
  const dir = mkdtempSync(path.join(tmpdir(), 'lifeboat-synth-cache-'));
  process.env[SYNTH_CACHE_ENV] = dir;
  process.env[SYNTH_CACHE_BY_SETUP_ENV] = dir;
}
