import { type DrillRecord, type DrillVerdict } from '../catalog/drill-record';
import { drillSummary } from './drill-verdict';

/** Longest `summary` the state carries (the Fail state's cause; Step Functions takes 32,768 characters at most). */
export const STATE_SUMMARY_MAX_CHARS = 4096;

/**
 * A drill that did not pass, as the record step leaves it in the state: what the Choice and the Fail state read
 * (`verdict`, `summary`) and where the whole record is (`drillId`, `reportKey`), with counts. `lifeboat drill run`
 * reads the record back from the catalog (drill-commands.ts); no execution output carries it.
 */
export type DrillStateOutline = {
  drillId: string;
  plan: string;
  execution: string;
  verdict: Exclude<DrillVerdict, 'PASSED'>;
  summary: string;
  reportKey: string;
  reportSha256: string;
  counts: { sources: number; errors: number; missed: number };
};

/** A passed drill's state report: its record, the execution's output. */
export type DrillStateRecord = DrillRecord & { summary: string };

/** The summary within STATE_SUMMARY_MAX_CHARS; cut, it names the drill: the whole report is `lifeboat drills show <id>`. */
function stateSummary(record: DrillRecord): string {
  const summary = drillSummary(record);
  return summary.length <= STATE_SUMMARY_MAX_CHARS ? summary : `${summary.slice(0, STATE_SUMMARY_MAX_CHARS)}… (the whole report: lifeboat drills show ${record.drillId})`;
}

/**
 * What the record step returns into `$.report`. A passed drill's whole record (the execution's output; bounded: it
 * carries no errors, its sources' shortfall lists share SHORTFALL_REPORT_MAX_BYTES (drill-shortfall.ts), and its summary,
 * counts and source names only, is cut as any other); any other verdict's outline only: its record grows with each failed
 * source's error (a verification error may name ten keys), and beside `$.restored`, which holds them too, some 36
 * failing sources took the state past Step Functions' 256 KiB after the record was written, so the drill ended
 * States.DataLimitExceeded with no verdict (audit aV3-1).
 */
export function drillStateReport(record: DrillRecord): DrillStateRecord | DrillStateOutline {
  const summary = stateSummary(record);
  if (record.verdict === 'PASSED') return { ...record, summary };
  return {
    drillId: record.drillId,
    plan: record.plan,
    execution: record.execution,
    verdict: record.verdict,
    summary,
    reportKey: record.reportKey,
    reportSha256: record.reportSha256,
    counts: { sources: record.sources.length, errors: record.errors.length, missed: record.missed.length },
  };
}
