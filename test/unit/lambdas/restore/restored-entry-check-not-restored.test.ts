import { S3Client } from '@aws-sdk/client-s3';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { checkRestoredEntries } from '../../../../lambdas/restore/restored-entry-check';
import { type ManifestEntry } from '../../../../vault/manifest/manifest-entry';
import { type Vault } from '../../../../vault/repository/vault';
import { removeDir, tempDir } from '../../../support/vault-test-helpers';

/**
 * Audit R41 F2: what a restore did not recreate is not "verified equal to the backup". Empty files
 * (nothing to read from a vault) and entries as a manifest holds them, checked in a real directory;
 * this file runs without the platform calls, as the restore functions do in AWS.
 */
const saved = process.env.LIFEBOAT_PLATFORM_CALLS;
// platformCalls() loads on first use, and this file's module registry is its own: off for every check below.
process.env.LIFEBOAT_PLATFORM_CALLS = 'off';

const noVault = {} as Vault;
const where = (root: string) => ({ targetS3: new S3Client({ region: 'us-east-1' }), root, keepSetIdBits: false });
const target = { type: 'filesystem' as const, path: '/unused' };
const file = (p: string, meta: ManifestEntry['meta'] = {}): ManifestEntry => ({ path: p, kind: 'file', size: 0, content: [], meta: { mode: 0o644, ...meta } });

describe('checkRestoredEntries: entries not restored are reported, not counted as verified', () => {
  let root: string;
  beforeAll(async () => {
    root = await tempDir('entry-check-not-restored');
    for (const name of ['plain.txt', 'tagged.txt', 'perm.txt', 'one.txt', 'one.txt.l1', 'one.txt.l2']) {
      await fs.writeFile(path.join(root, name), '');
      await fs.chmod(path.join(root, name), 0o644);
    }
  });
  afterAll(async () => {
    if (saved === undefined) delete process.env.LIFEBOAT_PLATFORM_CALLS;
    else process.env.LIFEBOAT_PLATFORM_CALLS = saved;
    await removeDir(root);
  });

  it('a file whose extended attributes could not be set (no platform calls) and a socket not made: listed, not checked', async () => {
    const entries = [file('plain.txt'), file('tagged.txt', { xattrs: { 'user.tag': Buffer.from('x').toString('base64') } }), { path: 'app.sock', kind: 'special' as const, size: 0, content: [], meta: { type: 'socket' } }];
    const outcome = await checkRestoredEntries(noVault, target, where(root), entries);
    expect(outcome.mismatches).toEqual([]);
    expect(outcome.checked).toBe(1);
    expect(outcome.notRestored.sort((a, b) => (a.path < b.path ? -1 : 1))).toEqual([
      { path: 'app.sock', what: 'socket not recreated' },
      { path: 'tagged.txt', what: 'extended attributes not restored: platform calls are turned off (LIFEBOAT_PLATFORM_CALLS=off)' },
    ]);
  });

  it("an entry the restorer reported is not checked, with the restorer's own reasons; its reports on other paths are carried", async () => {
    const reported = [
      { path: 'perm.txt', what: 'extended attribute trusted.x not restored: EPERM (this namespace needs root)' },
      { path: 'app.sock', what: 'socket not recreated: a socket belongs to the process listening on it (it is made again when that program starts)' },
      { path: 'elsewhere', what: 'owner 7:7 not set: EPERM (only root may give files away)' },
    ];
    const entries = [file('plain.txt'), file('perm.txt'), { path: 'app.sock', kind: 'special' as const, size: 0, content: [], meta: { type: 'socket' } }];
    const outcome = await checkRestoredEntries(noVault, target, where(root), entries, reported);
    expect(outcome.checked).toBe(1);
    expect(outcome.mismatches).toEqual([]);
    expect(outcome.notRestored.sort((a, b) => (a.path < b.path ? -1 : 1))).toEqual([reported[1], reported[2], reported[0]]);
  });

  // Review r58D F2: a restorer that struck one file alone said the loss without `entries`; the other names it found
  // lacking it (a hard link's, linked and never given attributes) were each listed as their own item.
  it('the loss of the platform calls said by the restorer for one entry is said once again for every name found lacking it', async () => {
    const loss = 'extended attributes not restored: platform calls are turned off (LIFEBOAT_PLATFORM_CALLS=off)';
    const xattrs = { 'user.tag': Buffer.from('x').toString('base64') };
    const entries = [file('one.txt', { xattrs }), file('one.txt.l1', { xattrs, hardlink: 'one.txt' }), file('one.txt.l2', { xattrs, hardlink: 'one.txt' }), file('plain.txt')];
    const outcome = await checkRestoredEntries(noVault, target, where(root), entries, [{ path: 'one.txt', what: loss }]);
    expect(outcome.mismatches).toEqual([]);
    expect(outcome.checked).toBe(1);
    expect(outcome.notRestored).toEqual([{ path: 'one.txt', what: `${loss} (and for 2 more entries)`, entries: 3 }]);
  });
});
