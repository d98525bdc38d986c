import { Duration } from 'aws-cdk-lib';

/**
 * Iterations of an inline Map that run at once: Step Functions runs at most 40 of them concurrently whatever
 * MaxConcurrency says (the local engine too), so a drill of 41 or more sources restores them in waves.
 */
export const INLINE_MAP_CONCURRENCY = 40;

/**
 * Kept per wave after the first, beyond its child restores' timeout: the Map's iteration that follows a finished one
 * starts its child restore (a `startExecution.sync`), whose end Step Functions sees by polling.
 */
export const DRILL_WAVE_MARGIN = Duration.minutes(10);

export type DrillTimeouts = {
  /** Waves of child restores the plan with the most sources needs: ceil(sources / INLINE_MAP_CONCURRENCY). */
  readonly waves: number;
  /** One source's restore (the child execution): the base timeout less the drill's other steps (`tail`). */
  readonly restoreSource: Duration;
  /** The drill execution: `base` for one wave; each further wave adds a child's timeout and DRILL_WAVE_MARGIN. */
  readonly drill: Duration;
};

/**
 * The drill's and its child restores' timeouts. `base` is the drill's timeout for one wave (24 h; 72 h when thaws may
 * be needed) and `tail` what its Lambda steps may take with their retries (start, compare, cleanup, record). A child
 * restore gets `base - tail`; a drill whose restores run in W waves gets W child timeouts (and W - 1 margins) plus the
 * tail, so that its last wave's restores still time out before it does and its cleanup and record still run: at the
 * drill's own timeout no Catch would run (no cleanup, pins left, no record, no alarm). A plan of 40 sources or fewer
 * keeps `base` exactly.
 */
export function drillTimeouts(base: Duration, tail: Duration, maxSources: number): DrillTimeouts {
  const restoreSource = base.minus(tail);
  const waves = Math.max(1, Math.ceil(maxSources / INLINE_MAP_CONCURRENCY));
  // Far below Step Functions' bound on a standard execution (a year): ten thousand waves of 20.6 h.
  const drill = Duration.seconds(base.toSeconds() + (waves - 1) * (restoreSource.toSeconds() + DRILL_WAVE_MARGIN.toSeconds()));
  return { waves, restoreSource, drill };
}
