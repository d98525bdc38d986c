import { handler as abandonHandler } from '../../../../lambdas/handlers/abandon-restore';
import { handler as resolveHandler } from '../../../../lambdas/handlers/resolve-restore';
import { drillStartSchema } from '../../../../lambdas/drill/drill-start';
import { failoverStartSchema, restoreIdOf } from '../../../../lambdas/failover/failover-start';
import { resolvedRestoreSchema } from '../../../../lambdas/restore/resolved-restore';
import { executionRestoreIdSchema, restoreIdOfExecution } from '../../../../lambdas/restore/restore-id';

/**
 * Audit R39 F3: the restore runbook's restore id is its execution's name, and Step Functions allows names with `.`,
 * `+`, `=`, `@` or non-ASCII letters, which a restore id (restore-plans/<id>.json, pins, target claims) may not hold.
 * Such a name is made a restore id, the same one by the resolve step and by the release step, instead of refused.
 */
const SAFE = /^[0-9A-Za-z_-]{1,80}$/;

describe('the restore id of an execution name', () => {
  it('is the name itself when it is already one: the CLI\'s UUIDs, the failover\'s and drill\'s ids', () => {
    for (const name of ['0b6f2a8e-64a3-4bde-9a0e-2f6b1c9d7e10', 'restore_orders-2026', 'x'.repeat(80)]) expect(restoreIdOfExecution(name)).toBe(name);
  });

  it('keeps the name readable, replaces what a restore id may not hold, and tells apart names that differ only there', () => {
    expect(restoreIdOfExecution('orders.2026-01-05')).toMatch(/^orders_2026-01-05-[0-9a-f]{8}$/);
    const names = ['orders.2026-01-05', 'orders+2026-01-05', 'orders@2026-01-05', 'wiederherstellung-ä', 'wiederherstellung-ö', 'é'.repeat(80), `${'y'.repeat(79)}.`];
    const ids = names.map(restoreIdOfExecution);
    for (const id of ids) expect([id, SAFE.test(id)]).toEqual([id, true]);
    expect(new Set(ids).size).toBe(names.length);
    // Every step that derives it gets the same id.
    expect(names.map(restoreIdOfExecution)).toEqual(ids);
  });

  it('refuses only what no execution name is, naming the envelope field', () => {
    for (const bad of ['', 'z'.repeat(81), 5]) {
      expect(executionRestoreIdSchema.safeParse(bad).success).toBe(false);
    }
    expect(executionRestoreIdSchema.parse('ü'.repeat(80))).toMatch(SAFE);
  });
});

describe('the runbook\'s steps take such an execution name (envelope checked before the function builds its runtime)', () => {
  // No environment is set: a name the envelope accepts gets as far as the runtime, which reports the missing variable.
  it.each(['orders.2026-01-05', 'restore+orders', 'wiederherstellung-ä'])('%s passes Validate and resolve\'s and Release restore\'s envelopes', async (name) => {
    const request = { source: 'orders', backupId: '20261124T100000Z-1a2b3c4d', target: { type: 's3', bucket: 'lifeboat-dev-restore-orders' } };
    await expect(resolveHandler({ request, restoreId: name })).rejects.not.toMatchObject({ name: 'InvalidInputError' });
    await expect(abandonHandler({ request, restoreId: name, error: { Error: 'InvalidInputError', Cause: '{}' } })).rejects.not.toMatchObject({ name: 'InvalidInputError' });
  });

  it('refuses an envelope with no execution name, saying what the field must be', async () => {
    await expect(resolveHandler({ request: {}, restoreId: '' })).rejects.toMatchObject({ name: 'InvalidInputError', message: expect.stringContaining('restoreId: must be the execution name ($$.Execution.Name: 1 to 80 characters)') });
  });
});

/**
 * The ids the restore runbook (its execution's name) and the failover (`<failover execution>-<source>`) derive, pinned
 * as they were before both used one implementation: ids already in target claims, pins and restore plans (and in a
 * running failover's state) must not change with it.
 */
describe('restore ids stay as they were', () => {
  it.each([
    ['0b6f2a8e-64a3-4bde-9a0e-2f6b1c9d7e10', '0b6f2a8e-64a3-4bde-9a0e-2f6b1c9d7e10'],
    ['orders.2026-01-05', 'orders_2026-01-05-bb279473'],
    ['orders+2026-01-05', 'orders_2026-01-05-f203d54c'],
    ['wiederherstellung-ä', 'wiederherstellung-_-b997beb7'],
    ['é'.repeat(80), `${'_'.repeat(71)}-4d214f0a`],
    [`${'y'.repeat(79)}.`, `${'y'.repeat(71)}-7f86c4ed`],
    ['z'.repeat(81), `${'z'.repeat(71)}-19ff968b`],
    ['-a.b', '-a_b-c6c96fb5'],
    ['😀x', '_x-10f5e9cd'],
  ])('execution %j: %s', (name, id) => {
    expect(restoreIdOfExecution(name)).toBe(id);
  });

  it.each([
    ['0b6c2c5e-4f0a-4b9e-9a51-1f6f2d0c4e11', 'demo-assets', '0b6c2c5e-4f0a-4b9e-9a51-1f6f2d0c4e11-demo-assets'],
    ['failover_2026_11_24', 'demo-assets', 'failover_2026_11_24-demo-assets'],
    ['failover 2026.11.24 (drill)', 'demo-orders', 'failover_2026_11_24__drill_-11b4fe7c-demo-orders'],
    ['failover 2026.11.24', 'demo-assets', 'failover_2026_11_24-6bd834c0-demo-assets'],
    [`${'x'.repeat(80)}a`, 'a-source-name-of-thirty-two-char', `${'x'.repeat(38)}-f5c8d1ee-a-source-name-of-thirty-two-char`],
    [`${'x'.repeat(80)}b`, 'a-source-name-of-thirty-two-char', `${'x'.repeat(38)}-783bacce-a-source-name-of-thirty-two-char`],
    ['x'.repeat(75), 'demo-assets', `${'x'.repeat(59)}-81d23bf0-demo-assets`],
    ['ü'.repeat(80), 'demo-orders', `${'_'.repeat(59)}-5b5f980c-demo-orders`],
  ])('failover %j, source %s: %s', (failoverId, source, id) => {
    expect(restoreIdOf(failoverId, source)).toBe(id);
  });
});

/**
 * The restore id a restore plan, a drill's and a failover's state hold: the one pattern (SAFE_RESTORE_ID) each schema
 * reads (review r64H F2), so none refuses an id another takes, refused with zod's message naming it as before.
 */
describe('the schemas that hold a restore id', () => {
  const schemas = {
    'a restore plan': resolvedRestoreSchema.shape.restoreId,
    "a drill's state": drillStartSchema.shape.restores.element.shape.restoreId,
    "a failover's state": failoverStartSchema.shape.restores.element.shape.restoreId,
  };
  it.each(Object.entries(schemas))('%s takes a safe id and refuses another with the pattern', (_, schema) => {
    for (const id of ['0b6f2a8e-64a3-4bde-9a0e-2f6b1c9d7e10', 'failover_2026_11_24-demo-assets', 'x'.repeat(80)]) expect(schema.parse(id)).toBe(id);
    for (const bad of ['', 'x'.repeat(81), 'orders.2026', 'a b', 'ä']) {
      expect(schema.safeParse(bad).error?.issues.map((issue) => issue.message)).toEqual(['Invalid string: must match pattern /^[0-9A-Za-z_-]{1,80}$/']);
    }
  });
});
