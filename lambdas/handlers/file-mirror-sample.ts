import { z } from 'zod';
import { DEFAULT_FILE_MIRROR_SAMPLES } from '../mirror/mirror-defaults';
import { runFileMirrorSampling } from '../mirror/file-mirror-sampling';
import { FileSamplesLog } from '../mirror/file-samples-log';
import { handlerLogger } from '../operations/handler-logger';
import { MissingEnvironmentError } from '../runtime/errors';
import { lifeboatHandler } from '../runtime/lifeboat-handler';

const inputSchema = z
  .object({
    // Each check gets its own message: a schema's type message stands for every check that has none, so 1.5 read "must be a number".
    samples: z
      .number({ message: 'must be a number' })
      .int({ message: 'must be a whole number' })
      .min(1, { message: 'must be at least 1' })
      .max(10_000, { message: 'must be at most 10000 (the samples go into one catalog item)' })
      .default(DEFAULT_FILE_MIRROR_SAMPLES),
  })
  .strict();

/**
 * The primary region's half of the file-system mirror check (primary stack, scheduled): the next window
 * of each mirrored file-system source read from the mounted file system (size, mtime, SHA-256) and
 * recorded in the DR catalog, where the DR region's mirror check compares it with the replica.
 */
export const handler = lifeboatHandler({ schema: inputSchema, describes: 'file mirror sampling request' }, async (input, runtime) => {
  const table = runtime.config.drCatalogTable;
  if (table === undefined) throw new MissingEnvironmentError('DR_CATALOG_TABLE');
  const region = runtime.config.drRegion;
  if (region === undefined) throw new MissingEnvironmentError('DR_REGION');
  return runFileMirrorSampling(input, {
    environment: runtime.environment,
    plans: runtime.plans,
    directory: runtime.directory,
    log: new FileSamplesLog(runtime.clients.documentClient(region), table),
    now: () => Date.now(),
    warn: (message) => handlerLogger.warn(message),
  });
});
