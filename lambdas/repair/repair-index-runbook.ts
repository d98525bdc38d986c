import { repairIndex, Vault } from '../../vault';
import { awaitNoReplicaPrune } from '../replication/replica-prune-wait';
import { type VaultSide } from '../runtime/runtime-config';
import { deadlineVaultStore } from './deadline-vault-store';
import { RepairDeadlinePassedError, RepairIndexOtherAccountError, RepairIndexOutOfTimeError, RepairIndexPruneRunningError } from './repair-index-errors';
import { repairIndexSummary, type RepairIndexSummary } from './repair-index-summary';
import { type RepairTarget } from './scrub-repair-command-line';

export type RepairIndexRequest = { readonly vault: VaultSide; readonly readData: boolean };

export type RepairIndexRunbookDeps = {
  /** The environment's vault of that side, opened with its KMS key provider (LambdaRuntime.openVault). */
  openVault(side: VaultSide): Promise<Vault>;
  /** When the repair must have stopped (ms since the epoch): past it, it fails with RepairIndexOutOfTimeError. @default none */
  readonly deadline?: number;
  /** The DR vault's account when it is not the function's (DR_VAULT_ACCOUNT): a repair of it is refused. @default the function's */
  readonly drVaultAccount?: string;
  /** The environment and whether it is in AWS, for the command the errors name. @default `--env <env> [--aws]` in the command */
  readonly target?: RepairTarget;
  readonly now?: () => Date;
};

/**
 * The repair-index runbook's one step (docs/RUNBOOKS.md, "Repair index"): the named vault's index rebuilt
 * from its packs by vault/repair/repair-index.ts, as `lifeboat vault repair index` rebuilds a standalone
 * vault's, and its report bounded for the execution's output. The repair runs within `deadline` through a
 * store that refuses requests after it (deadline-vault-store.ts): cut short, it fails with how far it got.
 * Refused, before anything is written, while a prune of the vault holds its lease (RepairIndexPruneRunningError).
 */
export async function runRepairIndexRunbook(request: RepairIndexRequest, deps: RepairIndexRunbookDeps): Promise<RepairIndexSummary> {
  const now = deps.now ?? (() => new Date());
  if (request.vault === 'dr' && deps.drVaultAccount !== undefined) throw new RepairIndexOtherAccountError(deps.drVaultAccount, deps.target);
  const startedAt = now().toISOString();
  const opened = await deps.openVault(request.vault);
  // Read-only, as replication asks (a lease this version cannot read counts as running). Looked at once: a prune that
  // starts after this is one the operator started beside a repair the runbook's documentation says not to run beside.
  const running = await awaitNoReplicaPrune(opened.store, opened.keys, { now: () => now().getTime() });
  if (running) throw new RepairIndexPruneRunningError(request.vault, running);
  const bounded = deps.deadline === undefined ? undefined : deadlineVaultStore(opened.store, deps.deadline, () => now().getTime());
  const vault = bounded ? new Vault(bounded.store, opened.keys, opened.config, opened.openedWith) : opened;
  try {
    const report = await repairIndex(vault, { readData: request.readData, ...(bounded ? { observer: bounded.observer } : {}) });
    return repairIndexSummary(request.vault, report, { startedAt, endedAt: now().toISOString() }, deps.target);
  } catch (err) {
    if (bounded && passedDeadline(err)) throw new RepairIndexOutOfTimeError(request.vault, request.readData, bounded.progress(), { cause: err, ...(deps.target ? { target: deps.target } : {}) });
    throw err;
  }
}

/** The deadline's error, or one that carries it as its cause (a step that wraps what it failed with). */
function passedDeadline(err: unknown): boolean {
  for (let e = err; e instanceof Error; e = e.cause) if (e instanceof RepairDeadlinePassedError) return true;
  return false;
}
