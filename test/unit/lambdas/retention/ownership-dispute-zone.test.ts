import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { buildSync } from 'esbuild';

/**
 * f65T (review r65N F2): forget compares the start its snapshot's tags tell with the record's as recordInstant reads
 * them (a zoneless start as UTC), not in the process's zone: under Asia/Kolkata (UTC+5:30) a record of 04:30 was taken
 * for the snapshot's 10:00Z and one of 10:00 was disputed. TZ can be changed in a child process only, so a child judges
 * (the bundle on its stdin: too long for an argument).
 */
it('judges a zoneless record start as UTC against the snapshot tags, and shows it so, under Asia/Kolkata', () => {
  const bundle = buildSync({
    stdin: {
      contents: `
        export { ownershipDispute } from './lambdas/retention/ownership-dispute';
        export { backupSnapshotTags } from './lambdas/catalog/backup-snapshot-tags';
      `,
      resolveDir: path.join(__dirname, '../../../..'),
    },
    bundle: true,
    write: false,
    platform: 'node',
    format: 'cjs',
  }).outputFiles[0]?.text ?? '';
  const judge = `
    const judged = module.exports;
    const tags = judged.backupSnapshotTags({ backupId: 'b-1', plan: 'p', environment: 'e', strategy: 'full', requestedStrategy: 'full', startedAt: '2026-12-01T10:00:00.000Z', shardCount: 1, sourceNames: ['s'] }, { changedDuringRead: 0, vanished: 0, skipped: 0 });
    const disputes = ['2026-12-01T10:00:00', '2026-12-01T04:30:00'].map((startedAt) => judged.ownershipDispute({ backupId: 'b-1', plan: 'p', startedAt }, tags) ?? null);
    process.stdout.write(JSON.stringify(disputes));
  `;
  const out = execFileSync(process.execPath, ['-'], { input: `${bundle}\n${judge}`, env: { ...process.env, TZ: 'Asia/Kolkata' }, encoding: 'utf8' });
  expect(JSON.parse(out)).toEqual([
    null,
    'the snapshot says its backup started 2026-12-01T10:00:00.000Z, the record 2026-12-01T04:30:00.000Z (its text names no zone: read as UTC)',
  ]);
});
