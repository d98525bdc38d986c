import { S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import * as fs from 'node:fs/promises';
import * as net from 'node:net';
import * as path from 'node:path';
import { restoreCommand } from '../../../../cli/commands/restore-commands';
import { type BackupRecord } from '../../../../lambdas/catalog/backup-record';
import { type BackupRecords } from '../../../../lambdas/restore/backup-left-out';
import { type RestorePlanDocument } from '../../../../lambdas/restore/restore-plan-document';
import { restoreShard } from '../../../../lambdas/restore/restore-shard';
import { type RestoreReport, verifyRestore } from '../../../../lambdas/restore/verify-restore';
import { backupDirectory } from '../../../../vault/archiver/directory-source';
import { CodecPool } from '../../../../vault/workers/codec-pool';
import { servePlanObjects } from '../../../support/memory-plan-store';
import { mockedRestoreIo, resolvedFileRestore } from '../../../support/restore-fixtures';
import { newTestVault, removeDir, tempDir } from '../../../support/vault-test-helpers';

const planS3 = mockClient(S3Client);
const BACKUP_ID = '20260301T100000Z-1a2b3c4d';

/** A catalog that answers with one record whose source `files` has the given counts (or fails as `getBackup` is told to). */
function recordsOf(files: Partial<BackupRecord['sources'][number]>, fail?: Error): BackupRecords & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    getBackup: (backupId: string) => {
      asked.push(backupId);
      if (fail) return Promise.reject(fail);
      return Promise.resolve({ backupId, sources: [{ name: 'other', skipped: 9 }, { name: 'files', ...files }] } as unknown as BackupRecord);
    },
  };
}

/** `lifeboat restore` printing a report as the runbook returned it. */
async function printed(report: RestoreReport): Promise<{ code: number; out: string[] }> {
  const out: string[] = [];
  const code = await restoreCommand(
    { config: '.unused', env: 'dev', dataDir: '.unused', source: 'files', backup: BACKUP_ID, target: '/restored' },
    { io: { out: (l) => out.push(l), err: (l) => out.push(`stderr: ${l}`) }, stderr: { isTTY: false, write: () => true }, runner: { run: () => Promise.resolve({ executionId: report.restoreId, status: 'SUCCEEDED', output: report }) } },
  );
  return { code, out };
}

/**
 * Audit R41 F2 and F4: a restore that succeeds without some entries says so. A socket cannot be made
 * again, so it is not among the entries verified equal and the CLI prints it; an entry the backup
 * left out (an archived object) is in neither the backup nor the target, and the report and the CLI
 * say so beside "Verified N entries".
 */
describe('the restore report and `lifeboat restore` on what the target lacks', () => {
  let dir: string;
  let run: (records?: BackupRecords) => Promise<RestoreReport>;
  let closeSocket: () => void;
  beforeAll(async () => {
    dir = await tempDir('verify-restore-shortfall');
    const { vault } = await newTestVault(dir);
    const src = path.join(dir, 'src');
    await fs.mkdir(src);
    await fs.writeFile(path.join(src, 'a.txt'), 'hello\n');
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(path.join(src, 'app.sock'), resolve));
    closeSocket = () => server.close();
    const snapshot = (await backupDirectory(vault, src)).snapshot;
    const paths: string[] = [];
    for await (const e of vault.entries(snapshot)) paths.push(e.path);
    expect(paths).toEqual(['a.txt', 'app.sock']);
    let n = 0;
    run = async (records) => {
      const restoreId = `r-${++n}`;
      const plan: RestorePlanDocument = {
        restore: resolvedFileRestore({ restoreId, snapshotId: snapshot.id, backupId: BACKUP_ID, target: { type: 'filesystem', path: `/restored-${n}` } }),
        entries: paths.length,
        bytes: 6,
        shards: [{ index: 0, first: 'a.txt', last: 'app.sock', entries: paths.length, bytes: 6 }],
      };
      const planKey = `restore-plans/${restoreId}.json`;
      planS3.reset();
      servePlanObjects(planS3, new Map([[planKey, JSON.stringify(plan)]]));
      const io = mockedRestoreIo(vault, (p) => path.join(dir, 'fs', p));
      await restoreShard({ restoreId, planKey, shardIndex: 0 }, io);
      return verifyRestore({ planKey }, { ...io, backupRecords: records });
    };
  });
  afterAll(async () => {
    closeSocket();
    planS3.restore();
    await CodecPool.shutdownShared();
    await removeDir(dir);
  });

  it('does not count the socket as verified, and the CLI prints it as not restored (exit 0: the restore succeeded)', async () => {
    const report = await run();
    expect(report.entries).toBe(2);
    expect(report.verified).toEqual({ entries: 1, mismatches: 0 });
    expect(report.notRestored).toEqual({ count: 1, first: [{ path: 'app.sock', what: expect.stringMatching(/^socket not recreated: /) as string }] });
    expect(report.backupLeftOut).toBeUndefined();
    const { code, out } = await printed(report);
    expect(code).toBe(0);
    expect(out).toContain('Verified  1 entries equal to the backup');
    expect(out.slice(out.indexOf('Not restored  1 entry or attribute (the target lacks them; not counted as verified):'))).toEqual([
      'Not restored  1 entry or attribute (the target lacks them; not counted as verified):',
      `  app.sock: ${report.notRestored?.first[0]?.what}`,
    ]);
  });

  it("reports what the backup left out of the source, from the backup's record, and the CLI prints it with the reason lines", async () => {
    const records = recordsOf({ skipped: 2, skippedExamples: ['cold/ledger-2025.csv: in storage class GLACIER (archived); not backed up: …', 'evil\nname: cannot read'], vanished: 1 });
    const report = await run(records);
    expect(records.asked).toEqual([BACKUP_ID]);
    expect(report.backupLeftOut).toEqual({ skipped: 2, skippedExamples: ['cold/ledger-2025.csv: in storage class GLACIER (archived); not backed up: …', 'evil\nname: cannot read'], vanished: 1, changedDuringRead: 0 });
    const { out } = await printed(report);
    expect(out.slice(-3)).toEqual([
      'Left out by the backup (counts of the whole source): 2 entries not backed up whole (left out as archived or unreadable: not in the target; or stored without metadata it could not read); 1 entry vanished between listing and reading (not in the target)',
      '  cold/ledger-2025.csv: in storage class GLACIER (archived); not backed up: …',
      '  evil\\nname: cannot read',
    ]);
  });

  it('says nothing when the backup left nothing out, and that it cannot tell when the record cannot be read', async () => {
    expect((await run(recordsOf({ skipped: 0 }))).backupLeftOut).toBeUndefined();
    const unread = await run(recordsOf({}, Object.assign(new Error('throttled'), { name: 'ProvisionedThroughputExceededException' })));
    expect(unread.verified).toEqual({ entries: 1, mismatches: 0 });
    expect(unread.backupLeftOut).toEqual({ unknown: `the backup's catalog record could not be read (ProvisionedThroughputExceededException: throttled); see \`lifeboat backups list --json\` for backup ${BACKUP_ID}` });
    expect((await printed(unread)).out.at(-1)).toBe(`Left out by the backup: not known (${(unread.backupLeftOut as { unknown: string }).unknown})`);
  });
});
