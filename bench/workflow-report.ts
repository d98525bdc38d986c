import Table from 'cli-table3';
import { type CostLine } from '../cli/estimate/monthly-cost';
import { DRILL_TARGET, type DrillSectionResult } from './drill-section';
import { type DynamoDbSectionResult } from './dynamodb-throughput';
import { type FanoutMeasurement } from './fanout/run-fanout';
import { PLAN_SCALE_RSS_TARGET_BYTES, type PlanScaleResult } from './plan-scale/plan-scale-section';
import { COMMIT_MEMORY_BYTES, type CommitScaleResult } from './plan-scale/commit-scale';
import { type PruneScaleResult } from './plan-scale/prune-scale';
import { PRUNE_PEAK_BYTES_PER_BLOB } from '../vault';
import { SHARD_DUPLICATES_TARGET, SPLIT_SHARDS } from './s3-shard-duplicates';
import { type S3SectionResult } from './s3-throughput';
import { PRUNE_SIZE_TARGET, PRUNE_TIME_TARGET, type PruneSectionResult } from './prune-section';
import { SCRUB_TARGET, type ScrubSectionResult } from './scrub-section';
import { LAMBDA_MEMORY_SHARE, type LambdaMemoryResult } from './lambda-memory/lambda-memory-result';

/** The parts of one `npm run bench`; LIFEBOAT_BENCH_SECTIONS picks some (default: all). */
export const BENCH_SECTIONS = ['restic', 's3', 'dynamodb', 'fanout', 'drill', 'scrub', 'prune', 'plan-scale', 'lambda-memory'] as const;
export type BenchSection = (typeof BENCH_SECTIONS)[number];

/** Targets of issue 4 item 9. */
export const THROUGHPUT_TARGET = 0.7;
/** Issue 16 item 5 raised the S3 bucket → vault target from issue 4's 0.70× to 0.9× a plain copy. */
export const S3_BACKUP_TARGET = 0.9;
export const FANOUT_TARGET = 1.7;

/** One row of the second table: a Lifeboat figure, what it is measured against, their ratio and the target. */
export type WorkflowRow = {
  readonly figure: string;
  readonly lifeboat?: number;
  /** The ceiling (a plain copy on the same server, the machine's read + hash + decrypt) or the baseline (1 worker, a plain restore). */
  readonly baseline?: number;
  /** Throughput / ceiling or the speed-up 1 worker ÷ 2 workers (higher is better); the drill's seconds / a plain restore's (lower is better). */
  readonly ratio?: number;
  readonly target: string;
  /** undefined when the figure is missing or the row has no target (informational). */
  readonly met?: boolean;
  readonly digits: number;
};

export type WorkflowResults = {
  s3?: S3SectionResult;
  dynamodb?: DynamoDbSectionResult;
  fanout?: FanoutMeasurement;
  drill?: DrillSectionResult;
  scrub?: ScrubSectionResult;
  prune?: PruneSectionResult;
  planScale?: PlanScaleResult;
  commitScale?: CommitScaleResult;
  pruneScale?: PruneScaleResult;
  lambdaMemory?: LambdaMemoryResult;
  /** The directory vault the drill and scrub sections share (bench-vault.ts): one CLI backup of the data set. */
  benchVault?: { dir: string; snapshotId: string; backupSeconds: number; sourceBytes: number };
  /** A section that failed, and why (its rows then show —). */
  errors: Partial<Record<BenchSection, string>>;
  rows: WorkflowRow[];
  /** os.loadavg()[0] just before the first workflow section: above half the cores, the figures are disturbed. */
  loadAverageAtStart?: number;
};

