import { type BackupCatalog, type InvalidBackupItem } from '../catalog/backup-catalog';

/** What discardedSnapshotsOf reads of a catalog. */
export type PlanListings = Pick<BackupCatalog, 'listBackupsOfPlan'>;

/** What one plan's records say of its snapshots, all discardedSnapshotsOf needs of them. */
export type PlanOutcome = {
  /** The backups whose record is finished: FAILED or COMMITTED. */
  readonly finished: ReadonlySet<string>;
  /** The snapshots a COMMITTED record names, or a record that does not parse may name. */
  readonly named: ReadonlySet<string>;
};

/**
 * `plan`'s records listed and summed up. A record that does not parse is passed over without a log line (its plan's
 * other readers log it): the snapshots it may name count as named, and its backup is not known to be finished.
 */
export async function planOutcomeOf(catalog: PlanListings, plan: string): Promise<PlanOutcome> {
  const finished = new Set<string>();
  const named = new Set<string>();
  const onInvalid = (invalid: InvalidBackupItem): void => invalid.snapshotIds.forEach((id) => named.add(id));
  for (const record of await catalog.listBackupsOfPlan(plan, { onInvalid })) {
    if (record.status !== 'RUNNING') finished.add(record.backupId);
    if (record.status === 'COMMITTED') for (const source of record.sources) named.add(source.snapshotId);
  }
  return { finished, named };
}

/**
 * Memory one id kept in a PlanOutcome takes beside its characters (one byte each: ids are ASCII): the string's header
 * and its slot in the Set. Measured on 2026-12-07 (heap after a collection, 1 and 3 million ids of 30 and 64
 * characters in Sets of 20,000, as JSON gives them): 49–51 bytes; in a Set just grown (16,385 ids, the worst case) ~56
 * plus the characters rounded up to 8, so up to 63 (review r57E). Counted 64: about a byte of margin there. A kept
 * plan's own cost (two Sets, its outcome, a Map entry: ~250 bytes) is not counted: plans come from the config, a few.
 */
export const PLAN_OUTCOME_BYTES_PER_ID = 64;

/**
 * The share of the function's memory PlanOutcomes may keep: 64 MiB of a 2,048 MB scrub, taken from what
 * indexMemoryReserve keeps beside the listings' and findings' budgets (512 MiB there: Node and the SDK ~95 MiB, the
 * packs read, 3 of ~16 MiB a vault), which the cache is outside of. Counted 128 bytes a snapshot id and ~94 a backup
 * id, a plan of a year's hourly backups of two sources is ~3.1 MB: the outcomes of ~20 such plans are kept.
 */
export const PLAN_OUTCOMES_MEMORY_SHARE = 1 / 32;

/** What PlanOutcomes keeps without a memory size (a machine: `lifeboat scrub`): a 2,048 MB scrub function's share. */
export const MACHINE_PLAN_OUTCOMES_BYTES = 64 * 2 ** 20;

/** The bytes PlanOutcomes may keep in a process of `memoryMb` (PLAN_OUTCOMES_MEMORY_SHARE of it; a machine's, without). */
export function planOutcomesBudgetBytes(memoryMb: number | undefined): number {
  return memoryMb === undefined ? MACHINE_PLAN_OUTCOMES_BYTES : Math.floor(memoryMb * 2 ** 20 * PLAN_OUTCOMES_MEMORY_SHARE);
}

/** The bytes `outcome` holds, at PLAN_OUTCOME_BYTES_PER_ID an id and a byte a character. */
export function planOutcomeBytes(outcome: PlanOutcome): number {
  let bytes = 0;
  for (const ids of [outcome.finished, outcome.named]) for (const id of ids) bytes += PLAN_OUTCOME_BYTES_PER_ID + id.length;
  return bytes;
}

/**
 * One scrub run's catalog for discardedSnapshotsOf: each plan listed at its first ask and what its records say
 * (PlanOutcome: ids, not the records) kept for the run's later asks. The run asks up to once per vault per round of
 * record reads, after the deadline's cutoff for those reads, and each ask listed every plan again, out of the time left
 * to map the damage no copy restores (review rV F2). What it keeps is outside the listings' and findings' memory, so it
 * keeps a plan's outcome only while all it keeps fits `budgetBytes` (planOutcomesBudgetBytes): a plan past that is
 * listed anew at each ask, as before, so a catalog too large costs the run time, never memory. Kept whole, the records
 * of 100 plans of 10,000 held 1.4 GiB of a 2,048 MB scrub to the end of the run (review r57B F1). A listing that failed
 * is not kept either. The first ask comes after the vaults were listed; the later ones read an older view of the
 * catalog (docs/ARCHITECTURE.md, "Scrub and self-heal").
 */
export class PlanOutcomes {
  private readonly outcomes = new Map<string, Promise<PlanOutcome>>();
  private keptBytes = 0;

  constructor(
    private readonly catalog: PlanListings,
    readonly budgetBytes: number,
  ) {}

  /** The bytes kept so far. */
  get bytes(): number {
    return this.keptBytes;
  }

  /** `plan`'s outcome: kept, being listed by an earlier ask, or listed now. */
  outcomeOf(plan: string): Promise<PlanOutcome> {
    const known = this.outcomes.get(plan);
    if (known !== undefined) return known;
    const listed = planOutcomeOf(this.catalog, plan);
    // Shared while it is listed, so asks at once list it once; kept past that only within the budget.
    this.outcomes.set(plan, listed);
    listed.then(
      (outcome) => {
        if (this.outcomes.get(plan) !== listed) return;
        const bytes = planOutcomeBytes(outcome);
        if (this.keptBytes + bytes > this.budgetBytes) this.outcomes.delete(plan);
        else this.keptBytes += bytes;
      },
      () => {
        if (this.outcomes.get(plan) === listed) this.outcomes.delete(plan);
      },
    );
    return listed;
  }
}
