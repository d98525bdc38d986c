import { createHash } from 'node:crypto';
import { DRILL_ID } from '../../../../lambdas/catalog/drill-id';
import { drillReportSchema } from '../../../../lambdas/catalog/drill-record';
import { drillIdOf } from '../../../../lambdas/drill/drill-id';
import { drillStartSchema } from '../../../../lambdas/drill/drill-start';
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

  // f63D: the record's and the first step's schemas held their own copy of the pattern `drills show` takes (DRILL_ID).
  it('is read by the drill record and the first step as DRILL_ID reads it, and a refused one is told by the form it must have', () => {
    for (const schema of [drillReportSchema.shape.drillId, drillStartSchema.shape.drillId]) {
      for (const id of ['20261130T210526Z-1a2b3c4d', '20261130T210526Z-1A2B3C4D', '20261130T210526Z-1a2b3c4d\n', 'x20261130T210526Z-1a2b3c4d', '20261130T2105Z-1a2b3c4d']) {
        expect(schema.safeParse(id).success).toBe(DRILL_ID.test(id));
      }
      expect(schema.safeParse('20261130T210526Z-1a2b').error?.issues[0]?.message).toBe('must be a drill id such as 20261130T101500Z-1a2b3c4d');
    }
  });

  it('refuses a start time that is not a time, naming the field', () => {
    expect(() => drillIdOf('a', 'yesterday')).toThrow(InvalidInputError);
    expect(() => drillIdOf('a', 'yesterday')).toThrow(/startedAt: "yesterday" is not a time/);
  });
});
