import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { buildSync } from 'esbuild';

/**
 * review r65E F1: a zoneless start is judged as UTC (recordInstant), so it is shown so (comparedInstant), never in the
 * process's zone: under Asia/Kolkata (UTC+5:30) the doctor and the age watch passed over a start judged 2 h ahead and
 * showed it as 06:30Z, before their own clock. TZ is changed in a child process, not in jest's copy of its environment.
 */
const REPO = path.join(__dirname, '../../../..');

/** What `script` (TypeScript importing from the repository's root) prints to stdout, run under Asia/Kolkata. */
function underKolkata(script: string): string {
  const bundle = buildSync({ stdin: { contents: script, resolveDir: REPO, loader: 'ts' }, bundle: true, write: false, platform: 'node', format: 'cjs', logLevel: 'silent' }).outputFiles[0]?.text ?? '';
  // On stdin: a bundle of the age watch (its logger, the SDK) is over the limit of an argument.
  return execFileSync(process.execPath, ['-'], { input: bundle, env: { ...process.env, TZ: 'Asia/Kolkata' }, encoding: 'utf8' });
}

it('the doctor shows a zoneless start it judged ahead as the UTC instant it judged', () => {
  const out = underKolkata(`
    import { checkLastBackup } from './cli/doctor/backup-recency-checks';
    const rec = (backupId: string, startedAt: string) => ({ backupId, plan: 'demo', environment: 'dev', sourceNames: ['a'], sources: [], strategy: 'incremental', status: 'COMMITTED', startedAt, endedAt: startedAt, shardCount: 1, totals: {}, copies: { primary: 'COMMITTED', dr: 'COMMITTED' } });
    const ctx = { lifeboat: (c: string) => 'lifeboat ' + c, request: { mode: 'local' }, environment: { primaryRegion: 'us-east-1', drRegion: 'us-west-2' }, names: { catalogTable: 't', drVault: 'v' } };
    const catalog = { listBackupsOfPlan: async () => [rec('ahead', '2026-12-08T12:00:00'), rec('real', '2026-12-08T09:30:00.000Z')] };
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    checkLastBackup(catalog as any, ctx as any, { name: 'demo', objectives: { rpoMinutes: 60, rtoMinutes: 60 } } as any, new Date('2026-12-08T10:00:00.000Z')).then((r) => process.stdout.write(r[0]?.detail ?? ''));
  `);
  expect(out).toContain('ahead (COMMITTED, started 2026-12-08T12:00:00.000Z (its text names no zone: read as UTC)) starts in the future');
  expect(out).not.toContain('06:30');
});

it('the age watch shows a zoneless start it passed over as ahead as the UTC instant it judged', () => {
  const out = underKolkata(`
    import { watchBackupAges } from './lambdas/operations/backup-age-watch';
    const heads = [{ backupId: 'ahead', plan: 'p', startedAt: '2026-12-08T12:00:00', status: 'COMMITTED' }];
    const catalog = { async *newestBackupsOfPlan() { for (const head of heads) yield { head }; } };
    const warnings: string[] = [];
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    watchBackupAges('prod', [{ name: 'p' }], { catalog: catalog as any, now: () => new Date('2026-12-08T10:00:00.000Z'), warn: (m) => warnings.push(m) }).then(() => process.stdout.write(JSON.stringify(warnings)));
  `);
  const warnings = JSON.parse(out) as string[];
  expect(warnings[0]).toContain('it starts at 2026-12-08T12:00:00.000Z (its text names no zone: read as UTC), more than 5 min after');
});
