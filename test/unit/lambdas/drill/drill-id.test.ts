import { createHash } from 'node:crypto';
import { DRILL_ID, DRILL_REPORT_KEY } from '../../../../lambdas/catalog/drill-id';
import { drillRecordSchema, drillReportKey, drillReportSchema } from '../../../../lambdas/catalog/drill-record';
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

  // review r63G F6: the record's report key (and the CLI's listing and evidence) held their own copy of the pattern, and a
  // refused key was told as zod's 'Invalid string: must match pattern /…/'.
  it("takes a report key as drills/<an id DRILL_ID takes>.json, its id captured, and tells a refused one by the form it must have", () => {
    const reportKey = drillRecordSchema.shape.reportKey;
    for (const id of ['20261130T210526Z-1a2b3c4d', '20261130T210526Z-1A2B3C4D', '20261130T210526Z-1a2b3c4d\n', 'x20261130T210526Z-1a2b3c4d', '20261130T2105Z-1a2b3c4d']) {
      const key = drillReportKey(id);
      expect(reportKey.safeParse(key).success).toBe(DRILL_ID.test(id));
      expect(DRILL_REPORT_KEY.exec(key)?.[1]).toBe(DRILL_ID.test(id) ? id : undefined);
    }
    expect(reportKey.safeParse('drills/20261130T210526Z-1a2b3c4dXjson').success).toBe(false);
    expect(reportKey.safeParse('drills/20261130T210526Z-1a2b.json').error?.issues[0]?.message).toBe('must be a drill report key such as drills/20261130T101500Z-1a2b3c4d.json');
  });

  it('refuses a start time that is not a time, naming the field', () => {
    expect(() => drillIdOf('a', 'yesterday')).toThrow(InvalidInputError);
    expect(() => drillIdOf('a', 'yesterday')).toThrow(/startedAt: "yesterday" is not a time/);
  });
});
