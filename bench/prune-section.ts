import * as fs from 'node:fs';
import * as path from 'node:path';
import { type BackupTool } from './backup-tool';
import { type CommandSpec, failureOf, type Measurement, runMeasured } from './measure';
import { applyChange } from './mutate';
import { diskUsage } from './tree-walk';

/** Issue 14: Lifeboat's prune takes at most this share of `restic forget --prune`'s time on the same history. */
export const PRUNE_TIME_TARGET = 0.7;
/** Issue 14: the vault after the prune is at most this share of restic's repository. */
export const PRUNE_SIZE_TARGET = 1.0;

/** Backups in the history; every other one (the older of each pair) is forgotten. */
const BACKUPS = 10;
/** Share of the tree's bytes changed between two backups: enough that forgetting half leaves garbage to reclaim. */
const CHANGE_FRACTION = 0.05;

export type PruneSide = {
  /** Seconds of the ten backups together (not compared; for the record). */
  backupSeconds: number;
  /** Bytes of the vault or repository directory before forgetting, and after the prune. */
  bytesBefore: number;
  bytesAfter: number;
  /** Seconds of the forget-and-prune step (Lifeboat: `vault prune --grace 0`, after deleting the snapshot objects; restic: `forget --prune`). */
  pruneSeconds: number;
  peakRssBytes: number;
  /** What the tool said it did (Lifeboat's report; restic's output tail). */
  output: string;
};

export type PruneSectionResult = {
  backups: number;
  forgotten: number;
  changeFraction: number;
  lifeboat: PruneSide;
  restic?: PruneSide;
  /** Lifeboat's `vault verify --read-data` after the prune: problems are listed here. */
  mismatches: string[];
};

export type PruneSectionTools = {
  lifeboat: BackupTool & { pruneCommand(): CommandSpec; verifyCommand(): CommandSpec };
  restic?: BackupTool & { forgetPruneCommand(ids: readonly string[]): CommandSpec };
};

/**
 * Ten backups of a copy of the data set, changed by CHANGE_FRACTION between backups, into a
 * Lifeboat vault and a restic repository alike; then the older of each pair is forgotten and the
 * vault pruned. Lifeboat forgets by deleting the snapshot objects (what the Forget step does) and
 * prunes with a grace of 0 (condemn and sweep in one command, as restic deletes at once); restic
 * runs `forget <ids> --prune`. Times and sizes side by side; the vault must verify with --read-data afterwards.
 */
export async function runPruneSection(options: { tools: PruneSectionTools; datasetDir: string; workDir: string; seed: string; gnuTime: string | undefined; log: (line: string) => void }): Promise<PruneSectionResult> {
  const { tools, log } = options;
  fs.rmSync(options.workDir, { recursive: true, force: true });
  fs.mkdirSync(options.workDir, { recursive: true });
  const tree = path.join(options.workDir, 'tree');
  fs.cpSync(options.datasetDir, tree, { recursive: true });
  const sides = [{ name: 'Lifeboat', tool: tools.lifeboat as BackupTool }, ...(tools.restic ? [{ name: 'restic', tool: tools.restic as BackupTool }] : [])];
  const ids = new Map<string, string[]>(sides.map((s) => [s.name, []]));
  const backupSeconds = new Map<string, number>(sides.map((s) => [s.name, 0]));
  const run = async (what: string, spec: CommandSpec): Promise<Measurement> => {
    const m = await runMeasured(spec, options.gnuTime);
    const failure = failureOf(m);
    if (failure) throw new Error(`${what}: ${failure}`);
    return m;
  };
  for (const s of sides) await run(`${s.name} init`, s.tool.initCommand());
  for (let i = 0; i < BACKUPS; i++) {
    if (i > 0) applyChange(tree, { seed: `${options.seed}/prune/${i}`, fraction: CHANGE_FRACTION });
    for (const s of sides) {
      const m = await run(`${s.name} backup ${i + 1}`, s.tool.backupCommand(tree));
      const id = s.tool.parseBackupOutput(m.stdout).snapshotId;
      if (!id) throw new Error(`${s.name} backup ${i + 1} printed no snapshot id`);
      ids.get(s.name)?.push(id);
      backupSeconds.set(s.name, (backupSeconds.get(s.name) ?? 0) + m.wallSeconds);
    }
    log(`prune: backup ${i + 1} of ${BACKUPS} made with ${sides.map((s) => s.name).join(' and ')}`);
  }
  log(`prune: ${BACKUPS} backups made; forgetting every other one and pruning`);
  const forgotten = (name: string): string[] => (ids.get(name) ?? []).filter((_, i) => i % 2 === 0);

  const lifeboatBefore = diskUsage(tools.lifeboat.vaultDir).apparentBytes;
  for (const id of forgotten('Lifeboat')) fs.rmSync(path.join(tools.lifeboat.vaultDir, 'snapshots', id));
  const lp = await run('Lifeboat prune', tools.lifeboat.pruneCommand());
  const lifeboat: PruneSide = {
    backupSeconds: backupSeconds.get('Lifeboat') ?? 0,
    bytesBefore: lifeboatBefore,
    bytesAfter: diskUsage(tools.lifeboat.vaultDir).apparentBytes,
    pruneSeconds: lp.wallSeconds,
    peakRssBytes: lp.peakRssBytes,
    output: lp.stdout.trim(),
  };
  const mismatches: string[] = [];
  const verify = await runMeasured(tools.lifeboat.verifyCommand(), options.gnuTime);
  if (verify.exitCode !== 0) mismatches.push(`vault verify --read-data after the prune failed: ${verify.stdout.trim().split('\n').slice(-5).join(' | ')}`);

  let restic: PruneSide | undefined;
  if (tools.restic) {
    const before = diskUsage(tools.restic.vaultDir).apparentBytes;
    const rp = await run('restic forget --prune', tools.restic.forgetPruneCommand(forgotten('restic')));
    restic = {
      backupSeconds: backupSeconds.get('restic') ?? 0,
      bytesBefore: before,
      bytesAfter: diskUsage(tools.restic.vaultDir).apparentBytes,
      pruneSeconds: rp.wallSeconds,
      peakRssBytes: rp.peakRssBytes,
      output: rp.stdout.trim().split('\n').slice(-6).join('\n'),
    };
  }
  fs.rmSync(tree, { recursive: true, force: true });
  return { backups: BACKUPS, forgotten: forgotten('Lifeboat').length, changeFraction: CHANGE_FRACTION, lifeboat, ...(restic ? { restic } : {}), mismatches };
}
