import { handler } from '../../../../lambdas/handlers/mirror-check';

/**
 * The mirror check's input is refused, naming the field and the rule it breaks, before the function
 * builds anything from its environment (none is set here). The check itself:
 * test/unit/lambdas/mirror/efs-mirror-check.test.ts.
 */
it.each([
  [{ samples: 1.5 }, 'Invalid mirror check request: samples: must be a whole number'],
  [{ samples: 100_001 }, 'Invalid mirror check request: samples: must be at most 100000'],
  [{ samples: 0 }, 'Invalid mirror check request: samples: must be at least 1'],
  [{ samples: '3' }, 'Invalid mirror check request: samples: must be a number, got a string'],
  [{ graceSeconds: -1 }, 'Invalid mirror check request: graceSeconds: must be at least 0'],
  [{ graceSeconds: '900' }, 'Invalid mirror check request: graceSeconds: must be a number, got a string'],
  // Numbers DynamoDB (below 1e-130) or the SDK (above 2^53) cannot store: refused here, not after the comparison (audit R39 F2).
  [{ graceSeconds: 1e-200 }, 'Invalid mirror check request: graceSeconds: must be a whole number of seconds'],
  [{ graceSeconds: 1.5 }, 'Invalid mirror check request: graceSeconds: must be a whole number of seconds'],
  [{ graceSeconds: 86_401 }, 'Invalid mirror check request: graceSeconds: must be at most 86400 (a day)'],
  [{ graceSeconds: 1e200 }, 'Invalid mirror check request: graceSeconds: must be at most 86400 (a day)'],
])('refuses %j with an InvalidInputError naming the field', async (input, message) => {
  await expect(handler(input)).rejects.toMatchObject({ name: 'InvalidInputError', message });
});

it.each([0, 86_400])('takes graceSeconds %j: the input passes (the check then stops at the environment this test does not set)', async (graceSeconds) => {
  await expect(handler({ graceSeconds })).rejects.not.toMatchObject({ name: 'InvalidInputError' });
});
