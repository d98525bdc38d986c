import { z } from 'zod';
import { MIN_SCRUB_FRACTION_MESSAGE, isBelowMinScrubFraction } from '../../config/scrub-fraction';
import { markDeployedFormat } from '../catalog/catalog-format';
import { ScrubLease } from '../catalog/scrub-lease';
import { ScrubLog } from '../catalog/scrub-log';
import { newestBackupRecordedIn } from '../replication/absent-vault';
import { discardedSnapshotsOf } from '../replication/discarded-snapshots';
import { PlanOutcomes, planOutcomesBudgetBytes } from '../replication/plan-outcomes';
import { runScrubRunbook } from '../replication/scrub-runbook';
import { publishScrubMetrics } from '../operations/operation-metrics';
import { damagedForgottenRecordLine, forgottenSnapshotsOf } from '../retention/forgotten-snapshots';
import { scrubbedPlans } from '../retention/recorded-plans';
import { scrubCommandOptions } from '../replication/scrub-command-options';
import { lifeboatHandler, type LambdaInvocation } from '../runtime/lifeboat-handler';
import { type LambdaRuntime } from '../runtime/lambda-runtime';

/** The scheduled default: a seventh of the objects a day, every object read once a week. */
export const DEFAULT_RUNBOOK_FRACTION = 1 / 7;

// The execution's input. Strict: a misspelt field ("reapir") is refused rather than silently falling back to a default.
const requestSchema = z
  .object({
    vault: z.enum(['primary', 'dr', 'both'], { message: 'must be "primary", "dr" or "both"' }).default('both'),
    fraction: z
      .number({ message: 'must be a number' })
      .gt(0, { message: 'must be above 0' })
      .lte(1, { message: 'must be at most 1' })
      // A tiny share (1e-300) passed, the scrub ran, and then its record failed in DynamoDB (Number underflow).
      .refine((f) => !isBelowMinScrubFraction(f), { message: MIN_SCRUB_FRACTION_MESSAGE })
      .default(DEFAULT_RUNBOOK_FRACTION),
    repair: z.boolean({ message: 'must be true or false' }).default(true),
  })
  .strict();

/**
 * What the Scrub task passes: the execution's input and the execution's ARN ($$.Execution.Id), the lease's holder, so
 * that a retry of the execution takes the lease its failed attempt could not release (review rEE F3).
 */
const inputSchema = z.strictObject({ request: requestSchema, execution: z.string().min(1).optional() });

/** Time kept back from the Lambda timeout for the scrub's record and result, as replication keeps it. */
const RESERVE_MS = 90_000;
/** Lambda's longest timeout: the lease's length when the invocation does not say how long it has (the local executor). */
const LONGEST_INVOCATION_MS = 15 * 60_000;
/** The scrub lease outlasts the invocation by this much: another scrub's clock may run ahead of this one's. */
const LEASE_MARGIN_MS = 60_000;

/** The scrub runbook's one step: the next slice of the vaults read and verified, each healed from the other, the run recorded in the catalog. */
export const handler = scrubVaultsHandler();

/** The handler over a given runtime (tests pass a fake one). */
export function scrubVaultsHandler(runtime?: () => LambdaRuntime) {
  const scrub = lifeboatHandler({ schema: inputSchema, describes: 'scrub request', executionInputAt: 'request' }, scrubHomeVaults, runtime);
  return (event: unknown, invocation?: LambdaInvocation) => scrub(withExecutionInput(event), invocation);
}

/**
 * A state machine deployed before the Scrub task passed its execution (and a direct invoke) gives the execution's input
 * as it is: it is that input, with no execution (its lease is then its attempt's alone, as before).
 */
function withExecutionInput(event: unknown): unknown {
  return event !== null && typeof event === 'object' && Object.hasOwn(event, 'request') ? event : { request: event };
}

