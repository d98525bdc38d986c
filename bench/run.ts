import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type BackupTool } from './backup-tool';
import { type BenchOrder, type BenchResults, type StepName, type ToolRepetition, type ToolResult } from './bench-results';
import { measureCeilings } from './ceilings';
import { compareTrees } from './compare-trees';
import { ensureCachedDataset } from './dataset';
import { LifeboatTool, lifeboatVersion, prepareLifeboatCli } from './lifeboat-tool';
import { failureOf, resolveGnuTime, runMeasured } from './measure';
import { applyChange } from './mutate';
import { buildRows, renderReport, writeResultsJson } from './report';
import { ensureRestic, ResticTool } from './restic';
import { acquireRunLock } from './run-lock';
import { runS3Section } from './s3-throughput';
import { runDynamoDbSection } from './dynamodb-throughput';
import { measureFanout } from './fanout/run-fanout';
import { type BenchVault, makeBenchVault } from './bench-vault';
import { runDrillSection } from './drill-section';
import { runScrubSection } from './scrub-section';
import { runPruneSection } from './prune-section';
import { runPlanScaleSection } from './plan-scale/plan-scale-section';
import { runLambdaMemorySection } from './lambda-memory/lambda-memory-section';
import { COMMIT_SCALE, runCommitScale } from './plan-scale/commit-scale';
import { PRUNE_SCALE_BLOBS, runPruneScale } from './plan-scale/prune-scale';
import { type BenchSection, buildWorkflowRows, parseSections, type WorkflowResults } from './workflow-report';
import { diskUsage, readWholeTree } from './tree-walk';
import { errorAsText } from '../lambdas/runtime/error-as-text';

/**
 * `npm run bench`: Lifeboat against restic on one generated data set, then the workflow figures
 * (S3 and DynamoDB throughput against plain copies on the local cloud, fan-out with 1 and 2
 * workers, a drill of the data set against a plain restore, a scrub against the machine's
 * read + hash + decrypt ceiling), in one run on this machine. See docs/BENCHMARKS.md for what each figure means and how
 * the run is kept fair.
 *
 * Environment: LIFEBOAT_BENCH_SECTIONS (restic,s3,dynamodb,fanout,drill,scrub,prune,plan-scale,lambda-memory; default all),
 * LIFEBOAT_BENCH_SIZE_MIB (default 1024), LIFEBOAT_BENCH_SEED (default "lifeboat"),
 * LIFEBOAT_BENCH_REPEAT (default 3), LIFEBOAT_BENCH_ORDER ("alternate", the default, "lifeboat-first" or
 * "restic-first"), LIFEBOAT_BENCH_S3_MIB
 * (default 256), LIFEBOAT_BENCH_DYNAMODB_ITEMS (default 20000), LIFEBOAT_BENCH_PLAN_KEYS (default 10000000),
 * LIFEBOAT_BENCH_PRUNE_BLOBS (default 2000000).
 * Exit code: 0 when every section ran every step and every restore and copy equals its source
 * (whether or not the targets are met: targets are reported, not enforced), 1 otherwise.
 */

const REPO_ROOT = path.resolve(__dirname, '..');
const OUT_DIR = path.join(REPO_ROOT, 'bench', 'out');
const RUN_DIR = path.join(OUT_DIR, 'run');
const RESULTS_FILE = path.join(OUT_DIR, 'results.json');
const MiB = 2 ** 20;

const log = (line: string): void => {
  process.stderr.write(`bench: ${line}\n`);
};

type Options = { seed: string; sizeBytes: number; order: BenchOrder; repeat: number; sections: BenchSection[]; s3Bytes: number; dynamoDbItems: number; planKeys: number; pruneBlobs: number };

