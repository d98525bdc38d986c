import { CatalogItemInvalidError } from '../catalog/catalog-errors';
import { mirrorOf, type ProtectionPlanConfig } from '../../config/lifeboat-config';
import * as path from 'node:path';
import { type FileWindow, sampleFileWindow, sourceFilesAt } from './file-mirror-sampler';
import { type FileSamplesRecord, readUnder } from './file-mirror-samples';
import { type FileSamplesLog } from './file-samples-log';

export type FileMirrorSamplingDeps = {
  environment: string;
  plans: readonly ProtectionPlanConfig[];
  /** Where a configured source path is on this function's disk (the mount, or the local cloud's directory). */
  directory: (sourcePath: string) => string;
  /** The DR catalog's samples, which the mirror check there reads, and the check's unconfirmed paths, which the sampler answers. */
  log: Pick<FileSamplesLog, 'get' | 'record' | 'unconfirmed'>;
  now: () => number;
  /** Told what the sampling went on without (a check's record, or its own previous samples item, it could not read); absent: nothing is told. */
  warn?: (message: string) => void;
};

export type FileMirrorSamplingResult = { sampledAt: string; sources: Array<{ source: string; samples: number; skipped: number; cursor: string; problem?: string }> };

/**
 * The primary region's half of a file-system mirror check (docs/ARCHITECTURE.md, "Mirrors"): for each
 * mirrored file-system source, the next window of its files (after the previous window's cursor) read
 * with size, mtime and SHA-256, and recorded in the DR catalog for the DR region's check to compare
 * with the replica it mounts. With it, the answer about the files the check found missing from the replica and holds
 * unconfirmed: whether the source still has them (unconfirmed-missing.ts; review r57L-2).
 */
export async function runFileMirrorSampling(input: { samples: number }, deps: FileMirrorSamplingDeps): Promise<FileMirrorSamplingResult> {
  const sampledAt = new Date(deps.now()).toISOString();
  const sources: FileMirrorSamplingResult['sources'] = [];
  for (const plan of deps.plans) {
    for (const source of plan.sources) {
      if (source.type !== 'filesystem' || mirrorOf(source) === undefined) continue;
      // An item read under another path (the configuration changed): its cursor and problems were about the former
      // directory, so a new pass starts over the path configured now (review r57O-2).
      const previous = readUnder(source.path, await previousSamples(source.name, deps));
      const directory = deps.directory(source.path);
      const sourceAnswers = await answersFor(source.name, source.path, directory, deps);
      const window = await sampleFileWindow(directory, { after: previous?.cursor ?? '', samples: input.samples });
      // Read after the window: a sample may show its file as late as this, so the check waits for a sync past it (audit a57A-3).
      const readUntil = new Date(deps.now()).toISOString();
      const { problem: reported, passProblem } = carriedProblem(previous, window.problem === undefined ? undefined : problemText(source.path, window.problem), window.cursor);
      const problem = reported === undefined ? {} : { problem: reported };
      await deps.log.record({
        environment: deps.environment,
        source: source.name,
        sourcePath: source.path,
        sampledAt,
        readUntil,
        samples: window.samples,
        cursor: window.cursor,
        skipped: window.skipped,
        ...problem,
        ...(passProblem === undefined ? {} : { passProblem }),
        ...(sourceAnswers === undefined ? {} : { sourceAnswers }),
      });
      sources.push({ source: source.name, samples: window.samples.length, skipped: window.skipped, cursor: window.cursor, ...problem });
    }
  }
  return { sampledAt, sources };
}

/**
 * The source's samples item as the last run wrote it. One the sampler cannot read (tampered, or written by a newer
 * version) is taken as none, with a warning: a new pass starts over the source, rather than every source after it go
 * unsampled and unanswered (review r57V-2; answersFor reads the check's record so too).
 */
async function previousSamples(name: string, deps: FileMirrorSamplingDeps): Promise<FileSamplesRecord | undefined> {
  try {
    return await deps.log.get(name);
  } catch (err) {
    if (!(err instanceof CatalogItemInvalidError)) throw err;
    deps.warn?.(`file-system source ${name}: the sampler's previous samples item was not read, so a new pass starts over the source: ${err.message}`);
    return undefined;
  }
}

/** The source's files at the check's unconfirmed paths, when it holds any under this source path (another path's are the check's to drop). */
async function answersFor(name: string, sourcePath: string, root: string, deps: FileMirrorSamplingDeps): Promise<FileSamplesRecord['sourceAnswers']> {
  let list: Awaited<ReturnType<FileMirrorSamplingDeps['log']['unconfirmed']>>;
  try {
    list = await deps.log.unconfirmed(name);
  } catch (err) {
    // A check's record the sampler cannot read (tampered, or of a version it does not know) is no list for this source:
    // its held paths go unanswered, and the check fails them closed within its bound; the other sources are sampled (review r57R-2).
    if (!(err instanceof CatalogItemInvalidError)) throw err;
    deps.warn?.(`file-system source ${name}: the DR check's list of files held unconfirmed was not answered: ${err.message}`);
    return undefined;
  }
  const listed = readUnder(sourcePath, list);
  if (listed === undefined) return undefined;
  const paths = await sourceFilesAt(root, listed.paths);
  return { listedAt: listed.checkedAt, at: new Date(deps.now()).toISOString(), paths };
}

/**
 * The problem a sampling reports (FileSamplesRecord.problem): its window's, else the one its pass met in an earlier
 * window, else the last complete pass's. A pass that ends having read everything clears it; until then every sampling
 * reports it, so the check fails at every run and not only at the one whose window met the path (review r57L-3).
 * An item of an earlier sampler (no `sourcePath`) mid-pass has no `passProblem`, whether or not its pass met its
 * `problem`: that problem is taken as the pass's, or a pass that met it would clear it at its end unread (review
 * r57O-4). When it was the last complete pass's, the check fails one pass longer, once, at the upgrade.
 */
export function carriedProblem(
  previous: Pick<FileSamplesRecord, 'cursor' | 'problem' | 'passProblem' | 'sourcePath'> | undefined,
  found: string | undefined,
  cursor: string,
): { problem?: string; passProblem?: string } {
  const startedPass = (previous?.cursor ?? '') === '';
  const earlierOfPass = previous?.passProblem ?? (previous?.sourcePath === undefined ? previous?.problem : undefined);
  const ofPass = found ?? (startedPass ? undefined : earlierOfPass);
  const endedPass = cursor === '';
  // The previous sampling's problem, as long as this pass has read everything so far, is the last complete pass's.
  const problem = ofPass ?? (endedPass ? undefined : previous?.problem);
  return { ...(problem === undefined ? {} : { problem }), ...(ofPass === undefined || endedPass ? {} : { passProblem: ofPass }) };
}

/** The sampler's problem as the check's note quotes it: the configured path, the error, how many more; kept short, as the item must stay small. */
function problemText(sourcePath: string, problem: NonNullable<FileWindow['problem']>): string {
  const first = `${path.posix.join(sourcePath, problem.path)}: ${problem.message}`.slice(0, 2048);
  return problem.more > 0 ? `${first} (and ${problem.more} more unreadable path(s))` : first;
}
