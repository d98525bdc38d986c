import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type LifeboatConfig, mirrorOf, type SourceConfig } from '../../config/lifeboat-config';
import { resourceNames } from '../../lib/stacks/resource-names';
import { BackupCatalog } from '../../lambdas/catalog/backup-catalog';
import { type BackupRecord, type BackupStrategy } from '../../lambdas/catalog/backup-record';
import { type PruneReport } from '../../vault';
import { type DrillRecord } from '../../lambdas/catalog/drill-record';
import { type FailoverReport } from '../../lambdas/failover/failover-report';
import { localDynamoDbClient, localS3Client } from '../cloud/local-cloud';
import { ApprovalLog } from '../../lambdas/approval/approval-log';
import { approveThroughCatalog } from '../executor/local-approver';
import { runLocalExecution } from '../executor/run-local-execution';
import { type LocalEnvironment, openLocalEnvironment } from '../local-environment';
import { type DrillOutcome, runDrill } from './drill-stage';
import { type MirrorCheckOutcome, runMirrorCheck } from './mirror-stage';
import { type FailoverOutcome, failOverWithPrimaryDown } from './failover-stage';
import { openLocalVault } from './local-vault';
import { changeSampleBucket, changeSampleDirectory, changeSampleTable } from './sample-changes';
import { seedSampleBucket, seedSampleDirectory, seedSampleTable } from './sample-data';
import { type RestoreOutcome, restoreIntoNewTarget } from './restore-stage';
import { DEMO_RETENTION, forgetAndPrune, restoreDefaultPruneGrace, type RetentionOutcome } from './retention-stage';
import { decideRetention } from '../../lambdas/retention/decide-retention';
import { type SourceVerification, verifyBackup } from './verify-backup';
import { acquireDemoLock } from './demo-lock';
import { DemoRegionStoppedError } from './demo-errors';
import { demoVerdictFailures } from './demo-verdict';
import { executionProblem } from './execution-problem';

/** How the drill's and the failover's reports read: the CLI's own text (`lifeboat drills show`, `lifeboat failover`), given by the caller. */
export type DemoReportText = { drill: (record: DrillRecord) => string[]; failover: (report: FailoverReport) => string[] };

/**
 * The closing `lifeboat status` screen of the plan, given by the caller (the CLI's own, which this
 * layer may not import); read while the local cloud is still up.
 */
export type DemoStatusText = (plan: string) => Promise<string[]>;

export type DemoOptions = {
  config: LifeboatConfig;
  envName: string;
  planName: string;
  dataDir: string;
  workers?: number;
  out: (line: string) => void;
  reportText: DemoReportText;
  statusText?: DemoStatusText;
  /**
   * Stops the demo (the CLI's Ctrl-C or SIGTERM): the running execution ends ABORTED, as StopExecution
   * ends it, and gives back what it holds (a backup's lease) while the cloud still runs; no later stage starts.
   */
  abortSignal?: AbortSignal;
};

export type DemoResult = {
  ok: boolean;
  /** Stopped through abortSignal before its end. */
  interrupted?: boolean;
  backupIds: string[];
  verifications: SourceVerification[];
  drill?: DrillOutcome;
  mirrorCheck?: MirrorCheckOutcome;
  failover?: FailoverOutcome;
  retention?: RetentionOutcome;
};

/** Thrown between stages once the demo's abortSignal fired; runDemo turns it into its result. */
class DemoInterrupted extends Error {
  override readonly name = 'DemoInterrupted';
}

type Round = { label: string; strategy: BackupStrategy; record?: BackupRecord; durationMs: number; verifications: SourceVerification[] };