function readOptions(): Options {
  const sizeText = process.env.LIFEBOAT_BENCH_SIZE_MIB ?? '1024';
  const sizeMiB = Number(sizeText);
  // Below a few MiB the 1 % change has too few files to choose from.
  if (!Number.isInteger(sizeMiB) || sizeMiB < 8) throw new Error(`LIFEBOAT_BENCH_SIZE_MIB must be an integer ≥ 8, not "${sizeText}"`);
  const order = process.env.LIFEBOAT_BENCH_ORDER ?? 'alternate';
  if (order !== 'alternate' && order !== 'lifeboat-first' && order !== 'restic-first') {
    throw new Error(`LIFEBOAT_BENCH_ORDER must be alternate, lifeboat-first or restic-first, not "${order}"`);
  }
  const repeatText = process.env.LIFEBOAT_BENCH_REPEAT ?? '3';
  const repeat = Number(repeatText);
  if (!Number.isInteger(repeat) || repeat < 1 || repeat > 9) throw new Error(`LIFEBOAT_BENCH_REPEAT must be an integer from 1 to 9, not "${repeatText}"`);
  const s3Text = process.env.LIFEBOAT_BENCH_S3_MIB ?? '256';
  const s3MiB = Number(s3Text);
  // Under 16 MiB the bucket holds a handful of objects and the figure is mostly request latency.
  if (!Number.isInteger(s3MiB) || s3MiB < 16) throw new Error(`LIFEBOAT_BENCH_S3_MIB must be an integer ≥ 16, not "${s3Text}"`);
  const itemsText = process.env.LIFEBOAT_BENCH_DYNAMODB_ITEMS ?? '20000';
  const items = Number(itemsText);
  if (!Number.isInteger(items) || items < 1000) throw new Error(`LIFEBOAT_BENCH_DYNAMODB_ITEMS must be an integer ≥ 1000, not "${itemsText}"`);
  const planKeysText = process.env.LIFEBOAT_BENCH_PLAN_KEYS ?? '10000000';
  const planKeys = Number(planKeysText);
  if (!Number.isInteger(planKeys) || planKeys < 1000) throw new Error(`LIFEBOAT_BENCH_PLAN_KEYS must be an integer ≥ 1000, not "${planKeysText}"`);
  const pruneBlobsText = process.env.LIFEBOAT_BENCH_PRUNE_BLOBS ?? String(PRUNE_SCALE_BLOBS);
  const pruneBlobs = Number(pruneBlobsText);
  // Smaller vaults spread the prune's fixed memory (Node, its transient buffers) over few blobs, and the
  // figure compared with the size check grows: 775 bytes a blob at 100,000 blobs, 392 at 1,000,000.
  if (!Number.isInteger(pruneBlobs) || pruneBlobs < PRUNE_SCALE_BLOBS) throw new Error(`LIFEBOAT_BENCH_PRUNE_BLOBS must be an integer ≥ ${PRUNE_SCALE_BLOBS}, not "${pruneBlobsText}"`);
  return {
    planKeys,
    pruneBlobs,
    seed: process.env.LIFEBOAT_BENCH_SEED ?? 'lifeboat',
    sizeBytes: sizeMiB * MiB,
    order,
    repeat,
    sections: parseSections(process.env.LIFEBOAT_BENCH_SECTIONS),
    s3Bytes: s3MiB * MiB,
    dynamoDbItems: items,
  };
}

/** Flushes dirty pages, so write-back left by one step is not paid for inside the next step's time. */
function flushWrites(): void {
  spawnSync('sync', { stdio: 'ignore' });
}

type Contender = { tool: BackupTool; result: ToolResult };

/** Whether Lifeboat runs first in every phase of repetition `index` (0-based). */
function lifeboatFirstIn(order: BenchOrder, index: number): boolean {
  return order === 'lifeboat-first' || (order === 'alternate' && index % 2 === 0);
}

// The restic, drill and scrub sections all run the bundled CLI: it is bundled once per run.
let preparedCli: ReturnType<typeof prepareLifeboatCli> | undefined;
function lifeboatCli(): ReturnType<typeof prepareLifeboatCli> {
  log('bundling the Lifeboat CLI with esbuild');
  return (preparedCli ??= prepareLifeboatCli(REPO_ROOT, OUT_DIR));
}