/** Parses LIFEBOAT_BENCH_SECTIONS ("restic,s3,dynamodb,fanout,drill,scrub" or any subset; empty or unset = all). */
export function parseSections(text: string | undefined): BenchSection[] {
  if (text === undefined || text.trim() === '') return [...BENCH_SECTIONS];
  const asked = text
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '');
  const unknown = asked.filter((s) => !(BENCH_SECTIONS as readonly string[]).includes(s));
  if (unknown.length) throw new Error(`LIFEBOAT_BENCH_SECTIONS: unknown section(s) ${unknown.join(', ')}; choose from ${BENCH_SECTIONS.join(', ')}`);
  return BENCH_SECTIONS.filter((s) => asked.includes(s));
}

export function buildWorkflowRows(results: WorkflowResults, sections: readonly BenchSection[]): WorkflowRow[] {
  const rows: WorkflowRow[] = [];
  /** `ratio` when the figure's ratio is not lifeboat ÷ baseline (the S3 row's median of per-repetition ratios). */
  const atLeast = (figure: string, lifeboat: number | undefined, baseline: number | undefined, target: number, digits: number, given?: number): WorkflowRow => {
    const ratio = given ?? (lifeboat !== undefined && baseline !== undefined && baseline > 0 ? lifeboat / baseline : undefined);
    return { figure, lifeboat, baseline, ratio, target: `≥ ${target.toFixed(2)}×`, met: ratio === undefined ? undefined : ratio >= target, digits };
  };
  const atMost = (figure: string, lifeboat: number | undefined, baseline: number | undefined, target: number, digits: number): WorkflowRow => {
    const ratio = lifeboat !== undefined && baseline !== undefined && baseline > 0 ? lifeboat / baseline : undefined;
    return { figure, lifeboat, baseline, ratio, target: `≤ ${target.toFixed(2)}×`, met: ratio === undefined ? undefined : ratio <= target, digits };
  };
  if (sections.includes('s3')) {
    const s3 = results.s3;
    // The median of the repetitions' ratios, not the ratio of the median speeds (s3-throughput.ts).
    rows.push(atLeast('S3 bucket → vault MB/s', s3?.lifeboat.mbPerSecond, s3?.plainCopy.mbPerSecond, S3_BACKUP_TARGET, 1, s3?.ratio.median));
    // The shards read back what they write (restored-entry-check.ts), so the restore is timed with its verify step.
    const restore = s3 ? (s3.restore.mbPerSecond * s3.restore.seconds) / (s3.restore.seconds + s3.restore.verifySeconds) : undefined;
    const copy = s3?.plainCopy.mbPerSecond;
    // No target in issue 4 for the S3 restore: shown against the same ceiling for the record.
    rows.push({ figure: 'S3 vault → bucket restore + read-back MB/s', lifeboat: restore, baseline: copy, ratio: restore !== undefined && copy ? restore / copy : undefined, target: '(info)', digits: 1 });
    const folded = s3?.shardDuplicates;
    rows.push(atMost(`S3 packs MiB, ${folded?.shards ?? SPLIT_SHARDS} shards after prune (vs 1 shard)`, folded ? folded.prunedPackBytes / 2 ** 20 : undefined, folded ? folded.oneShardPackBytes / 2 ** 20 : undefined, SHARD_DUPLICATES_TARGET, 1));
  }
  if (sections.includes('dynamodb')) {
    const d = results.dynamodb;
    rows.push(atLeast('DynamoDB backup items/s', d?.backup.itemsPerSecond, d?.plainCopy.itemsPerSecond, THROUGHPUT_TARGET, 0));
    rows.push(atLeast('DynamoDB restore items/s', d?.restore.itemsPerSecond, d?.plainCopy.itemsPerSecond, THROUGHPUT_TARGET, 0));
  }
  if (sections.includes('fanout')) {
    const f = results.fanout;
    const one = f?.seconds['1'];
    const two = f?.seconds['2'];
    rows.push({
      figure: `fan-out ${f?.shards ?? 8} shards s (2 vs 1 worker)`,
      lifeboat: two,
      baseline: one,
      ratio: one !== undefined && two !== undefined && two > 0 ? one / two : undefined,
      target: `≥ ${FANOUT_TARGET.toFixed(2)}× speed-up`,
      met: one !== undefined && two !== undefined && two > 0 ? one / two >= FANOUT_TARGET : undefined,
      digits: 2,
    });
  }
  if (sections.includes('drill')) {
    const d = results.drill;
    const drill = d?.drill.seconds;
    const plain = d?.plainRestore.seconds;
    const ratio = drill !== undefined && plain !== undefined && plain > 0 ? drill / plain : undefined;
    rows.push({ figure: 'drill s (vs plain vault restore)', lifeboat: drill, baseline: plain, ratio, target: `≤ ${DRILL_TARGET.toFixed(2)}×`, met: ratio === undefined ? undefined : ratio <= DRILL_TARGET, digits: 2 });
  }
  if (sections.includes('scrub')) {
    const s = results.scrub;
    rows.push(atLeast('scrub --read-data MB/s', s?.scrub.best.mbPerSecond, s?.ceiling.best.mbPerSecond, SCRUB_TARGET, 0));
  }
  if (sections.includes('prune')) {
    const p = results.prune;
    rows.push(atMost('prune s (vs restic forget --prune)', p?.lifeboat.pruneSeconds, p?.restic?.pruneSeconds, PRUNE_TIME_TARGET, 2));
    rows.push(atMost('vault MiB after prune (vs restic repo)', p ? p.lifeboat.bytesAfter / 2 ** 20 : undefined, p?.restic ? p.restic.bytesAfter / 2 ** 20 : undefined, PRUNE_SIZE_TARGET, 1));
  }
  if (sections.includes('plan-scale')) {
    const ps = results.planScale;
    const peak = ps ? ps.peakRssBytes / 2 ** 20 : undefined;
    // Issue 16 item 6: the planner's peak RSS against a fixed budget (ratio ≤ 1.00× = within it).
    rows.push(atMost(`plan ${ps ? `${(ps.keys / 1e6).toFixed(0)}M` : ''} keys peak RSS MiB (vs budget)`, peak, PLAN_SCALE_RSS_TARGET_BYTES / 2 ** 20, 1, 0));
    // The commit of a billion entries within the commit function's memory size.
    const cs = results.commitScale;
    rows.push(atMost(`commit ${cs ? `${(cs.entries / 1e9).toFixed(0)}B` : ''} entries peak RSS MiB (vs function)`, cs ? cs.peakRssBytes / 2 ** 20 : undefined, COMMIT_MEMORY_BYTES / 2 ** 20, 1, 0));
    // A prune's memory a blob against what its vault-size check counts (index-memory.ts): above 1.00× the check would let a prune run out of memory.
    const pr = results.pruneScale;
    rows.push(atMost(`prune ${pr ? `${(pr.blobs / 1e6).toFixed(0)}M` : ''} blobs bytes a blob (vs size check)`, pr?.bytesPerBlob, PRUNE_PEAK_BYTES_PER_BLOB, 1, 0));
  }
  if (sections.includes('lambda-memory')) {
    // Issue 16 item 5: each function's peak, one invocation a process, against its memory size (MiB vs MB: Lambda's "MB" are MiB).
    const functions = results.lambdaMemory?.functions ?? [];
    if (functions.length === 0) rows.push(atMost('Lambda peak RSS MiB (vs memory size)', undefined, undefined, LAMBDA_MEMORY_SHARE, 0));
    for (const f of functions) rows.push(atMost(`${f.name} peak RSS MiB (vs memory size)`, f.peakRssBytes / 2 ** 20, f.memoryMb || undefined, LAMBDA_MEMORY_SHARE, 0));
  }
  return rows;
}