/**
 * The product, locally: local cloud up → sample bucket, table and directory seeded → a full backup
 * through the synthesized workflow (real handlers, real vault) → changes → an incremental backup →
 * more changes → a differential backup. After each backup every source is read back FROM THE VAULT
 * (vault API only) and compared with the live source; a table of scanned vs new bytes, dedup ratio
 * and durations follows. Then the restore runbook from both vaults, a drill of the plan in the DR
 * region (its report, RTO and RPO against the plan's objectives; anything but PASSED fails the demo),
 * the mirror check of the mirrored sources (equal, with the lag the local cloud's replication shows),
 * and a primary-region outage (a mirrored source fails over to its mirror): the primary region of the local cloud stopped, the failover runbook
 * run from the DR region, the primary started again, every failover target compared with its source.
 * Last, retention: the oldest backup forgotten, the prune runbook reclaiming what only it used, and
 * every kept backup read back. Any mismatch fails the demo, with a `FAIL` line for each condition that
 * does not hold. One demo at a time per data directory (demo-lock.ts).
 */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const { out, abortSignal } = options;
  const started = Date.now();
  // Taken before the synthesis: a second demo would write the first one's cdk.out too.
  const lock = acquireDemoLock(options.dataDir);
  const rounds: Round[] = [];
  try {
    const local = await openLocalEnvironment({ config: options.config, envName: options.envName, dataDir: options.dataDir });
    try {
      return await runStages(options, local, rounds, started);
    } catch (err) {
      if (!(err instanceof DemoInterrupted)) throw err;
      out('');
      out(
        `Demo STOPPED (${abortReason(abortSignal)}) after ${formatMs(Date.now() - started)}: the execution it was running, if any, ended ABORTED and gave back what it held. ` +
          `Executions: lifeboat executions list --data-dir ${options.dataDir}`,
      );
      return { ok: false, interrupted: true, backupIds: rounds.flatMap((r) => (r.record ? [r.record.backupId] : [])), verifications: rounds.flatMap((r) => r.verifications) };
    } finally {
      // Stops the cloud if this demo started it: after the stopped execution's clean-up, which needs it.
      await local.close();
    }
  } finally {
    lock.release();
  }
}

function abortReason(signal: AbortSignal | undefined): string {
  const reason: unknown = signal?.reason;
  return typeof reason === 'string' ? reason : 'interrupted';
}

