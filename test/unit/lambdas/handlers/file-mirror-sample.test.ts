import { handler } from '../../../../lambdas/handlers/file-mirror-sample';

/**
 * The file mirror sampling's input is refused, naming the field and the rule it breaks, before the
 * function builds anything from its environment (none is set here).
 */
it.each([
  [{ samples: 1.5 }, 'Invalid file mirror sampling request: samples: must be a whole number'],
  [{ samples: 10_001 }, 'Invalid file mirror sampling request: samples: must be at most 10000 (the samples go into one catalog item)'],
  [{ samples: 0 }, 'Invalid file mirror sampling request: samples: must be at least 1'],
  [{ samples: '3' }, 'Invalid file mirror sampling request: samples: must be a number, got a string'],
])('refuses %j with an InvalidInputError naming the field', async (input, message) => {
  await expect(handler(input)).rejects.toMatchObject({ name: 'InvalidInputError', message });
});
