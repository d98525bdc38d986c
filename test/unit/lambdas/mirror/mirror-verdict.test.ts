import { type MirrorDifference, type MirrorRecord, mirrorRecordSchema } from '../../../../lambdas/mirror/mirror-record';
import { type MirrorObservation, mirrorVerdict } from '../../../../lambdas/mirror/mirror-verdict';

/**
 * The mirror check's verdict over runs (audit R6, F1): each run compares one window, and a difference one
 * window found must keep the check failing until a re-check of its key, or a clean full pass, resolves it.
 */
const T0 = Date.parse('2026-12-05T04:00:00.000Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();
const diff = (key: string, reason = 'differs: source 33 bytes, mirror 7 bytes'): MirrorDifference => ({ key, reason });

/** A run's observation: an equal window in the middle of a pass, nothing to re-check, unless told. */
const seen = (minutes: number, o: Partial<MirrorObservation> = {}): MirrorObservation => ({
  checkedAt: at(minutes),
  now: T0 + minutes * 60_000,
  startedPass: false,
  endedPass: false,
  differences: 0,
  examples: [],
  lagSeconds: 0.4,
  rechecked: [],
  limit: 2,
  ...o,
});

/** The record a run writes, fed to the next run as its previous. */
const record = (minutes: number, verdict: ReturnType<typeof mirrorVerdict>, cursor: string): MirrorRecord =>
  mirrorRecordSchema.parse({
    environment: 'au',
    source: 'web-assets',
    plan: 'web',
    type: 's3',
    mirror: 's3://m/site/',
    checkedAt: at(minutes),
    compared: 2,
    inFlight: 0,
    graceSeconds: 0,
    cursor,
    durationMs: 1,
    ...verdict,
  });

it('a difference found by one window keeps the verdict failing in the next window while its re-check still differs, with the time it was found and a growing lag', () => {
  const first = mirrorVerdict(undefined, seen(0, { startedPass: true, differences: 1, examples: [diff('site/a.txt')], lagSeconds: 5 }));
  expect(first).toEqual(expect.objectContaining({ passed: false, differences: 1, firstDifference: { ...diff('site/a.txt'), foundAt: at(0) }, unresolvedSince: at(0), lagSeconds: 5 }));

  // The next window (c, d) is equal; a.txt, outside it, is re-checked and still differs.
  const second = mirrorVerdict(record(0, first, 'site/b.txt'), seen(10, { endedPass: true, rechecked: [{ key: 'site/a.txt', difference: diff('site/a.txt', 'still stale') }] }));
  expect(second).toEqual(
    expect.objectContaining({
      passed: false,
      differences: 1,
      firstDifference: { key: 'site/a.txt', reason: 'still stale', foundAt: at(0) },
      unresolved: [{ key: 'site/a.txt', reason: 'still stale', foundAt: at(0) }],
      unresolvedSince: at(0),
      // Open for ten minutes: the mirror has lacked that write at least as long.
      lagSeconds: 600,
    }),
  );
});

it('a re-check that finds the key equal resolves it: the verdict passes and the lag is the window\'s again', () => {
  const first = mirrorVerdict(undefined, seen(0, { startedPass: true, differences: 1, examples: [diff('site/a.txt')] }));
  const second = mirrorVerdict(record(0, first, 'site/b.txt'), seen(10, { rechecked: [{ key: 'site/a.txt' }] }));
  expect(second).toEqual({ passed: true, differences: 0, lagSeconds: 0.4, unresolved: [], passStartedAt: at(0), passDifferences: 1, passLagSeconds: 0.4, passUnfollowed: 0 });
});

it('differences beyond the listed keys stay open (untracked) through a pass that finds any, and a clean full pass clears them', () => {
  // The window counts 3 differences, lists 3, and the record holds 2.
  const first = mirrorVerdict(undefined, seen(0, { startedPass: true, differences: 3, examples: [diff('a'), diff('b'), diff('c')] }));
  expect(first).toEqual(expect.objectContaining({ passed: false, differences: 3, unresolved: [expect.objectContaining({ key: 'a' }), expect.objectContaining({ key: 'b' })], untracked: { count: 1, since: at(0) } }));

  // a and b re-checked equal, the pass ends: it found differences, so c (untracked) stays open.
  const second = mirrorVerdict(record(0, first, 'x'), seen(10, { endedPass: true, rechecked: [{ key: 'a' }, { key: 'b' }] }));
  expect(second).toEqual(expect.objectContaining({ passed: false, differences: 1, unresolved: [], untracked: { count: 1, since: at(0) }, unresolvedSince: at(0), lagSeconds: 600 }));
  expect(second.firstDifference).toBeUndefined();

  // A new pass: its first window is clean but the pass is not over.
  const third = mirrorVerdict(record(10, second, 'x'), seen(20, { startedPass: true }));
  expect(third).toEqual(expect.objectContaining({ passed: false, untracked: { count: 1, since: at(0) }, passStartedAt: at(20), passDifferences: 0 }));

  // It ends without a difference: everything it compared is equal, c included.
  const fourth = mirrorVerdict(record(20, third, ''), seen(30, { endedPass: true }));
  expect(fourth).toEqual(expect.objectContaining({ passed: true, differences: 0, unresolved: [], lagSeconds: 0.4, passDifferences: 0 }));
  expect(fourth.untracked).toBeUndefined();
});

it('a key left out of the re-check (a DynamoDB source: the check may only scan) stays open until a clean full pass', () => {
  const first = mirrorVerdict(undefined, seen(0, { startedPass: true, endedPass: true, differences: 1, examples: [diff('{"id":{"S":"1"}}')], lagSeconds: null }));
  const second = mirrorVerdict(record(0, first, ''), seen(10, { startedPass: true, lagSeconds: null }));
  expect(second).toEqual(expect.objectContaining({ passed: false, differences: 1, firstDifference: expect.objectContaining({ key: '{"id":{"S":"1"}}', foundAt: at(0) }), lagSeconds: 600 }));
  const third = mirrorVerdict(record(10, second, ''), seen(20, { endedPass: true, lagSeconds: null }));
  expect(third).toEqual(expect.objectContaining({ passed: true, differences: 0, unresolved: [], lagSeconds: null }));
});

it('a record of an earlier version that failed on a difference stays failing until its key is re-checked equal', () => {
  const old = record(0, { passed: false, differences: 2, lagSeconds: 3, firstDifference: diff('site/a.txt') }, 'site/b.txt');
  expect(old.unresolved).toBeUndefined();
  const next = mirrorVerdict(old, seen(10, { rechecked: [{ key: 'site/a.txt', difference: diff('site/a.txt') }] }));
  expect(next).toEqual(expect.objectContaining({ passed: false, differences: 2, firstDifference: { ...diff('site/a.txt'), foundAt: at(0) }, untracked: { count: 1, since: at(0) } }));
  // An earlier version's passing record has nothing open.
  expect(mirrorVerdict(record(0, { passed: true, differences: 0, lagSeconds: 0 }, ''), seen(10))).toEqual(expect.objectContaining({ passed: true, differences: 0 }));
});

it('a key found again by the window while open keeps the time it was first found and is listed once', () => {
  const first = mirrorVerdict(undefined, seen(0, { startedPass: true, differences: 1, examples: [diff('a')] }));
  const again = mirrorVerdict(record(0, first, ''), seen(10, { startedPass: true, differences: 1, examples: [diff('a', 'newer reason')], rechecked: [{ key: 'a', difference: diff('a', 'newer reason') }] }));
  expect(again).toEqual(expect.objectContaining({ passed: false, differences: 1, unresolved: [{ key: 'a', reason: 'newer reason', foundAt: at(0) }] }));
});

it('a pass that ends with no difference and nothing open is clean: its start and largest lag are kept until the next clean pass (audit a1 F1)', () => {
  const first = mirrorVerdict(undefined, seen(0, { startedPass: true, lagSeconds: 2 }));
  expect(first).toEqual(expect.objectContaining({ passed: true, passStartedAt: at(0), passLagSeconds: 2 }));
  expect(first.cleanPassStartedAt).toBeUndefined();
  const end = mirrorVerdict(record(0, first, 'm'), seen(10, { endedPass: true, lagSeconds: 0.5 }));
  expect(end).toEqual(expect.objectContaining({ passed: true, cleanPassStartedAt: at(0), cleanPassLagSeconds: 2 }));
  // The next pass finds a difference: not clean, the last clean pass is kept (a failover refuses the mirror while it is open anyway).
  const next = mirrorVerdict(record(10, end, ''), seen(20, { startedPass: true, endedPass: true, differences: 1, examples: [diff('a')] }));
  expect(next).toEqual(expect.objectContaining({ passed: false, passDifferences: 1, cleanPassStartedAt: at(0), cleanPassLagSeconds: 2 }));
  // Resolved by the re-check, but that pass had a difference: still the pass of 0.
  const resolved = mirrorVerdict(record(20, next, ''), seen(30, { startedPass: false, endedPass: false, rechecked: [{ key: 'a' }] }));
  expect(resolved).toEqual(expect.objectContaining({ passed: true, cleanPassStartedAt: at(0) }));
});

it('a pass begun by an earlier version (no passLagSeconds) is not clean: its earlier windows\' lags are unknown', () => {
  const old = record(0, { passed: true, differences: 0, lagSeconds: 0, passStartedAt: at(0), passDifferences: 0 }, 'm');
  const end = mirrorVerdict(old, seen(10, { endedPass: true }));
  expect(end).toEqual(expect.objectContaining({ passed: true, passDifferences: 0 }));
  expect(end.cleanPassStartedAt).toBeUndefined();
  expect(mirrorVerdict(record(10, end, ''), seen(20, { startedPass: true, endedPass: true }))).toEqual(expect.objectContaining({ cleanPassStartedAt: at(20) }));
});

it('a key in flight is kept pending with when it was first seen; promoted by its re-check, it is a difference of the pass, dated from then (audit a1 F2, F3)', () => {
  const first = mirrorVerdict(undefined, seen(0, { startedPass: true, endedPass: true, inFlightKeys: [{ key: 'gone.txt' }, { key: 'hot.json', writtenAt: T0 - 60_000 }] }));
  // The pass ended with keys in flight: a candidate, not yet clean (review r4).
  expect(first).toEqual(
    expect.objectContaining({
      passed: true,
      pending: [
        { key: 'gone.txt', foundAt: at(0), holdsPass: true },
        { key: 'hot.json', foundAt: at(0), writtenAt: at(-1), holdsPass: true },
      ],
      candidatePass: { startedAt: at(0), lagSeconds: 60 },
    }),
  );
  expect(first.cleanPassStartedAt).toBeUndefined();
  // hot.json is still in flight (written a minute ago): the lag covers it.
  expect(first.lagSeconds).toBe(60);
  const second = mirrorVerdict(
    record(0, first, ''),
    seen(15, {
      startedPass: true,
      endedPass: true,
      rechecked: [
        { key: 'gone.txt', difference: { key: 'gone.txt', reason: 'in the mirror but deleted from the source (…)', foundAt: at(0) } },
        { key: 'hot.json', pending: { key: 'hot.json', foundAt: at(0), writtenAt: at(-1), holdsPass: true } },
      ],
    }),
  );
  expect(second).toEqual(
    expect.objectContaining({
      passed: false,
      passDifferences: 1,
      firstDifference: { key: 'gone.txt', reason: 'in the mirror but deleted from the source (…)', foundAt: at(0) },
      unresolvedSince: at(0),
      lagSeconds: 960,
      pending: [{ key: 'hot.json', foundAt: at(0), writtenAt: at(-1) }],
    }),
  );
  // A key the candidate waited for became a difference: the candidate is dropped, and no pass is clean.
  expect(second.candidatePass).toBeUndefined();
  expect(second.cleanPassStartedAt).toBeUndefined();
});

describe('keys in flight the record cannot follow (review r7 F1)', () => {
  const inFlight = (...keys: string[]) => keys.map((key) => ({ key, writtenAt: T0 }));

  it('a pass whose window saw more keys in flight than the limit ends neither clean nor as a candidate, and counts them', () => {
    const verdict = mirrorVerdict(undefined, seen(0, { startedPass: true, endedPass: true, inFlightKeys: inFlight('a', 'b', 'c'), inFlight: 3 }));
    expect(verdict).toEqual(expect.objectContaining({ passed: true, passUnfollowed: 1, pending: [expect.objectContaining({ key: 'a' }), expect.objectContaining({ key: 'b' })] }));
    expect(verdict.cleanPassStartedAt).toBeUndefined();
    expect(verdict.candidatePass).toBeUndefined();
    // Within the limit the same pass is a candidate, as before.
    expect(mirrorVerdict(undefined, seen(0, { startedPass: true, endedPass: true, inFlightKeys: inFlight('a', 'b'), inFlight: 2 }))).toEqual(
      expect.objectContaining({ passUnfollowed: 0, candidatePass: { startedAt: at(0), lagSeconds: 0.4 } }),
    );
  });

  it('keys the comparison counted in flight but could not list count too, and the count runs through the pass until a new one starts', () => {
    const first = mirrorVerdict(undefined, seen(0, { startedPass: true, inFlightKeys: inFlight('a'), inFlight: 4 }));
    expect(first.passUnfollowed).toBe(3);
    // The next window ends the pass with nothing in flight: still neither clean nor a candidate.
    const second = mirrorVerdict(record(0, first, 'b'), seen(10, { endedPass: true, rechecked: [{ key: 'a' }] }));
    expect(second).toEqual(expect.objectContaining({ passed: true, passUnfollowed: 3 }));
    expect(second.cleanPassStartedAt).toBeUndefined();
    expect(second.candidatePass).toBeUndefined();
    // A new pass starts counting afresh, and one with every key followed is clean.
    const third = mirrorVerdict(record(10, second, ''), seen(20, { startedPass: true, endedPass: true }));
    expect(third).toEqual(expect.objectContaining({ passUnfollowed: 0, cleanPassStartedAt: at(20) }));
  });

  it('a pass started by a version that did not count them cannot count as clean', () => {
    const started = mirrorVerdict(undefined, seen(0, { startedPass: true }));
    const { passUnfollowed: _dropped, ...earlier } = started;
    const ended = mirrorVerdict(record(0, earlier, 'b'), seen(10, { endedPass: true }));
    expect(ended.passUnfollowed).toBeUndefined();
    expect(ended.cleanPassStartedAt).toBeUndefined();
  });
});

it('a candidate or a clean pass an earlier version recorded (no passUnfollowed) is neither confirmed nor carried on (review r8)', () => {
  // The version before passUnfollowed ended a pass with key a in flight: a candidate waiting for it.
  const candidate = mirrorVerdict(undefined, seen(0, { startedPass: true, endedPass: true, inFlightKeys: [{ key: 'a', writtenAt: T0 }], inFlight: 1 }));
  expect(candidate.candidatePass).toEqual({ startedAt: at(0), lagSeconds: 0.4 });
  const { passUnfollowed: _dropped, ...older } = candidate;
  // This version sees a replicated: it would confirm the candidate, but that pass may have had keys it could not follow.
  const next = mirrorVerdict(record(0, older, 'b'), seen(10, { startedPass: true, rechecked: [{ key: 'a' }] }));
  expect(next.cleanPassStartedAt).toBeUndefined();
  // Nor does a clean pass the earlier version recorded stay on the record.
  const clean = mirrorVerdict(undefined, seen(0, { startedPass: true, endedPass: true }));
  expect(clean.cleanPassStartedAt).toBe(at(0));
  const { passUnfollowed: _gone, ...olderClean } = clean;
  expect(mirrorVerdict(record(0, olderClean, 'b'), seen(10, { startedPass: true })).cleanPassStartedAt).toBeUndefined();
});
