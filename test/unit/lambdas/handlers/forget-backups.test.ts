import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { type BackupCatalog } from '../../../../lambdas/catalog/backup-catalog';
import { CATALOG_FORMAT } from '../../../../lambdas/catalog/catalog-format';
import { forgetStep, type ForgetStepRuntime, handler } from '../../../../lambdas/handlers/forget-backups';
import { MemoryVaultStore } from '../../../../vault';
import { catalogOnDynalite } from '../../../support/catalog-on-dynalite';

/**
 * The Forget step's input is refused, naming the field, before the function builds anything from its
 * environment (none is set here). The core: test/unit/lambdas/retention/forget-backups.test.ts.
 */
it.each([
  [{ dryRun: 'yes' }, 'Invalid forget request: dryRun: must be true or false, got a string'],
  [{ plan: '' }, 'Invalid forget request: plan: '],
  [{ dry_run: true }, 'Invalid forget request: (input): Unrecognized key'],
  // As the prune's first step: the prune's whole input is checked before anything is forgotten, its
  // fields named as the operator wrote them (the execution's input, not the step's `request`).
  [{ request: { graceHours: -1 } }, 'Invalid forget request: graceHours: must not be negative'],
  [{ request: { repackThreshold: 5 } }, 'Invalid forget request: repackThreshold: must be below 1'],
  [{ request: { graceHours: 1e308, dryRun: true } }, 'Invalid forget request: graceHours: must be at most a year (8760 hours)'],
  [{ request: { plan: 'demo' } }, 'Invalid forget request: (input): Unrecognized key'],
  [{ request: null }, 'Invalid forget request: (input): must be an object, got null'],
])('refuses %j with an InvalidInputError naming the field', async (input, message) => {
  await expect(handler(input)).rejects.toMatchObject({ name: 'InvalidInputError', message: expect.stringContaining(message) });
});

// Review rM F1: in the DR region no other deployed code writes the DR catalog with its own role, so the DR prune's
// Forget step marks it, and a CLI's `--vault dr` writes heed what the deployment wrote.
describe('the Forget step marks its catalog with the deployed format', () => {
  let dynalite: Awaited<ReturnType<typeof catalogOnDynalite>>;
  beforeEach(async () => {
    dynalite = await catalogOnDynalite();
  });
  afterEach(async () => dynalite.close());
  const runtime = (): ForgetStepRuntime => ({
    config: { homeVault: 'dr' },
    catalog: dynalite.catalog,
    plans: [],
    openVault: () => Promise.reject(new Error('no vault is opened with no plan to forget')),
    vaultStore: () => new MemoryVaultStore('dr-vault'),
  });

  it('when it runs, not when it is a dry run', async () => {
    await forgetStep({ dryRun: true }, runtime());
    expect(await dynalite.catalog.formatMarker().read()).toBeUndefined();
    await forgetStep({}, runtime());
    expect(await dynalite.catalog.formatMarker().read()).toBe(CATALOG_FORMAT);
  });

  // Review rM2 F1: a throttled marker write failed the step (4 retries, then the region's prune: no retention that day).
  it('and carries on to retention, with a warning naming the table, when the marker\'s write is throttled', async () => {
    const throttle = Object.assign(new Error('Rate of requests exceeds the allowed throughput.'), { name: 'ThrottlingException' });
    const catalog = Object.assign(Object.create(dynalite.catalog) as BackupCatalog, {
      formatMarker: () => ({ table: 'catalog', raise: () => Promise.reject(throttle) }),
    });
    const listed: string[] = [];
    // The plan's backups (none here) are the first thing retention asks for.
    Object.assign(catalog, { listBackupsOfPlan: (plan: string) => (listed.push(plan), Promise.resolve([])) });
    const plans = [{ name: 'files', retention: { keepLast: 1 } }] as unknown as ForgetStepRuntime['plans'];
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      await expect(forgetStep({}, { ...runtime(), catalog, plans })).resolves.toMatchObject({ dryRun: false });
      expect(listed).toEqual(['files']);
      expect(warn.mock.calls.map(([line]) => String(line))).toEqual([expect.stringContaining(`the format marker of the catalog catalog was not raised to ${CATALOG_FORMAT}: ThrottlingException: Rate of requests`)]);
    } finally {
      warn.mockRestore();
    }
  });

  it('and carries on, with a warning, past a marker that is not a positive integer', async () => {
    await dynalite.documents.send(new PutCommand({ TableName: 'catalog', Item: { pk: 'FORMAT', sk: 'FORMAT', format: 'one' } }));
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      await expect(forgetStep({}, runtime())).resolves.toMatchObject({ dryRun: false });
      expect(warn).toHaveBeenCalledWith(expect.stringContaining('not a positive integer'));
    } finally {
      warn.mockRestore();
    }
  });
});
