import { type ProtectionPlanConfig } from '../../config/lifeboat-config';
import { BACKUP_ID, BACKUP_ID_EXAMPLE } from '../../lambdas/backup/backup-id';
import { type DrillRecord, drillRecordSchema, type DrillVerdict } from '../../lambdas/catalog/drill-record';
import { DRILL_ID } from '../../lambdas/catalog/drill-id';
import { shownItemKeyPart } from '../../lambdas/catalog/shown-item-key';
import { InvalidInputError } from '../../lambdas/runtime/errors';
import { escapeName } from '../escape-name';
import { causeMessage, type WorkflowOutcome, type WorkflowRegion } from '../workflow-runner';

/**
 * `lifeboat drill run`, the parts that need no cloud: the workflow input a command line stands for,
 * the region it runs in, and what an execution's outcome means (docs/ARCHITECTURE.md, "The drill
 * workflow"): a SUCCEEDED execution's output is the DrillRecord; one that failed at its Choice with
 * `DrillFailed` / `DrillObjectiveMissed` recorded its report first, so it is read back from the
 * catalog; any other failure (bad input, a broken deployment) recorded nothing.
 */

/** Exit codes of `lifeboat drill run` (also documented in README.md). */
export const DRILL_EXIT = { PASSED: 0, FAILED: 1, USAGE: 2, OBJECTIVE_MISSED: 4 } as const;

export function exitCodeOfVerdict(verdict: DrillVerdict): number {
  return DRILL_EXIT[verdict];
}

/** The Fail states of the drill workflow, by the verdict they stand for. */
export const DRILL_FAILURE_ERRORS: Record<string, Exclude<DrillVerdict, 'PASSED'>> = { DrillFailed: 'FAILED', DrillObjectiveMissed: 'OBJECTIVE_MISSED' };

export type DrillRunOptions = { plan: string; backup?: string; vault?: string };

export type DrillPlanLike = Pick<ProtectionPlanConfig, 'name'> & { drill?: { vault: 'dr' | 'primary' } | undefined };

/**
 * The execution input; InvalidInputError naming the option when the command line is wrong. An option's text is shown
 * as shownOption shows it: echoed raw, an ESC in it reached the operator's terminal (review r64H F1).
 */
export function drillRunInput(options: DrillRunOptions, plans: readonly DrillPlanLike[]): { plan: string; backupId?: string } {
  if (!plans.some((p) => p.name === options.plan)) {
    throw new InvalidInputError(`--plan ${shownOption(options.plan)}: no such plan in this environment (plans: ${plans.map((p) => p.name).join(', ') || 'none'})`);
  }
  if (options.backup !== undefined && !BACKUP_ID.test(options.backup)) {
    throw new InvalidInputError(`--backup ${shownOption(options.backup)}: must be a backup id such as ${BACKUP_ID_EXAMPLE} (see lifeboat backups list)`);
  }
  return { plan: options.plan, ...(options.backup !== undefined ? { backupId: options.backup } : {}) };
}

/** An option's text as a refusal names it: the CLI's escapes (escapeName), a long one cut as a record's text is. */
function shownOption(text: string): string {
  return shownItemKeyPart(text, escapeName);
}

/** The vault drilled, and so the region whose drill workflow runs: --vault, else the plan's `drill.vault`, else the DR vault. */
export function drillRunRegion(options: DrillRunOptions, plans: readonly DrillPlanLike[]): WorkflowRegion {
  if (options.vault !== undefined) {
    if (options.vault !== 'dr' && options.vault !== 'primary') throw new InvalidInputError(`--vault must be dr or primary, got ${shownOption(options.vault)}`);
    return options.vault;
  }
  return plans.find((p) => p.name === options.plan)?.drill?.vault ?? 'dr';
}

export type DrillRunResult =
  /** The execution's output: the record, as the drill wrote it. */
  | { kind: 'report'; record: DrillRecord }
  /** The drill ran to its end and recorded a failing verdict: read the record back (candidates: drill ids named in the cause). */
  | { kind: 'recorded'; verdict: Exclude<DrillVerdict, 'PASSED'>; message: string; drillIdCandidates: string[] }
  /** It did not get as far as recording (InvalidInputError, a timeout, an abort): nothing to read back. */
  | { kind: 'not-recorded'; message: string };

/** DRILL_ID unanchored: a drill id anywhere in a text. */
const DRILL_ID_IN_TEXT = new RegExp(DRILL_ID.source.replace(/^\^|\$$/g, ''), 'g');

/** Ids in the shape of a drill id, in order; backup ids have the same shape, so each is only a candidate to look up. */
export function drillIdCandidates(text: string | undefined): string[] {
  return [...new Set(text?.match(DRILL_ID_IN_TEXT) ?? [])];
}

export function interpretDrillOutcome(outcome: WorkflowOutcome): DrillRunResult {
  const message = `${outcome.error ?? outcome.status}${outcome.cause !== undefined ? `: ${causeMessage(outcome.cause) ?? ''}` : ''}`;
  if (outcome.status === 'SUCCEEDED') {
    const parsed = drillRecordSchema.safeParse(outcome.output);
    if (parsed.success) return { kind: 'report', record: parsed.data };
    return { kind: 'not-recorded', message: `the execution succeeded but its output is not a drill record (${parsed.error.issues[0]?.path.join('.') ?? ''}: ${parsed.error.issues[0]?.message ?? ''})` };
  }
  const verdict = outcome.status === 'FAILED' && outcome.error !== undefined ? DRILL_FAILURE_ERRORS[outcome.error] : undefined;
  if (verdict) return { kind: 'recorded', verdict, message, drillIdCandidates: drillIdCandidates(causeMessage(outcome.cause)) };
  return { kind: 'not-recorded', message };
}

/** Exit code of a run: the verdict's; 1 when nothing was recorded. */
export function exitCodeOfRun(result: DrillRunResult): number {
  if (result.kind === 'report') return exitCodeOfVerdict(result.record.verdict);
  if (result.kind === 'recorded') return exitCodeOfVerdict(result.verdict);
  return DRILL_EXIT.FAILED;
}
