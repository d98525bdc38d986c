import * as fs from 'node:fs';
import { type OpenFile } from '../platform/file-calls';

/**
 * Writing restored content with holes (docs/FORMAT.md §7, "Sparse files"): the file is new and
 * empty, so a block of it that is never written reads as zeros and takes no disk space. A restore
 * therefore skips every file block (HOLE_BLOCK bytes, aligned to the file's offsets) whose content
 * is all zeros, and the restorer sets the file's length at the end when a hole was left there. The
 * test costs one byte compare per block for data (its first byte is rarely zero) and a memcmp per
 * zero block; data runs between holes are written with one call each, as a dense write would.
 */
export const HOLE_BLOCK = 4096;
const ZEROS = Buffer.alloc(HOLE_BLOCK);

/** The ranges `[start, end)` of `data`, which goes to file offset `position`, that must be written (every block not all zeros). */
export function dataRuns(data: Buffer, position: number): Array<readonly [number, number]> {
  const runs: Array<readonly [number, number]> = [];
  const n = data.length;
  let runStart = -1;
  let i = 0;
  let next = Math.min(n, HOLE_BLOCK - (position % HOLE_BLOCK));
  while (i < n) {
    if (isZero(data, i, next)) {
      if (runStart >= 0) runs.push([runStart, i]);
      runStart = -1;
    } else if (runStart < 0) runStart = i;
    i = next;
    next = Math.min(n, i + HOLE_BLOCK);
  }
  if (runStart >= 0) runs.push([runStart, n]);
  return runs;
}

function isZero(data: Buffer, start: number, end: number): boolean {
  return data[start] === 0 && data[end - 1] === 0 && ZEROS.compare(data, start, end, 0, end - start) === 0;
}

/**
 * Whether `data` holds only zeros from `start` on: what a sparse write leaves unwritten past the
 * file's current end, which reads as zeros once the restorer sets the file's length.
 */
export function zerosFrom(data: Buffer, start: number): boolean {
  for (let at = start; at < data.length; at += HOLE_BLOCK) {
    const end = Math.min(data.length, at + HOLE_BLOCK);
    if (ZEROS.compare(data, at, end, 0, end - at) !== 0) return false;
  }
  return true;
}

/** Writes `data` at `position` of `fd` (synchronously: the codec worker's way), skipping zero blocks when `sparse`; returns the bytes written to the file. */
export function writeAtSync(fd: number, data: Buffer, position: number, sparse: boolean): number {
  if (!sparse) return writeRangeSync(fd, data, 0, data.length, position);
  let written = 0;
  for (const [start, end] of dataRuns(data, position)) written += writeRangeSync(fd, data, start, end, position);
  return written;
}

/** The same through a restore target's open file (the in-thread codec's way). */
export async function writeAt(fh: OpenFile, data: Buffer, position: number, sparse: boolean): Promise<number> {
  const runs = sparse ? dataRuns(data, position) : [[0, data.length] as const];
  let written = 0;
  for (const [start, end] of runs) {
    let done = start;
    while (done < end) done += (await fh.write(data, done, end - done, position + done)).bytesWritten;
    written += end - start;
  }
  return written;
}

function writeRangeSync(fd: number, data: Buffer, start: number, end: number, position: number): number {
  let done = start;
  while (done < end) done += fs.writeSync(fd, data, done, end - done, position + done);
  return end - start;
}
