import { z } from 'zod';
import { type FileSample, fileSampleSchema } from './file-sample';

/**
 * Samples of one sampling that the check could not judge yet because EFS had not completed a sync since they were
 * read (file-mirror-comparison.ts): the check keeps them in its own `MIRROR#` record (MirrorRecord.awaitingSync) and
 * judges them on a later run. They are kept here, in the DR region, and not by leaving the window in the primary
 * region's samples item: the check may not write that item (only the sampler's role does), and the sampler cannot
 * know what the check judged without reading back across regions.
 */
export const awaitingSyncWindowSchema = z.object({
  /** The sampling's sampledAt (FileSamplesRecord.sampledAt): a window already held is not taken in again. */
  sampledAt: z.string().min(1),
  /** The sampling's readUntil, when its sampler recorded one (FileSamplesRecord.readUntil). */
  readUntil: z.string().min(1).optional(),
  samples: z.array(fileSampleSchema).min(1),
});
export type AwaitingSyncWindow = z.infer<typeof awaitingSyncWindowSchema>;

/**
 * The most UTF-8 bytes of JSON the samples awaiting a sync take in a `MIRROR#` item, as a window of samples does in
 * its own item (file-mirror-sampler.ts, MAX_WINDOW_BYTES, which is this less one window's own fields): a file system's
 * record has one other list, its unconfirmed missing files (MAX_UNCONFIRMED_BYTES, 50,000), so one whole window fits with
 * ~50 KB to spare under DynamoDB's 400 KB (file-mirror-comparison.test.ts weighs the fullest record as DynamoDB does). With EFS syncing more often
 * than the check runs, a run judges the window the previous run held and holds its own: one window at a time.
 */
export const MAX_AWAITING_SYNC_BYTES = 300_000;

/**
 * A sample's weight as the limits count it: its UTF-8 JSON and a separator. The sampler's window (MAX_WINDOW_BYTES) and
 * the samples kept here weigh a sample alike, so a full window fits whole.
 */
export const sampleJsonBytes = (sample: FileSample): number => Buffer.byteLength(JSON.stringify(sample)) + 1;
/** A window's own fields (sampledAt, readUntil, the list's brackets), which the sampler's cap leaves room for (MAX_WINDOW_BYTES). */
export const WINDOW_OVERHEAD_BYTES = 128;

/**
 * The windows to keep, oldest first, within `maxBytes`: the older a sample, the sooner a sync covers it, so the
 * newest samples are the ones left out (`dropped`); the next pass over the source samples those files again.
 */
export function awaitingWithin(windows: readonly AwaitingSyncWindow[], maxBytes = MAX_AWAITING_SYNC_BYTES): { kept: AwaitingSyncWindow[]; dropped: number } {
  const kept: AwaitingSyncWindow[] = [];
  let bytes = 0;
  let dropped = 0;
  for (const window of windows) {
    const samples: FileSample[] = [];
    for (const sample of window.samples) {
      const size = sampleJsonBytes(sample) + (samples.length === 0 ? WINDOW_OVERHEAD_BYTES : 0);
      if (dropped > 0 || bytes + size > maxBytes) {
        dropped++;
        continue;
      }
      bytes += size;
      samples.push(sample);
    }
    if (samples.length > 0) kept.push({ ...window, samples });
  }
  return { kept, dropped };
}
