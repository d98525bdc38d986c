import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { compareTrees } from '../../../bench/compare-trees';
import { generateDataset, MAX_FILE_BYTES, MIN_FILE_BYTES } from '../../../bench/dataset';
import { applyChange } from '../../../bench/mutate';
import { walkTree } from '../../../bench/tree-walk';

/**
 * The benchmark is only comparable across runs and machines if its data set and its 1 % change
 * are reproducible; these tests pin that down on a few MiB (no timings here: those live in the bench).
 */

const SIZE = 12 * 2 ** 20;
let scratch: string;

beforeEach(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-dataset-'));
});

afterEach(() => {
  fs.rmSync(scratch, { recursive: true, force: true });
});

const dir = (name: string): string => path.join(scratch, name);

/**
 * Bytes of `after` that are not in `before`, measured independently of what applyChange reports:
 * per file, whatever lies between the longest common prefix and the longest common suffix (exact
 * for one overwrite, insertion or append per file); new files count whole, deleted files separately.
 */
function measureChange(before: string, after: string): { changed: number; deleted: number; newFiles: number; deletedFiles: number } {
  const a = new Map(walkTree(before).filter((e) => e.type === 'file').map((e) => [e.relPath, e]));
  const b = new Map(walkTree(after).filter((e) => e.type === 'file').map((e) => [e.relPath, e]));
  let changed = 0;
  let deleted = 0;
  let newFiles = 0;
  let deletedFiles = 0;
  for (const [rel, entry] of b) {
    if (!a.has(rel)) {
      changed += entry.size;
      newFiles += 1;
      continue;
    }
    const x = fs.readFileSync(path.join(before, rel));
    const y = fs.readFileSync(path.join(after, rel));
    const limit = Math.min(x.length, y.length);
    let prefix = 0;
    while (prefix < limit && x[prefix] === y[prefix]) prefix++;
    let suffix = 0;
    while (suffix < limit - prefix && x[x.length - 1 - suffix] === y[y.length - 1 - suffix]) suffix++;
    changed += y.length - prefix - suffix;
  }
  for (const [rel, entry] of a) {
    if (!b.has(rel)) {
      deleted += entry.size;
      deletedFiles += 1;
    }
  }
  return { changed, deleted, newFiles, deletedFiles };
}

describe('bench data set', () => {
  it('is the same bytes for the same seed', () => {
    const first = generateDataset(dir('a'), { seed: 's1', sizeBytes: SIZE });
    const second = generateDataset(dir('b'), { seed: 's1', sizeBytes: SIZE });
    expect(second).toEqual(first);
    const comparison = compareTrees(dir('a'), dir('b'));
    expect(comparison.differences).toEqual([]);
    expect(comparison.equal).toBe(true);
    expect(comparison.bytes).toBe(first.totalBytes);
  });

  it('differs for another seed', () => {
    const first = generateDataset(dir('a'), { seed: 's1', sizeBytes: SIZE });
    const other = generateDataset(dir('b'), { seed: 's2', sizeBytes: SIZE });
    expect(other.files.map((f) => [f.path, f.size])).not.toEqual(first.files.map((f) => [f.path, f.size]));
    expect(compareTrees(dir('a'), dir('b')).equal).toBe(false);
  });

  it('has the size asked for, files of 4 KiB to 4 MiB, every kind, and exact duplicates', () => {
    const manifest = generateDataset(dir('a'), { seed: 's1', sizeBytes: SIZE });
    expect(manifest.totalBytes).toBeLessThanOrEqual(SIZE);
    expect(manifest.totalBytes).toBeGreaterThan(SIZE - MIN_FILE_BYTES);
    const onDisk = walkTree(dir('a')).filter((e) => e.type === 'file');
    expect(onDisk.reduce((s, e) => s + e.size, 0)).toBe(manifest.totalBytes);
    // The last file may be cut to what is left of the target; every other one is in range.
    for (const file of manifest.files.slice(0, -1)) {
      expect(file.size).toBeGreaterThanOrEqual(MIN_FILE_BYTES);
      expect(file.size).toBeLessThanOrEqual(MAX_FILE_BYTES);
    }
    for (const kind of ['prose', 'log', 'random', 'duplicate'] as const) expect(manifest.byKind[kind].files).toBeGreaterThan(0);
    for (const dup of manifest.files.filter((f) => f.kind === 'duplicate')) {
      expect(fs.readFileSync(path.join(dir('a'), dup.path)).equals(fs.readFileSync(path.join(dir('a'), dup.duplicateOf as string)))).toBe(true);
    }
  });
});

describe('bench 1 % change', () => {
  it('changes about 1 % of the bytes with edits, inserts, appends, new and deleted files', () => {
    generateDataset(dir('before'), { seed: 's1', sizeBytes: SIZE });
    fs.cpSync(dir('before'), dir('after'), { recursive: true });
    const summary = applyChange(dir('after'), { seed: 's1' });

    const measured = measureChange(dir('before'), dir('after'));
    const total = summary.treeBytes;
    expect(measured.changed / total).toBeGreaterThan(0.005);
    expect(measured.changed / total).toBeLessThan(0.02);
    // Random replacement bytes can coincide with the old ones at an edit's edges, never more than that.
    expect(measured.changed).toBeLessThanOrEqual(summary.changedBytes);
    expect(measured.changed).toBeGreaterThan(summary.changedBytes * 0.99);
    expect(measured.deleted).toBe(summary.deletedBytes);
    expect(measured.newFiles).toBe(summary.counts.new);
    expect(measured.deletedFiles).toBe(summary.counts.delete);
    for (const kind of ['overwrite', 'insert', 'append', 'new', 'delete'] as const) expect(summary.counts[kind]).toBeGreaterThan(0);
    // Overwrites keep a file's size; inserts and appends grow it by exactly the bytes written.
    for (const change of summary.changes) {
      if (change.kind === 'new' || change.kind === 'delete') continue;
      const grown = fs.statSync(path.join(dir('after'), change.path)).size - fs.statSync(path.join(dir('before'), change.path)).size;
      expect(grown).toBe(change.kind === 'overwrite' ? 0 : change.bytes);
    }
  });

  it('is the same change for the same seed', () => {
    generateDataset(dir('base'), { seed: 's1', sizeBytes: SIZE });
    fs.cpSync(dir('base'), dir('x'), { recursive: true });
    fs.cpSync(dir('base'), dir('y'), { recursive: true });
    expect(applyChange(dir('y'), { seed: 's1' })).toEqual(applyChange(dir('x'), { seed: 's1' }));
    expect(compareTrees(dir('x'), dir('y')).equal).toBe(true);
  });
});
