import { handler } from '../../../../lambdas/handlers/forget-backups';

/**
 * The Forget step's input is refused, naming the field, before the function builds anything from its
 * environment (none is set here). The core: test/unit/lambdas/retention/forget-backups.test.ts.
 */
it.each([
  [{ dryRun: 'yes' }, 'Invalid forget request: dryRun: must be true or false, got a string'],
  [{ plan: '' }, 'Invalid forget request: plan: '],
  [{ dry_run: true }, 'Invalid forget request: (input): Unrecognized key'],
  // As the prune's first step: the prune's whole input is checked before anything is forgotten, its
  // fields named as the operator wrote them (the execution's input, not the step's `request`).
  [{ request: { graceHours: -1 } }, 'Invalid forget request: graceHours: must not be negative'],
  [{ request: { repackThreshold: 5 } }, 'Invalid forget request: repackThreshold: must be below 1'],
  [{ request: { graceHours: 1e308, dryRun: true } }, 'Invalid forget request: graceHours: must be at most a year (8760 hours)'],
  [{ request: { plan: 'demo' } }, 'Invalid forget request: (input): Unrecognized key'],
  [{ request: null }, 'Invalid forget request: (input): must be an object, got null'],
])('refuses %j with an InvalidInputError naming the field', async (input, message) => {
  await expect(handler(input)).rejects.toMatchObject({ name: 'InvalidInputError', message: expect.stringContaining(message) });
});
