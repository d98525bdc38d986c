import { handler as reportHandler } from '../../../../lambdas/handlers/failover-report';
import { handler as startHandler } from '../../../../lambdas/handlers/failover-start';
import { restoreIdOf } from '../../../../lambdas/failover/failover-start';

/**
 * The restore ids of a failover's sources, and the two handlers' envelopes refused, naming the field,
 * before a function builds anything from its environment (none is set here). The start against a
 * catalog and buckets: test/integration/lambdas/failover/failover-start.test.ts.
 */
const RESTORE_ID = /^[0-9A-Za-z_-]{1,80}$/;

it('derives <failover id>-<source> when it fits', () => {
  expect(restoreIdOf('0b6c2c5e-4f0a-4b9e-9a51-1f6f2d0c4e11', 'demo-assets')).toBe('0b6c2c5e-4f0a-4b9e-9a51-1f6f2d0c4e11-demo-assets');
});

it('shortens and hashes a long execution name, keeping the ids of two names that share their first 80 characters apart', () => {
  const a = restoreIdOf(`${'x'.repeat(80)}a`, 'a-source-name-of-thirty-two-char');
  const b = restoreIdOf(`${'x'.repeat(80)}b`, 'a-source-name-of-thirty-two-char');
  expect([a, b]).toEqual([expect.stringMatching(RESTORE_ID), expect.stringMatching(RESTORE_ID)]);
  expect(a).not.toBe(b);
  expect(a.endsWith('-a-source-name-of-thirty-two-char')).toBe(true);
});

it('replaces characters a restore id may not hold (execution names may), and stays unique per source', () => {
  const ids = ['demo-assets', 'demo-orders'].map((s) => restoreIdOf('failover 2026.11.24 (drill)', s));
  for (const id of ids) expect(id).toMatch(RESTORE_ID);
  expect(new Set(ids).size).toBe(2);
  expect(restoreIdOf('failover 2026.11.24', 'demo-assets')).not.toBe(restoreIdOf('failover_2026_11_24', 'demo-assets'));
});

it.each([
  [{ input: { plan: 'demo' }, startedAt: '2026-11-24T12:00:00Z' }, 'Invalid failover envelope: execution: '],
  [{ input: { plan: 'demo' }, execution: 'e', startedAt: 'noon' }, 'Invalid failover envelope: startedAt: must be the execution start time'],
])('the start refuses the envelope %j naming the field', async (event, message) => {
  await expect(startHandler(event)).rejects.toMatchObject({ name: 'InvalidInputError', message: expect.stringContaining(message) });
});

it('the report refuses an input without the start result, naming the field', async () => {
  await expect(reportHandler({ restored: [], finishedAt: '2026-11-24T12:00:00Z' })).rejects.toMatchObject({ name: 'InvalidInputError', message: expect.stringContaining('Invalid failover report input: failover: ') });
});
