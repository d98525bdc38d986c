/**
 * Time kept, beyond the time a look took, between the end of the wait for a prune and the deadline, for copying back
 * what that prune deleted (the first look rarely copies anything: the packs are deleted only while it waits). A minute
 * copies about 6 GiB at 100 MiB/s; a prune that deleted more leaves the snapshot `unrepaired` at the deadline and the
 * next scrub with repair copies the rest, rather than the copy-back running into the Lambda's timeout.
 */
export const COPY_BACK_RESERVE_MS = 60_000;

/**
 * Time kept between the end of the repairs and the deadline, for what follows them: the repairs in flight (each a
 * read of the other copy, a copy and a read of the copy), the look for a running prune and its copy-backs, the reads
 * of the records of the snapshots a vault lacks (none starts after the deadline less DISCARDED_READS_MARGIN_MS), and
 * the mapping of damage to backups, which gets what is left of it: it starts no read after the deadline less
 * DAMAGE_MAPPING_MARGIN_MS, and cut there names the objects without their backups (describeDamageUntil). The same
 * minute as COPY_BACK_RESERVE_MS: no repair starts after the deadline less that
 * minute (missing objects come from the full listings whatever the slice, so a vault lacking a whole backup has more
 * to copy than any run holds), and those in flight then (a few packs, seconds each) end well within it; what was not
 * started is left `unrepaired` (with its good copy, or `otherCopy: 'unverified'` when the run did not read it), for the next
 * scrub with repair.
 */
export const SLICE_READ_RESERVE_MS = COPY_BACK_RESERVE_MS;

/**
 * Time kept for repairs between the end of the slice's reads and SLICE_READ_RESERVE_MS: the slice's reads stop at the
 * deadline less both. With reads stopping at the repairs' own cutoff, a cut run (every run of a large vault) reached its
 * repairs past it and repaired nothing, not even the corrupt objects it had just read and moved its cursor past, which
 * then stayed corrupt a whole cycle (review rJJ F1, F2). Two minutes: a pack's repair reads its other copy, copies it
 * and reads it back, ~64 MiB moved (~1 s at 100 MiB/s, 3 at a time), so a run repairs some 200+ packs (~3 GiB), far
 * more corrupt objects than a slice holds, and a share of a missing backup every run; it costs a run a sixth of its
 * reads ("How much one run reads", docs/RUNBOOKS.md).
 */
export const REPAIR_BUDGET_MS = 120_000;

/**
 * Time kept before the deadline in which the mapping of unrepaired objects to backups (describeDamageUntil: lost ones,
 * those whose other copy is archived, and those left at the repair cutoff unread) starts no read: what it reads are
 * snapshots, index objects and manifest objects (a few MiB at most, well under a second each from S3, 8 index objects
 * at a time), so those in flight then end before the deadline.
 */
export const DAMAGE_MAPPING_MARGIN_MS = 10_000;

/**
 * Time kept before the deadline in which no read of a lacked snapshot's record starts (discardedSnapshotsIn: whether its
 * backup discarded it). They only tell what is missing, so they run past the repair cutoff (COPY_BACK_RESERVE_MS),
 * where a cut run's slice reads stop too and none was read (review rF F2); but run to the mapping's margin, as they
 * did, reads of a vault lacking many snapshots took all of it, and the mapping of what no copy can restore, next,
 * started no read and named no backup (review rN F1). Half a minute: the records get the half-minute past the cutoff
 * (~27,000 at 32 in flight and ~35 ms a GET), and the mapping the 20 s from here to its margin, about what a vault of a
 * few thousand snapshots takes (~5 requests a snapshot, 8 index objects at a time). The catalog's queries after the reads
 * (discardedSnapshotsOf: listBackupsOfPlan for each plan the records name) have no time limit, and come out of the
 * mapping's 20 s: a run lists each plan once, at its first ask, and its later asks reuse what that listing said
 * (PlanOutcomes, plan-outcomes.ts) while all it keeps fits 1/32 of the function's memory (PLAN_OUTCOMES_MEMORY_SHARE).
 * Past that, beyond ~20 plans of a year's hourly backups, the plans not kept are listed again at each ask, each time
 * out of those 20 s.
 */
export const DISCARDED_READS_MARGIN_MS = 30_000;