async function main(): Promise<number> {
  const options = readOptions();
  const results: BenchResults = {
    startedAt: new Date().toISOString(),
    machine: {
      cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
      cores: os.availableParallelism(),
      memoryBytes: os.totalmem(),
      node: process.version,
      kernel: os.release(),
    },
    options: {
      seed: options.seed,
      sizeBytes: options.sizeBytes,
      order: options.order,
      repeat: options.repeat,
      sections: options.sections,
      s3Bytes: options.s3Bytes,
      dynamoDbItems: options.dynamoDbItems,
    },
    tools: [],
    rows: [],
    problems: [],
    warnings: [],
  };
  const problem = (line: string): void => {
    results.problems.push(line);
    log(line);
  };
  fs.mkdirSync(OUT_DIR, { recursive: true });
  try {
    acquireRunLock(path.join(OUT_DIR, 'run.lock'));
  } catch (err) {
    log((err as Error).message);
    return 1;
  }
  fs.rmSync(RUN_DIR, { recursive: true, force: true });
  fs.mkdirSync(RUN_DIR, { recursive: true });
  log(`sections: ${options.sections.join(', ')}`);

  if (options.sections.includes('restic')) await runResticSection(options, results, problem);
  const workflowSections = options.sections.filter((s) => s !== 'restic');
  const warn = (line: string): void => {
    results.warnings.push(line);
    log(line);
  };
  if (workflowSections.length) results.workflow = await runWorkflowSections(options, workflowSections, problem, warn, results.machine.cores);

  results.finishedAt = new Date().toISOString();
  writeResultsJson(RESULTS_FILE, results);
  process.stdout.write(`${renderReport(results, RESULTS_FILE)}\n`);
  return results.problems.length === 0 ? 0 : 1;
}

/**
 * Issue 4's figures, each section on its own private local cloud (started and removed inside it):
 * a failed section is reported and the others still run.
 */
