import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { DIMENSION, type DimensionSet, LIFEBOAT_METRICS, type LifeboatMetricKey, METRICS_NAMESPACE } from '../../config/metric-names';

/** Where a metric belongs: always the environment; the plan and the source for the metrics whose dimension set has them. */
export type MetricScope = { environment: string; plan?: string; source?: string };

export type MetricValues = Partial<Record<LifeboatMetricKey, number>>;

/**
 * Publishes metrics now, as EMF lines on stdout (one per dimension set), through Powertools Metrics.
 * Each metric is published with exactly its dimension set of metric-names.ts: a metric whose set
 * needs a plan or source the scope lacks is left out rather than published under other dimensions
 * (it would be another metric, which no alarm watches). Powertools' own `service` dimension is
 * removed for the same reason. Non-finite values (a ratio of nothing) are left out.
 */
export function publishMetrics(scope: MetricScope, values: MetricValues): void {
  const bySet = new Map<DimensionSet, [LifeboatMetricKey, number][]>();
  for (const [key, value] of Object.entries(values) as [LifeboatMetricKey, number | undefined][]) {
    if (value === undefined || !Number.isFinite(value)) continue;
    const set = LIFEBOAT_METRICS[key].dimensions;
    if ((set === 'plan' || set === 'source') && scope.plan === undefined) continue;
    if (set === 'source' && scope.source === undefined) continue;
    bySet.set(set, [...(bySet.get(set) ?? []), [key, value]]);
  }
  for (const [set, entries] of bySet) {
    const metrics = new Metrics({ namespace: METRICS_NAMESPACE });
    metrics.clearDefaultDimensions();
    metrics.setDefaultDimensions(dimensionsOf(scope, set));
    for (const [key, value] of entries) {
      const { name, unit } = LIFEBOAT_METRICS[key];
      metrics.addMetric(name, MetricUnit[unit === 'None' ? 'NoUnit' : unit], value);
    }
    metrics.publishStoredMetrics();
  }
}

function dimensionsOf(scope: MetricScope, set: DimensionSet): Record<string, string> {
  const dimensions: Record<string, string> = { [DIMENSION.environment]: scope.environment };
  if (set !== 'environment' && scope.plan !== undefined) dimensions[DIMENSION.plan] = scope.plan;
  if (set === 'source' && scope.source !== undefined) dimensions[DIMENSION.source] = scope.source;
  return dimensions;
}
