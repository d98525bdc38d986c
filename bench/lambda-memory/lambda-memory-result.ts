/**
 * What the lambda-memory section of the bench measured (lambda-memory-section.ts), apart from the
 * section itself so that the report reads it without loading the CDK.
 */

/**
 * Issue 16 item 5: "Lambda memory sizes then follow from measured peaks". A function's measured
 * peak RSS stays within this share of its memory size (FUNCTION_SIZING): the other half is room for
 * larger inputs than the bench's and for the Lambda runtime's own process.
 */
export const LAMBDA_MEMORY_SHARE = 0.5;

export type LambdaMemoryFunction = {
  /** The function, as FUNCTION_SIZING names it. */
  readonly name: string;
  readonly memoryMb: number;
  readonly invocations: number;
  /** The highest peak RSS of its invocations, each a process of its own. */
  readonly peakRssBytes: number;
  /** The path (source type) of the invocation with that peak. */
  readonly peakPath: string;
  /** Wall seconds of its invocations, process start-up included. */
  readonly seconds: number;
};

export type LambdaMemoryResult = {
  readonly bucket: { objects: number; bytes: number };
  readonly items: number;
  readonly tree: { files: number; bytes: number };
  /** Each path's backup and restore: its shards and batches, and whether the restored target equals the source (SHA-256 of every object or item). */
  readonly paths: ReadonlyArray<{ path: string; shards: number; restoreBatches: number; restoredEqual: boolean }>;
  /** replicate-backup: every backup copied into the DR vault, a bucket of the cloud's second region. */
  readonly replication: { fromRegion: string; toRegion: string; backupsCopied: number; bytesCopied: number };
  /**
   * The tree's first backup forgotten (its second one, of the changed tree, kept), then prune-vault
   * twice (repack threshold 0, grace 0): packs repacked, bytes freed, and whether the kept backup
   * still restores equal to the tree.
   */
  readonly prune: { forgotten: number; packsRepacked: number; bytesRepackWritten: number; bytesFreed: number; restoredEqual: boolean };
  readonly functions: LambdaMemoryFunction[];
};
