import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { HANDLER_BUNDLES_ENV } from '../../lib/constructs/handler-bundle';
import { buildHandlerBundles } from '../build-handler-bundles';

/**
 * Jest globalSetup: bundles every handler once per test run into a temporary directory and points
 * LIFEBOAT_HANDLER_BUNDLES at it; the test workers inherit the variable, so no synth in any test
 * file bundles again. handler-bundles-teardown.ts removes the directory.
 * An explicit LIFEBOAT_HANDLER_BUNDLES (bundles built beforehand) is left as it is.
 */
export default function setup(): void {
  if (process.env[HANDLER_BUNDLES_ENV]) return;
  const dir = mkdtempSync(path.join(tmpdir(), 'lifeboat-handler-bundles-'));
  buildHandlerBundles(dir);
  process.env[HANDLER_BUNDLES_ENV] = dir;
  process.env[BUILT_BY_SETUP_ENV] = dir;
}

/** Marks the directory this setup made, so the teardown removes only that one. */
export const BUILT_BY_SETUP_ENV = 'LIFEBOAT_HANDLER_BUNDLES_TEMPORARY';
