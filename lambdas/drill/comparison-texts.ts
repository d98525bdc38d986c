import { COMPARISON_TEXTS_TOTAL_BYTES } from '../../config/parent-state-size';
import { cutJsonText, jsonBytes } from '../restore/json-text-budget';
import { type DrillComparison } from './live-sample';

/**
 * The live comparison's texts within COMPARISON_TEXTS_TOTAL_BYTES, as JSON writes them: its errors' messages first (each
 * names up to five keys of 1,024 bytes, six bytes a control character), then why a source was not compared and its
 * notes, in the sources' order; a text past what is left is cut, to "…" alone once it is spent. Every error, source and
 * count is kept: the verdict reads them. The comparison lands in the drill's state beside every source's report, and a
 * drill of many sources whose live copies differ would take it past 256 KiB with no record (review r58I F2).
 */
export function comparisonWithin(comparison: DrillComparison, maxBytes: number = COMPARISON_TEXTS_TOTAL_BYTES): DrillComparison {
  let left = maxBytes;
  const take = (text: string): string => {
    const kept = cutJsonText(text, left);
    left = Math.max(0, left - jsonBytes(kept));
    return kept;
  };
  const errors = comparison.errors.map((e) => ({ ...e, message: take(e.message) }));
  const sources = comparison.sources.map(({ source, sampled }) => {
    const { unreachable, liveNotes, ...counts } = sampled;
    return {
      source,
      sampled: { ...counts, ...(unreachable !== undefined ? { unreachable: take(unreachable) } : {}), ...(liveNotes !== undefined ? { liveNotes: liveNotes.map(take) } : {}) },
    };
  });
  return { verifiedAt: comparison.verifiedAt, sources, errors };
}
