import { z } from 'zod';
import { shardSpecSchema, type ShardSpec } from '../sources/shard-spec';
import { BackupWorkspace } from './backup-workspace';
import { worstCaseFirstPageMs } from '../sources/dynamodb-page-entries';
import { DEFAULT_STOP_MARGIN_MS, type ShardProgress, snapshotShardStretch, type SnapshotShardDeps } from './snapshot-shard';

/** A Distributed Map child's input (ItemBatcher): the run's keys once, then the shards of the batch (lines of a shard manifest). */
export const shardBatchSchema = z.object({
  BatchInput: z.object({
    backupId: z.string().regex(/^[0-9A-Za-z-]+$/, 'must be a Lifeboat backup id'),
    planKey: z.string(),
  }),
  Items: z.array(shardSpecSchema).min(1),
});
export type ShardBatch = z.infer<typeof shardBatchSchema>;

/**
 * done = every shard of the batch is; `shards`: the progress of each shard called in this invocation, in
 * order (not those found finished after the deadline), and whether it read in this call (false: it was
 * found finished, by an earlier call of the batch).
 */
export type ShardBatchProgress = { done: boolean; shards: (ShardProgress & { read: boolean })[] };

/** A shard's ShardDuration and ShardBytesScanned, as operation-metrics.ts publishes them. */
export type ShardMetrics = { plan: string; source: string; durationMs: number; bytesScanned: number };

/**
 * The metrics of one call of a batch: one per shard that finished *in this call*. A shard found
 * finished was published by the call that finished it (a batch called again meets it on every call);
 * a shard's time is not measured alone, so the call's time is shared among the shards that read in it.
 */
export function shardMetricsOf(progress: ShardBatchProgress, callMs: number): ShardMetrics[] {
  const read = progress.shards.filter((shard) => shard.read);
  const durationMs = callMs / Math.max(1, read.length);
  return read.filter((shard) => shard.done).map(({ plan, source, bytesScanned }) => ({ plan, source, durationMs, bytesScanned }));
}

/**
 * The time a shard's stretch may read before it can stop at all, beyond the stop margin: a budgeted
 * DynamoDB segment reads on to its first page close, which at a small share of the read budget can
 * take minutes, and at the rate throttles slow it to (a sixteenth of the share) hours
 * (dynamodb-page-entries.ts, worstCaseFirstPageMs): so in a 900 s Lambda a budgeted segment below about 45 RCU/s is not
 * started after another shard, the workflow calls again for it. Every other reader can stop after its
 * first entry. A first page that still does not close in time (throttling without end) ends the call
 * with a TransientError, not the Lambda's timeout.
 */
function timeBeforeFirstStopMs(spec: ShardSpec): number {
  return spec.kind === 'dynamodb' && spec.readUnitsPerSecond ? worstCaseFirstPageMs(spec.readUnitsPerSecond) : 0;
}

/**
 * The shards of one batch, one after another, sharing the invocation's deadline and one stop margin
 * (taken from the time left at the start). The first shard that stops at the deadline ends the call
 * with done:false, and so does a deadline already within the margin before the next shard starts (a
 * shard always writes one entry before it can stop); the workflow calls again with the same batch,
 * and the shards finished already return at once (their final part exists). After a shard that read
 * in this call, a budgeted DynamoDB shard starts only with the margin *plus* its worst-case first page
 * left: a stretch cannot stop before its first page closes. The first shard that reads in a call
 * starts whatever that time (a later call would have no more: waiting would loop).
 */
export async function snapshotShardBatch(batch: ShardBatch, deps: SnapshotShardDeps): Promise<ShardBatchProgress> {
  const { deadline } = deps;
  const margin = deps.stopMarginMs ?? (deadline ? Math.max(DEFAULT_STOP_MARGIN_MS, deadline() / 10) : 0);
  const shared: SnapshotShardDeps = { ...deps, stopMarginMs: margin };
  const shards: ShardBatchProgress['shards'] = [];
  let read = false;
  for (const spec of batch.Items) {
    if (shards.length > 0 && deadline && deadline() < margin + (read ? timeBeforeFirstStopMs(spec) : 0)) {
      // No time to start another shard; but the ones left may all be finished (a batch called again).
      const workspace = new BackupWorkspace(deps.vault.store);
      const rest = batch.Items.slice(shards.length);
      for (const item of rest) if (!(await workspace.findPart(batch.BatchInput.backupId, item.index))) return { done: false, shards };
      return { done: true, shards };
    }
    const stretch = await snapshotShardStretch({ backupId: batch.BatchInput.backupId, planKey: batch.BatchInput.planKey, spec }, shared);
    read ||= stretch.read;
    shards.push({ ...stretch.progress, read: stretch.read });
    if (!stretch.progress.done) return { done: false, shards };
  }
  return { done: true, shards };
}
