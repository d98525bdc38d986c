import { S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { restoreCommand } from '../../../../cli/commands/restore-commands';
import { type RestorePlanDocument } from '../../../../lambdas/restore/restore-plan-document';
import { restoreShard } from '../../../../lambdas/restore/restore-shard';
import { type RestoreReport, verifyRestore } from '../../../../lambdas/restore/verify-restore';
import { type ManifestEntry } from '../../../../vault/manifest/manifest-entry';
import { CodecPool } from '../../../../vault/workers/codec-pool';
import { servePlanObjects } from '../../../support/memory-plan-store';
import { mockedRestoreIo, resolvedFileRestore } from '../../../support/restore-fixtures';
import { newTestVault, removeDir, tempDir } from '../../../support/vault-test-helpers';

/**
 * Audit f58E: a loss of the platform calls (in AWS the restore functions have none: no extended attribute is set) is said
 * once for every entry it struck. The report counted that one line as one entry; a drill then said "with 1 not restored"
 * of a source whose 31 file names and directory lack their extended attributes. The count is the entries', the lines stay few
 * (the drill's figures are this count: drill-verdict.test.ts).
 */
const saved = process.env.LIFEBOAT_PLATFORM_CALLS;
// platformCalls() loads on first use, and this file's module registry is its own: off for the whole restore below.
process.env.LIFEBOAT_PLATFORM_CALLS = 'off';
const LOSS = 'extended attributes not restored: platform calls are turned off (LIFEBOAT_PLATFORM_CALLS=off)';
const FILES = 30;

const planS3 = mockClient(S3Client);

describe('a restore without the platform calls counts every entry that lacks its extended attributes', () => {
  let dir: string;
  let report: RestoreReport;
  beforeAll(async () => {
    dir = await tempDir('verify-restore-platform-loss');
    const { vault } = await newTestVault(dir);
    const writer = await vault.newSnapshotWriter({ inline: true });
    const stored = await writer.storeContent(Buffer.from('tagged\n'));
    const parts = [await writer.finish()];
    await vault.reloadIndex();
    const xattrs = { 'user.tag': Buffer.from('x').toString('base64') };
    const names = Array.from({ length: FILES }, (_, i) => `d/f${String(i).padStart(2, '0')}`);
    const entries: ManifestEntry[] = [
      { path: 'a.sock', kind: 'special', size: 0, content: [], meta: { type: 'socket' } },
      { path: 'd', kind: 'dir', size: 0, content: [], meta: { mode: 0o755, xattrs } },
      ...names.map((p): ManifestEntry => ({ path: p, kind: 'file', size: stored.size, content: [...stored.content], meta: { mode: 0o644, xattrs } })),
      // Another name of d/f00, linked (no attribute set through it) and lacking them all the same.
      { path: 'd/f05l', kind: 'file', size: stored.size, content: [...stored.content], meta: { mode: 0o644, xattrs, hardlink: 'd/f00' } },
      { path: 'plain.txt', kind: 'file', size: stored.size, content: [...stored.content], meta: { mode: 0o644 } },
    ];
    entries.sort((a, b) => (a.path < b.path ? -1 : 1));
    const snapshot = await vault.commitSnapshot({ source: { kind: 'directory', id: '/src' }, parts, entries });
    const restoreId = 'r-platform-loss';
    // Two shards, each with its own restorer: each says the loss once, for its own files.
    const plan: RestorePlanDocument = {
      restore: resolvedFileRestore({ restoreId, snapshotId: snapshot.id, target: { type: 'filesystem', path: '/restored' } }),
      entries: entries.length,
      bytes: stored.size * (FILES + 2),
      shards: [
        { index: 0, first: 'a.sock', last: 'd/f09', entries: 13, bytes: stored.size * 11 },
        { index: 1, first: 'd/f10', last: 'plain.txt', entries: entries.length - 13, bytes: stored.size * (FILES - 9) },
      ],
    };
    const planKey = `restore-plans/${restoreId}.json`;
    servePlanObjects(planS3, new Map([[planKey, JSON.stringify(plan)]]));
    const io = mockedRestoreIo(vault, (p) => path.join(dir, 'fs', p));
    await restoreShard({ restoreId, planKey, shardIndex: 0 }, io);
    await restoreShard({ restoreId, planKey, shardIndex: 1 }, io);
    report = await verifyRestore({ planKey }, io);
  });
  afterAll(async () => {
    if (saved === undefined) delete process.env.LIFEBOAT_PLATFORM_CALLS;
    else process.env.LIFEBOAT_PLATFORM_CALLS = saved;
    planS3.restore();
    await CodecPool.shutdownShared();
    await removeDir(dir);
  });

  it('the report counts the 31 file names, the directory and the socket, in four lines; only the plain file is verified', async () => {
    const restored = path.join(dir, 'fs', 'restored', 'd');
    expect(await fs.readFile(path.join(restored, 'f29'), 'utf8')).toBe('tagged\n');
    expect((await fs.stat(path.join(restored, 'f05l'))).ino).toBe((await fs.stat(path.join(restored, 'f00'))).ino);
    expect(report.verified).toEqual({ entries: 1, mismatches: 0 });
    expect(report.notRestored?.count).toBe(33);
    expect(report.notRestored?.first).toEqual([
      { path: 'a.sock', what: expect.stringMatching(/^socket not recreated: /) as string },
      { path: 'd', what: LOSS },
      { path: 'd/f00', what: `${LOSS} (and for 10 more entries)`, entries: 11 },
      { path: 'd/f10', what: `${LOSS} (and for 19 more entries)`, entries: 20 },
    ]);
  });

  it('`lifeboat restore` prints the count, and no "… and more" line when the lines shown stand for every entry', async () => {
    const out: string[] = [];
    const code = await restoreCommand(
      { config: '.unused', env: 'dev', dataDir: '.unused', source: 'files', backup: report.backupId, target: '/restored' },
      { io: { out: (l) => out.push(l), err: (l) => out.push(`stderr: ${l}`) }, stderr: { isTTY: false, write: () => true }, runner: { run: () => Promise.resolve({ executionId: report.restoreId, status: 'SUCCEEDED', output: report }) } },
    );
    expect(code).toBe(0);
    expect(out.slice(out.indexOf('Not restored  33 entries or attributes (the target lacks them; not counted as verified):'))).toEqual([
      'Not restored  33 entries or attributes (the target lacks them; not counted as verified):',
      `  a.sock: ${report.notRestored?.first[0]?.what}`,
      `  d: ${LOSS}`,
      `  d/f00: ${LOSS} (and for 10 more entries)`,
      `  d/f10: ${LOSS} (and for 19 more entries)`,
    ]);
  });
});
