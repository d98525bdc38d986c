import { type PruneReport, type TemporaryFilesReport } from '../../vault';
import { type EarlierBatchesWaiting } from './earlier-prune-batches';

/** A size for people: bytes, KiB, MiB or GiB with one decimal. */
export function formatBytes(n: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} bytes` : `${v.toFixed(1)} ${units[u]}`;
}

/**
 * The lines `lifeboat prune` and `lifeboat vault prune` print for a report: deleted, repacked, bytes
 * freed, what waits. With a grace of 0 (`graceMs`) what was condemned was swept by the same command.
 * `temporary`: what `vault prune` (and `vault forget --prune`) did with a vault directory's `.tmp-*`
 * files (a line when it found any). `waiting`: the batches earlier prunes condemned that this run left to
 * their own grace (earlierBatchesWaiting), a line when there are any — without it, a real grace-0 run's
 * report alone says how many (its second pass counts no batch of its own), and others say nothing.
 */
export function pruneReportLines(report: PruneReport, where: string, graceMs?: number, temporary?: TemporaryFilesReport, waiting?: EarlierBatchesWaiting): string[] {
  const would = report.dryRun ? 'would be ' : '';
  // With a grace of 0 the command sweeps what it condemns at once (pruneToEnd), a dry run counting it the same way.
  const when = graceMs === 0 ? `${report.dryRun ? 'would be ' : ''}swept at once (grace 0): counted in Deleted above` : `${would}deleted by a run after the grace period`;
  const lines = [
    `${report.dryRun ? 'Dry run of the prune of' : 'Pruned'} ${where}: ${report.snapshots} snapshot(s) kept.`,
    `Deleted${report.dryRun ? ' (would delete)' : ''}: ${report.packsDeleted} pack(s), ${report.indexesDeleted} index object(s), ${report.manifestsDeleted} manifest object(s); ${formatBytes(report.bytesFreed)} freed.`,
    `Repacked: ${report.packsRepacked} pack(s) ${would}rewritten (${report.blobsMoved} live blob(s), ${formatBytes(report.bytesRepackWritten)} written${report.dryRun ? '' : ` into ${report.newPacks} new pack(s)`}).`,
    `Condemned: ${report.packsCondemned} pack(s) (${formatBytes(report.bytesCondemned)}), ${report.indexesCondemned} index object(s), ${report.manifestsCondemned} manifest object(s) ${when}.`,
  ];
  const waitingLine = earlierBatchesLine(report, graceMs, waiting);
  if (waitingLine) lines.push(waitingLine);
  if (report.packsMissing > 0) {
    lines.push(
      `Missing: ${report.packsMissing} pack(s) listed by index objects but not in the vault (a backup refused after a prune deleted its packs, or an older Lifeboat, left those records); the index objects listing them ${report.dryRun ? 'would be' : 'are'} replaced so that no backup reuses them. Run \`lifeboat vault verify\`: a snapshot that references them is damaged.`,
    );
  }
  if (report.spared > 0) lines.push(`Spared: ${report.spared} condemned object(s) that a snapshot committed since references.`);
  if (report.locked.length > 0) lines.push(`Locked: ${report.locked.length} object(s) Object Lock still retains were skipped; a later run deletes them (e.g. ${report.locked.slice(0, 3).join(', ')}).`);
  for (const d of report.damaged) lines.push(`Damaged: pack ${d.pack}: ${d.problem}`);
  if (temporary && temporary.files + temporary.kept > 0) {
    const hours = `${Number((temporary.olderThanMs / 3_600_000).toFixed(2))} h`;
    lines.push(
      `Temporary files: ${temporary.files} .tmp-* file(s) of killed writers older than ${hours} ${report.dryRun ? 'would be ' : ''}deleted (${formatBytes(temporary.bytes)}); ${temporary.kept} younger one(s) kept (a running write may own them).`,
    );
  }
  return lines;
}

/**
 * Why a run, `--grace 0` above all, leaves data condemned earlier: a batch is due at its
 * `condemnedAt` + max(its own grace, the run's) (docs/FORMAT.md "Prune"), so a shorter grace never
 * shortens the wait of what an earlier run condemned under a longer one.
 */
function earlierBatchesLine(report: PruneReport, graceMs: number | undefined, waiting: EarlierBatchesWaiting | undefined): string | undefined {
  const onlyOwn = graceMs === 0 ? '; --grace 0 deletes at once only what this run condemns' : '';
  if (waiting) {
    const size = waiting.bytesUnknown === 0 ? formatBytes(waiting.bytes) : waiting.bytesUnknown === waiting.packs ? 'size unknown' : `at least ${formatBytes(waiting.bytes)}`;
    return `Waiting: ${waiting.batches} batch(es) earlier prunes condemned (${waiting.packs} pack(s), ${size}) wait for the longer of their grace and this run's: the first is due at ${waiting.earliestDueAt} for a prune with a grace of at most ${formatHours(waiting.earliestGraceMs)} (a longer grace waits longer)${onlyOwn}.`;
  }
  // A real grace-0 run's report is its second pass's, which swept its own batch: what it counts pending is
  // earlier batches (with Object Lock refusing deletes, also what it kept of a due batch: then it is unclear).
  if (graceMs === 0 && !report.dryRun && report.batchesPending > 0 && report.locked.length === 0) {
    return `Waiting: ${report.batchesPending} batch(es) earlier prunes condemned wait for the longer of their grace and this run's (each is due at its condemnation time plus that grace)${onlyOwn}.`;
  }
  return undefined;
}

/** A grace in hours for people: whole hours as such, else up to three decimals (a grace of seconds in tests and drills). */
function formatHours(ms: number): string {
  const hours = ms / 3_600_000;
  return `${Number.isInteger(hours) ? hours : Number(hours.toFixed(3))} h`;
}
