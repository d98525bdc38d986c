import { reportListsShare, SOURCES_NOT_GIVEN } from '../../config/parent-state-size';
import { type RestoreReportPlace } from '../../config/restore-report-in';
import { type NotRestored } from '../../vault';
import { SHORTFALL_LISTED, SHORTFALL_TEXT_MAX_BYTES } from '../drill/drill-shortfall';
import { type BackupLeftOut } from './backup-left-out';
import { JsonTextBudget } from './json-text-budget';
import { backupLeftOutWithin, notRestoredWithin } from './report-lists-within-budget';

/**
 * How much of its lists a restore report carries where it goes (config/restore-report-in.ts): `listed` items of
 * `notRestored`, each text cut to `textMaxBytes` UTF-8 bytes, and the texts of `notRestored` and `backupLeftOut`
 * within `maxBytes` together, as JSON writes them (a control character in a path is six bytes there); with `reasons`, the
 * distinct reasons of `notRestored` (its `kinds`) first, which the drill's and the failover's reports name.
 */
export type ReportListsBound = { listed: number; textMaxBytes: number; maxBytes: number; reasons: boolean };

/**
 * The report's lists grow with the data, and the report travels in a Step Functions state (256 KiB): 20 paths of 4 KiB
 * are 80 KiB, and of control characters, which JSON writes as six bytes each, 480 KiB — over the limit in the runbook's
 * own state, which then failed with States.DataLimitExceeded (no Catch takes it); and a drill's or failover's
 * `$.restored` holds one report per source (review f58O). The counts are kept whole; what the lists leave out is in the
 * restore's shard check records (`restore-plans/<restore id>.checks/<shard>.json` in the home vault, 100 of each
 * shard's) and the backup's catalog record (`lifeboat backups list --json`).
 *
 * Alone in its state (`execution-output`): the first 20, paths whole (a path is at most 4 KiB; a reason naming one a
 * little more), and half the state, which 20 paths of 4 KiB and their reasons take whole unless JSON writes them longer.
 * Beside every other source's report (`parent-state`, the parent having `sources` sources): no more than a drill's and a
 * failover's report keep of it (drill-shortfall.ts), and the source's share of the lists all sources' reports take
 * together (config/parent-state-size.ts: 80 KiB), so that their number does not take the state past its limit: a fixed
 * 2 KiB each took 62 sources' reports past it (review r58I F2). A child started without the count has 40 sources' share.
 */
export function reportListsBound(place: RestoreReportPlace, sources: number | undefined): ReportListsBound {
  if (place === 'execution-output') return { listed: 20, textMaxBytes: 4 * 1024 + 256, maxBytes: 128 * 1024, reasons: false };
  return { listed: SHORTFALL_LISTED, textMaxBytes: SHORTFALL_TEXT_MAX_BYTES, maxBytes: reportListsShare(sources ?? SOURCES_NOT_GIVEN), reasons: true };
}

export type ReportLists = { notRestored?: { count: number; kinds?: string[]; first: NotRestored[] }; backupLeftOut?: BackupLeftOut };

/**
 * The report's lists within `bound`: `notRestored.first` in its order, then `backupLeftOut`'s reason lines, until the
 * budget is spent, each text cut as the bound says; `count` and the left-out counts whole. No step reads keys in these
 * lines: the drill's live comparison reads what the backup left out from its catalog record (review r58I F1: it read
 * these, and lines the bound dropped made a live object the backup lacks look explained).
 */
export function reportListsWithin(lists: ReportLists, bound: ReportListsBound): ReportLists {
  const budget = new JsonTextBudget(bound.maxBytes, bound.textMaxBytes);
  const out: ReportLists = {};
  if (lists.notRestored) {
    // The reasons first, as many as fit: they name what the paths the budget leaves out lack (review r58I F3).
    const kinds = bound.reasons && lists.notRestored.kinds !== undefined ? lists.notRestored.kinds.flatMap((kind) => budget.take([kind]) ?? []) : undefined;
    const first = notRestoredWithin(lists.notRestored.first, bound.listed, budget);
    out.notRestored = { count: lists.notRestored.count, ...(kinds !== undefined ? { kinds } : {}), first };
  }
  // Every reason line the backup's record keeps (its first few), as far as the budget goes.
  if (lists.backupLeftOut) out.backupLeftOut = backupLeftOutWithin(lists.backupLeftOut, Number.POSITIVE_INFINITY, budget);
  return out;
}
