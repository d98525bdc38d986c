import * as fs from 'node:fs';
import * as path from 'node:path';
import { type TreeEntry, walkTree } from './tree-walk';

export type TreeComparison = {
  /** Same paths, same types, same file bytes and symlink targets. */
  readonly equal: boolean;
  readonly files: number;
  readonly bytes: number;
  /** Content or structure differences (first 20): these make `equal` false. */
  readonly differences: readonly string[];
  /** Permission bits or mtimes that differ (first 20): reported, but they do not make a restore wrong for this bench. */
  readonly metadataDifferences: readonly string[];
  readonly metadataDifferenceCount: number;
};

const LIMIT = 20;
const CHUNK = 1 << 20;

/** Compares a restored tree with the source it came from, byte for byte. */
export function compareTrees(expectedRoot: string, actualRoot: string): TreeComparison {
  const differences: string[] = [];
  const metadata: string[] = [];
  let metadataDifferenceCount = 0;
  let differenceCount = 0;
  const differ = (line: string): void => {
    differenceCount += 1;
    if (differences.length < LIMIT) differences.push(line);
  };
  if (!fs.existsSync(actualRoot)) {
    return { equal: false, files: 0, bytes: 0, differences: [`${actualRoot} does not exist`], metadataDifferences: [], metadataDifferenceCount: 0 };
  }
  const expected = new Map(walkTree(expectedRoot).map((e) => [e.relPath, e]));
  const actual = new Map(walkTree(actualRoot).map((e) => [e.relPath, e]));
  let files = 0;
  let bytes = 0;
  for (const [rel, want] of expected) {
    const got = actual.get(rel);
    if (!got) {
      differ(`missing: ${rel}`);
      continue;
    }
    if (got.type !== want.type) {
      differ(`type: ${rel} is a ${got.type}, expected a ${want.type}`);
      continue;
    }
    if (want.type === 'file') {
      files += 1;
      bytes += want.size;
      const why = fileDifference(path.join(expectedRoot, rel), path.join(actualRoot, rel), want, got);
      if (why) differ(`content: ${rel}: ${why}`);
    } else if (want.type === 'symlink') {
      const a = fs.readlinkSync(path.join(expectedRoot, rel));
      const b = fs.readlinkSync(path.join(actualRoot, rel));
      if (a !== b) differ(`symlink: ${rel} -> ${b}, expected -> ${a}`);
    }
    const metaWhy = metadataDifference(want, got);
    if (metaWhy) {
      metadataDifferenceCount += 1;
      if (metadata.length < LIMIT) metadata.push(`${rel}: ${metaWhy}`);
    }
  }
  for (const rel of actual.keys()) if (!expected.has(rel)) differ(`unexpected: ${rel}`);
  if (differenceCount > differences.length) differences.push(`... and ${differenceCount - differences.length} more`);
  return { equal: differenceCount === 0, files, bytes, differences, metadataDifferences: metadata, metadataDifferenceCount };
}

function fileDifference(expectedFile: string, actualFile: string, want: TreeEntry, got: TreeEntry): string | undefined {
  if (want.size !== got.size) return `${got.size} bytes, expected ${want.size}`;
  const a = fs.openSync(expectedFile, 'r');
  const b = fs.openSync(actualFile, 'r');
  try {
    const bufA = Buffer.allocUnsafe(CHUNK);
    const bufB = Buffer.allocUnsafe(CHUNK);
    for (let offset = 0; offset < want.size; ) {
      const n = fs.readSync(a, bufA, 0, CHUNK, offset);
      const m = fs.readSync(b, bufB, 0, n, offset);
      if (n === 0 || m !== n) return `short read at byte ${offset}`;
      if (!bufA.subarray(0, n).equals(bufB.subarray(0, n))) {
        let i = 0;
        while (i < n && bufA[i] === bufB[i]) i++;
        return `first difference at byte ${offset + i}`;
      }
      offset += n;
    }
    return undefined;
  } finally {
    fs.closeSync(a);
    fs.closeSync(b);
  }
}

function metadataDifference(want: TreeEntry, got: TreeEntry): string | undefined {
  const parts: string[] = [];
  const wantMode = want.stat.mode & 0o7777;
  const gotMode = got.stat.mode & 0o7777;
  if (want.type !== 'symlink' && wantMode !== gotMode) parts.push(`mode ${gotMode.toString(8)}, expected ${wantMode.toString(8)}`);
  // Files only: a directory's mtime is right only if the restorer sets it after writing its children,
  // an ordering detail this bench does not judge.
  // Millisecond tolerance: a format may keep mtimes in milliseconds rather than nanoseconds.
  if (want.type === 'file' && Math.abs(want.stat.mtimeMs - got.stat.mtimeMs) >= 1) {
    parts.push(`mtime ${got.stat.mtime.toISOString()}, expected ${want.stat.mtime.toISOString()}`);
  }
  return parts.length ? parts.join('; ') : undefined;
}
