import { z } from 'zod';
import { emptyPruneReport, pruneCursorSchema, PruneMarkOutOfTimeError, PruneOutOfTimeError, type PruneResult, pruneVault, type Vault, VaultNotFoundError } from '../../vault';
import { type VaultSide } from '../runtime/runtime-config';
import { PruneLog } from '../catalog/prune-log';
import { damagedPackCount, pruneRunRecord } from '../catalog/prune-record';
import { confirmNotCreatedYet, newestBackupRecordedIn } from '../replication/absent-vault';
import { scrubCommandOptions } from '../replication/scrub-command-options';
import { handlerLogger } from '../operations/handler-logger';
import { publishPruneMetrics } from '../operations/operation-metrics';
import { pruneRequestSchema } from '../retention/prune-request';
import { pruneCommandLine } from '../retention/prune-command-line';
import { prunedPlans } from '../retention/recorded-plans';
import { recordedSnapshotsCheck } from '../retention/recorded-snapshots';
import { lifeboatHandler, type LambdaInvocation } from '../runtime/lifeboat-handler';
import { type LambdaRuntime } from '../runtime/lambda-runtime';

/** Time kept back from the Lambda timeout: the step in flight (one pack's repack, one delete) finishes and the result returns. */
const RESERVE_MS = 90_000;
/** Locked keys named in the output at most (the rest are counted): the state machine's payload stays small. */
const LOCKED_NAMED = 20;

/**
 * The workflow's state: the execution's input as `request`, and this step's previous result as
 * `prune` (its cursor is where this invocation resumes, its `startedAt` when the run began). Other
 * fields (an earlier step's result) are ignored.
 */
const inputSchema = z.object({
  request: pruneRequestSchema.default({ dryRun: false }),
  prune: z.object({ cursor: z.optional(pruneCursorSchema), startedAt: z.iso.datetime().optional(), report: z.object({ lockedCount: z.number().int().nonnegative() }).optional() }).optional(),
});

/**
 * The Prune step of `<prefix>-prune`: prunes the function's home vault (the primary in the primary
 * stack, the DR vault in the DR stack; docs/FORMAT.md "Prune"). Returns `done: false` with a cursor
 * when the time ran out; the workflow invokes it again with that cursor. Every invocation of a run
 * that changes the vault records the run so far as `PRUNE#<vault>` in its region's catalog
 * (prune-record.ts); the one that finishes it publishes the bytes the run freed (PruneBytesFreed) and the damaged packs it
 * met, each once however many of its blobs fail (PruneDamagedPacks: a live blob that fails authentication leaves the run
 * `done`; the prune-damage alarm watches the watchdog's LastPruneDamagedPacks, from the run's record, which stays up).
 * A home vault that does not exist yet (its region's catalog records no backup stored in it) is a completed run with
 * an empty report and a `note`; one that does not exist although the catalog records backups in it was emptied, and
 * the run fails with VaultMissingError. Before it sweeps or condemns anything, every invocation checks that the vault
 * holds the snapshot object of every committed backup its region's catalog records in it (recorded-snapshots.ts): one
 * missing stops the run with RecordedSnapshotMissingError, as the prune would condemn that backup's data.
 */
export const handler = pruneVaultHandler();

/** The handler over `runtime` (the container's by default; a test passes its own). */
export function pruneVaultHandler(runtime?: () => LambdaRuntime) {
  return lifeboatHandler({ schema: inputSchema, describes: 'prune request', executionInputAt: 'request' }, pruneHomeVault, runtime);
}

