import { boundedFailure, MAX_FAILURE_MESSAGE } from '../../../../lambdas/restore/bounded-failure';

const lambdaCause = (errorMessage: string) =>
  JSON.stringify({ errorType: 'RestoreVerificationError', errorMessage, trace: [`RestoreVerificationError: ${errorMessage}`, ...Array.from({ length: 12 }, (_, i) => `    at frame${i} (/var/task/index.js:${i}:1)`)] });

it('keeps a Lambda error\'s type and whole message as JSON and drops its stack trace', () => {
  const bounded = boundedFailure({ Error: 'RestoreVerificationError', Cause: lambdaCause('2 objects differ: a.txt, b.txt') });
  expect(bounded).toEqual({ Error: 'RestoreVerificationError', Cause: JSON.stringify({ errorType: 'RestoreVerificationError', errorMessage: '2 objects differ: a.txt, b.txt' }) });
});

it('cuts a long Lambda message, says how much it left out and where the whole one is, and stays JSON', () => {
  const message = `10 objects differ: ${'k'.repeat(20_000)}`;
  const bounded = boundedFailure({ Error: 'RestoreVerificationError', Cause: lambdaCause(message) });
  const parsed = JSON.parse(bounded.Cause) as { errorType: string; errorMessage: string };
  expect(parsed.errorType).toBe('RestoreVerificationError');
  expect(parsed.errorMessage.startsWith(message.slice(0, MAX_FAILURE_MESSAGE))).toBe(true);
  expect(parsed.errorMessage).toContain(`… (${message.length - MAX_FAILURE_MESSAGE} more characters: the failed function's log has the whole message)`);
  expect(bounded.Cause.length).toBeLessThan(MAX_FAILURE_MESSAGE + 200);
});

it('cuts a cause that is not a Lambda error as text, and keeps a short one and a missing one as they are', () => {
  const long = boundedFailure({ Error: 'States.Timeout', Cause: 'x'.repeat(MAX_FAILURE_MESSAGE + 5) });
  expect(long.Cause).toBe(`${'x'.repeat(MAX_FAILURE_MESSAGE)}… (5 more characters: the failed function's log has the whole message)`);
  expect(boundedFailure({ Error: 'States.Timeout', Cause: 'Task timed out' })).toEqual({ Error: 'States.Timeout', Cause: 'Task timed out' });
  expect(boundedFailure({ Error: 'States.Timeout' })).toEqual({ Error: 'States.Timeout', Cause: '' });
  // JSON of another shape is text too.
  expect(boundedFailure({ Error: 'X', Cause: '{"a":1}' })).toEqual({ Error: 'X', Cause: '{"a":1}' });
});