async function scrubHomeVaults({ request: { vault, fraction, repair }, execution }: z.infer<typeof inputSchema>, runtime: LambdaRuntime, invocation: LambdaInvocation | undefined) {
  // Every run writes its record into the primary catalog, so it marks that catalog with this deployment's format first,
  // as the Plan and Forget steps do (catalog-format.ts): the default rate schedule fires at the deploy that creates the stack, and until the first backup
  // or prune nothing else would, so an older CLI's `lifeboat scrub --repair` went unrefused (review rZ3 F4). Before
  // the vaults are opened: a run with nothing to scrub yet marks it too. Logged, not fatal, as theirs; but the record is
  // what the marker guards (an unverified copy an older CLI would drop, audit aU1-1), so a failed raise is tried once
  // more right before the record is written (review rA F3), still without failing the run.
  const marked = await markDeployedFormat(runtime.catalog.formatMarker());
  const remaining = invocation?.getRemainingTimeInMillis();
  // This run's asks list each plan once (PlanOutcomes, within a share of the function's memory): they come after the
  // record reads' cutoff. One per invocation: the next run reads the catalog anew.
  const discardedCatalog = new PlanOutcomes(runtime.catalog, planOutcomesBudgetBytes(runtime.config.memoryMb));
  return runScrubRunbook(
    { scope: vault, fraction, repair },
    {
      environment: runtime.environment,
      commandOptions: scrubCommandOptions({ environment: runtime.environment, aws: !runtime.config.localEndpoints }),
      ...(marked ? {} : { beforeRecord: () => markDeployedFormat(runtime.catalog.formatMarker()) }),
      // Held from before the latest record is read until this run is recorded; an invocation the timeout kills cannot
      // release it, so it lapses when that invocation could no longer be running.
      lease: {
        store: new ScrubLease(runtime.clients.documentClient(), runtime.config.catalogTable),
        by: `the scrub runbook of environment ${runtime.environment} (Lambda request ${invocation?.awsRequestId ?? 'unknown'})`,
        seconds: Math.ceil(((remaining ?? LONGEST_INVOCATION_MS) + LEASE_MARGIN_MS) / 1000),
        ...(execution !== undefined ? { execution } : {}),
      },
      // A repair that copied a snapshot into a vault waits, within this, for a prune of that vault to end (lambdas/replication/look-after-copy.ts).
      ...(remaining !== undefined ? { deadline: Date.now() + Math.max(remaining - RESERVE_MS, remaining / 2) } : {}),
      scrubLog: new ScrubLog(runtime.clients.documentClient(), runtime.config.catalogTable),
      // Once recorded, before a run that leaves damage throws: the scrub-corruption alarm sums these.
      publish: publishScrubMetrics,
      openVault: (side) => runtime.openVault(side),
      // A vault that does not exist is "nothing to scrub yet" only while its region's catalog records no backup in it.
      newestRecordedBackup: (side) =>
        newestBackupRecordedIn(side, side === 'dr' && runtime.config.drCatalogTable !== undefined ? runtime.drCatalog() : runtime.catalog, runtime.plans.map((plan) => plan.name)),
      // A vault's retention is recorded in its region's catalog: the home one, and the DR one from the primary region when deployed with it.
      // Of every plan the catalog holds, configured or not (scrubbedPlans: a removed plan's forgotten backup is not copied back, review r60F F1).
      forgottenSnapshots: (side, note) => {
        const configured = runtime.plans.map((plan) => plan.name);
        const catalog = side === runtime.config.homeVault ? runtime.catalog : side === 'dr' && runtime.config.drCatalogTable !== undefined ? runtime.drCatalog() : undefined;
        if (catalog === undefined) return undefined;
        return scrubbedPlans(side, catalog, configured).then((plans) => forgottenSnapshotsOf(catalog, plans, { onDamaged: (record) => note(`the ${side} catalog's ${damagedForgottenRecordLine(record)}`) }));
      },
      // FAILED records, and COMMITTED ones naming their snapshots, are the backup workflow's: the primary region's catalog (the home one: the scrub runs there).
      discardedSnapshots: (snapshots) => discardedSnapshotsOf(discardedCatalog, runtime.plans.map((plan) => plan.name), snapshots),
    },
  );
}
