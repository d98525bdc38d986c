import Table from 'cli-table3';
import { type CheckResult, doctorExitCode, type Verdict } from './check-result';
import { type DoctorRequest } from './doctor-context';

/** How the doctor prints its checks: one line each (verdict, check, detail, and what to do), or one JSON document. */

const NO_BORDERS = {
  top: '', 'top-mid': '', 'top-left': '', 'top-right': '',
  bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '',
  left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: '  ',
};

export type DoctorSummary = Record<Verdict, number>;

export function summarize(results: readonly CheckResult[]): DoctorSummary {
  const summary: DoctorSummary = { ok: 0, warn: 0, fail: 0, skipped: 0 };
  for (const r of results) summary[r.verdict]++;
  return summary;
}

function where(request: DoctorRequest): string {
  return request.mode === 'aws' ? 'in AWS' : `in the local cloud of ${request.dataDir}`;
}

export function doctorReportLines(request: DoctorRequest, results: readonly CheckResult[]): string[] {
  const table = new Table({ chars: NO_BORDERS, style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0 } });
  for (const r of results) table.push([r.verdict, r.name, r.fix ? `${r.detail} → fix: ${r.fix}` : r.detail]);
  const s = summarize(results);
  return [
    `lifeboat doctor: environment ${request.envName} ${where(request)}`,
    ...table.toString().split('\n').map((line) => line.trimEnd()),
    `${s.ok} ok, ${s.warn} warn, ${s.fail} fail, ${s.skipped} skipped (exit ${doctorExitCode(results)})`,
  ];
}

export function doctorReportJson(request: DoctorRequest, results: readonly CheckResult[]): string {
  return JSON.stringify({ environment: request.envName, mode: request.mode, ...(request.mode === 'local' ? { dataDir: request.dataDir } : {}), checks: results, summary: summarize(results), exitCode: doctorExitCode(results) }, null, 2);
}
