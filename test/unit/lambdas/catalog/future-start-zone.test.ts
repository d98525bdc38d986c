import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { buildSync } from 'esbuild';

/**
 * f65E (1): a zoneless start is read as UTC (recordInstant), not in the process's zone. TZ can be changed in a child
 * process, not in jest's copy of its environment, so a child under Asia/Kolkata (UTC+5:30) judges the record.
 */
it('judges a zoneless start an hour after now (read as UTC) ahead, whatever the process zone', () => {
  const bundle = buildSync({ entryPoints: [path.join(__dirname, '../../../../lambdas/catalog/future-start.ts')], bundle: true, write: false, platform: 'node', format: 'cjs' }).outputFiles[0]?.text ?? '';
  const judge = `
    const now = new Date('2026-12-07T10:00:00Z');
    const verdicts = ['2026-12-07T11:00:00', '2026-12-07T11:00:00Z', '2026-12-07T10:01:00', 'soon'].map((s) => module.exports.startsInFuture(s, now));
    process.stdout.write(JSON.stringify(verdicts));
  `;
  const out = execFileSync(process.execPath, ['-e', `${bundle}\n${judge}`], { env: { ...process.env, TZ: 'Asia/Kolkata' }, encoding: 'utf8' });
  expect(JSON.parse(out)).toEqual([true, true, false, false]);
});
