import { parseFailoverRequest } from '../../../../lambdas/failover/failover-request';
import { testPlan } from '../../../support/test-plans';

/** The failover input is checked field by field; every refusal is an InvalidInputError naming the field. */
const plans = ['demo', 'billing'].map((name) => testPlan({ name, sources: [{ type: 's3', name: `${name}-assets`, bucket: `${name}-assets-bucket` }] }));

it('fills the defaults: targetSuffix "failover", overwrite false', () => {
  const request = parseFailoverRequest({ plan: 'demo' }, plans);
  expect({ plan: request.plan, targetSuffix: request.targetSuffix, overwrite: request.overwrite, backupId: request.backupId, at: request.at, planConfig: request.planConfig.name }).toEqual({
    plan: 'demo',
    targetSuffix: 'failover',
    overwrite: false,
    backupId: undefined,
    at: undefined,
    planConfig: 'demo',
  });
});

it('uses the mirrors for the newest backup only: a backup named by id or time comes from the vault, and useMirrors true with one is refused', () => {
  expect(parseFailoverRequest({ plan: 'demo' }, plans).useMirrors).toBe(true);
  expect(parseFailoverRequest({ plan: 'demo', useMirrors: false }, plans).useMirrors).toBe(false);
  expect(parseFailoverRequest({ plan: 'demo', backupId: '20261124T100000Z-1a2b3c4d' }, plans).useMirrors).toBe(false);
  expect(parseFailoverRequest({ plan: 'demo', at: '2026-11-24T10:00:00Z' }, plans).useMirrors).toBe(false);
  for (const named of [{ backupId: '20261124T100000Z-1a2b3c4d' }, { at: '2026-11-24T10:00:00Z' }]) {
    expect(() => parseFailoverRequest({ plan: 'demo', ...named, useMirrors: true }, plans)).toThrow(
      expect.objectContaining({ name: 'InvalidInputError', message: expect.stringContaining('useMirrors: a mirror holds its source as it is now, not as the backup named by backupId or at holds it') }),
    );
  }
});

it('keeps what is given', () => {
  const request = parseFailoverRequest({ plan: 'billing', at: '2026-11-24T10:00:00+01:00', targetSuffix: 'dr-2', overwrite: true }, plans);
  expect([request.at, request.targetSuffix, request.overwrite]).toEqual(['2026-11-24T10:00:00+01:00', 'dr-2', true]);
});

it.each([
  [{}, 'Invalid failover input: plan: is required'],
  [{ plan: 'nope' }, 'Invalid failover input: plan: unknown plan "nope"; known plans: demo, billing'],
  [{ plan: 'demo', backupId: 'latest' }, 'backupId: must be a backup id such as 20261124T100000Z-1a2b3c4d'],
  [{ plan: 'demo', at: '2026-11-24 10:00' }, 'at: must be an ISO 8601 time with a zone'],
  [{ plan: 'demo', at: '2026-11-24T10:00:00' }, 'at: must be an ISO 8601 time with a zone'],
  [{ plan: 'demo', backupId: '20261124T100000Z-1a2b3c4d', at: '2026-11-24T10:00:00Z' }, 'backupId: give either backupId or at, not both'],
  [{ plan: 'demo', targetSuffix: 'Failover' }, 'targetSuffix: must be 1-20 lowercase letters, digits or dashes'],
  [{ plan: 'demo', targetSuffix: '' }, 'targetSuffix: must be 1-20 lowercase letters'],
  [{ plan: 'demo', targetSuffix: 'a'.repeat(21) }, 'targetSuffix: must be 1-20'],
  [{ plan: 'demo', targetSuffix: 'dr-' }, 'targetSuffix: must be 1-20 lowercase letters, digits or dashes, starting and ending with a letter or digit'],
  [{ plan: 'demo', overwrite: 'yes' }, 'overwrite: must be true or false'],
  [{ plan: 'demo', backupID: '20261124T100000Z-1a2b3c4d' }, 'backupID: unknown field'],
  ['demo', 'Invalid failover input: (input): '],
])('refuses %j naming the field', (input, message) => {
  expect(() => parseFailoverRequest(input, plans)).toThrow(expect.objectContaining({ name: 'InvalidInputError', message: expect.stringContaining(message) }));
});

it('accepts a 20-character suffix', () => {
  expect(parseFailoverRequest({ plan: 'demo', targetSuffix: 'a'.repeat(20) }, plans).targetSuffix).toBe('a'.repeat(20));
});

it('tells useMirrors given true from its default, which a mirror keeping deleted objects needs (audit c1-2)', () => {
  expect(parseFailoverRequest({ plan: 'demo' }, plans)).toEqual(expect.objectContaining({ useMirrors: true, useMirrorsGiven: false }));
  expect(parseFailoverRequest({ plan: 'demo', useMirrors: true }, plans)).toEqual(expect.objectContaining({ useMirrors: true, useMirrorsGiven: true }));
  expect(parseFailoverRequest({ plan: 'demo', useMirrors: true, sources: ['demo-assets'] }, plans).useMirrorsGiven).toBe(true);
});
