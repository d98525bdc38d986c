import { VaultError } from '../../vault';

/**
 * Resumed Replicate passes in a row (RETENTION_STALLED_PASSES) could not find the keys of a chunk of one snapshot (the
 * smallest chunk) before their deadline, in the DR retention extension: finding them reads that snapshot and its
 * manifest, and the DR vault's whole index, whatever the chunk's size, so the next pass would stop at the same place.
 * Not after one such pass: that may only have been slow (review rQ F1). Without it the step answered
 * complete: false for ever and the workflow looped until its timeout, holding the plan's lease with no error recorded
 * (review rO F2). Permanent (not retried): the workflow's Catch records the DR copy FAILED and releases the lease;
 * the objects keep the retention the DR bucket gave them when written, and the next backup run tries again.
 */
export class ReplicaRetentionStalledError extends VaultError {
  override name = 'ReplicaRetentionStalledError';
  constructor(
    /** The DR vault's location (`s3://<bucket>`). */
    readonly location: string,
    readonly snapshotId: string,
    /** How long finding its keys ran, in the last of those passes, before the deadline stopped it. */
    readonly findingMs: number,
    /** How many passes in a row did nothing of it. */
    readonly stalledPasses: number,
  ) {
    super(
      `${location}: the Object Lock retention extension of the DR vault cannot find the keys of snapshot ${snapshotId} in one Replicate pass: ` +
        `${stalledPasses} passes in a row with one snapshot to a chunk did nothing of it; in the last, finding them (the snapshot, its manifest and the DR vault's whole index) ran ${seconds(findingMs)} s, to the pass's deadline, ` +
        "so no pass can extend them and the backups being copied are not recorded in the DR vault (their DR copy is FAILED; what they reference keeps the retention it got when written). " +
        'A slow or throttled DR region clears by itself: the next backup run tries again. If it fails the same way again, the DR vault\'s index takes longer to read than a pass ' +
        '(docs/SCALE.md, "DR retention extension" and "Index objects are not compacted"): check the Replicate function\'s logs and the DR vault\'s count of index/ objects',
    );
  }
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(1);
}
