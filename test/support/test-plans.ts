import { type ProtectionPlanConfig, protectionPlanSchema } from '../../config/lifeboat-config';

/**
 * A protection plan for a test, through the config's own schema: daily full backups, the last three
 * kept, an RPO of 60 and an RTO of 30 minutes, unless `fields` says otherwise.
 */
export function testPlan(fields: { name: string; sources: readonly unknown[] } & Record<string, unknown>): ProtectionPlanConfig {
  return protectionPlanSchema.parse({
    schedule: 'rate(1 day)',
    strategy: 'full',
    retention: { keepLast: 3 },
    objectives: { rpoMinutes: 60, rtoMinutes: 30 },
    ...fields,
  });
}
