import { parseDrillRequest } from '../../../../lambdas/drill/drill-request';
import { InvalidInputError } from '../../../../lambdas/runtime/errors';
import { drilledPlan, plainPlan } from './drill-test-plans';

const plans = [drilledPlan, plainPlan];

describe('drill request', () => {
  it('takes what the input omits from the plan’s drill config', () => {
    expect(parseDrillRequest({ plan: 'orders' }, plans)).toEqual({ plan: drilledPlan, selection: 'random-within-window', windowDays: 3, samples: 4 });
    expect(parseDrillRequest({ plan: 'orders', selection: 'latest', windowDays: 1, samples: 0 }, plans)).toMatchObject({ selection: 'latest', windowDays: 1, samples: 0 });
  });

  it('uses latest / 7 days / 10 samples for a plan without a drill config', () => {
    expect(parseDrillRequest({ plan: 'files' }, plans)).toEqual({ plan: plainPlan, selection: 'latest', windowDays: 7, samples: 10 });
  });

  it('drills a named backup as selection backup-id', () => {
    expect(parseDrillRequest({ plan: 'files', backupId: '20261124T100000Z-1a2b3c4d' }, plans)).toMatchObject({ selection: 'backup-id', backupId: '20261124T100000Z-1a2b3c4d' });
  });

  it.each([
    [{ plan: 'payroll' }, 'plan: unknown plan "payroll"; known plans: orders, files'],
    [{}, 'plan: is required'],
    [{ plan: 'orders', sample: 3 }, 'Unrecognized key: "sample"'],
    [{ plan: 'orders', selection: 'oldest' }, 'selection: must be "latest" or "random-within-window"'],
    [{ plan: 'orders', windowDays: 0 }, 'windowDays:'],
    [{ plan: 'orders', samples: -1 }, 'samples:'],
    [{ plan: 'orders', backupId: 'latest' }, 'backupId: must be a backup id'],
    [{ plan: 'orders', backupId: '20261124T100000Z-1a2b3c4d', selection: 'latest' }, 'selection: give either "backupId"'],
  ])('refuses %j naming the field', (input, message) => {
    expect(() => parseDrillRequest(input, plans)).toThrow(InvalidInputError);
    expect(() => parseDrillRequest(input, plans)).toThrow(message);
  });
});
