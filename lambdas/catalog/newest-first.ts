import { recordInstant } from './record-instant';

/**
 * Records sorted newest first by the instant their start stands for (recordInstant), each start read once: read inside
 * the comparator, it was read twice per comparison, and a plan of 50,000 records took 5.5 s to sort instead of 0.4 s
 * (review r64O F9). A start that is no time sorts last, so the order stays total (callers leave such records out).
 */
export function newestFirst<T extends { startedAt: string }>(records: readonly T[]): T[] {
  return records
    .map((record) => {
      const at = recordInstant(record.startedAt);
      return { record, at: Number.isNaN(at) ? Number.NEGATIVE_INFINITY : at };
    })
    .sort((a, b) => (a.at === b.at ? 0 : a.at < b.at ? 1 : -1))
    .map(({ record }) => record);
}
