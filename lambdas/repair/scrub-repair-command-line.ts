import { type VaultSide } from '../runtime/runtime-config';

/** Where the repair ran, when its caller knows (the handler does): the command it names is then the one to type. */
export type RepairTarget = { readonly environment: string; readonly aws: boolean };

/**
 * The scrub that heals one vault's index objects from the other vault, named by the repair-index runbook's errors.
 * `--fraction 1`: a missing object is found by every run, but a damaged one only by the run whose slice reads it, and
 * at the default 1/7 `index/` (after `data/` in key order) may be six runs away (review aV2-2). `--vault` always: without
 * it a scrub reads both vaults whole, twice the reading for a vault already past the repair's bound, and refuses to run
 * while the other one cannot be opened (review rD F3).
 */
export function scrubRepairCommandLine(vault: VaultSide, target?: RepairTarget): string {
  const where = target === undefined ? '--env <env> [--aws]' : `--env ${target.environment}${target.aws ? ' --aws' : ''}`;
  return `lifeboat scrub --vault ${vault} --repair --fraction 1 ${where}`;
}
