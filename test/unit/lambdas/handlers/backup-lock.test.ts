import { handler } from '../../../../lambdas/handlers/backup-lock';

/**
 * The backup runbook's input (the Acquire lock step's `request`) is refused, naming the field, before
 * the function builds anything from its environment (none is set here) and before any lease is taken.
 */
it.each([
  [{ plan: 'demo', stratgy: 'full' }, 'Invalid backup lock request: (input): unknown field "stratgy"; the fields are plan, strategy and trigger'],
  [{ plan: 'demo', strategy: 'fast' }, 'Invalid backup lock request: strategy: must be full, incremental or differential'],
  [{ plan: 5 }, 'Invalid backup lock request: plan: must be a string, got a number'],
  [{ plan: '' }, 'Invalid backup lock request: plan: must name a protection plan'],
])('refuses the backup input %j with an InvalidInputError naming the field', async (request, message) => {
  await expect(handler({ action: 'acquire', request })).rejects.toMatchObject({ name: 'InvalidInputError', message });
});
