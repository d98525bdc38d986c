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
  return new RestoreStoppedError(`${described}. The restore stopped part way: ${target} holds what it wrote so far; ${RESTORE_AGAIN_INTO_IT}`, { cause });
}

/** The two ways to restore again into a target a restore wrote to: the same command is refused there (not empty). */
const RESTORE_AGAIN_INTO_IT = 'restore again into it with --overwrite, which writes over what is there, or into a new directory';

/**
 * A restore that finished but for damaged files (RestoreIncompleteError, `described` as the CLI says it): its words say to
 * repair and "then restore again", which the same command refuses once the target holds the other entries, so the ways
 * on are said as a stopped restore says them (review r64N F7). Undefined when the target holds nothing.
 */
export async function restoreIncompleteInstead(target: string, described: string, cause: unknown): Promise<RestoreStoppedError | undefined> {
  const names = await fs.readdir(target).catch(() => []);
  if (names.length === 0) return undefined;
  return new RestoreStoppedError(`${described}\n${target} holds every entry that was restored; to restore the rest once the vault is repaired, ${RESTORE_AGAIN_INTO_IT}`, { cause });
}
