import * as fs from 'node:fs';
import * as path from 'node:path';
import { SeededRandom } from './seeded-random';
import { TextContent } from './text-content';

/** Bump when the generator's output changes, so cached data sets made by an older one are not reused. */
export const DATASET_GENERATOR_VERSION = 1;
export const MIN_FILE_BYTES = 4 * 1024;
export const MAX_FILE_BYTES = 4 * 1024 * 1024;

export type FileKind = 'prose' | 'log' | 'random' | 'duplicate';

/**
 * How often each kind is drawn. File sizes do not depend on the kind, so these are also the
 * approximate shares of bytes: ~45 % compressible text, ~40 % incompressible, ~15 % exact copies
 * of other files (which a deduplicating store keeps once).
 */
const KIND_WEIGHTS: ReadonlyArray<readonly [FileKind, number]> = [
  ['prose', 0.25],
  ['log', 0.2],
  ['random', 0.4],
  ['duplicate', 0.15],
];
const EXTENSION: Record<Exclude<FileKind, 'duplicate'>, string> = { prose: 'txt', log: 'log', random: 'bin' };
/** 16 top-level directories of 4 subdirectories each: a tree, not one flat directory. */
const TOP_DIRS = 16;
const SUB_DIRS = 4;

export type DatasetFile = {
  readonly path: string;
  readonly size: number;
  readonly kind: FileKind;
  /** For duplicates, the file whose bytes this one repeats. */
  readonly duplicateOf?: string;
};

export type DatasetManifest = {
  readonly generatorVersion: number;
  readonly seed: string;
  readonly targetBytes: number;
  readonly totalBytes: number;
  readonly files: readonly DatasetFile[];
  readonly byKind: Record<FileKind, { files: number; bytes: number }>;
};

export type DatasetOptions = { readonly seed: string; readonly sizeBytes: number };

/** Writes the data set for `options` into `dir` (created; must not hold files already). */
export function generateDataset(dir: string, options: DatasetOptions): DatasetManifest {
  fs.mkdirSync(dir, { recursive: true });
  if (fs.readdirSync(dir).length > 0) throw new Error(`generateDataset: ${dir} is not empty`);
  const random = new SeededRandom(`lifeboat-bench-dataset/v${DATASET_GENERATOR_VERSION}/${options.seed}`);
  const text = new TextContent(random.derive('text'));
  const files: DatasetFile[] = [];
  const byKind: DatasetManifest['byKind'] = {
    prose: { files: 0, bytes: 0 },
    log: { files: 0, bytes: 0 },
    random: { files: 0, bytes: 0 },
    duplicate: { files: 0, bytes: 0 },
  };
  let total = 0;

  while (options.sizeBytes - total >= MIN_FILE_BYTES) {
    const index = files.length;
    const remaining = options.sizeBytes - total;
    const dirRel = `dir-${String(random.int(0, TOP_DIRS - 1)).padStart(2, '0')}/sub-${random.int(0, SUB_DIRS - 1)}`;
    let kind = drawKind(random);
    let duplicateOf: DatasetFile | undefined;
    if (kind === 'duplicate') {
      // Only originals that fit what is left, so the total stays within one small file of the target.
      const candidates = files.filter((f) => f.kind !== 'duplicate' && f.size <= remaining);
      duplicateOf = candidates.length > 0 ? random.pick(candidates) : undefined;
      if (!duplicateOf) kind = random.next() < 0.5 ? 'prose' : 'random';
    }
    const size = duplicateOf ? duplicateOf.size : Math.min(random.logUniformInt(MIN_FILE_BYTES, MAX_FILE_BYTES), remaining);
    const ext = duplicateOf ? path.extname(duplicateOf.path).slice(1) : EXTENSION[kind as Exclude<FileKind, 'duplicate'>];
    const relPath = `${dirRel}/${kind}-${String(index).padStart(6, '0')}.${ext}`;
    const full = path.join(dir, relPath);
    fs.mkdirSync(path.dirname(full), { recursive: true });
    if (duplicateOf) fs.copyFileSync(path.join(dir, duplicateOf.path), full);
    else fs.writeFileSync(full, contentOf(kind, size, random, text, relPath));
    files.push({ path: relPath, size, kind, ...(duplicateOf ? { duplicateOf: duplicateOf.path } : {}) });
    byKind[kind].files += 1;
    byKind[kind].bytes += size;
    total += size;
  }
  return {
    generatorVersion: DATASET_GENERATOR_VERSION,
    seed: options.seed,
    targetBytes: options.sizeBytes,
    totalBytes: total,
    files,
    byKind,
  };
}

/** Contents of a fresh (non-duplicate) file; also used for the bytes the 1 % change writes. */
export function contentOf(kind: FileKind, size: number, random: SeededRandom, text: TextContent, label: string): Buffer {
  switch (kind) {
    case 'prose':
      return text.prose(size);
    case 'log':
      return text.log(size);
    case 'random':
    case 'duplicate':
      return random.bytes(label, size);
  }
}

function drawKind(random: SeededRandom): FileKind {
  let r = random.next();
  for (const [kind, weight] of KIND_WEIGHTS) {
    if (r < weight) return kind;
    r -= weight;
  }
  return 'random';
}

export type CachedDataset = { readonly treeDir: string; readonly manifest: DatasetManifest; readonly cached: boolean };

/**
 * The data set under `cacheRoot`, generated only when no complete copy for the same seed, size
 * and generator version is there. The manifest is written last, so an interrupted generation is
 * never mistaken for a complete one; it lives beside the tree, not in it, so no tool backs it up.
 */
export function ensureCachedDataset(cacheRoot: string, options: DatasetOptions, log: (line: string) => void): CachedDataset {
  const key = `v${DATASET_GENERATOR_VERSION}-${options.seed.replace(/[^A-Za-z0-9._-]/g, '_')}-${options.sizeBytes}`;
  const base = path.join(cacheRoot, key);
  const treeDir = path.join(base, 'tree');
  const manifestFile = path.join(base, 'manifest.json');
  if (fs.existsSync(manifestFile) && fs.existsSync(treeDir)) {
    const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as DatasetManifest;
    if (manifest.generatorVersion === DATASET_GENERATOR_VERSION) return { treeDir, manifest, cached: true };
  }
  fs.rmSync(base, { recursive: true, force: true });
  log(`generating the data set (${(options.sizeBytes / 2 ** 20).toFixed(0)} MiB, seed ${options.seed}) into ${treeDir}`);
  const manifest = generateDataset(treeDir, options);
  fs.writeFileSync(manifestFile, `${JSON.stringify(manifest, null, 1)}\n`);
  return { treeDir, manifest, cached: false };
}
