import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { buildSync } from 'esbuild';

/**
 * f65T (review r65N F1): a pin's zoneless `until` is judged as UTC (recordInstant), not in the process's zone: under
 * Asia/Kolkata (UTC+5:30) Date.parse put `12:00` at 06:30Z, so at 08:00Z the pin had lapsed and retention forgot the
 * backup a restore still read. TZ can be changed in a child process only, so a child decides retention (the bundle on its stdin: too long for an argument).
 */
it('keeps a backup pinned until a zoneless 12:00 (read as UTC) at 08:00Z, and says the instant it judged, under Asia/Kolkata', () => {
  const bundle = buildSync({ entryPoints: [path.join(__dirname, '../../../../lambdas/retention/decide-retention.ts')], bundle: true, write: false, platform: 'node', format: 'cjs' }).outputFiles[0]?.text ?? '';
  const decide = `
    const now = new Date('2026-12-08T08:00:00Z');
    const backups = [
      { backupId: 'b-new', status: 'COMMITTED', startedAt: '2026-12-08T00:00:00Z' },
      { backupId: 'b-old', status: 'COMMITTED', startedAt: '2026-12-01T00:00:00Z', pins: { 'r-1': { by: 'restore r-1', at: '2026-12-08T07:00:00Z', until: '2026-12-08T12:00:00' } } },
    ];
    const decisions = module.exports.decideRetention(backups, { keepLast: 1 }, now);
    process.stdout.write(JSON.stringify(decisions.map((d) => [d.backupId, d.keep, d.reasons])));
  `;
  const out = execFileSync(process.execPath, ['-'], { input: `${bundle}\n${decide}`, env: { ...process.env, TZ: 'Asia/Kolkata' }, encoding: 'utf8' });
  expect(JSON.parse(out)).toEqual([
    ['b-new', true, ['last 1']],
    ['b-old', true, ['pinned by restore r-1 until 2026-12-08T12:00:00.000Z (its text names no zone: read as UTC)']],
  ]);
});
