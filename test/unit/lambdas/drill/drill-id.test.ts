import { createHash } from 'node:crypto';
import { drillReportSchema } from '../../../../lambdas/catalog/drill-record';
import { drillIdOf } from '../../../../lambdas/drill/drill-id';
import { InvalidInputError } from '../../../../lambdas/runtime/errors';

describe('drill id', () => {
  it('is the execution start in UTC seconds and the first 8 hex of the name’s SHA-256', () => {
    const name = 'drill-orders-2026-11-30';
    const id = drillIdOf(name, '2026-11-30T21:05:26.789Z');
    expect(id).toBe(`20261130T210526Z-${createHash('sha256').update(name).digest('hex').slice(0, 8)}`);
    expect(drillReportSchema.shape.drillId.safeParse(id).success).toBe(true);
  });

  it('is the same for every step and differs between executions', () => {
    expect(drillIdOf('a', '2026-11-30T23:05:26+02:00')).toBe(drillIdOf('a', '2026-11-30T21:05:26Z'));
    expect(drillIdOf('a', '2026-11-30T21:05:26Z')).not.toBe(drillIdOf('b', '2026-11-30T21:05:26Z'));
  });

  it('refuses a start time that is not a time, naming the field', () => {
    expect(() => drillIdOf('a', 'yesterday')).toThrow(InvalidInputError);
    expect(() => drillIdOf('a', 'yesterday')).toThrow(/startedAt: "yesterday" is not a time/);
  });
});
