import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { buildSync } from 'esbuild';
import { processZoneName } from '../../../../lambdas/catalog/process-zone-name';

// Review r64G F4: the zoneless note named the zone Intl resolved, which is none for TZ=CET-1 or an unknown zone ("read
// in undefined time") and ICU's legacy id for TZ=Asia/Kolkata ("Asia/Calcutta").
it('names the zone as TZ names it, or by its offset when it has no IANA name', () => {
  expect(processZoneName(330, { tz: 'Asia/Kolkata', resolved: 'Asia/Calcutta' })).toBe('Asia/Kolkata');
  expect(processZoneName(0, { tz: ':UTC', resolved: 'UTC' })).toBe('UTC');
  expect(processZoneName(60, { tz: 'CET-1', resolved: undefined })).toBe('UTC+01:00');
  expect(processZoneName(-300, { tz: 'EST5', resolved: undefined })).toBe('UTC-05:00');
  expect(processZoneName(345, { tz: undefined, resolved: undefined })).toBe('UTC+05:45');
  // TZ naming another zone than the one in force (not taken, or changed since): the zone in force.
  expect(processZoneName(60, { tz: 'America/New_York', resolved: 'Europe/Paris' })).toBe('Europe/Paris');
  expect(processZoneName(60, { tz: 'Nowhere/Atall', resolved: 'Europe/Paris' })).toBe('Europe/Paris');
});

// parsedInstant as a process under each TZ reads it (jest's process.env is a copy: TZ cannot be changed in here).
const bundle = buildSync({ entryPoints: [path.join(__dirname, '../../../../lambdas/catalog/parsed-instant.ts')], bundle: true, write: false, platform: 'node', format: 'cjs' }).outputFiles[0]?.text ?? '';
const shownIn = (tz: string, texts: readonly string[]): unknown =>
  JSON.parse(execFileSync(process.execPath, ['-e', `${bundle}\nprocess.stdout.write(JSON.stringify(${JSON.stringify(texts)}.map((t) => module.exports.parsedInstant(t))))`], { env: { ...process.env, TZ: tz }, encoding: 'utf8' }));

it('says which zone read a zoneless text in a process with a POSIX TZ, an unknown one, or an alias', () => {
  expect(shownIn('CET-1', ['2026-12-07T15:00:00'])).toEqual(['2026-12-07T14:00:00.000Z (its text names no zone: read in UTC+01:00 time)']);
  expect(shownIn('Asia/Kolkata', ['2026-12-07T15:00:00'])).toEqual(['2026-12-07T09:30:00.000Z (its text names no zone: read in Asia/Kolkata time)']);
  expect(shownIn(':UTC', ['2026-12-07T15:00:00'])).toEqual(['2026-12-07T15:00:00.000Z (its text names no zone: read in UTC time)']);
});
