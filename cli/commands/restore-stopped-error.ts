import * as fs from 'node:fs/promises';

/**
 * A `lifeboat vault restore` into an empty or new target that stopped part way (S3 throttled a read, the network
 * dropped, the disk filled): what it wrote stays, and the same command is then refused, the target not being empty.
 * Its message says what stopped it, then the two ways on (review r64E F1: a throttle's "run the command again in a
 * minute" led to "the restore target … is not empty").
 */
export class RestoreStoppedError extends Error {
  override name = 'RestoreStoppedError';
}

/**
 * RestoreStoppedError in place of the failure `described` (its message as the CLI says it) when the target holds what
 * the restore wrote; undefined when it holds nothing (the restore stopped before writing), so the failure is said as it is.
 */
export async function restoreStoppedInstead(target: string, described: string, cause: unknown): Promise<RestoreStoppedError | undefined> {
  const names = await fs.readdir(target).catch(() => []);
  if (names.length === 0) return undefined;
  return new RestoreStoppedError(
    `${described}. The restore stopped part way: ${target} holds what it wrote so far; restore again into it with --overwrite, which writes over what is there, or into a new directory`,
    { cause },
  );
}
