import { type EnvironmentConfig } from '../config/lifeboat-config';
import { escapeName } from './escape-name';

/**
 * A warning for a `--plan` or `--source` filter the environment's config does not name. The catalog
 * keeps the history of plans and sources since removed, so the listing still runs, but an empty one
 * must not read as "no backups" of a name that was only mistyped.
 */
export function unconfiguredNameWarning(environment: Pick<EnvironmentConfig, 'name' | 'plans'>, filter: { plan?: string; source?: string }): string | undefined {
  const plans = environment.plans.map((p) => p.name);
  if (filter.plan !== undefined && !plans.includes(filter.plan)) {
    return `warning: "${escapeName(filter.plan)}" is not a plan of environment ${environment.name} (its plans: ${plans.join(', ')}); listing what the catalogs still hold for that name`;
  }
  const sources = environment.plans.flatMap((p) => p.sources.map((s) => s.name));
  if (filter.source !== undefined && !sources.includes(filter.source)) {
    return `warning: "${escapeName(filter.source)}" is not a source of environment ${environment.name} (its sources: ${sources.join(', ')}); listing what the catalog still holds for that name`;
  }
  return undefined;
}
