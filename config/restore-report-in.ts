/**
 * Where a restore's report goes, which bounds the lists it carries (lambdas/restore/restore-report-lists.ts):
 * `execution-output`, the restore runbook's output, alone in its state; `parent-state`, one item of a drill's or a
 * failover's `$.restored`, beside every other source's report in one state of 256 KiB. The restore-source state machine
 * those two start per source says `parent-state` in its Verify restore's input (lib/constructs/restore-source-chain.ts),
 * with `reportSources`, how many sources the parent restores: the report's lists take that share of a fixed total
 * (config/parent-state-size.ts); an input without `reportIn` is the runbook's.
 */
export const RESTORE_REPORT_PLACES = ['execution-output', 'parent-state'] as const;
export type RestoreReportPlace = (typeof RESTORE_REPORT_PLACES)[number];
