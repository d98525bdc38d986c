import { type ManifestPart, type ManifestRun, manifestPartSchema, type PageRef, type WriterStats } from './manifest-format';
import { parseSchema } from '../repository/vault-schema';

/** A non-empty run of a part by its bounds and its place in the part. */
export type RunBounds = { readonly run: number; readonly first: string; readonly last: string };

/**
 * What a commit keeps of a writer's part while it merges: its runs' bounds, its index objects and
 * its counters. A part's page references are the bulk of it: a billion entries make 500,000, about
 * half a GiB of JavaScript objects in one commit if every part were held whole.
 */
export type PartSummary = { readonly runs: readonly RunBounds[]; readonly indexes: readonly string[]; readonly stats: WriterStats };

export function summarizePart(part: ManifestPart): PartSummary {
  const runs: RunBounds[] = [];
  part.runs.forEach((pages, run) => {
    if (pages.length > 0) runs.push({ run, first: (pages[0] as PageRef).first, last: (pages[pages.length - 1] as PageRef).last });
  });
  return { runs, indexes: part.indexes, stats: part.stats };
}

/** The parts of a snapshot for its commit: summaries in memory, a run's page references read (again) when the merge reaches it. */
export type CommitParts = {
  readonly summaries: readonly PartSummary[];
  runPages(part: number, run: number): Promise<ManifestRun>;
};

/** Parts already in memory (a directory backup's one writer, tests), checked against the part schema. */
export function partsInMemory(parts: readonly ManifestPart[]): CommitParts {
  const checked = parts.map((p) => parseSchema(manifestPartSchema, p, 'a manifest part'));
  return {
    summaries: checked.map(summarizePart),
    runPages: (part, run) => Promise.resolve(checked[part]?.runs[run] ?? []),
  };
}
