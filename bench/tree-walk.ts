import * as fs from 'node:fs';
import * as path from 'node:path';

export type TreeEntry = {
  /** Path relative to the walked root, '/'-separated. */
  readonly relPath: string;
  readonly type: 'file' | 'dir' | 'symlink' | 'other';
  /** Bytes for files, 0 otherwise. */
  readonly size: number;
  readonly stat: fs.Stats;
};

/**
 * Every entry under `root` (not the root itself), sorted by relative path, so the data set,
 * the change applied to it and tree comparisons all visit files in the same order everywhere.
 */
export function walkTree(root: string): TreeEntry[] {
  const out: TreeEntry[] = [];
  const visit = (dir: string, prefix: string): void => {
    const names = fs.readdirSync(dir).sort();
    for (const name of names) {
      const full = path.join(dir, name);
      const relPath = prefix ? `${prefix}/${name}` : name;
      const stat = fs.lstatSync(full);
      const type = stat.isFile() ? 'file' : stat.isDirectory() ? 'dir' : stat.isSymbolicLink() ? 'symlink' : 'other';
      out.push({ relPath, type, size: type === 'file' ? stat.size : 0, stat });
      if (type === 'dir') visit(full, relPath);
    }
  };
  visit(root, '');
  return out;
}

/** Bytes a tree takes: the sum of file lengths, and what the file system allocated (what `du` shows). */
export function diskUsage(root: string): { apparentBytes: number; allocatedBytes: number } {
  let apparentBytes = 0;
  let allocatedBytes = 0;
  for (const entry of walkTree(root)) {
    apparentBytes += entry.size;
    allocatedBytes += entry.stat.blocks * 512;
  }
  return { apparentBytes, allocatedBytes };
}

/**
 * Reads every file once, so each tool starts its backup with the source in the page cache
 * whatever ran before it (the bench cannot drop caches, so it makes them uniformly warm).
 */
export function readWholeTree(root: string): number {
  const buffer = Buffer.allocUnsafe(4 << 20);
  let total = 0;
  for (const entry of walkTree(root)) {
    if (entry.type !== 'file') continue;
    const fd = fs.openSync(path.join(root, entry.relPath), 'r');
    try {
      let n: number;
      while ((n = fs.readSync(fd, buffer, 0, buffer.length, null)) > 0) total += n;
    } finally {
      fs.closeSync(fd);
    }
  }
  return total;
}