async function pruneHomeVault(input: z.infer<typeof inputSchema>, runtime: LambdaRuntime, invocation: LambdaInvocation | undefined) {
  const { request } = input;
  let vault: Vault;
  try {
    vault = await runtime.openVault(runtime.config.homeVault);
  } catch (err) {
    // The schedules fire when they are created (a rate with no StartDate fires at once), at the deploy:
    // before the first backup's Plan step creates the primary vault, and its replication the DR vault.
    // Nothing to prune is a completed run, not a failure to alarm on. It records nothing and publishes
    // no metric: no vault was pruned, and `lifeboat status` keeps saying "no prune yet". A run continued
    // from a cursor had a vault: one gone since is not a fresh deploy, and fails; so does one the catalog records
    // backups in (emptied: the bucket's objects deleted), with VaultMissingError naming the newest.
    if (!(err instanceof VaultNotFoundError) || input.prune?.cursor) throw err;
    // The plans the check below reads (prunedPlans): an emptied vault whose backups all belong to a plan removed from
    // the config is no fresh one either (f60I).
    const configured = runtime.plans.map((plan) => plan.name);
    await confirmNotCreatedYet(runtime.config.homeVault, err, async (side) => newestBackupRecordedIn(side, runtime.catalog, await prunedPlans(side, runtime.catalog, configured)));
    return nothingToPruneYet(runtime.config.homeVault, request.dryRun, err.message);
  }
  // Read by every invocation, before its mark lists the vault: a run continued from a cursor marks afresh, and is checked afresh.
  // Its stop message's command lines name this environment, in AWS with --aws: bare, they acted on the local cloud.
  const wayOut = scrubCommandOptions({ environment: runtime.environment, aws: !runtime.config.localEndpoints });
  const checkListed = await recordedSnapshotsCheck(runtime.config.homeVault, runtime.catalog, runtime.plans.map((plan) => plan.name), { scrub: wayOut, forget: wayOut });
  // Taken after the catalog's read, which the deadline must not count as the prune's.
  const remaining = invocation?.getRemainingTimeInMillis();
  const cursor = input.prune?.cursor;
  // A continued run keeps the start of its first invocation: the record and the duration are the run's.
  const startedAt = cursor && input.prune?.startedAt ? new Date(input.prune.startedAt) : new Date();
  const pruneLog = new PruneLog(runtime.clients.documentClient(), runtime.config.catalogTable);
  let result: PruneResult;
  try {
    result = await pruneVault(vault, {
      ...(request.graceHours !== undefined ? { graceMs: Math.round(request.graceHours * 3_600_000) } : {}),
      ...(request.repackThreshold !== undefined ? { repackThreshold: request.repackThreshold } : {}),
      dryRun: request.dryRun,
      // Named to a prune this one keeps waiting (PruneAlreadyRunningError).
      lease: { holder: `the ${runtime.environment} prune workflow${invocation?.awsRequestId ? ` (Lambda request ${invocation.awsRequestId})` : ''}` },
      ...(cursor ? { cursor } : {}),
      checkListed,
      ...(remaining !== undefined ? { deadline: Date.now() + Math.max(remaining - RESERVE_MS, remaining / 2) } : {}),
      // The way out the out-of-time errors name.
      command: pruneCommandLine({ vault: runtime.config.homeVault, environment: runtime.environment, aws: !runtime.config.localEndpoints }),
    });
  } catch (err) {
    // The run's record said DEADLINE, "the workflow continues it", since its last cut invocation; this error fails the
    // execution instead, and `lifeboat status` would have said so for ever (review aU2-3).
    if (!request.dryRun && (err instanceof PruneOutOfTimeError || err instanceof PruneMarkOutOfTimeError)) {
      const before = cursor?.report ?? emptyPruneReport(false);
      const run = { environment: runtime.environment, vault: runtime.config.homeVault, trigger: 'workflow' as const, startedAt, finishedAt: new Date(), done: false, stoppedBy: { error: err.name, message: err.message } };
      const lockedCount = Math.max(before.locked.length, input.prune?.report?.lockedCount ?? 0);
      // A record that cannot be written must not hide the error the execution fails with.
      await pruneLog.record(pruneRunRecord(run, { ...before, lockedCount, damagedCount: damagedPackCount(before.damaged) })).catch((recordErr: unknown) => handlerLogger.warn('the stopped prune run could not be recorded', { error: recordErr }));
    }
    throw err;
  }
  const { report } = result;
  const locked = report.locked.slice(0, LOCKED_NAMED);
  // The cursor carries only the named locked keys: the ones it dropped are counted from the previous result.
  const dropped = cursor ? Math.max(0, (input.prune?.report?.lockedCount ?? 0) - cursor.report.locked.length) : 0;
  const lockedCount = report.locked.length + dropped;
  const bounded = { ...report, locked, lockedCount };
  if (!request.dryRun) {
    const run = { environment: runtime.environment, vault: runtime.config.homeVault, trigger: 'workflow' as const, startedAt, finishedAt: new Date(), done: result.done };
    const damagedPacks = damagedPackCount(report.damaged);
    await pruneLog.record(pruneRunRecord(run, { ...report, lockedCount, damagedCount: damagedPacks }));
    // Damage does not fail the run (what it deletes is not at risk), so the metric is what makes it alarm.
    if (result.done) publishPruneMetrics(runtime.environment, { bytesFreed: report.bytesFreed, damagedPacks });
  }
  return {
    vault: runtime.config.homeVault,
    done: result.done,
    startedAt: startedAt.toISOString(),
    ...(result.cursor ? { cursor: { ...result.cursor, report: { ...result.cursor.report, locked } } } : {}),
    report: bounded,
  };
}

/** The output of a run that found no vault: done, an empty report, and why (the vault's own message after it). */
function nothingToPruneYet(vault: VaultSide, dryRun: boolean, reason: string) {
  const why = vault === 'primary' ? 'no backup has run (the primary vault does not exist' : 'no backup has been copied to the DR vault yet (it does not exist';
  return {
    vault,
    done: true,
    startedAt: new Date().toISOString(),
    report: { ...emptyPruneReport(dryRun), lockedCount: 0 },
    note: `nothing to prune yet: ${why}: ${reason})`,
  };
}
