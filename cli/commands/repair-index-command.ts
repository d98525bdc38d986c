import { type Command } from 'commander';
import { findEnvironment, loadLifeboatConfig } from '../../config/load-config';
import { targetEnvironment } from '../target-environment';
import { type RepairIndexSummary } from '../../lambdas/repair/repair-index-summary';
import { packKey } from '../../vault';
import { keptByObjectLock } from './kept-by-object-lock';
import { type CliIo, processIo } from '../cli-io';
import { type TargetOptions, withTargetOptions } from '../environment-access';
import { progressLine } from '../progress-line';
import { isUsageError } from '../usage-error';
import { EXIT_OUTCOME_UNKNOWN, outcomeUnknownJson, outcomeUnknownOf } from '../outcome-unknown';
import { awsWorkflowRunner, causeMessage, localWorkflowRunner, type WorkflowRunner } from '../workflow-runner';

/**
 * `lifeboat repair-index --env <env> --vault primary|dr [--read-data]`: starts the environment's
 * repair-index runbook (`<prefix>-repair-index`, docs/RUNBOOKS.md "Repair index") and waits for it, on
 * the local cloud or with --aws in AWS, as `lifeboat catalog rebuild --runbook` runs its runbook. An
 * environment's vaults are wrapped by KMS key objects only, which `lifeboat vault repair index` refuses by
 * design: the runbook's function holds the key. Exit codes: 0 every pack and blob is in the new index; 3
 * done, but packs or blobs were left out of it, or packs with an unreadable header were indexed from the
 * old index (as `vault repair index`); 1 the runbook failed (RepairIndexOutOfTimeError: one invocation's
 * 15 minutes were not enough); 2 the command line is wrong; 5 with --aws, the outcome is unknown (outcome-unknown.ts).
 */
export type RepairIndexCommandOptions = TargetOptions & { vault?: string; readData?: boolean; json?: boolean };
export type RepairIndexCommandDeps = { io: CliIo; stderr: { isTTY?: boolean; write(s: string): boolean }; runner?: WorkflowRunner };
const defaultDeps: RepairIndexCommandDeps = { io: processIo, stderr: process.stderr };

export const EXIT_LEFT_OUT = 3;

export async function repairIndexCommand(options: RepairIndexCommandOptions, deps: Partial<RepairIndexCommandDeps> = {}): Promise<number> {
  const { io, stderr } = { ...defaultDeps, ...deps };
  const side = options.vault;
  if (side !== 'primary' && side !== 'dr') {
    io.err(`lifeboat repair-index: --vault must be primary or dr (the one vault whose index is rebuilt), got ${side ?? 'nothing'}`);
    return 2;
  }
  const readData = options.readData ?? false;
  try {
    // With --stack there is no config file to load (target-environment.ts).
    const config = options.stack === undefined ? loadLifeboatConfig(options.config) : undefined;
    const runner = deps.runner ?? (options.aws || config === undefined ? awsWorkflowRunner({ environment: config !== undefined ? findEnvironment(config, options.env) : await targetEnvironment(options) }) : localWorkflowRunner({ config, envName: options.env, dataDir: options.dataDir }));
    const progress = progressLine(stderr, `repair index (${side} vault${readData ? ', reading every pack whole' : ''})`);
    // The runbook runs in the primary region (its one function reaches the DR vault in its region).
    const outcome = await runner.run('repair-index', { vault: side, readData }, (p) => progress.update(p), { region: 'primary' });
    progress.done();
    const summary = outcome.status === 'SUCCEEDED' ? (outcome.output as RepairIndexSummary) : undefined;
    if (options.json) {
      io.out(JSON.stringify({ executionId: outcome.executionId, status: outcome.status, ...(summary ? { summary } : { error: outcome.error, cause: causeMessage(outcome.cause) }) }, null, 2));
    } else if (summary) {
      for (const line of repairSummaryLines(summary)) io.out(line);
      io.out(`Execution ${outcome.executionId}`);
    }
    if (!summary) {
      if (!options.json) io.err(`Repair index ${outcome.status}: ${outcome.error ?? 'unknown error'}: ${causeMessage(outcome.cause) ?? ''}\nExecution ${outcome.executionId}`);
      return 1;
    }
    for (const note of summary.notes) io.err(`note: ${note}`);
    return summary.leftOut ? EXIT_LEFT_OUT : 0;
  } catch (err) {
    io.err(`lifeboat repair-index: ${err instanceof Error ? err.message : String(err)}`);
    // The CLI stopped following a runbook that goes on in AWS and may still write the index, or the start may have
    // begun it: not "failed" (review r64D F1: it exited 1 with nothing on stdout under --json).
    const unknown = outcomeUnknownOf(err);
    if (unknown !== undefined) {
      if (options.json) io.out(outcomeUnknownJson(unknown));
      return EXIT_OUTCOME_UNKNOWN;
    }
    return isUsageError(err) ? 2 : 1;
  }
}

