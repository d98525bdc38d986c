import { type FileSample } from './file-sample';

/**
 * How a regular file in the replica differs from the source's, in the check's words: older (an earlier mtime) first, else
 * another size. For a copy that is older or of another size (compareFileMirror; judgeUnconfirmed's arrived copies).
 */
export function copyDifference(source: Pick<FileSample, 'size' | 'mtimeMs'>, replica: Pick<FileSample, 'size' | 'mtimeMs'>): string {
  return replica.mtimeMs < source.mtimeMs
    ? `older in the mirror (mtime ${new Date(replica.mtimeMs).toISOString()}, source ${new Date(source.mtimeMs).toISOString()})`
    : `size ${replica.size} in the mirror, ${source.size} at the source`;
}
