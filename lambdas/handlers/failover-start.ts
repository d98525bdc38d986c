import { z } from 'zod';
import { FAILOVER_GRANT_SECONDS_ENV, FailoverGrantLog } from '../failover/failover-grant';
import { startFailover } from '../failover/failover-start';
import { MirrorLog } from '../mirror/mirror-log';
import { requireEnv } from '../runtime/environment';
import { InvalidEnvironmentError } from '../runtime/errors';
import { lifeboatHandler } from '../runtime/lifeboat-handler';

// The user's input is validated field by field by startFailover; here only the envelope the state machine adds.
const inputSchema = z.object({
  input: z.unknown(),
  execution: z.string().min(1, 'must be the execution name ($$.Execution.Name)'),
  startedAt: z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'must be the execution start time ($$.Execution.StartTime)'),
  executionArn: z.string().min(1, 'must be the execution ARN ($$.Execution.Id)').optional(),
});

/** First state of the failover runbook (DR stack): validate, pick the backup, check and create the targets. */
export const handler = lifeboatHandler({ schema: inputSchema, describes: 'failover envelope' }, async (envelope, runtime) =>
  startFailover(envelope, {
    plans: runtime.plans,
    catalog: runtime.catalog,
    mirrors: new MirrorLog(runtime.clients.documentClient(), runtime.config.catalogTable),
    grants: { log: new FailoverGrantLog(runtime.clients.documentClient(), runtime.config.catalogTable), seconds: grantSeconds() },
    ...(runtime.config.mirrorBucketPrefix !== undefined ? { mirrorBucketPrefix: runtime.config.mirrorBucketPrefix } : {}),
    region: runtime.config.region,
    restoreTargetPrefix: runtime.config.restoreTargetPrefix,
    mountPath: runtime.config.mountPath,
    s3: runtime.clients.s3Client(),
    dynamodb: runtime.clients.dynamoDbClient(),
    directory: runtime.directory,
    ranIn: {
      environment: runtime.config.environment,
      localCloud: runtime.config.localEndpoints !== undefined,
      localDynamoDb: runtime.config.localEndpoints?.dynamodb[runtime.config.region],
    },
  }),
);

/** How long the children's grants last (failover-grant.ts), read per invocation as resolve-restore's pin. */
function grantSeconds(): number {
  const raw = requireEnv(FAILOVER_GRANT_SECONDS_ENV, process.env);
  const seconds = Number(raw);
  if (!Number.isInteger(seconds) || seconds < 1) throw new InvalidEnvironmentError(FAILOVER_GRANT_SECONDS_ENV, `"${raw}" is not a whole number of seconds, 1 or more`);
  return seconds;
}
