import { handler as cleanup } from '../../../../lambdas/handlers/drill-cleanup';
import { handler as compare } from '../../../../lambdas/handlers/drill-compare';
import { handler as record } from '../../../../lambdas/handlers/drill-record';
import { handler as start } from '../../../../lambdas/handlers/drill-start';

/**
 * The drill handlers refuse a malformed envelope (what the state machine passes them), naming the
 * field, before they build anything from their environment (none is set here). The cores:
 * the other tests of this folder and test/integration/lambdas/drill.
 */
const drill = {
  drillId: '20261130T120000Z-1a2b3c4d',
  plan: 'orders',
  vault: 'dr',
  startedAt: '2026-11-30T12:00:00Z',
  selection: 'latest',
  windowDays: 7,
  samples: 10,
  backup: { backupId: '20261130T110000Z-00000001', startedAt: '2026-11-30T11:00:00Z' },
  rpo: { backupAgeSeconds: 3600, largestGapSeconds: 3600, backupsInWindow: 1 },
  restores: [],
};

it.each([
  ['drill-start', start, { input: { plan: 'orders' }, startedAt: '2026-11-30T12:00:00Z' }, 'Invalid drill envelope: execution: '],
  ['drill-compare', compare, { drill, restored: [{ source: 'assets' }] }, 'Invalid drill comparison request: restored.0.restoreId: '],
  ['drill-compare', compare, { drill: { ...drill, samples: -1 }, restored: [] }, 'Invalid drill comparison request: drill.samples: '],
  // A failed source's item (the restore Map's Catch) is told from a report by `failed`, and its own fields are named.
  ['drill-compare', compare, { drill, restored: [{ source: 'assets', failed: true, target: { type: 's3', bucket: 'lifeboat-dev-drill-0a0b0c0d-assets' } }] }, 'Invalid drill comparison request: restored.0.error: '],
  ['drill-record', record, { input: { plan: 'orders' }, execution: 'e', startedAt: 'x', state: { restored: [{ source: 'assets', failed: true, error: { Error: 'E' } }] } }, 'Invalid drill state: restored.0.target: '],
  ['drill-compare', compare, { drill, restored: [], verifiedAt: 'yesterday' }, 'Invalid drill comparison request: verifiedAt: must be an ISO time'],
  // The end of the RTO is the state's entry ($$.State.EnteredTime, locally too), never the function's clock.
  ['drill-compare', compare, { drill, restored: [] }, 'Invalid drill comparison request: verifiedAt: is required'],
  ['drill-cleanup', cleanup, { startedAt: '2026-11-30T12:00:00Z' }, 'Invalid drill cleanup request: execution: '],
  ['drill-cleanup', cleanup, { execution: 'e', startedAt: 'yesterday' }, 'Invalid drill cleanup request: startedAt: must be the execution start time'],
  ['drill-cleanup', cleanup, { execution: 'e', startedAt: '2026-11-30T12:00:00Z', sweep: 'yes' }, 'Invalid drill cleanup request: sweep: must be true or false'],
  // The start step's result names the pins the cleanup removes (drill-pins.ts): checked like every other step's state.
  ['drill-cleanup', cleanup, { execution: 'e', startedAt: '2026-11-30T12:00:00Z', state: { drill: { ...drill, restores: [{ restoreId: 'a/b' }] } } }, 'Invalid drill cleanup request: state.drill.restores.0.restoreId: '],
  ['drill-record', record, { input: { plan: 'orders' }, execution: 'e', startedAt: 'x', state: { error: { Cause: 'no Error' } } }, 'Invalid drill state: error.Error: '],
  // The cleanup step's own error (its Catch's `$.cleanupError`) reaches the record: a failed cleanup is reported, not dropped.
  ['drill-record', record, { input: { plan: 'orders' }, execution: 'e', startedAt: 'x', state: { cleanupError: { Cause: 'no Error' } } }, 'Invalid drill state: cleanupError.Error: '],
  ['drill-record', record, { input: { plan: 'orders' }, execution: 'e', startedAt: 'x' }, 'Invalid drill state: state: '],
])('%s refuses %j naming the field', async (_name, handler, input, message) => {
  await expect(handler(input)).rejects.toMatchObject({ name: 'InvalidInputError', message: expect.stringContaining(message) });
});
