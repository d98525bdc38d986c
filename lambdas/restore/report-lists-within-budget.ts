import { type NotRestored } from '../../vault';
import { type BackupLeftOut } from './backup-left-out';
import { type JsonTextBudget } from './json-text-budget';

/**
 * The two lists a restore report carries, as far as a budget lets them: the verify step's bound of its own report
 * (restore-report-lists.ts) and a drill's or failover's bound of each source's (lambdas/drill/drill-shortfall.ts) take
 * them alike, item by item in order, stopping at the first that does not fit; counts are kept whole by the callers.
 */

/** The first `listed` of `first`, path and reason cut and taken from `budget`, until one does not fit. */
export function notRestoredWithin(first: readonly NotRestored[], listed: number, budget: JsonTextBudget): NotRestored[] {
  const kept: NotRestored[] = [];
  for (const n of first.slice(0, listed)) {
    const taken = budget.take([n.path, n.what]);
    if (!taken) break;
    // `entries` kept: the reason that says how many entries the line stands for may be cut.
    kept.push({ path: taken[0] ?? '', what: taken[1] ?? '', ...(n.entries !== undefined ? { entries: n.entries } : {}) });
  }
  return kept;
}

/** `leftOut` with the first `listed` of its reason lines taken from `budget` until one does not fit; its counts whole. */
export function backupLeftOutWithin(leftOut: BackupLeftOut, listed: number, budget: JsonTextBudget): BackupLeftOut {
  if ('unknown' in leftOut) return { unknown: budget.take([leftOut.unknown])?.[0] ?? 'not known (the report had no room left to say why)' };
  const skippedExamples: string[] = [];
  for (const example of leftOut.skippedExamples.slice(0, listed)) {
    const taken = budget.take([example]);
    if (!taken) break;
    skippedExamples.push(...taken);
  }
  return { skipped: leftOut.skipped, skippedExamples, vanished: leftOut.vanished, changedDuringRead: leftOut.changedDuringRead };
}
