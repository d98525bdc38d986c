import { type Duration } from 'aws-cdk-lib';
import { INLINE_MAP_WAVE_MARGIN, inlineMapWaves, timeoutCoveringWaves } from './inline-map-waves';

// The drill's importers took these from here before the failover shared them (inline-map-waves.ts).
export { INLINE_MAP_CONCURRENCY } from './inline-map-waves';
export const DRILL_WAVE_MARGIN = INLINE_MAP_WAVE_MARGIN;

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
  const waves = inlineMapWaves(maxSources);
  return { waves, restoreSource, drill: timeoutCoveringWaves(restoreSource, waves, tail) };
}
