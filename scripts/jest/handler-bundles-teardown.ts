import { rmSync } from 'node:fs';
import { HANDLER_BUNDLES_ENV } from '../../lib/constructs/handler-bundle';
import { BUILT_BY_SETUP_ENV } from './handler-bundles-setup';

/** Jest globalTeardown: removes the bundles handler-bundles-setup.ts built for this run. */
export default function teardown(): void {
  const dir = process.env[BUILT_BY_SETUP_ENV];
  if (!dir) return;
  rmSync(dir, { recursive: true, force: true });
  delete process.env[BUILT_BY_SETUP_ENV];
  delete process.env[HANDLER_BUNDLES_ENV];
}
