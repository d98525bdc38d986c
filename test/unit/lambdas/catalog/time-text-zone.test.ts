import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { buildSync } from 'esbuild';
import { parsedInstant } from '../../../../lambdas/catalog/parsed-instant';
import { namesZone } from '../../../../lambdas/catalog/time-text-zone';
import { recordInstant } from '../../../../lambdas/catalog/record-instant';

const noted = (text: string): boolean => parsedInstant(text)?.includes('(its text names no zone') ?? false;

// Review r64G F3: regexes over the text said a zone where Date.parse reads none, and none where it reads one.
it('says "names no zone" of the texts Date.parse reads in the process\'s zone, and of no other', () => {
  for (const text of [' 2026-12-07', '2026-12-07 ', '202612', 'Z 2026-12-07 15:00', 'utc 2026-12-07 15:00', '2026-12-07 15:00 ((UTC))', '2026-12-07 15:00 (a(UTC)b)', 'Dec 7, 2026 3:00 PM']) {
    expect([text, noted(text)]).toEqual([text, true]);
  }
  expect(parsedInstant('2026-12-07 15:00 -5')).toBe('2026-12-07T20:00:00.000Z');
  expect(parsedInstant('2026-12-07 3:00 PM +0100')).toBe('2026-12-07T14:00:00.000Z');
  expect(parsedInstant('Dec 7 2026 15:00+1')).toBe('2026-12-07T14:00:00.000Z');
  expect(parsedInstant('Dec 7 2026 z 15:00')).toBe('2026-12-07T15:00:00.000Z');
  expect(parsedInstant('2026-12-07T15:00:00+0100')).toBe('2026-12-07T14:00:00.000Z');
  expect(parsedInstant('2026-12-07')).toBe('2026-12-07T00:00:00.000Z');
  // Read as UTC for a choice only when it names no zone: a one-digit offset is the text's own.
  expect(recordInstant('2026-12-07 15:00 -5')).toBe(Date.UTC(2026, 11, 7, 20));
  expect(recordInstant(' 2026-12-07')).toBe(Date.UTC(2026, 11, 7));
});

// The engine is the judge: a child process parses each text under two zones (TZ can be changed in a process, not in
// jest's copy of its environment); a text read alike under both names its zone.
const dates = ['2026-12-07', '2026-12', '+202612-12-07', '202612', '12/07/2026', 'Dec 7 2026', '7 Dec 2026', 'Mon, 07 Dec 2026', '2026-13-45'];
const times = ['', 'T15:00', 'T15:00:00.123', 't15:00', ' 15:00', ' 3:00 PM', ' 15::', ' 15:00:00.5'];
const zones = ['', 'Z', ' z', ' UTC', 'UTC', ' GMT', ' EST', ' CET', '+0100', ' -5', '+01:00', ' GMT+0100', ' UTC+2', ' (UTC)', ' ((x)UTC)', ' (', ' Zulu', ' +1', '+01'];
const around = [['', ''], [' ', ''], ['', ' '], ['Z ', ''], ['(UTC) ', ''], ['', ' (x)'], ['\u00a0', '']];
const texts = around.flatMap(([pre, post]) => dates.flatMap((d) => times.flatMap((t) => zones.map((z) => `${pre}${d}${t}${z}${post}`))));

it('agrees with the engine on every text of a sweep that Date.parse reads', () => {
  const bundle = buildSync({ entryPoints: [path.join(__dirname, '../../../../lambdas/catalog/time-text-zone.ts')], bundle: true, write: false, platform: 'node', format: 'cjs' }).outputFiles[0]?.text ?? '';
  const judge = `
    const texts = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
    const at = (tz, t) => { process.env.TZ = tz; return Date.parse(t); };
    const wrong = [];
    let read = 0;
    for (const t of texts) {
      const west = at('Etc/GMT+5', t), east = at('Etc/GMT-3', t);
      if (Number.isNaN(west)) continue;
      read += 1;
      if (module.exports.namesZone(t) !== (west === east)) wrong.push(t);
    }
    process.stdout.write(JSON.stringify({ read, wrong }));`;
  const result = JSON.parse(execFileSync(process.execPath, ['-e', `${bundle}\n${judge}`], { input: JSON.stringify(texts), encoding: 'utf8' })) as { read: number; wrong: string[] };
  expect(result.read).toBeGreaterThan(1000);
  expect(result.wrong).toEqual([]);
  expect(namesZone('2026-12-07T15:00:00')).toBe(false);
});
