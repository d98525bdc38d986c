import { parsedInstant } from '../../../../lambdas/catalog/parsed-instant';
import { processZoneName } from '../../../../lambdas/catalog/process-zone-name';

const zone = (text: string): string => processZoneName(-new Date(Date.parse(text)).getTimezoneOffset());
const local = (text: string): string => new Date(Date.parse(text)).toISOString();

it('shows a time naming its zone, or a date alone (UTC), as its instant in UTC', () => {
  expect(parsedInstant('2026-12-07T10:00:00Z')).toBe('2026-12-07T10:00:00.000Z');
  expect(parsedInstant('2026-12-07T10:00:00+02:00')).toBe('2026-12-07T08:00:00.000Z');
  expect(parsedInstant('Dec 8 2026 06:00 +0100')).toBe('2026-12-08T05:00:00.000Z');
  expect(parsedInstant('Tue, 08 Dec 2026 06:00:00 GMT')).toBe('2026-12-08T06:00:00.000Z');
  expect(parsedInstant('Dec 8 2026 06:00 EST')).toBe('2026-12-08T11:00:00.000Z');
  expect(parsedInstant('2026-12-07')).toBe('2026-12-07T00:00:00.000Z');
  expect(parsedInstant('not a time')).toBeUndefined();
});

// Review r63U F5: a start written without a zone is read in the process's zone, and was shown as that instant as if it
// were the record's own: another instant on another machine. It is said to name no zone, and which zone read it.
it('says that a time names no zone, and the zone it was read in', () => {
  for (const text of ['2026-12-07T10:00:00', '2026-12-07 10:00', 'Dec 8 2026 06:00', '(UTC) Dec 8 2026 06:00', '2026/12/08']) {
    expect(parsedInstant(text)).toBe(`${local(text)} (its text names no zone: read in ${zone(text)} time)`);
  }
});
