import { rmSync } from 'node:fs';
import { SYNTH_CACHE_ENV } from '../../local/assembly/synthesis-cache';
import teardownHandlerBundles from '../../scripts/jest/handler-bundles-teardown';
import { teardownCliBundle } from './cli-bundle';
import { teardownCloudProcessBundle } from './cloud-process-bundle';
import { SYNTH_CACHE_BY_SETUP_ENV } from './jest-global-setup';

/** Jest globalTeardown: removes what jest-global-setup.ts made for this run (and only that). */
export default function teardown(): void {
  teardownHandlerBundles();
  teardownCliBundle();
  teardownCloudProcessBundle();
  const dir = process.env[SYNTH_CACHE_BY_SETUP_ENV];
  if (!dir) return;
  rmSync(dir, { recursive: true, force: true });
  delete process.env[SYNTH_CACHE_BY_SETUP_ENV];
  delete process.env[SYNTH_CACHE_ENV];
}