/** The demo's stages on an open environment (runDemo's doc); `rounds` fills as the backups run, for an interrupted demo's result. */
async function runStages(options: DemoOptions, local: LocalEnvironment, rounds: Round[], started: number): Promise<DemoResult> {
  const { out, abortSignal } = options;
  // Between stages: once the demo is stopped, the stage that ran has ended (ABORTED) and no other starts.
  const checkpoint = (): void => {
    if (abortSignal?.aborted) throw new DemoInterrupted();
  };
  const abort = abortSignal ? { abortSignal } : {};
  const env = local.environment;
  const plan = env.plans.find((p) => p.name === options.planName);
  if (!plan) throw new Error(`Plan ${options.planName} is not defined in environment ${env.name}.`);
  out(`Local cloud: S3 ${Object.values(local.endpoints.s3).join(', ')}; DynamoDB ${Object.values(local.endpoints.dynamodb)[0] ?? '?'}`);
  const provisioned = local.stacks.filter((s) => !local.stoppedRegions.includes(s.region));
  out(
    `Synthesized ${local.stacks.map((s) => `${s.stackName} (${s.region})`).join(' and ')}; ` +
      (provisioned.length === local.stacks.length
        ? 'buckets and tables provisioned from the templates.'
        : `buckets and tables of ${provisioned.map((s) => s.stackName).join(' and ') || 'no stack'} provisioned from the templates; region ${local.stoppedRegions.join(', ')} is stopped.`),
  );
  // The backups need the primary region and the failover stops and starts it itself: a cloud left with a region
  // stopped (by `lifeboat local region stop`, or a demo killed during its failover) is refused, not half used.
  if (local.stoppedRegions.length > 0) throw new DemoRegionStoppedError(options.dataDir, local.stoppedRegions);

  const s3 = localS3Client(local.endpoints, env.primaryRegion);
  const ddb = localDynamoDbClient(local.endpoints, env.primaryRegion);
  const fsRoot = (p: string): string => path.join(local.fsRoot, p);
  for (const source of plan.sources) {
    if (source.type === 's3') {
      const seeded = await seedSampleBucket(s3, source.bucket);
      out(`Seeded s3://${source.bucket}: ${seeded.objects} objects, ${formatBytes(seeded.bytes)}`);
    } else if (source.type === 'dynamodb') {
      const seeded = await seedSampleTable(ddb, source.table);
      out(`Seeded table ${source.table}: ${seeded.items} items`);
    } else {
      const seeded = await seedSampleDirectory(fsRoot(source.path));
      out(`Seeded directory ${fsRoot(source.path)}: ${seeded.files} files, ${formatBytes(seeded.bytes)}`);
    }
  }

  const names = resourceNames(env);
  // Every backup and restore of the demo runs on the same warm Lambda environments, as in AWS.
  const lambdaPool = local.lambdaPool(Math.max(1, options.workers ?? availableParallelism()));
  const primary = local.stacks.find((s) => s.role === 'primary');
  if (!primary) throw new Error('The synthesized environment has no primary stack.');
  const catalog = new BackupCatalog(DynamoDBDocumentClient.from(ddb), names.catalogTable);

  const changeSources = async (round: number): Promise<void> => {
    for (const source of plan.sources) out(`  changed ${source.name}: ${await changeSource(source, round)}`);
  };
  const changeSource = (source: SourceConfig, round: number): Promise<string> =>
    source.type === 's3' ? changeSampleBucket(s3, source.bucket, round) : source.type === 'dynamodb' ? changeSampleTable(ddb, source.table, round) : changeSampleDirectory(fsRoot(source.path), round);

  const backup = async (label: string, strategy: BackupStrategy): Promise<Round> => {
    out('');
    out(`${label}: ${strategy} backup of plan ${plan.name}`);
    const execution = await runLocalExecution({
      stack: primary,
      stateMachine: names.backupStateMachine,
      input: { plan: plan.name, strategy, trigger: 'demo' },
      endpoints: local.endpoints,
      dataDir: local.dataDir,
      pool: lambdaPool,
      extraEnv: { LIFEBOAT_FS_ROOT: local.fsRoot },
      ...abort,
    });
    const durationMs = Date.parse(execution.stoppedAt) - Date.parse(execution.startedAt);
    const round: Round = { label, strategy, durationMs, verifications: [] };
    rounds.push(round);
    out(`  workflow ${names.backupStateMachine}: ${execution.status} in ${formatMs(durationMs)} (execution ${execution.executionId})`);
    if (execution.status !== 'SUCCEEDED') {
      out(`  ${executionProblem(execution)}`);
      checkpoint();
      return round;
    }
    const backupId = (execution.output as { committed?: { backupId?: string } } | undefined)?.committed?.backupId;
    if (!backupId) throw new Error('The backup workflow succeeded without reporting a backup id.');
    round.record = await catalog.requireBackup(backupId);
    const record = round.record;
    out(`  catalog: ${backupId} ${record.status}, strategy ${record.strategy}${record.parentBackupId ? `, parent ${record.parentBackupId}` : ''}${record.baseBackupId ? `, base ${record.baseBackupId}` : ''}`);
    out(`  DR copy: ${record.copies?.dr ?? 'not recorded'} (replicated into ${names.drVault}, ${local.environment.drRegion})`);
    // Read back from the vault, as a restore would: a fresh vault handle (new index) per round.
    const vault = await openLocalVault(s3, names.primaryVault, local.dataDir);
    for (const source of plan.sources) {
      const inCatalog = record.sources.find((s) => s.name === source.name);
      if (!inCatalog) {
        round.verifications.push({ source: source.name, type: source.type, entries: 0, bytes: 0, mismatches: ['no snapshot in the catalog record'] });
        continue;
      }
      const snapshot = await vault.loadSnapshot(inCatalog.snapshotId);
      const v = await verifyBackup(vault, snapshot, source, { sourceS3: s3, sourceDynamoDb: ddb, fsRoot });
      if (snapshot.manifest !== inCatalog.rootHash) v.mismatches.push(`root hash ${snapshot.manifest} in the vault, ${inCatalog.rootHash} in the catalog`);
      round.verifications.push(v);
      out(
        `  ${v.mismatches.length === 0 ? 'OK  ' : 'FAIL'} ${v.type.padEnd(10)} ${v.source.padEnd(12)} ${String(v.entries).padStart(5)} entries ${formatBytes(v.bytes).padStart(10)}` +
          `  snapshot ${inCatalog.snapshotId.slice(0, 12)}  scanned ${formatBytes(inCatalog.bytesScanned)}, new ${formatBytes(inCatalog.bytesNew)}`,
      );
      for (const m of v.mismatches.slice(0, 10)) out(`       ${m}`);
    }
    return round;
  };

  checkpoint();
  const healed = await restoreDefaultPruneGrace({ s3, vaultBucket: names.primaryVault, stack: primary, stateMachine: names.pruneStateMachine, endpoints: local.endpoints, dataDir: local.dataDir, pool: lambdaPool, ...abort });
  if (healed.prune) out(`A previous demo left the primary vault on a prune grace of 0 h; ${names.pruneStateMachine} with the default grace put it back: ${healed.prune.status}${healed.prune.problem ? ` (${healed.prune.problem})` : ''}`);
  if (healed.waitedMs > 0) out(`Waited ${formatMs(healed.waitedMs)}: the previous demo's prune (grace 0 h) condemned objects less than a minute ago, and a backup started that close to it is held to its grace.`);
  checkpoint();
  await backup('1. Initial', 'full');
  checkpoint();
  out('');
  out('Changing the sources:');
  await changeSources(1);
  checkpoint();
  await backup('2. After changes', 'incremental');
  checkpoint();
  out('');
  out('Changing the sources again:');
  await changeSources(2);
  checkpoint();
  await backup('3. Against the full', 'differential');
  checkpoint();

  out('');
  out('Backup              strategy      duration   logical   scanned       new    stored   dedup');
  for (const r of rounds) {
    const t = r.record?.totals;
    const ratio = t && t.bytesStored > 0 ? `${(t.bytes / t.bytesStored).toFixed(1)}x` : t ? '∞' : '-';
    out(
      `${r.label.padEnd(20)}${(r.record?.strategy ?? r.strategy).padEnd(12)}${formatMs(r.durationMs).padStart(10)}` +
        `${fmt(t?.bytes)}${fmt(t?.bytesScanned)}${fmt(t?.bytesNew)}${fmt(t?.bytesStored)}${ratio.padStart(8)}`,
    );
  }
  out('(logical = what a restore writes; scanned = read from the source; new = chunks the vault lacked; stored = their compressed, encrypted size; dedup = logical / stored)');

  // The DR runbook: restore every source of the last backup into new targets, compared with the sources
  // (unchanged since that backup).
  const restores: RestoreOutcome[] = [];
  const last = rounds[rounds.length - 1]?.record;
  const vaults = [
    { vault: 'primary', heading: `4. Restore runbook (${names.restoreStateMachine}): every source of backup ${last?.backupId ?? '-'} into a new target` },
    { vault: 'dr', heading: `5. The same from the DR vault (${names.drVault}, ${local.environment.drRegion}), as a DR restore would` },
  ] as const;
  for (const { vault, heading } of last?.status === 'COMMITTED' ? vaults : []) {
    out('');
    out(heading);
    const tag = `${last?.backupId.slice(-8) ?? ''}${vault === 'dr' ? '-dr' : ''}`;
    for (const source of plan.sources) {
      const r = await restoreIntoNewTarget(source, last?.backupId ?? '', tag, {
        stack: primary,
        stateMachine: names.restoreStateMachine,
        endpoints: local.endpoints,
        dataDir: local.dataDir,
        fsRoot: local.fsRoot,
        s3,
        ddb,
        restoreTargetPrefix: names.restoreTargetPrefix,
        pool: lambdaPool,
        vault,
        ...abort,
      });
      restores.push(r);
      out(`  ${r.problems.length === 0 ? 'OK  ' : 'FAIL'} ${r.source.padEnd(12)} → ${r.target}: ${r.status} in ${formatMs(r.durationMs)}, ${restoredCount(r)}, ${formatBytes(r.bytes)}, equal to the source`.replace(/, equal to the source$/, r.problems.length ? '' : ', equal to the source'));
      for (const p of r.problems.slice(0, 10)) out(`       ${p}`);
      checkpoint();
    }
  }

  const dr = local.stacks.find((s) => s.role === 'dr');
  if (!dr) throw new Error('The synthesized environment has no DR stack.');
  const replicated = last?.status === 'COMMITTED' && last.copies?.dr === 'COMMITTED' ? last : undefined;
  let drill: DrillOutcome | undefined;
  let failover: FailoverOutcome | undefined;
  let mirrorCheck: MirrorCheckOutcome | undefined;
  const mirrored = plan.sources.filter((s) => mirrorOf(s) !== undefined);
  if (replicated) {
    out('');
    out(`6. Drill (${names.drillStateMachine} in ${env.drRegion}, as the plan's schedule starts it): the newest backup restored from the DR vault into scratch targets, verified, compared with the live sources`);
    drill = await runDrill(plan.name, { stack: dr, stateMachine: names.drillStateMachine, endpoints: local.endpoints, dataDir: local.dataDir, fsRoot: local.fsRoot, pool: lambdaPool, ...abort });
    checkpoint();
    out(`  workflow ${names.drillStateMachine}: ${drill.status} in ${formatMs(drill.durationMs)} (execution ${drill.executionId})`);
    for (const line of drill.record ? options.reportText.drill(drill.record) : []) out(`  ${line}`);
    for (const p of drill.problems) out(`  FAIL ${p}`);
    if (!drill.record) out(`  See lifeboat drills list --plan ${plan.name} --vault dr --data-dir ${options.dataDir}`);

    if (mirrored.length > 0) {
      out('');
      out(`7. Mirror check (${names.mirrorCheckStateMachine} in ${env.drRegion}): ${mirrored.map((s) => s.name).join(', ')} compared with ${mirrored.length === 1 ? 'its mirror' : 'their mirrors'}, kept by S3 Replication`);
      mirrorCheck = await runMirrorCheck({ stack: dr, stateMachine: names.mirrorCheckStateMachine, endpoints: local.endpoints, dataDir: local.dataDir, pool: lambdaPool, ...abort });
      checkpoint();
      out(`  workflow ${names.mirrorCheckStateMachine}: ${mirrorCheck.status} in ${formatMs(mirrorCheck.durationMs)} (execution ${mirrorCheck.executionId})`);
      for (const m of mirrorCheck.result?.sources ?? []) {
        const lag = m.lagSeconds === null ? 'lag unknown' : `lag ${m.lagSeconds.toFixed(1)} s`;
        out(`  ${m.passed ? 'OK  ' : 'FAIL'} ${m.source.padEnd(12)} → ${m.mirror}: ${m.compared} entries compared, ${m.differences} different, ${lag}`);
      }
      for (const p of mirrorCheck.problems) out(`  FAIL ${p}`);
    }

    out('');
    out(`${mirrored.length > 0 ? 8 : 7}. Failover (${names.failoverStateMachine} in ${env.drRegion}) with the primary region ${env.primaryRegion} down`);
    const drS3 = localS3Client(local.endpoints, env.drRegion);
    const drDdb = localDynamoDbClient(local.endpoints, env.drRegion);
    try {
      // A suffix of this backup's own: a second demo on the same data directory fails over into new targets.
      failover = await failOverWithPrimaryDown(
        { plan: plan.name, targetSuffix: `demo-${replicated.backupId.slice(-8)}` },
        {
          stack: dr,
          stateMachine: names.failoverStateMachine,
          endpoints: local.endpoints,
          dataDir: local.dataDir,
          fsRoot: local.fsRoot,
          pool: lambdaPool,
          primaryRegion: env.primaryRegion,
          sources: plan.sources,
          primary: { s3, ddb },
          dr: { s3: drS3, ddb: drDdb },
          progress: (line) => out(`  ${line}`),
          approve: approveThroughCatalog(
            local.dataDir,
            { primary: new ApprovalLog(DynamoDBDocumentClient.from(ddb), names.catalogTable), dr: new ApprovalLog(DynamoDBDocumentClient.from(drDdb), names.catalogTable) },
            'the demo',
          ),
          ...abort,
        },
      );
    } finally {
      drS3.destroy();
      drDdb.destroy();
    }
    out(`  workflow ${names.failoverStateMachine}: ${failover.status}${failover.executionId ? ` (execution ${failover.executionId})` : ''}`);
    // Lines may hold line breaks (a table).
    for (const line of failover.report ? options.reportText.failover(failover.report).flatMap((l) => l.split('\n')) : []) out(`  ${line}`);
    for (const c of failover.comparisons) out(`  ${c.problems.length === 0 ? 'OK  ' : 'FAIL'} ${c.source.padEnd(12)} → ${c.target}${c.problems.length === 0 ? ': equal to the source' : ''}`);
    for (const p of failover.problems.slice(0, 10)) out(`       ${p}`);
    checkpoint();
  }

  let retention: RetentionOutcome | undefined;
  if (last?.status === 'COMMITTED') {
    const stage = replicated ? (mirrored.length > 0 ? 9 : 8) : 6;
    out('');
    // What the plan's own policy and the demo's keep, counted over every backup of the plan the catalog holds: a reused
    // data directory holds earlier demos' backups and those of `lifeboat backup`, and the forget applies to all of them.
    const live = (await catalog.listBackupsOfPlan(plan.name)).filter((r) => r.forgottenAt === undefined && r.status === 'COMMITTED');
    const ours = new Set(rounds.flatMap((r) => (r.record ? [r.record.backupId] : [])));
    const earlier = live.filter((r) => !ours.has(r.backupId)).length;
    const keptByPlan = decideRetention(live, plan.retention, new Date()).filter((d) => d.keep).length;
    out(
      `${stage}. Retention and prune (primary vault): the plan's policy ${JSON.stringify(plan.retention)} keeps ${keptByPlan === live.length ? 'all ' : ''}${keptByPlan} of its ${live.length} backup(s)` +
        `${earlier > 0 ? ` (${ours.size} of this run, ${earlier} from before it)` : ''}; the demo forgets with ${JSON.stringify(DEMO_RETENTION)} instead, as \`lifeboat backups forget\` does with a plan's policy`,
    );
    if (earlier > 0) {
      out(
        `  note: like \`lifeboat backups forget\`, it decides over every backup of plan ${plan.name} in this data directory, so the ${earlier} from before this run ` +
          '(earlier demos, `lifeboat backup`) are forgotten too unless the rule keeps them; run the demo on a fresh --data-dir to keep them',
      );
    }
    retention = await forgetAndPrune({ plan, catalog, s3, vaultBucket: names.primaryVault, stack: primary, stateMachine: names.pruneStateMachine, endpoints: local.endpoints, dataDir: local.dataDir, pool: lambdaPool, ...abort });
    for (const d of retention.decisions) out(`  ${d.keep ? 'keep  ' : 'forget'} ${d.backupId}  ${d.reasons.length > 0 ? d.reasons.join(', ') : 'no rule keeps it'}${ours.has(d.backupId) ? '' : '  (from before this run)'}`);
    const forgottenEarlier = retention.forgotten.filter((id) => !ours.has(id)).length;
    out(
      `  kept ${retention.decisions.filter((d) => d.keep).length}, forgot ${retention.forgotten.length} backup(s)${forgottenEarlier > 0 ? ` (${forgottenEarlier} of them from before this run)` : ''}: ` +
        `their snapshot objects deleted, their catalog records marked forgotten${retention.snapshotsLeft.length ? `; FAIL ${retention.snapshotsLeft.join(', ')} still there` : ''}`,
    );
    for (const [i, run] of retention.prunes.entries()) {
      const what = i === 0 ? 'grace 0 h in the demo, 25 h by default' : i === 1 ? 'again, after that grace' : 'with the default grace, as the schedule runs it';
      out(`  workflow ${names.pruneStateMachine} (${what}): ${run.status} in ${formatMs(run.durationMs)} (execution ${run.executionId})`);
      if (run.report) out(`    ${pruneSummary(run.report)}`);
      if (run.problem) out(`  FAIL ${run.problem}`);
    }
    const byBackup = new Map<string, typeof retention.kept>();
    for (const k of retention.kept) byBackup.set(k.backupId, [...(byBackup.get(k.backupId) ?? []), k]);
    for (const [backupId, checks] of byBackup) {
      const problems = checks.flatMap((c) => c.problems.map((p) => `${c.source}: ${p}`));
      const entries = checks.reduce((n, c) => n + c.entries, 0);
      const bytes = checks.reduce((n, c) => n + c.bytes, 0);
      out(`  ${problems.length === 0 ? 'OK  ' : 'FAIL'} kept ${backupId}: ${checks.length} sources, ${entries} entries, ${formatBytes(bytes)}, every blob read back and hashed to its id`);
      for (const p of problems.slice(0, 10)) out(`       ${p}`);
    }
  }

  checkpoint();
  const verifications = rounds.flatMap((r) => r.verifications);
  const failures = demoVerdictFailures({
    sources: plan.sources.length,
    mirrored: mirrored.map((m) => m.name),
    expectedBackups: 3,
    backups: rounds,
    expectedRestores: plan.sources.length * vaults.length,
    restores,
    ...(drill ? { drill } : {}),
    ...(mirrorCheck ? { mirrorCheck } : {}),
    ...(failover ? { failover } : {}),
    ...(retention ? { retention } : {}),
  });
  const ok = failures.length === 0;
  if (!ok) out('');
  for (const f of failures) out(`FAIL ${f}`);
  out('');
  out(`${ok ? 'Demo passed' : 'Demo FAILED'} in ${formatMs(Date.now() - started)}. Executions: lifeboat executions list --data-dir ${options.dataDir}`);
  if (options.statusText) {
    out('');
    out(`lifeboat status --data-dir ${options.dataDir} (plan ${plan.name}):`);
    try {
      for (const line of await options.statusText(plan.name)) out(line);
    } catch (err) {
      // The screen is an epilogue: the demo's verdict above stands.
      out(`  status could not be read: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return { ok, backupIds: rounds.flatMap((r) => (r.record ? [r.record.backupId] : [])), verifications, ...(drill ? { drill } : {}), ...(mirrorCheck ? { mirrorCheck } : {}), ...(failover ? { failover } : {}), ...(retention ? { retention } : {}) };
}

/** One prune run in a line: what it condemned, deleted and repacked, and the bytes freed. */
function pruneSummary(r: PruneReport): string {
  const condemned = r.packsCondemned + r.indexesCondemned + r.manifestsCondemned;
  const deleted = r.packsDeleted + r.indexesDeleted + r.manifestsDeleted;
  return (
    `condemned ${condemned} object(s) (${r.packsCondemned} packs, ${formatBytes(r.bytesCondemned)}); deleted ${deleted} (${r.packsDeleted} packs); ` +
    `repacked ${r.packsRepacked} pack(s); freed ${formatBytes(r.bytesFreed)}${r.locked.length ? `; ${r.locked.length} locked, left for a later run` : ''}`
  );
}

function fmt(bytes: number | undefined): string {
  return (bytes === undefined ? '-' : formatBytes(bytes)).padStart(10);
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

export function formatMs(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** What a restore wrote, as its owner counts it: a table's items (in how many pages), else entries. */
function restoredCount(r: RestoreOutcome): string {
  return r.items !== undefined ? `${r.items} items (${r.entries} pages)` : `${r.entries} entries`;
}
