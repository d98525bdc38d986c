import { FAILURE_CAUSE_STATE_BYTES } from '../../../../config/parent-state-size';
import { boundedFailure, cleanUpReportingFailure, MAX_FAILURE_MESSAGE } from '../../../../lambdas/restore/bounded-failure';

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

describe('cleanUpReportingFailure (Abandon and Release restore)', () => {
  const caught = { Error: 'RestoreVerificationError', Cause: lambdaCause(`differs: ${'k'.repeat(5_000)}`) };

  it('gives the cleanup\'s outcome back with the restore\'s error bounded', async () => {
    const out = await cleanUpReportingFailure(caught, async () => ({ restoreId: 'r1', abortedUploads: 2, removedPieceFiles: 0 }));
    expect(out).toEqual({ restoreId: 'r1', abortedUploads: 2, removedPieceFiles: 0, failure: boundedFailure(caught) });
  });

  it('ends a cleanup that fails for good with the bounded error and its own, instead of failing (its Catch would report the error whole: review 43b F1)', async () => {
    const denied = Object.assign(new Error(`User is not authorized to perform: kms:Decrypt ${'x'.repeat(3_000)}`), { name: 'AccessDeniedException' });
    const out = await cleanUpReportingFailure(caught, () => Promise.reject(denied));
    expect(out).toEqual({ failure: boundedFailure(caught, 'AccessDeniedException'), cleanupError: { Error: 'AccessDeniedException', Cause: expect.stringMatching(/^User is not authorized to perform: kms:Decrypt x+… \(\d+ more characters/) as unknown as string } });
  });

  it('says in the restore\'s message that its cleanup failed too, what it may have left and that the claim refuses a new restore until it lapses (review r59K F3)', async () => {
    const denied = Object.assign(new Error('User is not authorized to perform: kms:Decrypt'), { name: 'AccessDeniedException' });
    const out = await cleanUpReportingFailure(caught, () => Promise.reject(denied));
    const message = (JSON.parse(out.failure.Cause) as { errorMessage: string }).errorMessage;
    expect(message).toMatch(/^differs: k+… \(\d+ more characters: the failed function's log has the whole message\) Its cleanup step \(Abandon or Release restore\) failed too \(AccessDeniedException\), so what it removes may be left: the restore's claim on its target, which refuses any other restore into it \(a finish too: RestoreTargetClaimedError\) until it lapses/);
    expect(message).toContain('"Freeing a stuck claim"');
    expect(message).toContain('.part piece files');
  });

  it('lets a transient failure of the cleanup go to the step\'s Retry', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    await expect(cleanUpReportingFailure(caught, () => Promise.reject(throttled))).rejects.toMatchObject({ name: 'TransientError', message: 'ThrottlingException: Rate exceeded' });
  });
});

it('given the cleanup\'s error (Bound restore\'s error, review r59K F3), keeps the note whole after the message, cut to leave it room within FAILURE_CAUSE_STATE_BYTES', () => {
  const bounded = boundedFailure({ Error: 'RestoreVerificationError', Cause: lambdaCause(`2 objects differ: ${'\u0001'.repeat(5_000)}`) }, 'TransientError');
  expect(Buffer.byteLength(JSON.stringify(bounded.Cause), 'utf8')).toBeLessThanOrEqual(FAILURE_CAUSE_STATE_BYTES);
  const message = (JSON.parse(bounded.Cause) as { errorMessage: string }).errorMessage;
  expect(message.startsWith(`2 objects differ: ${'\u0001'.repeat(200)}`)).toBe(true);
  expect(message).toMatch(/^2 objects differ: [^…]+… \(\d+ more characters: the failed function's log has the whole message\) Its cleanup step \(Abandon or Release restore\) failed too \(TransientError\), so what it removes may be left: .* \.part piece files in the target\.$/su);
  // A cause that is no Lambda error: the same words after it.
  expect(boundedFailure({ Error: 'States.Timeout', Cause: 'Task timed out' }, 'States.TaskFailed').Cause).toMatch(/^Task timed out Its cleanup step \(Abandon or Release restore\) failed too \(States\.TaskFailed\)/);
});

describe('a cause as its parent\'s state writes it (review r58I F2)', () => {
  const stateBytes = (cause: string) => Buffer.byteLength(JSON.stringify(cause), 'utf8');

  it('cuts a message of control characters (seven bytes each in the state) to FAILURE_CAUSE_STATE_BYTES, saying how much it left out', () => {
    const message = `2 objects differ: ${'\u0001'.repeat(5_000)}`;
    const bounded = boundedFailure({ Error: 'RestoreVerificationError', Cause: lambdaCause(message) });
    expect(stateBytes(bounded.Cause)).toBeLessThanOrEqual(FAILURE_CAUSE_STATE_BYTES);
    const parsed = JSON.parse(bounded.Cause) as { errorType: string; errorMessage: string };
    expect(parsed.errorType).toBe('RestoreVerificationError');
    const kept = /^(.*)… \((\d+) more characters: the failed function's log has the whole message\)$/su.exec(parsed.errorMessage);
    expect(kept?.[1]).toBe(message.slice(0, kept?.[1]?.length));
    expect(Number(kept?.[2])).toBe(message.length - (kept?.[1]?.length ?? 0));
    // As many as fit: one more would not.
    expect((kept?.[1]?.length ?? 0)).toBeGreaterThan(300);
    const text = boundedFailure({ Error: 'States.TaskFailed', Cause: '\u0001'.repeat(5_000) });
    expect(stateBytes(text.Cause)).toBeLessThanOrEqual(FAILURE_CAUSE_STATE_BYTES);
    expect(text.Cause.startsWith('\u0001'.repeat(300))).toBe(true);
    expect(text.Cause).toMatch(/… \(\d+ more characters: the failed function's log has the whole message\)$/);
  });

  it('keeps 2,000 plain characters, and of a message that quotes names (four bytes a quote in the state) a thousand at least', () => {
    const message = `10 objects differ: ${'"k.txt", '.repeat(400)}`;
    const bounded = boundedFailure({ Error: 'RestoreVerificationError', Cause: lambdaCause(message) });
    expect((JSON.parse(bounded.Cause) as { errorMessage: string }).errorMessage.startsWith(message.slice(0, 1_000))).toBe(true);
    expect(stateBytes(boundedFailure({ Error: 'X', Cause: lambdaCause('k'.repeat(20_000)) }).Cause)).toBeLessThanOrEqual(FAILURE_CAUSE_STATE_BYTES);
    expect((JSON.parse(boundedFailure({ Error: 'X', Cause: lambdaCause('k'.repeat(20_000)) }).Cause) as { errorMessage: string }).errorMessage).toMatch(new RegExp(`^k{${MAX_FAILURE_MESSAGE}}… \\(18000 more characters`));
  });
});