const fmt = (value: number | undefined, digits: number): string => (value === undefined ? '—' : value.toFixed(digits));
const MiB = 2 ** 20;

/** The second table (workflow figures) and the lines needed to read it. */
export function renderWorkflowReport(results: WorkflowResults): string {
  const table = new Table({
    head: ['figure', 'Lifeboat', 'ceiling/baseline', 'ratio', 'target', 'met'],
    colAligns: ['left', 'right', 'right', 'right', 'left', 'left'],
    style: { head: [], border: [] },
  });
  for (const row of results.rows) {
    table.push([
      row.figure,
      fmt(row.lifeboat, row.digits),
      fmt(row.baseline, row.digits),
      row.ratio === undefined ? '—' : `${row.ratio.toFixed(2)}×`,
      row.target,
      row.met === undefined ? '—' : row.met ? 'met' : 'not met',
    ]);
  }
  const lines = ['Workflows on the local cloud (s3rver + dynalite on 127.0.0.1; Lifeboat = the backup/restore/scrub core functions in-process, Step Functions left out; drill and scrub over a directory vault)', table.toString()];
  const s3 = results.s3;
  if (s3) {
    lines.push(
      `S3: ${s3.objects} objects, ${(s3.sizeBytes / MiB).toFixed(1)} MiB (${Object.entries(s3.byKind)
        .map(([k, v]) => `${k} ${(v.bytes / MiB).toFixed(0)} MiB`)
        .join(', ')}); backup ${s3.lifeboat.seconds.toFixed(2)} s over ${s3.lifeboat.shardCount} shard(s) ` +
        `(repetition 1: plan ${s3.lifeboat.phases.plan.toFixed(2)} + shards ${s3.lifeboat.phases.shards.toFixed(2)} + commit ${s3.lifeboat.phases.commit.toFixed(2)} s), ` +
        `${(s3.lifeboat.bytesStored / MiB).toFixed(1)} MiB stored; plain copy ${s3.plainCopy.seconds.toFixed(2)} s with ${s3.plainCopy.concurrency} in flight; ` +
        `${s3RepetitionsText(s3)}; ` +
        `restore ${s3.restore.seconds.toFixed(2)} s over ${s3.restore.shardCount} shard(s) (each reading back what it wrote) + verify ${s3.restore.verifySeconds.toFixed(2)} s; ` +
        (s3.mismatches.length ? `MISMATCH: ${s3.mismatches.join('; ')}` : `plain copy and restore equal the source (${s3.digests.source.objects} objects, SHA-256 of each)`),
    );
  }
  const folded = s3?.shardDuplicates;
  if (folded) {
    lines.push(
      `S3 shard duplicates: one shard stored ${(folded.oneShardPackBytes / MiB).toFixed(1)} MiB of packs, ${folded.shards} shards ${(folded.splitPackBytes / MiB).toFixed(1)} MiB ` +
        `(${(folded.splitPackBytes / folded.oneShardPackBytes).toFixed(3)}×); after prune --grace 0 with repack (${folded.packsRepacked} repacked, ${folded.packsDeleted} deleted, ${folded.pruneSeconds.toFixed(2)} s) ` +
        `${(folded.prunedPackBytes / MiB).toFixed(1)} MiB (${(folded.prunedPackBytes / folded.oneShardPackBytes).toFixed(3)}×)`,
    );
  }
  if (s3?.estimate) lines.push(...s3EstimateLines(s3));
  const d = results.dynamodb;
  if (d) {
    lines.push(
      `DynamoDB: ${d.items} items, ${(d.itemBytes / MiB).toFixed(1)} MiB canonical; backup ${d.backup.seconds.toFixed(2)} s over ${d.backup.shardCount} segment(s), ` +
        `restore ${d.restore.seconds.toFixed(2)} s over ${d.restore.shardCount} shard(s) (table created from the schema inside it) + verify ${d.restore.verifySeconds.toFixed(2)} s; ` +
        `plain copy ${d.plainCopy.seconds.toFixed(2)} s (${d.plainCopy.segments} segments, ${d.plainCopy.writesInFlight} writes in flight); ` +
        (d.mismatches.length ? `MISMATCH: ${d.mismatches.join('; ')}` : `plain copy and restore equal the source (${d.digests.source.items} items, SHA-256 of each)`),
    );
    // createTableFromSchema waits with the SDK's waitUntilTableExists, whose first retry comes 20 s later.
    if (d.restore.phases.resolveAndPlan > 10) {
      lines.push(
        `  note: the restore spent ${d.restore.phases.resolveAndPlan.toFixed(1)} s resolving and planning, most of it in the SDK table waiter's 20 s first delay ` +
          `(dynalite said CREATING once); without it the restore would take ${(d.restore.seconds - d.restore.phases.resolveAndPlan).toFixed(2)} s + planning`,
      );
    }
  }
  const f = results.fanout;
  if (f) {
    lines.push(`Fan-out: ${f.shards} CPU-bound shards (${f.rounds} SHA-256 rounds of 64 KiB each) through the local executor; best of 2 runs per worker count`);
  }
  // CPU seconds do not grow when a neighbour takes the cores: on a busy machine they compare better than wall time.
  const cpu = (seconds: number | undefined): string => (seconds === undefined ? '' : ` used ${seconds.toFixed(1)} CPU-s`);
  const v = results.benchVault;
  if (v) lines.push(`Bench vault (drill, scrub): ${v.dir}, one \`lifeboat vault backup\` of the ${(v.sourceBytes / MiB).toFixed(0)} MiB data set (${v.backupSeconds.toFixed(1)} s, untimed), snapshot ${v.snapshotId.slice(0, 12)}`);
  const dr = results.drill;
  if (dr) {
    const p = dr.drill.phases;
    lines.push(
      `Drill: ${dr.entries} entries, ${(dr.bytes / MiB).toFixed(1)} MiB; plan ${p.plan.toFixed(2)} + ${dr.drill.shardCount} restore shard(s), ${dr.drill.maxConcurrency} at once ${p.shards.toFixed(2)} + ` +
        `verify ${p.verify.toFixed(2)} (${dr.drill.verified.entries} entries against the manifest) + remove scratch ${p.cleanup.toFixed(2)} s, in-process cores over the directory vault; ` +
        `plain restore = bundled CLI \`lifeboat vault restore\` (its process start-up included)${cpu(dr.plainRestore.userSeconds !== undefined ? dr.plainRestore.userSeconds + (dr.plainRestore.systemSeconds ?? 0) : undefined)}, ` +
        `drill${cpu(dr.drill.selfCpuSeconds)}; plain restore ${dr.plainRestore.check.equal ? `equal to the source (${dr.plainRestore.check.files} files)` : 'DIFFERS from the source'}` +
        (dr.mismatches.length ? `; MISMATCH: ${dr.mismatches.join('; ')}` : ''),
    );
  }
  const sc = results.scrub;
  if (sc) {
    lines.push(
      `Scrub: ${sc.objects} objects (${sc.packs} packs), ${(sc.bytes / MiB).toFixed(1)} MiB, every one read and verified by scrubVaults (fraction 1, ${sc.scrub.concurrency} objects at once) in ${sc.scrub.best.seconds.toFixed(2)} s; ` +
        `ceiling = the same files read + SHA-256 + AES-256-GCM decrypt (1 MiB messages) on ${sc.ceiling.best.threads} threads, no decompression, ${sc.ceiling.best.seconds.toFixed(2)} s; best of ${sc.scrub.passes.length} alternating passes each; ` +
        `scrub${cpu(sc.scrub.best.selfCpuSeconds)}, ceiling${cpu(sc.ceiling.best.selfCpuSeconds)} (thread start-up included)` +
        (sc.mismatches.length ? `; MISMATCH: ${sc.mismatches.join('; ')}` : ''),
    );
  }
  const ps = results.planScale;
  if (ps) {
    lines.push(
      `Plan scale: ${ps.keys.toLocaleString('en-US')} synthetic keys (a ListObjectsV2 endpoint on 127.0.0.1, no objects) planned by planBackup in a process of its own (V8 old space capped at 96 MiB): ` +
        `${ps.shards.toLocaleString('en-US')} shards in ${ps.invocations} invocation(s) and ${ps.manifests} manifest(s) (${(ps.manifestBytes / 1024).toFixed(0)} KiB), ${ps.seconds.toFixed(1)} s, ` +
        `${Math.round(ps.keysPerSecond).toLocaleString('en-US')} keys/s; peak RSS ${(ps.peakRssBytes / MiB).toFixed(0)} MiB (VmHWM; Node, tsx and the SDK were ${(ps.rssAtStartBytes / MiB).toFixed(0)} MiB before planning)`,
    );
  }
  const cs = results.commitScale;
  if (cs) {
    lines.push(
      `Commit scale: ${cs.entries.toLocaleString('en-US')} synthetic entries in ${cs.shards.toLocaleString('en-US')} shard parts committed by Vault.commitSnapshot in a process of its own ` +
        `(part summaries held, page references read again as the merge reaches them): ${cs.pages.toLocaleString('en-US')} pages under ${cs.nodes} manifest nodes, root ${(cs.rootBytes / 1024).toFixed(0)} KiB, ` +
        `nodes and root ${(cs.manifestBytes / MiB).toFixed(1)} MiB, snapshot object ${(cs.snapshotBytes / MiB).toFixed(1)} MiB, ${cs.seconds.toFixed(1)} s of CPU-bound merge (no S3 latency); ` +
        `peak RSS ${(cs.peakRssBytes / MiB).toFixed(0)} MiB (VmHWM; ${(cs.rssAtStartBytes / MiB).toFixed(0)} MiB before committing)`,
    );
  }
  const pz = results.pruneScale;
  if (pz) {
    lines.push(
      `Prune scale: a synthetic vault of ${pz.blobs.toLocaleString('en-US')} blobs in ${pz.packs.toLocaleString('en-US')} packs (stubs; ${pz.referencedBlobs.toLocaleString('en-US')} blobs referenced by one snapshot, every 20th blob stored twice), ` +
        `written in ${pz.buildSeconds.toFixed(0)} s, pruned by pruneVault in a process of its own in ${pz.seconds.toFixed(1)} s (${pz.packsCondemned.toLocaleString('en-US')} packs condemned); ` +
        `peak RSS ${(pz.peakRssBytes / MiB).toFixed(0)} MiB (VmHWM; ${(pz.rssAtStartBytes / MiB).toFixed(0)} MiB before pruning): ${pz.bytesPerBlob.toFixed(0)} bytes a blob`,
    );
  }
  const lm = results.lambdaMemory;
  if (lm) {
    lines.push(
      `Lambda memory: the backup and restore of ${lm.bucket.objects} S3 objects, ${(lm.bucket.bytes / MiB).toFixed(0)} MiB, of ${lm.items} DynamoDB items and of a directory tree of ${lm.tree.files} files, ${(lm.tree.bytes / MiB).toFixed(0)} MiB ` +
        `(${lm.paths.map((p) => `${p.path}: ${p.shards} snapshot shard(s), ${p.restoreBatches} restore batch(es), restored ${p.restoredEqual ? 'equal to the source' : 'DIFFERENT from the source'}`).join('; ')})` +
        `; every backup replicated ${lm.replication.fromRegion} → ${lm.replication.toRegion} (${lm.replication.backupsCopied} backups, ${(lm.replication.bytesCopied / MiB).toFixed(0)} MiB)` +
        `; the tree's first backup forgotten (${lm.prune.forgotten}) and pruned: ${lm.prune.packsRepacked} packs repacked (${(lm.prune.bytesRepackWritten / MiB).toFixed(1)} MiB written), ${(lm.prune.bytesFreed / MiB).toFixed(1)} MiB freed, the kept backup restored ${lm.prune.restoredEqual ? 'equal to the tree' : 'DIFFERENT from the tree'}; ` +
        `each invocation a process of its own (the core its handler calls, bundled, the vault opened cold), peak RSS by GNU time and /proc; ` +
        lm.functions.map((f) => `${f.name} ${f.invocations}× ${f.seconds.toFixed(1)} s, peak on ${f.peakPath}`).join(', '),
    );
  }
  const pr = results.prune;
  if (pr) {
    const side = (name: string, s: { backupSeconds: number; bytesBefore: number; bytesAfter: number; pruneSeconds: number }): string =>
      `${name} ${(s.bytesBefore / MiB).toFixed(1)} → ${(s.bytesAfter / MiB).toFixed(1)} MiB in ${s.pruneSeconds.toFixed(2)} s (backups ${s.backupSeconds.toFixed(1)} s)`;
    lines.push(
      `Prune: ${pr.backups} backups of the data set, ${(pr.changeFraction * 100).toFixed(0)} % changed between them, ${pr.forgotten} forgotten; ${side('Lifeboat (vault prune --grace 0)', pr.lifeboat)}` +
        (pr.restic ? `; ${side('restic (forget --prune)', pr.restic)}` : '; restic not run') +
        (pr.mismatches.length ? `; MISMATCH: ${pr.mismatches.join('; ')}` : '; the vault verifies with --read-data afterwards'),
    );
  }
  for (const [section, error] of Object.entries(results.errors)) lines.push(`Section ${section} failed: ${error}`);
  return lines.join('\n');
}

