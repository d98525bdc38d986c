import { type ManifestPart, mergePruneStatesSeen, type PruneStateSeen } from '../../vault';
import { type ShardPartDocument } from './backup-workspace';

/**
 * The final part of a shard that stopped and resumed: its stored segments' parts and the last stretch's,
 * in order, as one ManifestPart (runs and index objects listed one after another, stats summed) and
 * one set of observations. The runs are not merged here: commit merges every run of a source anyway
 * (mergeRunsInto), and the segments' paths never repeat, since each stretch starts after the last entry
 * of the one before.
 */
export function mergeShardSegments(stored: readonly ShardPartDocument[], last: ShardPartDocument): ShardPartDocument {
  if (stored.length === 0) return last;
  const segments = [...stored, last];
  const first = stored[0] as ShardPartDocument;
  const sum = (f: (s: ManifestPart['stats']) => number): number => segments.reduce((n, d) => n + f(d.part.stats), 0);
  return {
    backupId: first.backupId,
    shardIndex: first.shardIndex,
    source: first.source,
    part: {
      v: 1,
      runs: segments.flatMap((d) => d.part.runs),
      indexes: segments.flatMap((d) => d.part.indexes),
      stats: {
        entries: sum((s) => s.entries),
        bytesScanned: sum((s) => s.bytesScanned),
        bytesNew: sum((s) => s.bytesNew),
        bytesStored: sum((s) => s.bytesStored),
        blobsNew: sum((s) => s.blobsNew),
        bytesReused: sum((s) => s.bytesReused),
      },
    },
    observations: {
      changedDuringRead: segments.flatMap((d) => d.observations.changedDuringRead),
      vanished: segments.flatMap((d) => d.observations.vanished),
      skipped: segments.flatMap((d) => d.observations.skipped),
    },
    // A range shard never stops part way (a piece is at most one shard's bytes); carried all the same.
    ...(segments.some((d) => d.pieces) ? { pieces: segments.flatMap((d) => d.pieces ?? []) } : {}),
    ...seenByEvery(segments),
  };
}

/** What every stretch's writer saw of prune's state; nothing when one of them did not record it (then every prune counts). */
function seenByEvery(segments: readonly ShardPartDocument[]): { pruneStateSeen?: PruneStateSeen } {
  const states = segments.map((d) => d.pruneStateSeen);
  if (states.some((s) => s === undefined)) return {};
  const merged = mergePruneStatesSeen(states as PruneStateSeen[]);
  return merged ? { pruneStateSeen: merged } : {};
}