async function runWorkflowSections(
  options: Options,
  sections: readonly BenchSection[],
  problem: (line: string) => void,
  warn: (line: string) => void,
  cores: number,
): Promise<WorkflowResults> {
  // The sections time in-process work against a local cloud; a machine already busy before they start slows both sides unevenly.
  const loadAtStart = os.loadavg()[0] ?? 0;
  const workflow: WorkflowResults = { errors: {}, rows: [], loadAverageAtStart: loadAtStart };
  if (loadAtStart > 0.5 * os.availableParallelism()) {
    warn(`the 1-minute load average was ${loadAtStart.toFixed(1)} on ${os.availableParallelism()} cores before the workflow sections started: their figures are slowed by background load; rerun on a quiet machine`);
  }
  const fail = (section: BenchSection, err: unknown): void => {
    const message = errorAsText(err);
    workflow.errors[section] = message;
    problem(`${section} section failed: ${message}`);
  };
  if (sections.includes('s3')) {
    try {
      workflow.s3 = await runS3Section({ sizeBytes: options.s3Bytes, seed: options.seed, repeat: options.repeat, log });
      for (const m of workflow.s3.mismatches) problem(`s3: ${m}`);
    } catch (err) {
      fail('s3', err);
    }
  }
  if (sections.includes('dynamodb')) {
    try {
      workflow.dynamodb = await runDynamoDbSection({ items: options.dynamoDbItems, seed: options.seed, log });
      for (const m of workflow.dynamodb.mismatches) problem(`dynamodb: ${m}`);
    } catch (err) {
      fail('dynamodb', err);
    }
  }
  if (sections.includes('fanout')) {
    try {
      log('fan-out: synthesizing the fan-out app and running it with 1 and 2 workers');
      workflow.fanout = await measureFanout({ out: log });
    } catch (err) {
      fail('fanout', err);
    }
  }
  // The drill and scrub sections share one directory vault, made once (untimed) when either runs.
  let vault: Promise<BenchVault> | undefined;
  const benchVault = (): Promise<BenchVault> =>
    (vault ??= (async () => {
      const prepared = await lifeboatCli();
      if (!prepared.ok) throw new Error(`lifeboat vault CLI not available: ${prepared.error}`);
      const dataset = ensureCachedDataset(path.join(OUT_DIR, 'data'), options, log);
      const tool = new LifeboatTool(prepared.bundle.script, lifeboatVersion(REPO_ROOT), path.join(RUN_DIR, 'bench-vault'), path.join(RUN_DIR, 'bench-vault.key'));
      const made = await makeBenchVault(tool, path.join(RUN_DIR, 'bench-vault.key'), dataset.treeDir, log);
      workflow.benchVault = { dir: made.vaultDir, snapshotId: made.snapshotId, backupSeconds: made.backupSeconds, sourceBytes: dataset.manifest.totalBytes };
      return made;
    })());
  // In-process timings: CPU that other processes used meanwhile (beyond a tenth of the machine) makes the figure unreliable.
  const busy = (what: string, seconds: number, otherCpuSeconds: number | undefined): void => {
    if (otherCpuSeconds !== undefined && otherCpuSeconds > 0.1 * seconds * cores) {
      warn(`other processes used ${otherCpuSeconds.toFixed(1)} CPU-s (${((100 * otherCpuSeconds) / (seconds * cores)).toFixed(0)} % of the machine) during ${what}: that figure is slowed by background load; rerun on a quiet machine`);
    }
  };
  if (sections.includes('drill')) {
    try {
      const drill = await runDrillSection({ vault: await benchVault(), workDir: path.join(RUN_DIR, 'drill'), gnuTime: resolveGnuTime(), log });
      workflow.drill = drill;
      for (const m of drill.mismatches) problem(`drill: ${m}`);
      busy('the plain restore', drill.plainRestore.seconds, drill.plainRestore.otherCpuSeconds);
      busy('the drill', drill.drill.seconds, drill.drill.otherCpuSeconds);
    } catch (err) {
      fail('drill', err);
    }
  }
  if (sections.includes('scrub')) {
    try {
      const scrub = await runScrubSection({ vault: await benchVault(), log });
      workflow.scrub = scrub;
      for (const m of scrub.mismatches) problem(`scrub: ${m}`);
      busy('the best scrub pass', scrub.scrub.best.seconds, scrub.scrub.best.otherCpuSeconds);
      busy('the best scrub ceiling pass', scrub.ceiling.best.windowSeconds, scrub.ceiling.best.otherCpuSeconds);
    } catch (err) {
      fail('scrub', err);
    }
  }
  if (sections.includes('prune')) {
    try {
      const prepared = await lifeboatCli();
      if (!prepared.ok) throw new Error(`lifeboat vault CLI not available: ${prepared.error}`);
      const dataset = ensureCachedDataset(path.join(OUT_DIR, 'data'), options, log);
      const dir = path.join(RUN_DIR, 'prune');
      const lifeboat = new LifeboatTool(prepared.bundle.script, lifeboatVersion(REPO_ROOT), path.join(dir, 'lifeboat-vault'), path.join(dir, 'lifeboat.key'));
      let restic: ResticTool | undefined;
      try {
        const found = ensureRestic();
        restic = new ResticTool(found.bin, found.version, path.join(dir, 'restic-repo'), path.join(dir, 'restic-cache'));
      } catch (err) {
        problem(`prune: restic not available: ${(err as Error).message}`);
      }
      const prune = await runPruneSection({ tools: { lifeboat, ...(restic ? { restic } : {}) }, datasetDir: dataset.treeDir, workDir: path.join(dir, 'work'), seed: options.seed, gnuTime: resolveGnuTime(), log });
      workflow.prune = prune;
      for (const m of prune.mismatches) problem(`prune: ${m}`);
    } catch (err) {
      fail('prune', err);
    }
  }
  if (sections.includes('plan-scale')) {
    try {
      workflow.planScale = await runPlanScaleSection({ keys: options.planKeys, log });
    } catch (err) {
      fail('plan-scale', err);
    }
    try {
      workflow.commitScale = await runCommitScale({ ...COMMIT_SCALE, log });
    } catch (err) {
      fail('plan-scale', err);
    }
    try {
      workflow.pruneScale = await runPruneScale({ blobs: options.pruneBlobs, log });
    } catch (err) {
      fail('plan-scale', err);
    }
  }
  if (sections.includes('lambda-memory')) {
    try {
      const memory = await runLambdaMemorySection({ sizeBytes: options.s3Bytes, items: options.dynamoDbItems, seed: options.seed, repoRoot: REPO_ROOT, workDir: path.join(RUN_DIR, 'lambda-memory'), gnuTime: resolveGnuTime(), log });
      workflow.lambdaMemory = memory;
      for (const p of memory.paths) if (!p.restoredEqual) problem(`lambda-memory: the restored ${p.path} target differs from the source`);
      if (!memory.prune.restoredEqual) problem('lambda-memory: after the repacking prune, the kept backup of the tree restores DIFFERENT from the tree');
    } catch (err) {
      fail('lambda-memory', err);
    }
  }
  workflow.rows = buildWorkflowRows(workflow, sections);
  return workflow;
}

