import { COMPARISON_TEXTS_TOTAL_BYTES, CLEANUP_LINES_TOTAL_BYTES } from '../../../../config/parent-state-size';
import { cleanupWithin } from '../../../../lambdas/drill/cleanup-lines';
import { comparisonWithin } from '../../../../lambdas/drill/comparison-texts';
import { BackupLacksLiveObjectsError, LiveSampleMismatchError } from '../../../../lambdas/drill/drill-errors';

/**
 * Review r58I F2: the live comparison's and the cleanup's results land in the drill's state beside every source's report.
 * Their texts grow with what they name (keys of 1,024 bytes, six bytes a control character in JSON; every target an
 * earlier drill left): each is kept within a fixed total, what the verdict reads (every error, every count) whole.
 */
const bytesOf = (value: unknown): number => Buffer.byteLength(JSON.stringify(value), 'utf8');

describe('the comparison in the drill state', () => {
  const keys = Array.from({ length: 5 }, (_, i) => JSON.stringify(`${'\u0001'.repeat(1020)}${i}`));
  const sources = Array.from({ length: 50 }, (_, i) => `s${i}`);
  const errors = sources.flatMap((s) => [new LiveSampleMismatchError(s, keys), new BackupLacksLiveObjectsError(s, keys)]).map((e, i) => ({ error: e.name, message: e.message, step: 'Compare with live sources', source: sources[Math.floor(i / 2)] ?? '' }));
  const comparison = { verifiedAt: '2026-12-05T12:00:00.000Z', sources: sources.map((source) => ({ source, sampled: { compared: 10, matched: 9, skippedChanged: 1, checkedLive: 10, unreachable: 'u'.repeat(3000), liveNotes: ['n'.repeat(3000)] } })), errors };

  it('keeps every error and count, its texts within COMPARISON_TEXTS_TOTAL_BYTES, the first whole, the rest cut to "…"', () => {
    expect(bytesOf(errors)).toBeGreaterThan(3_000_000);
    const kept = comparisonWithin(comparison);
    expect(kept.errors.map((e) => [e.error, e.step])).toEqual(errors.map((e) => [e.error, e.step]));
    expect(kept.sources.map((s) => ({ ...s, sampled: { ...s.sampled, unreachable: undefined, liveNotes: undefined } }))).toEqual(comparison.sources.map((s) => ({ ...s, sampled: { ...s.sampled, unreachable: undefined, liveNotes: undefined } })));
    const texts = [...kept.errors.map((e) => e.message), ...kept.sources.flatMap((s) => [s.sampled.unreachable ?? '', ...(s.sampled.liveNotes ?? [])])];
    expect(texts.reduce((sum, t) => sum + bytesOf(t) - 2, 0)).toBeLessThanOrEqual(COMPARISON_TEXTS_TOTAL_BYTES + 3 * texts.length);
    expect(kept.errors[0]?.message).toMatch(/^Source s0: 5 restored entries differ from the live source/);
    expect(kept.errors.at(-1)?.message).toBe('…');
    // A message cut to "…" still says whose it is (review r59A F3): `lifeboat drills show` prints the source beside it.
    expect(kept.errors.map((e) => e.source)).toEqual(errors.map((e) => e.source));
    expect(kept.errors.at(-1)?.source).toBe('s49');
    expect(bytesOf(kept)).toBeLessThan(COMPARISON_TEXTS_TOTAL_BYTES + 50 * 600);
  });

  it('leaves a comparison within its total as it was', () => {
    const small = { verifiedAt: 'x', sources: [{ source: 'a', sampled: { compared: 1, matched: 1, skippedChanged: 0, liveNotes: ['a note'] } }], errors: [errors[0] ?? { error: '', message: '', step: '' }].map((e) => ({ ...e, message: 'short' })) };
    expect(comparisonWithin(small)).toEqual(small);
  });
});

describe('the cleanup in the drill state', () => {
  it('keeps every target it removed, and errors then swept targets within CLEANUP_LINES_TOTAL_BYTES, the whole counts beside them and the rest in a note apart from the errors', () => {
    const removed = Array.from({ length: 40 }, (_, i) => `s3://lifeboat-dev-drill-0a0b0c0d-s${i}/`);
    const swept = Array.from({ length: 5000 }, (_, i) => `s3://lifeboat-dev-drill-1a2b3c4d-s${i}/`);
    const errors = ['directory /mnt/lifeboat/x: EACCES', 'y'.repeat(100)];
    const { kept, dropped } = cleanupWithin({ removed, swept, errors });
    expect(kept.removed).toEqual(removed);
    expect(kept.errors.slice(0, 2)).toEqual(errors);
    expect(kept.swept).toEqual(swept.slice(0, kept.swept.length));
    expect(dropped).toBe(5000 - kept.swept.length);
    // Review r59A F4: the note was a third error ("cleanup error: … and N more lines"), and the swept count the cut list's.
    expect(kept.errors).toEqual(errors);
    expect(kept.leftOut).toBe(`… and ${dropped} more lines of removed or failed targets (the drill's cleanup function's log has them; a later drill's sweep removes what is left)`);
    expect({ sweptCount: kept.sweptCount, errorCount: kept.errorCount }).toEqual({ sweptCount: 5000, errorCount: 2 });
    expect(bytesOf([...kept.swept, ...errors])).toBeLessThanOrEqual(CLEANUP_LINES_TOTAL_BYTES);
    expect(cleanupWithin({ removed, swept: swept.slice(0, 3), errors })).toEqual({ kept: { removed, swept: swept.slice(0, 3), errors }, dropped: 0 });
  });
});
