import * as fs from 'node:fs';
import * as path from 'node:path';
import { contentOf, type FileKind, MAX_FILE_BYTES, MIN_FILE_BYTES } from './dataset';
import { SeededRandom } from './seeded-random';
import { TextContent } from './text-content';
import { type TreeEntry, walkTree } from './tree-walk';

export type ChangeKind = 'overwrite' | 'insert' | 'append' | 'new' | 'delete';

export type FileChange = { readonly kind: ChangeKind; readonly path: string; readonly bytes: number };

export type ChangeSummary = {
  readonly seed: string;
  readonly fraction: number;
  /** Bytes in the tree before the change. */
  readonly treeBytes: number;
  /** Bytes written that were not in the tree before: overwritten + inserted + appended + new. */
  readonly changedBytes: number;
  readonly deletedBytes: number;
  readonly counts: Record<ChangeKind, number>;
  readonly bytes: Record<ChangeKind, number>;
  readonly changes: readonly FileChange[];
};

/** Share of the changed bytes each kind of change writes; new files take whatever edits could not place. */
const SHARE = { overwrite: 0.2, insert: 0.2, append: 0.3 } as const;

/**
 * Applies a seeded change of about `fraction` (default 1 %) of the tree's bytes, as users change
 * data between two backups: bytes overwritten in the middle of some files, bytes inserted in the
 * middle of others (shifting everything after them, which only content-defined chunking absorbs),
 * appends, a few new files (one in a new directory) and a few deleted files. Each touched file gets
 * exactly one change, so the change is measurable independently by common prefix and suffix.
 */
export function applyChange(treeDir: string, options: { seed: string; fraction?: number }): ChangeSummary {
  const fraction = options.fraction ?? 0.01;
  const random = new SeededRandom(`lifeboat-bench-change/${options.seed}`);
  const text = new TextContent(random.derive('text'));
  const files = walkTree(treeDir).filter((e) => e.type === 'file');
  if (files.length < 8) throw new Error(`applyChange: ${treeDir} has ${files.length} files; at least 8 are needed`);
  const treeBytes = files.reduce((sum, f) => sum + f.size, 0);
  const budget = Math.round(treeBytes * fraction);
  const perKind = Math.max(2, Math.round(files.length * 0.02));
  const newCount = Math.max(2, Math.round(files.length * 0.005));
  const deleteCount = Math.max(1, Math.round(files.length * 0.005));

  const order = random.shuffled(files);
  const take = (n: number, accept: (f: TreeEntry) => boolean = () => true): TreeEntry[] => {
    const chosen: TreeEntry[] = [];
    for (let i = 0; i < order.length && chosen.length < n; ) {
      const f = order[i] as TreeEntry;
      if (accept(f)) {
        chosen.push(f);
        order.splice(i, 1);
      } else i++;
    }
    return chosen;
  };
  // Edits go to files big enough to have a middle; deletions to smaller files, so "a few deleted
  // files" stays a small share of the data, as in a typical day's change.
  const sizes = files.map((f) => f.size).sort((a, b) => a - b);
  const median = sizes[Math.floor(sizes.length / 2)] as number;
  const overwriteFiles = take(perKind, (f) => f.size >= 4 * MIN_FILE_BYTES);
  const insertFiles = take(perKind, (f) => f.size >= 4 * MIN_FILE_BYTES);
  const appendFiles = take(perKind);
  const deleteFiles = take(deleteCount, (f) => f.size <= median);

  const changes: FileChange[] = [];
  let written = 0;
  const pathOf = (f: TreeEntry): string => path.join(treeDir, f.relPath);

  for (const f of overwriteFiles) {
    // At most half the file, centred-ish, so a prefix and a suffix of the old bytes survive.
    const length = Math.max(1, Math.min(Math.round((budget * SHARE.overwrite) / overwriteFiles.length), Math.floor(f.size / 2)));
    const offset = random.int(Math.floor(f.size / 4), f.size - Math.floor(f.size / 4) - length);
    const fd = fs.openSync(pathOf(f), 'r+');
    try {
      fs.writeSync(fd, freshBytes(f.relPath, length, random, text, 'overwrite'), 0, length, offset);
    } finally {
      fs.closeSync(fd);
    }
    changes.push({ kind: 'overwrite', path: f.relPath, bytes: length });
    written += length;
  }
  for (const f of insertFiles) {
    const length = Math.max(1, Math.min(Math.round((budget * SHARE.insert) / insertFiles.length), Math.floor(f.size / 2)));
    const offset = random.int(Math.floor(f.size / 4), Math.floor((3 * f.size) / 4));
    const old = fs.readFileSync(pathOf(f));
    fs.writeFileSync(pathOf(f), Buffer.concat([old.subarray(0, offset), freshBytes(f.relPath, length, random, text, 'insert'), old.subarray(offset)]));
    changes.push({ kind: 'insert', path: f.relPath, bytes: length });
    written += length;
  }
  for (const f of appendFiles) {
    const length = Math.max(1, Math.round((budget * SHARE.append) / appendFiles.length));
    fs.appendFileSync(pathOf(f), freshBytes(f.relPath, length, random, text, 'append'));
    changes.push({ kind: 'append', path: f.relPath, bytes: length });
    written += length;
  }
  for (const f of deleteFiles) {
    fs.rmSync(pathOf(f));
    changes.push({ kind: 'delete', path: f.relPath, bytes: f.size });
  }
  // New files carry the rest of the budget; more of them when the rest exceeds their maximum size.
  const rest = Math.max(0, budget - written);
  const count = Math.max(newCount, Math.ceil(rest / MAX_FILE_BYTES));
  const dirs = [...new Set(files.map((f) => path.posix.dirname(f.relPath)))].sort();
  for (let i = 0; i < count; i++) {
    const size = Math.min(MAX_FILE_BYTES, Math.max(MIN_FILE_BYTES, Math.round(rest / count)));
    const kind: FileKind = random.pick(['prose', 'log', 'random'] as const);
    // The first new file goes into a new directory, so the incremental also sees a new directory.
    const dir = i === 0 ? 'new-dir' : random.pick(dirs);
    const relPath = `${dir}/new-${String(i).padStart(4, '0')}.${kind === 'random' ? 'bin' : kind === 'log' ? 'log' : 'txt'}`;
    fs.mkdirSync(path.join(treeDir, dir), { recursive: true });
    fs.writeFileSync(path.join(treeDir, relPath), contentOf(kind, size, random, text, `new/${relPath}`));
    changes.push({ kind: 'new', path: relPath, bytes: size });
    written += size;
  }

  const counts: Record<ChangeKind, number> = { overwrite: 0, insert: 0, append: 0, new: 0, delete: 0 };
  const bytes: Record<ChangeKind, number> = { overwrite: 0, insert: 0, append: 0, new: 0, delete: 0 };
  for (const c of changes) {
    counts[c.kind] += 1;
    bytes[c.kind] += c.bytes;
  }
  return { seed: options.seed, fraction, treeBytes, changedBytes: written, deletedBytes: bytes.delete, counts, bytes, changes };
}

/** Bytes like the file's own kind (text into text files, noise into binaries), so compression sees the same mix. */
function freshBytes(relPath: string, length: number, random: SeededRandom, text: TextContent, why: string): Buffer {
  const kind: FileKind = relPath.endsWith('.txt') ? 'prose' : relPath.endsWith('.log') ? 'log' : 'random';
  return contentOf(kind, length, random, text, `${why}/${relPath}`);
}
