import { UnknownEnvironmentError } from '../config/config-errors';
import { InvalidInputError } from '../lambdas/runtime/errors';
import { StackEnvironmentError, StackNotFoundError } from './stack-environment-errors';

/** A command line a command refuses by its own check (not commander's): the option and what it takes are in the message. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * Whether a command's error means its command line is wrong (exit 2), not that it ran and failed (exit 1).
 * The commands' catch blocks ask this one place: a script or monitor that reads 1 as "the drill FAILED" or
 * "the scrub left damage" must not read a mistyped `--env` that way. An unknown environment is the config's
 * error class (config/ imports no runtime code), so it is named here beside InvalidInputError. So is a `--stack` that
 * names no stack, or one without a LifeboatProtection's environment: the command line names no environment either way.
 */
export function isUsageError(err: unknown): boolean {
  return err instanceof UsageError || err instanceof InvalidInputError || isUnknownEnvironment(err);
}

/**
 * Whether a command's error is an unknown `--env` alone (or a `--stack` that gives no environment): for the commands whose other InvalidInputErrors are a
 * refusal of what the command was asked to act on (verify of a backup that is not COMMITTED, say), which stays
 * exit 1, while the environment a command line names is its usage (exit 2) wherever it is checked.
 */
export function isUnknownEnvironment(err: unknown): boolean {
  return err instanceof UnknownEnvironmentError || err instanceof StackNotFoundError || err instanceof StackEnvironmentError;
}
