import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { packageVersion } from '../../../cli/package-version';
import { REPO_ROOT } from '../../support/repo-root';
import { runVaultCli } from '../../support/vault-cli-process';

/** `lifeboat --version` prints the version of package.json, and exits 0. */
const { version } = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };

it.each(['--version', '-V'])('lifeboat %s prints the package version and exits 0', (flag) => {
  const r = runVaultCli([], { argv: [flag] });
  expect(r).toMatchObject({ timedOut: false, status: 0, stdout: `${version}\n`, stderr: '' });
});

it('finds the package.json named lifeboat above the CLI, whatever the depth, skipping others', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'lifeboat-version-'));
  try {
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'lifeboat', version: '9.8.7' }));
    const nested = path.join(dir, 'dist', 'cli');
    mkdirSync(nested, { recursive: true });
    // A package.json of something else on the way (a bundle's folder) is not ours.
    writeFileSync(path.join(dir, 'dist', 'package.json'), JSON.stringify({ name: 'other', version: '1.0.0' }));
    expect(packageVersion(nested)).toBe('9.8.7');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
