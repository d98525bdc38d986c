import { afterAll } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

/**
 * A fresh output directory for a CDK App of this test file, removed after the file's tests. An App
 * given no `outdir` stages its assets into a `cdk.out*` directory of its own under the system's
 * temporary directory and never removes it, so every test run would leave some behind.
 */
const outdirs: string[] = [];
afterAll(() => {
  for (const dir of outdirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

export function tempOutdir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'lifeboat-app-'));
  outdirs.push(dir);
  return dir;
}
