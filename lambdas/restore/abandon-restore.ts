import { AbortMultipartUploadCommand, type S3Client } from '@aws-sdk/client-s3';
import { RestoreTarget } from '../../vault';
import { piecesByEntry } from './piece-records';
import { getRestorePlan } from './restore-plan-document';
import { type RestoreIo } from './restore-io';
import { type ReleaseRestorePin } from './restore-pin';
import { mountRootOf, openTargetDirectory } from './target-directory';

/** `releasePin`: removes the restore's pin on its backup (restore-pin.ts); absent, nothing is unpinned. */
export type AbandonRestoreDeps = Pick<RestoreIo, 'planS3' | 'planBucket' | 'targetS3' | 'directory' | 'mountPath'> & { releasePin?: ReleaseRestorePin | undefined };

/** What abandoning a failed restore removed. */
export type AbandonedRestore = { restoreId: string; abortedUploads: number; removedPieceFiles: number };

/**
 * The failure path of a restore that got as far as its plan: what only the verify step would have
 * put in place is removed, so a failed restore leaves no hidden cost behind. An S3 entry restored in
 * pieces is a multipart upload the plan started, whose parts S3 bills until it is completed or
 * aborted; a file restored in pieces is a `.part` file beside its name, as large as what its shards
 * wrote. Both are named by the plan alone (upload id and key, entry path), so this needs neither the
 * vault nor the snapshot. Idempotent: an upload already gone (NoSuchUpload) or a piece file already
 * removed counts as removed. The objects and files the shards did write stay, as after any failed
 * restore; a new restore replaces them. The restore's pin on its backup is removed first (best effort),
 * so that a failure to abandon the pieces does not keep the backup from retention.
 */
export async function abandonRestore(input: { planKey: string }, deps: AbandonRestoreDeps): Promise<AbandonedRestore> {
  const plan = await getRestorePlan(deps.planS3, deps.planBucket, input.planKey);
  const restoreId = plan.restore.restoreId;
  await deps.releasePin?.(plan.restore);
  const target = plan.restore.target;
  const split = piecesByEntry(plan);
  const outcome: AbandonedRestore = { restoreId, abortedUploads: 0, removedPieceFiles: 0 };
  if (split.size === 0) return outcome;
  if (target.type === 's3') {
    for (const pieces of split.values()) {
      const piece = pieces[0]?.piece;
      if (piece?.uploadId && piece.key) await abortUpload(deps.targetS3, target.bucket, piece.key, piece.uploadId);
      outcome.abortedUploads++;
    }
  } else if (target.type === 'filesystem') {
    const dir = await openTargetDirectory(mountRootOf(deps.mountPath, deps.directory), target.path, { create: false });
    if (!dir) return outcome;
    try {
      const files = new RestoreTarget(dir.path, { owner: 'never' });
      for (const path of split.keys()) {
        await files.discardFilePieces(path, restoreId);
        outcome.removedPieceFiles++;
      }
    } finally {
      await dir.close();
    }
  }
  return outcome;
}

async function abortUpload(s3: S3Client, bucket: string, key: string, uploadId: string): Promise<void> {
  try {
    await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }));
  } catch (err) {
    // Completed by a verify step that got that far, or aborted by an earlier attempt of this one.
    if ((err as Error).name !== 'NoSuchUpload') throw err;
  }
}
