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
])('refuses %j with an InvalidInputError naming the field', async (input, message) => {
  await expect(handler(input)).rejects.toMatchObject({ name: 'InvalidInputError', message });
});
