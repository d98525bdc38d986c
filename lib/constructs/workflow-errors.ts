/**
 * Error names the state machines retry. Handlers throw errors with these names for conditions that
 * may pass (throttling, timeouts, a source busy); every other error is permanent and goes to Catch.
 * Kept in lib/ because Retry is infrastructure; lambdas/runtime/errors.ts throws the same names.
 */
export const TRANSIENT_ERROR_NAMES = ['TransientError'] as const;
