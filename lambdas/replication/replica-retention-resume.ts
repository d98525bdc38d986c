import { z } from 'zod';

/**
 * Where a Replicate pass stopped while extending the DR vault's Object Lock retention, for the next pass (the step's
 * output `retention`, passed back to it by the workflow's loop). The copy is done and vouched for: the next pass copies
 * and looks at nothing, and carries on the extension after `after`, then records the backups. Small JSON: a few ids
 * (about 70 bytes a snapshot: a first copy of a thousand snapshots carries about 70 KB, within the 256 KiB state).
 */
export const replicaRetentionResumeSchema = z.strictObject({
  /** The DR vault's snapshots whose every object is extended (this run's backup's and those the copy caught up on). */
  snapshotIds: z.array(z.string().min(1)),
  /**
   * The window the first pass asked for (ISO 8601), kept by every pass after it: an object a DR prune writes meanwhile
   * (a repack's pack, which may sort before `after`) gets the bucket's default retention from its write, later than that.
   */
  until: z.iso.datetime(),
  extendTo: z.iso.datetime(),
  /** The last key extended (keys in sorted order, every one before it extended too); absent: none yet. */
  after: z.string().min(1).optional(),
  /** Backups to record copied (copies.dr) once every object is extended, and of them those to write into the DR catalog first. */
  toMark: z.array(z.string().min(1)),
  toWrite: z.array(z.string().min(1)),
  /** Objects left to extend when the pass stopped (for the logs: the next pass counts them again). */
  objectsLeft: z.number().int().min(0),
});
export type ReplicaRetentionResume = z.infer<typeof replicaRetentionResumeSchema>;
