import { handler } from '../../../../lambdas/handlers/scrub-vaults';

/**
 * The scrub runbook's input is refused, naming the field, before the function builds anything from
 * its environment (none is set here). The run itself: test/unit/lambdas/replication/scrub-runbook.test.ts,
 * and end to end test/e2e/workflows/runbook-examples.test.ts.
 */
it.each([
  [{ vault: 'all' }, 'Invalid scrub request: vault: must be "primary", "dr" or "both"'],
  [{ fraction: 0 }, 'Invalid scrub request: fraction: must be above 0'],
  [{ fraction: 1.5 }, 'Invalid scrub request: fraction: must be at most 1'],
  // 1e-300 ran the scrub and then failed to record it (DynamoDB: Number underflow).
  [{ fraction: 1e-300, repair: false }, 'Invalid scrub request: fraction: must be at least 0.000001 (1e-6): a cycle, every object read once, takes up to 1/fraction runs, a million at that share'],
  [{ fraction: 9.99e-7 }, 'Invalid scrub request: fraction: must be at least 0.000001 (1e-6)'],
  [{ fraction: '1/7' }, 'Invalid scrub request: fraction: must be a number'],
  [{ repair: 'yes' }, 'Invalid scrub request: repair: must be true or false'],
  [{ reapir: false }, 'Invalid scrub request: (input): Unrecognized key'],
  ['both', 'Invalid scrub request: (input): '],
])('refuses %j with an InvalidInputError naming the field', async (input, message) => {
  await expect(handler(input)).rejects.toMatchObject({ name: 'InvalidInputError', message: expect.stringContaining(message) });
});
