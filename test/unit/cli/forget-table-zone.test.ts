import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { buildSync } from 'esbuild';

/**
 * review r65E F1: the forget table orders its rows by the instant each start is judged as (newestFirst: a zoneless one as
 * UTC), so it shows that instant (comparedInstant): shown in the process's zone, under Asia/Kolkata a zoneless 05:00
 * read 23:30Z the day before, below a 03:00Z row it was ordered above. TZ is changed in a child process only.
 */
it('the forget table shows a zoneless start as the UTC instant its rows are ordered by', () => {
  const script = `
    import { printForgetReport } from './cli/commands/retention-commands';
    const decisions = [
      { backupId: 'zoneless-0500', startedAt: '2026-12-08T05:00:00', status: 'COMMITTED', keep: true, reasons: ['newest'] },
      { backupId: 'z-0300Z', startedAt: '2026-12-08T03:00:00.000Z', status: 'COMMITTED', keep: true, reasons: ['r'] },
    ];
    const plan = { plan: 'demo', policy: { keepLast: 2 }, decisions, forgotten: [], heldMeanwhile: [], pinnedMeanwhile: [], deletedObjects: 0, releasedClaims: [], notCounted: [], leftInPlace: [], locked: [], unreadable: [] };
    const out: string[] = [];
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    printForgetReport({ out: (l: string) => out.push(l), err: (l: string) => out.push(l) } as any, { vault: 'primary', dryRun: true, plans: [plan] } as any);
    process.stdout.write(out.join('\\n'));
  `;
  const bundle = buildSync({ stdin: { contents: script, resolveDir: path.join(__dirname, '../../..'), loader: 'ts' }, bundle: true, write: false, platform: 'node', format: 'cjs', logLevel: 'silent' }).outputFiles[0]?.text ?? '';
  // On stdin: the bundle is over the limit of an argument.
  const out = execFileSync(process.execPath, ['-'], { input: bundle, env: { ...process.env, TZ: 'Asia/Kolkata' }, encoding: 'utf8' });
  expect(out).toContain('2026-12-08T05:00:00.000Z (its text names no zone: read as UTC)');
  expect(out).not.toContain('2026-12-07T23:30');
});