/** The runbook's summary for a reader: what was read and indexed, the index objects, then each pack and blob left out (as many as the summary names). */
export function repairSummaryLines(summary: RepairIndexSummary): string[] {
  const read = summary.readData ? 'read whole, every blob decrypted and its id checked' : 'their headers read';
  const lines = [
    `Repaired the index of the ${summary.vault} vault: ${summary.packsRead} pack(s) ${read}; ${summary.packsIndexed} pack(s) with ${summary.blobsIndexed} blob(s) indexed.`,
    `Index objects: ${summary.indexesWritten} written, then ${summary.indexesRemoved} old one(s) removed${summary.indexesUnreadableCount > 0 ? ` (${summary.indexesUnreadableCount} of them unreadable)` : ''}${
      summary.indexesLockedCount > 0 ? `; ${summary.indexesLockedCount} kept by Object Lock (${keptByObjectLock(summary.tombstone)})` : ''
    }${summary.indexesLeftToPrune > 0 ? `; ${summary.indexesLeftToPrune} a pending prune condemns left to it` : ''}.`,
  ];
  for (const s of summary.packsSalvaged) lines.push(`Salvaged: ${s.blobsCopied} intact blob(s) of ${packKey(s.pack)} copied into a new pack; the damaged pack is left unindexed, for prune to delete.`);
  if (summary.packsLeftToPrune > 0) lines.push(`Left to prune: ${summary.packsLeftToPrune} pack(s) a pending prune condemns and no snapshot needs.`);
  if (summary.packsNotReadCount > 0) lines.push(`Not read: ${summary.packsNotReadCount} pack(s) in an archive storage class (a read needs a thaw), indexed as the old index objects listed them.`);
  for (const p of summary.packsHeaderUnreadable) lines.push(`HEADER UNREADABLE pack ${packKey(p.pack)}: ${p.blobs} blob(s) ${p.reason}: ${p.detail}`);
  for (const p of summary.packsLeftOut) lines.push(`LEFT OUT pack ${packKey(p.pack)}: ${p.reason}: ${p.detail}`);
  for (const b of summary.blobsLeftOut) lines.push(`LEFT OUT blob ${b.blob} of ${packKey(b.pack)}: ${b.reason}: ${b.detail}`);
  if (summary.notListed > 0) lines.push(`${summary.notListed} more entries are not listed (the runbook's output is kept small); the counts above are complete.`);
  return lines;
}

export function registerRepairIndexCommand(program: Command): void {
  withTargetOptions(program.command('repair-index').description("rebuild an environment vault's index from its packs, by the environment's repair-index runbook (exit 0 all indexed, 1 failed, 2 bad usage, 3 packs or blobs were left out, 5 --aws: the CLI stopped following the runbook or does not know whether its start began it, its outcome unknown)"))
    .requiredOption('--vault <vault>', 'primary or dr: the one vault whose index is rebuilt')
    .option('--read-data', 'also read every pack whole, decrypt every blob and check its id: damaged blobs are left out of the index (reads everything)')
    .action(async (opts: RepairIndexCommandOptions) => {
      process.exitCode = await repairIndexCommand(opts);
    });
}
