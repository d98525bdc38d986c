import { z } from 'zod';
import { DEFAULT_MIRROR_GRACE_SECONDS, DEFAULT_MIRROR_SAMPLES, MAX_MIRROR_GRACE_SECONDS } from '../mirror/mirror-defaults';
import { runMirrorCheck } from '../mirror/mirror-check';
import { MirrorLog } from '../mirror/mirror-log';
import { FileSamplesLog } from '../mirror/file-samples-log';
import { type FileReplica } from '../mirror/mirror-check';
import { replicaDirectory } from '../mirror/replica-directory';
import { EfsClients } from '../mirror/efs-clients';
import { MissingEnvironmentError } from '../runtime/errors';
import { lifeboatHandler } from '../runtime/lifeboat-handler';

const inputSchema = z
  .object({
    // Each check gets its own message: a schema's type message stands for every check that has none, so 1.5 and 100001 read "must be a number".
    samples: z
      .number({ message: 'must be a number' })
      .int({ message: 'must be a whole number' })
      .min(1, { message: 'must be at least 1' })
      .max(100_000, { message: 'must be at most 100000' })
      .default(DEFAULT_MIRROR_SAMPLES),
    // Whole seconds up to a day: every record carries it, and DynamoDB stores no number below 1e-130 nor the SDK one above
    // 2^53, so 1e-200 and 1e200 once failed after the comparison, unrecorded (audit R39 F2); a grace of days calls real differences in flight.
    graceSeconds: z
      .number({ message: 'must be a number' })
      .min(0, { message: 'must be at least 0' })
      .max(MAX_MIRROR_GRACE_SECONDS, { message: `must be at most ${MAX_MIRROR_GRACE_SECONDS} (a day)` })
      // Not .int(): zod's also refuses 1e200 (above 2^53), which then read "must be a whole number" beside the bound it breaks.
      .refine((n) => Number.isInteger(n), { message: 'must be a whole number of seconds' })
      .default(DEFAULT_MIRROR_GRACE_SECONDS),
  })
  .strict();

let efsClients: EfsClients | undefined;
/** The container's EFS clients (built on first use, as the runtime's other clients). */
function efsClientsOf(ownRegion: string): EfsClients {
  return (efsClients ??= new EfsClients(ownRegion));
}

/** The mirror check's one step (DR stack): each mirrored source's next window compared with its mirror, recorded in the DR catalog. */
export const handler = lifeboatHandler({ schema: inputSchema, describes: 'mirror check request' }, async (input, runtime) => {
  const sourceRegion = runtime.config.primaryRegion ?? runtime.config.region;
  const mirrorBucketPrefix = runtime.config.mirrorBucketPrefix;
  if (mirrorBucketPrefix === undefined) throw new MissingEnvironmentError('LIFEBOAT_MIRROR_BUCKET_PREFIX');
  const { mirrorFileSystemId, mirrorReplica, mountPath } = runtime.config;
  // The replica is mounted at this function's mount path; a source's path is under the primary region's mount path.
  const replica: FileReplica | undefined =
    mirrorReplica && mountPath
      ? {
          fileSystemId: mirrorReplica.fileSystemId,
          directory: (sourcePath) => runtime.directory(replicaDirectory(sourcePath, mirrorReplica.sourceMountPath, mountPath)),
          samples: new FileSamplesLog(runtime.clients.documentClient(), runtime.config.catalogTable),
        }
      : undefined;
  return runMirrorCheck(input, {
    environment: runtime.environment,
    plans: runtime.plans,
    mirrorRegion: runtime.config.region,
    sourceRegion,
    mirrorBucketPrefix,
    s3: (region) => runtime.clients.s3Client(region),
    dynamodb: (region) => runtime.clients.dynamoDbClient(region),
    // EFS has no local emulation: only a deployed check with a mirrored file system reads it.
    ...(mirrorFileSystemId ? { efs: { client: (region: string) => efsClientsOf(runtime.config.region).client(region), fileSystemId: mirrorFileSystemId, ...(replica ? { replica } : {}) } } : {}),
    log: new MirrorLog(runtime.clients.documentClient(), runtime.config.catalogTable),
    now: () => Date.now(),
  });
});
