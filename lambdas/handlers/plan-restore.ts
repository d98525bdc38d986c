import { z } from 'zod';
import { planRestore, RESTORE_ENTRIES_PER_SHARD_ENV, RESTORE_PIECE_BYTES_ENV } from '../restore/plan-restore';
import { describeTableProtection } from '../sources/dynamodb-table-protection';
import { resolvedRestoreSchema } from '../restore/resolved-restore';
import { InvalidEnvironmentError, InvalidInputError } from '../runtime/errors';
import { lifeboatHandler } from '../runtime/lifeboat-handler';

/**
 * `shardMap`: which Map runs the shards (restore-source-chain.ts sets it). Every state machine now sends
 * 'distributed' (the runbook and the drill's and failover's restore-source state machines); 'inline' is
 * kept for executions of the drill and failover started before those existed, whose inline Map iterates `shards`.
 */
const inputSchema = z.object({ resolved: resolvedRestoreSchema, shardMap: z.enum(['distributed', 'inline']) });

/** Prepares the target (table from the schema, directory) and stores the shard plan and its shard manifest under restore-plans/. */
export const handler = lifeboatHandler({ schema: inputSchema, describes: 'resolved restore' }, async ({ resolved, shardMap }, runtime) => {
  // The source's plan bounds the shards' concurrency, as it bounds its backup's.
  const plan = runtime.config.plans.find((p) => p.sources.some((s) => s.name === resolved.source.name));
  if (!plan) throw new InvalidInputError(`Source "${resolved.source.name}" is in no protection plan of this environment any more; restore it with a deployment whose config still protects it`);
  const source = plan.sources.find((s) => s.name === resolved.source.name);
  const dynamodb = runtime.clients.dynamoDbClient();
  // Read per invocation, as the thaw's wait: the local executor's warm environments keep the runtime of their first invocation.
  const override = process.env[RESTORE_ENTRIES_PER_SHARD_ENV];
  const entriesPerShard = override === undefined || override === '' ? undefined : Number(override);
  if (entriesPerShard !== undefined && !(Number.isInteger(entriesPerShard) && entriesPerShard >= 1)) throw new InvalidEnvironmentError(RESTORE_ENTRIES_PER_SHARD_ENV, 'must be a whole number of entries, 1 or more');
  const pieceOverride = process.env[RESTORE_PIECE_BYTES_ENV];
  const pieceBytes = pieceOverride === undefined || pieceOverride === '' ? undefined : Number(pieceOverride);
  if (pieceBytes !== undefined && !(Number.isInteger(pieceBytes) && pieceBytes >= 1)) throw new InvalidEnvironmentError(RESTORE_PIECE_BYTES_ENV, 'must be a whole number of bytes, 1 or more');
  const limits = { ...(entriesPerShard !== undefined ? { entriesPerShard } : {}), ...(pieceBytes !== undefined ? { pieceBytes } : {}) };
  // The source table is in the primary region: the DR region's functions never read it (they work with the primary down).
  const liveTable = runtime.config.homeVault === 'primary' && source?.type === 'dynamodb' ? source.table : undefined;
  return planRestore(
    resolved,
    { map: shardMap, maxConcurrency: plan.maxConcurrency },
    {
      openVault: (side) => runtime.openVault(side),
      planS3: runtime.vaultS3(runtime.config.homeVault),
      planBucket: runtime.vaultBucket(runtime.config.homeVault),
      dynamodb,
      directory: runtime.directory,
      mountPath: runtime.config.mountPath,
      tablePlace: { region: runtime.config.region, account: runtime.config.account, scratch: runtime.config.scratchTargets === true },
      liveSourceProtection: liveTable !== undefined ? () => describeTableProtection(dynamodb, liveTable) : undefined,
      targetS3: runtime.clients.s3Client(),
      ...(Object.keys(limits).length > 0 ? { limits } : {}),
    },
  );
});
