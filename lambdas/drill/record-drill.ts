import { type ProtectionPlanConfig } from '../../config/lifeboat-config';
import { type DrillLog } from '../catalog/drill-log';
import { type DrillRecord } from '../catalog/drill-record';
import { type RestoreReport } from '../restore/verify-restore';
import { type VaultSide } from '../runtime/runtime-config';
import { type VaultStore } from '../../vault';
import { drillIdOf } from './drill-id';
import { parseDrillRequest } from './drill-request';
import { type DrillStart } from './drill-start';
import { type FailedSourceRestore } from './drill-state';
import { type DrillCleanup, drillScratchPrefix } from './scratch-targets';
import { type DrillComparison } from './live-sample';
import { buildDrillReport, type CaughtError } from './drill-verdict';
import { recordDrillReport } from './drill-report-object';

/** The drill workflow's state when it reaches its last step: what each step returned, or the error a Catch stored. */
export type DrillState = {
  input: unknown;
  execution: string;
  startedAt: string;
  drill?: DrillStart | undefined;
  /** Per source: its restore report, or the failure its iteration of `Restore sources` caught. */
  restored?: readonly (RestoreReport | FailedSourceRestore)[] | undefined;
  comparison?: DrillComparison | undefined;
  cleanup?: DrillCleanup | undefined;
  error?: CaughtError | undefined;
  /** The cleanup step's own error, when it failed (the drill is recorded all the same). */
  cleanupError?: CaughtError | undefined;
};

export type RecordDrillDeps = {
  plans: readonly ProtectionPlanConfig[];
  environment: string;
  region: string;
  vault: VaultSide;
  /** The vault's objects (drills/<drillId>.json goes there). */
  store: VaultStore;
  drillLog: Pick<DrillLog, 'record'>;
  /** `<prefix>-drill-` (LIFEBOAT_RESTORE_TARGET_PREFIX): names the scratch targets a failed cleanup may leave. */
  drillTargetPrefix?: string | undefined;
  now?: () => Date;
};

/**
 * The drill's last step: the report (drill-verdict.ts) from the state, written as the vault object
 * `drills/<drillId>.json` and recorded in the catalog of this region. The input is validated again
 * (the first step may have failed before returning it): a drill whose input was invalid was not
 * started, so it is not recorded (InvalidInputError).
 */
export async function recordDrill(state: DrillState, deps: RecordDrillDeps): Promise<DrillRecord> {
  const request = parseDrillRequest(state.input, deps.plans);
  const drillId = state.drill?.drillId ?? drillIdOf(state.execution, state.startedAt);
  const report = buildDrillReport({
    drillId,
    execution: state.execution,
    startedAt: state.startedAt,
    plan: request.plan,
    selection: state.drill?.selection ?? request.selection,
    windowDays: state.drill?.windowDays ?? request.windowDays,
    environment: deps.environment,
    region: deps.region,
    vault: deps.vault,
    start: state.drill,
    restored: state.restored,
    comparison: state.comparison,
    cleanup: state.cleanup,
    error: state.error,
    cleanupError: state.cleanupError,
    ...(deps.drillTargetPrefix !== undefined ? { scratchPrefix: drillScratchPrefix(deps.drillTargetPrefix, drillId) } : {}),
    endedAt: (deps.now ?? (() => new Date()))(),
  });
  return recordDrillReport(report, { store: deps.store, drillLog: deps.drillLog });
}
