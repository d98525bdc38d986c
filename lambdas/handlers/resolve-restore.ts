import { type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { FAILOVER_GRANTS_FROM_ENV, FailoverGrantLog } from '../failover/failover-grant';
import { resolveRestore, type ResolveRestoreDeps } from '../restore/resolve-restore';
import { executionStartTimeSchema } from '../restore/execution-start-time';
import { executionRestoreIdSchema } from '../restore/restore-id';
import { DEFAULT_RESTORE_PIN_SECONDS, RESTORE_PIN_SECONDS_ENV } from '../restore/restore-pin';
import { environmentRegionsOf } from '../runtime/environment-regions';
import { InvalidEnvironmentError } from '../runtime/errors';
import { lifeboatHandler } from '../runtime/lifeboat-handler';

// The request itself is validated field by field by resolveRestore; here only the envelope the state machine adds. The
// execution's name becomes the restore id as the release step makes it (abandon-restore.ts), so both name the same restore.
// `execution`: the execution's own ARN ($$.Execution.Id, restore-workflow.ts, restore-source-state-machine.ts), to which a
// failover child binds its grant and which the claim records; `startedAt`: its $$.Execution.StartTime (target-claim.ts).
const inputSchema = z.object({ request: z.unknown(), restoreId: executionRestoreIdSchema, execution: z.string().min(1).optional(), startedAt: executionStartTimeSchema.optional() });

/** First step of the restore runbook: validate every field, resolve the backup and snapshot, check the target. Writes only the restore's claim on its target and its pin on the backup. */
export const handler = lifeboatHandler({ schema: inputSchema, describes: 'restore envelope' }, async (input, runtime) =>
  resolveRestore(input.request, input.restoreId, {
    restoreTargetPrefix: runtime.config.restoreTargetPrefix,
    mountPath: runtime.config.mountPath,
    sources: runtime.sources,
    catalog: runtime.catalog,
    openVault: (side) => runtime.openVault(side),
    homeVault: runtime.config.homeVault,
    regions: environmentRegionsOf(runtime.config),
    pin: { catalog: runtime.catalog, seconds: pinSeconds(process.env[RESTORE_PIN_SECONDS_ENV]) },
    // As long as the pin: a claim left by a restore that died lapses when its execution can no longer be running.
    // The claim records its execution: only that execution takes it over or releases it (target-claim.ts, release-unplanned-restore.ts).
    claim: { catalog: runtime.catalog, seconds: pinSeconds(process.env[RESTORE_PIN_SECONDS_ENV]), execution: input.execution, startedAt: input.startedAt },
    s3: runtime.clients.s3Client(),
    dynamodb: runtime.clients.dynamoDbClient(),
    directory: runtime.directory,
    ...failoverGrantOf(input.execution, runtime.clients.documentClient(), runtime.config.catalogTable),
  }),
);

/** A failover child's resolve (FAILOVER_GRANTS_FROM_ENV set) restores only what its failover granted (failover-grant.ts). */
function failoverGrantOf(execution: string | undefined, ddb: DynamoDBDocumentClient, table: string): Pick<ResolveRestoreDeps, 'failoverGrant'> {
  const parent = process.env[FAILOVER_GRANTS_FROM_ENV];
  if (parent === undefined || parent === '') return {};
  return { failoverGrant: { grants: new FailoverGrantLog(ddb, table), parent, execution } };
}

/**
 * How long the pin lasts (restore-pin.ts). Read per invocation, as plan-restore's limits: the local executor's warm
 * environments keep the runtime of their first invocation. Unset: a function deployed before the variable existed.
 */
function pinSeconds(raw: string | undefined): number {
  if (raw === undefined || raw === '') return DEFAULT_RESTORE_PIN_SECONDS;
  const seconds = Number(raw);
  if (!Number.isInteger(seconds) || seconds < 1) throw new InvalidEnvironmentError(RESTORE_PIN_SECONDS_ENV, `"${raw}" is not a whole number of seconds, 1 or more`);
  return seconds;
}
