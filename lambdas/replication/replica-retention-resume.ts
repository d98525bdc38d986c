import { z } from 'zod';

/**
 * Which backups a stopped pass was to record (toMark, toWrite of its own plan), with those of the plan the primary
 * forgot unrecorded, as a fixed-size fingerprint: how many, and a SHA-256 of their sorted ids. The resumed pass finds
 * them again; a backup the primary forgot since moves from one part to the other, leaving the fingerprint as it was
 * (the pass carries on without it); a different set (a catalog rebuild, which takes no lock, wrote a record since) was
 * not all vouched for, or its keys sorting before `after` were never extended, so that pass runs a whole pass instead.
 */
export const replicaRecordingFingerprintSchema = z.strictObject({
  count: z.number().int().min(0),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type ReplicaRecordingFingerprint = z.infer<typeof replicaRecordingFingerprintSchema>;

/**
 * Snapshots a chunk of the DR retention extension takes at most (extendReplicaRetention, replicate-backup.ts). Finding a
 * chunk's keys loads each snapshot and walks its manifest (a few sequential GETs each: ~0.2 s a snapshot at DR-region
 * latency) and reads the DR vault's whole index twice (the index, then the index objects listing the packs): 256
 * snapshots take about a minute of a pass, and a first copy after a long DR outage takes one chunk in ~N/256 passes.
 */
export const RETENTION_CHUNK_SNAPSHOTS = 256;

/**
 * Resumed passes in a row that find nothing of a chunk of one snapshot before the DR retention extension gives up on it
 * (ReplicaRetentionStalledError). Two: a second stalled pass, with the first's slowness passed or not, is the sign that
 * the chunk's cost (mostly the DR vault's index, read once a chunk) exceeds a pass; the workflow loops at most one more.
 */
export const RETENTION_STALLED_PASSES = 2;

/**
 * Where a Replicate pass stopped while extending the DR vault's Object Lock retention, for the next pass (the step's
 * output `retention`, passed back to it by the workflow's loop). The copy is done and vouched for: the next pass copies
 * and looks at nothing, finds again which backups to record and what their snapshots reference in the DR vault, and
 * carries on the extension after `after`, then records the backups. A fixed size, whatever the number of backups or
 * snapshots (no ids, no lists): the step's output shares the execution's 256 KiB state, and a report past it fails the
 * execution with States.DataLimitExceeded, which no Catch handles (the plan's lock would be left held).
 */
export const replicaRetentionResumeSchema = z.strictObject({
  /**
   * The window the first pass asked for (ISO 8601), kept by every pass after it: an object a DR prune writes meanwhile
   * (a repack's pack, which may sort before `after`) gets the bucket's default retention from its write, later than that.
   */
  until: z.iso.datetime(),
  extendTo: z.iso.datetime(),
  /**
   * The snapshots are taken in chunks, in sorted order, so that finding one chunk's keys fits a pass (finding them all
   * did not past a few thousand snapshots: extendReplicaRetention). Every key of every snapshot up to this one is
   * extended; absent: none yet. Bounded as `after`.
   */
  snapshotsAfter: z.string().min(1).max(1024).optional(),
  /** The last snapshot of the chunk under way; absent: every snapshot after `snapshotsAfter`. */
  snapshotsThrough: z.string().min(1).max(1024).optional(),
  /**
   * The last key of the chunk extended (keys in sorted order, every one before it extended too); absent: none yet. A
   * vault key (`index/<64 hex>` at most): bounded so a forged one cannot grow the state.
   */
  after: z.string().min(1).max(1024).optional(),
  /**
   * How many snapshots the next chunk takes, as the passes so far learnt it: halved with a chunk whose keys a resumed
   * pass could not find or start extending, doubled (up to RETENTION_CHUNK_SNAPSHOTS) after a chunk that took at most
   * half the time left when it began. Carried, not recomputed: sized afresh at the maximum, every chunk halved again,
   * each of k snapshots a pass can find costing log2(256/k) + 1 passes (review rO F1).
   */
  chunkSnapshots: z.number().int().min(1).max(RETENTION_CHUNK_SNAPSHOTS),
  /**
   * Resumed passes in a row, the one that wrote this the last, that began with this chunk of one snapshot and did
   * nothing of it (no key extended, the chunk not finished); absent: none. Any progress clears it. The pass that would
   * make it RETENTION_STALLED_PASSES throws ReplicaRetentionStalledError: one slow pass alone (a throttled DR region, a
   * cold start) is no sign that no pass can find the chunk, and failing on it failed the DR copy of a progressing
   * extension and started it again from the first key on the next backup (review rQ F1).
   */
  stalledPasses: z.number().int().min(1).max(RETENTION_STALLED_PASSES - 1).optional(),
  /** Objects of the chunk left to extend when the pass stopped, 0 when its keys were not found yet (for the logs: the next pass counts them again). */
  objectsLeft: z.number().int().min(0),
  /** The backups the stopped pass was to record: a resumed pass carries on only for the same ones. */
  recording: replicaRecordingFingerprintSchema,
});
export type ReplicaRetentionResume = z.infer<typeof replicaRetentionResumeSchema>;

/**
 * What the step accepts back as `retention`: the same, with the lists a report written before the state was bounded
 * carried (snapshotIds, toMark, toWrite) dropped — an execution running across the deploy carries on, recomputing them.
 * `recording` may be absent (a report written before it existed): that pass then runs a whole pass. `chunkSnapshots`
 * may be absent (a report written before it existed): chunks start at the largest size again. `stalledPasses` is
 * optional in both: a report written before it is read as no stalled pass.
 */
export const replicaRetentionResumeInputSchema = z.object({
  ...replicaRetentionResumeSchema.shape,
  recording: replicaRecordingFingerprintSchema.optional(),
  chunkSnapshots: replicaRetentionResumeSchema.shape.chunkSnapshots.optional(),
});
export type ReplicaRetentionResumeInput = z.infer<typeof replicaRetentionResumeInputSchema>;