const usd = (amount: number): string => `$${amount.toFixed(2)}`;

/** The S3 set priced at 10 TiB (bench/s3-cost-estimate.ts): the totals, then every line of each side worth a cent. */
function s3EstimateLines(s3: S3SectionResult): string[] {
  const e = s3.estimate;
  const p = e.plan;
  const inc = s3.incremental;
  const lines = (side: readonly CostLine[]): string =>
    side
      .filter((l) => l.dollars >= 0.005)
      .map((l) => `${l.item} ${usd(l.dollars)}`)
      .join(', ');
  return [
    `S3 estimate at ${(e.protectedBytes / 2 ** 40).toFixed(0)} TiB (\`lifeboat estimate --protected-bytes 10TiB\` over the section's ${e.measured.committedBackups} backups, the second incremental after ` +
      `${inc.changedObjects} object(s), ${(inc.changedBytes / MiB).toFixed(1)} MiB (${((100 * inc.changedBytes) / s3.sizeBytes).toFixed(1)} %) rewritten, ${inc.seconds.toFixed(2)} s; ${p.runsPerMonth} runs a month; prices ${e.pricesFile.split('/').pop() ?? e.pricesFile}): ` +
      `Lifeboat ${usd(p.lifeboatTotal)} a month against AWS Backup ${usd(p.awsBackupTotal)}` +
      (p.awsBackupTotal > 0 ? ` (${((100 * p.lifeboatTotal) / p.awsBackupTotal).toFixed(0)} %)` : ''),
    `  Lifeboat: ${lines(p.lifeboat)}`,
    `  AWS Backup: ${lines(p.awsBackup)}`,
    `  assumed: ${e.assumptions.join('; ')}`,
  ];
}

/** "medians of 3 repetitions, ratio 0.95× (0.88–1.02×), backup / copy s: 4.11 / 4.02, ..." */
export function s3RepetitionsText(s3: Pick<S3SectionResult, 'repetitions' | 'ratio'>): string {
  const runs = s3.repetitions.map((r) => `${r.lifeboatSeconds.toFixed(2)} / ${r.copySeconds.toFixed(2)}${r.first === 'copy' ? ' (copy first)' : ''}`).join(', ');
  if (s3.repetitions.length === 1) return `one repetition, ratio ${s3.ratio.median.toFixed(2)}×`;
  return `medians of ${s3.repetitions.length} repetitions, ratio ${s3.ratio.median.toFixed(2)}× (${s3.ratio.min.toFixed(2)}–${s3.ratio.max.toFixed(2)}×), backup / copy s: ${runs}`;
}
