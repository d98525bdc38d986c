import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { buildSync } from 'esbuild';

/**
 * Review r64O F8: a start naming no zone was read through the process's zone and its local fields taken as UTC; in a
 * daylight saving gap the local fields do not exist (02:30 on New York's spring day became 03:30Z). The engine is the
 * judge: a child process reads each text of a sweep under zones with gaps, overlaps and odd offsets (TZ can be changed
 * in a process, not in jest's copy of its environment), and recordInstant must equal Date.parse of it under UTC.
 */
const dates = ['2026-12-07', '2026-03-08', '2026-11-01', '2026-10-04', '2026-04-05', 'Mar 8 2026', '3/8/2026', 'Nov 1 2026', '7 Dec 2026', 'Mon, 07 Dec 2026'];
const times = ['', 'T02:30', 'T02:30:00.000', 't02:30', ' 02:30', ' 2:30 AM', ' 1:30 AM', 'T01:30', ' 15:00:00.5', 'T00:00', ' 3:00 PM'];
const zones = ['', 'Z', ' UTC', ' EST', '+01:00', ' -5', ' (UTC)', ' (', ' ((', ' (()', ' (x)'];
const around = [['', ''], [' ', ''], ['', ' '], ['', ' (x)']];
const texts = around.flatMap(([pre, post]) => dates.flatMap((d) => times.flatMap((t) => zones.map((z) => `${pre}${d}${t}${z}${post}`))));

it('reads every zoneless text of a sweep as Date.parse reads it under UTC, in zones with daylight saving gaps', () => {
  const bundle = buildSync({ entryPoints: [path.join(__dirname, '../../../../lambdas/catalog/record-instant.ts')], bundle: true, write: false, platform: 'node', format: 'cjs' }).outputFiles[0]?.text ?? '';
  const judge = `
    const texts = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
    const wrong = [];
    let zoneless = 0;
    for (const zone of ['America/New_York', 'Europe/London', 'Australia/Lord_Howe', 'Asia/Kolkata', 'Pacific/Chatham', 'America/St_Johns']) {
      for (const t of texts) {
        process.env.TZ = 'UTC';
        const truth = Date.parse(t);
        process.env.TZ = zone;
        if (Number.isNaN(truth) || Date.parse(t) === truth) continue;
        zoneless += 1;
        const got = module.exports.recordInstant(t);
        if (got !== truth) wrong.push([zone, t, got, truth]);
      }
    }
    process.stdout.write(JSON.stringify({ zoneless, wrong: wrong.slice(0, 10) }));`;
  const result = JSON.parse(execFileSync(process.execPath, ['-e', `${bundle}\n${judge}`], { input: JSON.stringify(texts), encoding: 'utf8' })) as { zoneless: number; wrong: unknown[] };
  expect(result.zoneless).toBeGreaterThan(1000);
  expect(result.wrong).toEqual([]);
});
