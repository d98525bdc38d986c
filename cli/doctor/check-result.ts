/**
 * What one doctor check found: one line of the report. A check that is not ok says what to do in
 * `fix` (a command to run or a field to correct); a skipped one says, in `detail`, which earlier
 * check it depends on.
 */
export type Verdict = 'ok' | 'warn' | 'fail' | 'skipped';

export type CheckResult = {
  /** What was checked, e.g. `source demo-assets`, `bootstrap us-west-2`. */
  readonly name: string;
  readonly verdict: Verdict;
  readonly detail: string;
  readonly fix?: string;
};

export const ok = (name: string, detail: string): CheckResult => ({ name, verdict: 'ok', detail });
export const warn = (name: string, detail: string, fix: string): CheckResult => ({ name, verdict: 'warn', detail, fix });
export const fail = (name: string, detail: string, fix: string): CheckResult => ({ name, verdict: 'fail', detail, fix });
export const skipped = (name: string, reason: string): CheckResult => ({ name, verdict: 'skipped', detail: reason });

/** A check that passed (a warning does not stop the checks that depend on it). */
export const passed = (result: CheckResult): boolean => result.verdict === 'ok' || result.verdict === 'warn';

/** Exit codes of `lifeboat doctor`, as the other commands use them: 2 is a wrong command line. */
export const DOCTOR_EXIT_OK = 0;
export const DOCTOR_EXIT_FAILED = 1;
export const DOCTOR_EXIT_USAGE = 2;

/** 0 when nothing failed (warnings allowed), 1 when any check failed. */
export function doctorExitCode(results: readonly CheckResult[]): number {
  return results.some((r) => r.verdict === 'fail') ? DOCTOR_EXIT_FAILED : DOCTOR_EXIT_OK;
}