/** Issue 3's comparison: Lifeboat's vault CLI against restic on the generated data set. */
async function runResticSection(options: Options, results: BenchResults, problem: (line: string) => void): Promise<void> {
  // Tools first: a missing restic or a broken Lifeboat build shows up before minutes of work.
  const gnuTime = resolveGnuTime();
  const contenders: Contender[] = [];
  const lifeboatResult: ToolResult = { name: 'Lifeboat', version: lifeboatVersion(REPO_ROOT), repetitions: [], details: {} };
  const prepared = await lifeboatCli();
  if (prepared.ok) {
    lifeboatResult.details = { ...prepared.bundle };
    const tool = new LifeboatTool(prepared.bundle.script, lifeboatResult.version, path.join(RUN_DIR, 'lifeboat-vault'), path.join(RUN_DIR, 'lifeboat.key'));
    contenders.push({ tool, result: lifeboatResult });
  } else {
    lifeboatResult.error = `lifeboat vault CLI not available: ${prepared.error}`;
    problem(lifeboatResult.error);
  }
  const resticResult: ToolResult = { name: 'restic', version: 'unknown', repetitions: [], details: {} };
  try {
    const restic = ensureRestic();
    resticResult.version = restic.version;
    contenders.push({ tool: new ResticTool(restic.bin, restic.version, path.join(RUN_DIR, 'restic-repo'), path.join(RUN_DIR, 'restic-cache')), result: resticResult });
  } catch (err) {
    resticResult.error = `restic not available: ${(err as Error).message}`;
    problem(resticResult.error);
  }
  results.tools.push(lifeboatResult, resticResult);

  log('measuring the machine ceilings');
  results.ceilings = measureCeilings();

  const generationStarted = process.hrtime.bigint();
  const dataset = ensureCachedDataset(path.join(OUT_DIR, 'data'), options, log);
  results.dataset = {
    dir: dataset.treeDir,
    cached: dataset.cached,
    generationSeconds: Number(process.hrtime.bigint() - generationStarted) / 1e9,
    totalBytes: dataset.manifest.totalBytes,
    files: dataset.manifest.files.length,
    byKind: dataset.manifest.byKind,
  };
  if (os.totalmem() < 4 * dataset.manifest.totalBytes) {
    results.warnings.push(`only ${(os.totalmem() / MiB).toFixed(0)} MiB of RAM: the source and both vaults may not all stay in the page cache, so timings include disk reads unevenly`);
    log(results.warnings[results.warnings.length - 1] as string);
  }
  // Both tools back up this one copy; it is changed once, after both full backups. Each repetition
  // starts again from a fresh copy and fresh vaults.
  const tree = path.join(RUN_DIR, 'tree');
  let repetition = 0;
  /** The tool's repetition under way: the last one started. */
  const of = (c: Contender): ToolRepetition => c.result.repetitions[c.result.repetitions.length - 1] as ToolRepetition;
  const label = (): string => (options.repeat > 1 ? ` (repetition ${repetition + 1} of ${options.repeat})` : '');

  const step = async (c: Contender, name: StepName, spec: ReturnType<BackupTool['initCommand']>, parse: boolean): Promise<boolean> => {
    flushWrites();
    log(`${c.tool.name}: ${name}${label()}`);
    const m = await runMeasured(spec, gnuTime);
    const failure = failureOf(m);
    const output = parse && !failure ? c.tool.parseBackupOutput(m.stdout) : {};
    of(c).steps[name] = {
      seconds: m.wallSeconds,
      peakRssBytes: m.peakRssBytes,
      sampledTreeRssBytes: m.sampledTreeRssBytes,
      ...(m.gnuTimeMaxRssBytes !== undefined ? { gnuTimeMaxRssBytes: m.gnuTimeMaxRssBytes } : {}),
      ...(m.userSeconds !== undefined ? { userSeconds: m.userSeconds, systemSeconds: m.systemSeconds } : {}),
      ...(m.otherCpuSeconds !== undefined ? { otherCpuSeconds: m.otherCpuSeconds } : {}),
      argv: m.argv,
      ...output,
      ...(failure ? { error: failure } : {}),
    };
    if (failure) {
      c.result.error = `${name} failed${label()}: ${failure}`;
      problem(`${c.tool.name} ${c.result.error}`);
      return false;
    }
    log(`${c.tool.name}: ${name} took ${m.wallSeconds.toFixed(2)} s, peak RSS ${(m.peakRssBytes / MiB).toFixed(0)} MiB`);
    // A neighbour using more than a tenth of the machine makes this figure unreliable: say so.
    const capacity = m.wallSeconds * results.machine.cores;
    if (name !== 'init' && m.otherCpuSeconds !== undefined && m.otherCpuSeconds > 0.1 * capacity) {
      results.warnings.push(
        `other processes used ${m.otherCpuSeconds.toFixed(1)} CPU-s (${((100 * m.otherCpuSeconds) / capacity).toFixed(0)} % of the machine) ` +
          `during ${c.tool.name} ${name}${label()}: that figure is slowed by background load; rerun on a quiet machine`,
      );
      log(results.warnings[results.warnings.length - 1] as string);
    }
    return true;
  };

  for (; repetition < options.repeat; repetition++) {
    // A tool whose step failed sits out the remaining repetitions (its figures are then unjudged).
    const inOrder = contenders.filter((c) => c.result.error === undefined);
    if (!lifeboatFirstIn(options.order, repetition)) inOrder.reverse();
    if (inOrder.length === 0) break;
    inOrder.forEach((c, position) => c.result.repetitions.push({ position, steps: {} }));
    const active = (): Contender[] => inOrder.filter((c) => c.result.error === undefined);

    for (const c of inOrder) for (const p of c.tool.workPaths()) fs.rmSync(p, { recursive: true, force: true });
    fs.rmSync(tree, { recursive: true, force: true });
    log(`copying the data set to ${tree}${label()}`);
    fs.cpSync(dataset.treeDir, tree, { recursive: true });

    for (const c of active()) await step(c, 'init', c.tool.initCommand(), false);

    for (const c of active()) {
      readWholeTree(tree);
      if (await step(c, 'full', c.tool.backupCommand(tree), true)) of(c).vaultAfterFull = diskUsage(c.tool.vaultDir);
    }

    log(`applying the 1 % change${label()}`);
    // The same seed makes the same change in every repetition.
    const change = applyChange(tree, { seed: options.seed });
    results.change ??= change;

    for (const c of active()) {
      readWholeTree(tree);
      if (await step(c, 'incremental', c.tool.backupCommand(tree), true)) of(c).vaultAfterIncremental = diskUsage(c.tool.vaultDir);
    }

    const targets: string[] = [];
    for (const c of active()) {
      const target = path.join(RUN_DIR, `restore-${c.tool.name.toLowerCase()}`);
      targets.push(target);
      fs.rmSync(target, { recursive: true, force: true });
      fs.mkdirSync(target, { recursive: true });
      readWholeTree(c.tool.vaultDir);
      if (!(await step(c, 'restore', c.tool.restoreCommand(target), false))) continue;
      log(`${c.tool.name}: comparing the restored tree with the changed source`);
      const check = compareTrees(tree, c.tool.restoredRoot(target, tree));
      of(c).restoreCheck = check;
      if (!check.equal) {
        c.result.error = `restore differs from the source${label()}: ${check.differences.slice(0, 5).join('; ')}`;
        problem(`${c.tool.name} ${c.result.error}`);
      }
    }
    // A verified restore is one more copy of the data set; the disk does not need to keep it. Both
    // are removed only after both tools restored: on a file system without a journal, files created
    // within a minute or more of many deletions cost more to create (docs/BENCHMARKS.md), and the
    // second tool would pay for the first one's deleted restore.
    for (const target of targets) fs.rmSync(target, { recursive: true, force: true });
  }

  results.rows = buildRows(results);
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
