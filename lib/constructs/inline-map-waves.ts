import { Duration } from 'aws-cdk-lib';

/**
 * Iterations of an inline Map that run at once: Step Functions runs at most 40 of them concurrently whatever
 * MaxConcurrency says (the local engine too), so a drill or failover of 41 or more sources restores them in waves.
 */
export const INLINE_MAP_CONCURRENCY = 40;

/**
 * Kept per wave after the first, beyond its child executions' timeout: the Map's iteration that follows a finished one
 * starts its child (a `startExecution.sync`), whose end Step Functions sees by polling.
 */
export const INLINE_MAP_WAVE_MARGIN = Duration.minutes(10);

/** Waves an inline Map of `items` iterations runs in: ceil(items / INLINE_MAP_CONCURRENCY), at least one. */
export function inlineMapWaves(items: number): number {
  return Math.max(1, Math.ceil(items / INLINE_MAP_CONCURRENCY));
}

/**
 * A parent execution's timeout that outlasts `waves` waves of children, each running up to `child` from its own
 * start, with INLINE_MAP_WAVE_MARGIN between waves, and then `tail` (what the parent waits for and runs outside its
 * Map: approval, its Lambda steps with their retries). At the parent's own timeout no Catch runs, so the last wave's
 * children must time out first and leave the parent its tail. One wave is exactly `child + tail`.
 */
export function timeoutCoveringWaves(child: Duration, waves: number, tail: Duration): Duration {
  // Far below Step Functions' bound on a standard execution (a year): ten thousand waves of 24 h.
  return Duration.seconds(waves * child.toSeconds() + (waves - 1) * INLINE_MAP_WAVE_MARGIN.toSeconds() + tail.toSeconds());
}
