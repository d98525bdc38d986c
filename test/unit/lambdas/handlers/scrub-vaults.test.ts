import { PutCommand, type QueryCommand } from '@aws-sdk/lib-dynamodb';
import * as path from 'node:path';
import { CATALOG_FORMAT } from '../../../../lambdas/catalog/catalog-format';
import { ScrubLog } from '../../../../lambdas/catalog/scrub-log';
import { handler, scrubVaultsHandler } from '../../../../lambdas/handlers/scrub-vaults';
import { type LambdaRuntime } from '../../../../lambdas/runtime/lambda-runtime';
import { type VaultSide } from '../../../../lambdas/runtime/runtime-config';
import { VaultNotFoundError } from '../../../../vault';
import { backupDirectory } from '../../../../vault/archiver/directory-source';
import { catalogOnDynalite } from '../../../support/catalog-on-dynalite';
import { capturedStdout, jsonLines } from '../../../support/captured-stdout';
import { corrupt, listKeys, scrubVaultPair, type VaultPair } from '../../../support/scrub-vault-pair';
import { removeDir, tempDir } from '../../../support/vault-test-helpers';
import { catalogRecord, MemoryPrimaryCatalog } from '../replication/memory-primary-catalog';

/**
 * The scrub runbook's input is refused, naming the field, before the function builds anything from
 * its environment (none is set here). The run itself: test/unit/lambdas/replication/scrub-runbook.test.ts,
 * and end to end test/e2e/workflows/runbook-examples.test.ts.
 */
it.each([
  [{ vault: 'all' }, 'Invalid scrub request: vault: must be "primary", "dr" or "both"'],
  [{ fraction: 0 }, 'Invalid scrub request: fraction: must be above 0'],
  [{ fraction: 1.5 }, 'Invalid scrub request: fraction: must be at most 1'],
  // 1e-300 ran the scrub and then failed to record it (DynamoDB: Number underflow).
  [{ fraction: 1e-300, repair: false }, 'Invalid scrub request: fraction: must be at least 0.000001 (1e-6): a cycle, every object read once, takes up to 1/fraction runs, a million at that share'],
  [{ fraction: 9.99e-7 }, 'Invalid scrub request: fraction: must be at least 0.000001 (1e-6)'],
  [{ fraction: '1/7' }, 'Invalid scrub request: fraction: must be a number'],
  [{ repair: 'yes' }, 'Invalid scrub request: repair: must be true or false'],
  [{ reapir: false }, 'Invalid scrub request: (input): Unrecognized key'],
  ['both', 'Invalid scrub request: (input): '],
])('refuses %j with an InvalidInputError naming the field', async (input, message) => {
  await expect(handler(input)).rejects.toMatchObject({ name: 'InvalidInputError', message: expect.stringContaining(message) });
});

/** The Scrub step's runtime: the two vaults, and a catalog client that keeps the runs it is sent and reads none back. */
function runtime(pair: VaultPair, sent: PutCommand['input'][]): () => LambdaRuntime {
  const fake = {
    config: { homeVault: 'primary', catalogTable: 'catalog' },
    environment: 'prod',
    plans: [],
    clients: { documentClient: () => ({ send: async (command: PutCommand | QueryCommand) => (command instanceof PutCommand ? void sent.push(command.input) : { Items: [] }) }) },
    // The format marker: its raise is the test below's.
    // The plans the catalog holds (a Scan of byPlan, scrubbedPlans): none unless a test says.
    catalog: { formatMarker: () => ({ table: 'catalog', raise: async () => CATALOG_FORMAT }), recordedPlanNames: async () => [] },
    openVault: async (side: VaultSide) => pair[side],
  };
  return () => fake as unknown as LambdaRuntime;
}

// Audit aS1-1: the metrics were published after the run returned, and a run leaving damage throws: the
// scrub-corruption alarm never saw a DAMAGED or REPAIRABLE run.
it('a DAMAGED run publishes its metrics (ScrubCorrupt, which the scrub-corruption alarm sums) before it fails', async () => {
  const dir = await tempDir('scrub-handler');
  try {
    const pair = await scrubVaultPair(path.join(dir, 'src'));
    const [pack] = await listKeys(pair.primary.store, 'data/');
    await corrupt(pair.primary.store, pack as string);
    await corrupt(pair.dr.store, pack as string);
    const sent: PutCommand['input'][] = [];
    let failure: unknown;
    const lines = await capturedStdout(async () => {
      failure = await scrubVaultsHandler(runtime(pair, sent))({ fraction: 1 }).catch((err: unknown) => err);
    });
    expect(failure).toMatchObject({ name: 'VaultDamageError' });
    // Its command line acts on this environment in AWS, not on the local cloud of env dev (review r59D F2).
    expect((failure as Error).message).toContain('lifeboat scrub --json --env prod --aws lists every object');
    // The scrub lease first (review rY F1), taken for the Lambda's longest time and a margin when the invocation does not say.
    expect(sent).toEqual([
      expect.objectContaining({ Item: expect.objectContaining({ pk: 'SCRUB#LEASE', by: 'the scrub runbook of environment prod (Lambda request unknown)' }) }),
      expect.objectContaining({ Item: expect.objectContaining({ outcome: 'DAMAGED', corrupt: 2 }) }),
    ]);
    expect(jsonLines(lines).filter((line) => '_aws' in line)).toEqual([expect.objectContaining({ Environment: 'prod', ScrubCorrupt: 2, ScrubUnrepaired: 2 })]);
  } finally {
    await removeDir(dir);
  }
});

// Review rEE F3: the Scrub task passes its execution ({"request.$": "$", "execution.$": "$$.Execution.Id"}), which holds
// the lease, so a retry of that execution takes it again; a definition from before passes the execution's input as it is.
it('takes the scrub lease for the execution the Scrub task names, and refuses a misspelt field of its request by name', async () => {
  const dir = await tempDir('scrub-handler');
  try {
    const pair = await scrubVaultPair(path.join(dir, 'src'));
    const sent: PutCommand['input'][] = [];
    const execution = 'arn:aws:states:us-east-1:111111111111:execution:lifeboat-dev-scrub:daily-1';
    await capturedStdout(async () => {
      await scrubVaultsHandler(runtime(pair, sent))({ request: { fraction: 1 }, execution });
    });
    expect(sent).toEqual([expect.objectContaining({ Item: expect.objectContaining({ pk: 'SCRUB#LEASE', execution }) }), expect.objectContaining({ Item: expect.objectContaining({ outcome: 'CLEAN' }) })]);
    await expect(handler({ request: { reapir: false }, execution })).rejects.toMatchObject({ name: 'InvalidInputError', message: expect.stringContaining('Invalid scrub request: (input): Unrecognized key: "reapir"') });
  } finally {
    await removeDir(dir);
  }
});

// Review rZ3 F4: only the Plan and Forget steps raised the catalog's format marker, so from a deploy to the first backup
// or prune an older CLI's `lifeboat scrub --repair` was not refused, though the scheduled scrub (which fires at the
// deploy) had recorded its runs. The Scrub step raises it first, a run with nothing to scrub yet too.
it('marks the primary catalog with the deployed format, before the first backup created the vaults', async () => {
  const dynalite = await catalogOnDynalite();
  try {
    const fake = {
      config: { homeVault: 'primary', catalogTable: 'catalog' },
      environment: 'prod',
      plans: [],
      catalog: dynalite.catalog,
      clients: { documentClient: () => dynalite.documents },
      openVault: async (side: VaultSide) => Promise.reject(new VaultNotFoundError(`s3://lifeboat-prod-vault-${side} holds no vault (no config object)`)),
    };
    expect(await dynalite.catalog.formatMarker().read()).toBeUndefined();
    await capturedStdout(async () => {
      await scrubVaultsHandler(() => fake as unknown as LambdaRuntime)({ request: {}, execution: 'arn:aws:states:us-east-1:111111111111:execution:lifeboat-prod-scrub:first' });
    });
    expect(await dynalite.catalog.formatMarker().read()).toBe(CATALOG_FORMAT);
    expect(await new ScrubLog(dynalite.documents, 'catalog').latest()).toMatchObject({ outcome: 'CLEAN', objects: 0 });
  } finally {
    await dynalite.close();
  }
});

// Review rA F3: the record is what the marker guards, so a raise the catalog throttled at the start of the run is tried
// once more before the record is written: the run's record never stands in an unmarked catalog when the second try works.
it('tries the format marker once more right before it records the run when the first raise failed', async () => {
  const dynalite = await catalogOnDynalite();
  try {
    const marker = dynalite.catalog.formatMarker();
    const events: string[] = [];
    let raises = 0;
    const flaky = {
      table: marker.table,
      raise: async (format: number) => {
        raises += 1;
        if (raises === 1) throw Object.assign(new Error('Rate of requests exceeds the allowed throughput.'), { name: 'ThrottlingException' });
        events.push('raised');
        return marker.raise(format);
      },
    };
    const scrubLog = new ScrubLog(dynalite.documents, 'catalog');
    const fake = {
      config: { homeVault: 'primary', catalogTable: 'catalog' },
      environment: 'prod',
      plans: [],
      catalog: { formatMarker: () => flaky },
      clients: { documentClient: () => dynalite.documents },
      openVault: async (side: VaultSide) => {
        events.push(`open ${side}`);
        return Promise.reject(new VaultNotFoundError(`s3://lifeboat-prod-vault-${side} holds no vault (no config object)`));
      },
    };
    await capturedStdout(async () => {
      await scrubVaultsHandler(() => fake as unknown as LambdaRuntime)({ request: {}, execution: 'arn:aws:states:us-east-1:111111111111:execution:lifeboat-prod-scrub:throttled' });
    });
    expect(raises).toBe(2);
    // The second try came after the vaults were opened, that is, right before the record.
    expect(events.at(-1)).toBe('raised');
    expect(await marker.read()).toBe(CATALOG_FORMAT);
    expect(await scrubLog.latest()).toMatchObject({ outcome: 'CLEAN', objects: 0 });
  } finally {
    await dynalite.close();
  }
});

// Review r57B F3: each vault of the run asks the primary catalog which snapshots it lacks were discarded; the handler's
// PlanOutcomes lists each plan once for the run's asks, and a new one each invocation, so the next run reads the catalog anew.
it('lists each plan\'s records at most once a run for the asks of both vaults, and again at the next run', async () => {
  const dir = await tempDir('scrub-handler');
  try {
    const pair = await scrubVaultPair(path.join(dir, 'src'), 'b-one');
    // Each vault lacks a snapshot of the other, both of FAILED backups: each vault's ask finds them discarded.
    const { snapshot } = await backupDirectory(pair.primary, path.join(dir, 'src'), { tags: ['backupId:b-two', 'plan:files'] });
    await pair.primary.store.delete(`snapshots/${pair.snapshot.id}`);
    const records = new MemoryPrimaryCatalog();
    for (const backupId of ['b-one', 'b-two']) records.records.set(backupId, catalogRecord(backupId, 'FAILED', []));
    // The asks' listings only: the run lists each plan for what retention forgot too (forgottenSnapshotsOf).
    const asked: string[] = [];
    const sent: PutCommand['input'][] = [];
    const fake = runtime(pair, sent)();
    const listBackupsOfPlan = (plan: string) => {
      if ((new Error().stack ?? '').includes('discardedSnapshotsOf')) asked.push(plan);
      return records.listBackupsOfPlan(plan);
    };
    const withRecords = { ...fake, plans: [{ name: 'files' }], catalog: { ...fake.catalog, listBackupsOfPlan } } as unknown as LambdaRuntime;
    const scrub = scrubVaultsHandler(() => withRecords);
    await capturedStdout(async () => {
      await scrub({ fraction: 1, repair: false });
    });
    expect(asked).toEqual(['files']);
    expect(sent.at(-1)).toEqual(expect.objectContaining({ Item: expect.objectContaining({ outcome: 'CLEAN' }) }));
    expect(await pair.dr.store.has(`snapshots/${snapshot.id}`)).toBe(false);
    await capturedStdout(async () => {
      await scrub({ fraction: 1, repair: false });
    });
    expect(asked).toEqual(['files', 'files']);
  } finally {
    await removeDir(dir);
  }
});

// Review r60F F1: the forgotten set read the configured plans alone, so a backup of a plan removed from the config,
// forgotten with `lifeboat backups forget --plan extra`, had its snapshot object copied back into the primary vault by
// the next scheduled scrub (it repairs by default): forgotten, its data back in both vaults, and no prune reclaimed it.
describe('a backup of a plan no longer in the config, forgotten in the primary vault', () => {
  async function forgottenOfRemovedPlan(recordedPlanNames: () => Promise<string[]>) {
    const dir = await tempDir('scrub-handler');
    const pair = await scrubVaultPair(path.join(dir, 'src'), 'b-extra');
    const key = `snapshots/${pair.snapshot.id}`;
    await pair.primary.store.delete(key);
    const records = new MemoryPrimaryCatalog();
    records.records.set('b-extra', catalogRecord('b-extra', 'COMMITTED', [pair.snapshot.id], { plan: 'extra', forgottenAt: '2026-03-05T00:00:00.000Z' }));
    const sent: PutCommand['input'][] = [];
    const fake = runtime(pair, sent)();
    const withRecords = {
      ...fake,
      plans: [{ name: 'files' }],
      catalog: { ...fake.catalog, listBackupsOfPlan: (plan: string) => records.listBackupsOfPlan(plan), recordedPlanNames },
    } as unknown as LambdaRuntime;
    return { dir, pair, key, sent, scrub: scrubVaultsHandler(() => withRecords) };
  }

  it('is not copied back by the scrub', async () => {
    const { dir, pair, key, sent, scrub } = await forgottenOfRemovedPlan(async () => ['extra', 'files']);
    try {
      await capturedStdout(async () => {
        await scrub({ fraction: 1, repair: true });
      });
      expect(await pair.primary.store.has(key)).toBe(false);
      expect(sent.at(-1)).toEqual(expect.objectContaining({ Item: expect.objectContaining({ outcome: 'CLEAN' }) }));
    } finally {
      await removeDir(dir);
    }
  });

  it('stops the run before any repair when the plans the catalog holds cannot be listed, naming the permission', async () => {
    const refused = Object.assign(new Error('User: arn:aws:sts::1:assumed-role/scrub is not authorized to perform: dynamodb:Scan'), { name: 'AccessDeniedException' });
    const { dir, pair, key, scrub } = await forgottenOfRemovedPlan(async () => Promise.reject(refused));
    try {
      let failure: unknown;
      await capturedStdout(async () => {
        failure = await scrub({ fraction: 1, repair: true }).catch((err: unknown) => err);
      });
      expect(failure).toMatchObject({
        name: 'RecordedPlansUnreadError',
        message: expect.stringMatching(/^scrub of the primary vault stops before it repairs anything: .*Allow dynamodb:Scan on the catalog's byPlan index .*Scrub function/),
      });
      expect(await pair.primary.store.has(key)).toBe(false);
    } finally {
      await removeDir(dir);
    }
  });
});

// Review r60N F2: the forgotten set passed over a forgotten record that does not validate (one damaged field, a newer
// Lifeboat's record), so the scheduled scrub (it repairs by default) copied its snapshot object back from the DR vault:
// the forget undone, and no prune reclaims it. Review r61A: no such record stops the run.
describe('a forgotten backup whose record does not validate, forgotten in the primary vault', () => {
  async function damagedForgotten(damage: Record<string, unknown>) {
    const dir = await tempDir('scrub-handler');
    const dynalite = await catalogOnDynalite({ byPlan: true });
    const pair = await scrubVaultPair(path.join(dir, 'src'), 'b-damaged');
    const key = `snapshots/${pair.snapshot.id}`;
    await pair.primary.store.delete(key);
    const record = catalogRecord('b-damaged', 'COMMITTED', [pair.snapshot.id], { forgottenAt: '2026-03-05T00:00:00.000Z' });
    await dynalite.documents.send(new PutCommand({ TableName: 'catalog', Item: { pk: 'BACKUP#b-damaged', sk: 'BACKUP', ...record, shardCount: 'one', ...damage } }));
    const sent: PutCommand['input'][] = [];
    const fake = runtime(pair, sent)();
    const catalog = { ...fake.catalog, listBackupsOfPlan: dynalite.catalog.listBackupsOfPlan.bind(dynalite.catalog), recordedPlanNames: async () => ['files'] };
    const withRecords = { ...fake, plans: [{ name: 'files' }], catalog } as unknown as LambdaRuntime;
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    const done = async () => {
      warn.mockRestore();
      await dynalite.close();
      await removeDir(dir);
    };
    return { pair, key, sent, scrub: scrubVaultsHandler(() => withRecords), done };
  }

  it('is not copied back by the scrub', async () => {
    const { pair, key, sent, scrub, done } = await damagedForgotten({});
    try {
      await capturedStdout(async () => {
        await scrub({ fraction: 1, repair: true });
      });
      expect(await pair.primary.store.has(key)).toBe(false);
      expect(sent.at(-1)).toEqual(expect.objectContaining({ Item: expect.objectContaining({ outcome: 'CLEAN' }) }));
    } finally {
      await done();
    }
  });

  // Review r61L: c6c1502c read a forgottenAt that is a number as a forget, and so did the prune's check, which then
  // condemned a committed backup's data whose snapshot object was missing. Only a non-empty string is a forget: a number
  // is read as live, and the snapshot is repaired (at most a forgotten one copied back, never a backup's data lost).
  it('repairs the lost snapshot of a record whose forgottenAt is a number: it is no forget', async () => {
    const { pair, key, sent, scrub, done } = await damagedForgotten({ forgottenAt: 1772668800 });
    try {
      await capturedStdout(async () => {
        await scrub({ fraction: 1, repair: true });
      });
      expect(await pair.primary.store.has(key)).toBe(true);
      expect(sent.at(-1)).toEqual(expect.objectContaining({ Item: expect.objectContaining({ outcome: 'REPAIRED' }) }));
    } finally {
      await done();
    }
  });

  // Review r61A F3: a live record whose forgottenAt is null failed every scheduled scrub (ForgottenRecordUnreadableError,
  // repair or not), and nothing was checked until someone edited the item. null is no forget: its lost snapshot is repaired.
  it('runs, records and repairs the lost snapshot of a live record whose forgottenAt is null', async () => {
    const { pair, key, sent, scrub, done } = await damagedForgotten({ forgottenAt: null });
    try {
      await capturedStdout(async () => {
        await scrub({ fraction: 1, repair: true });
      });
      expect(await pair.primary.store.has(key)).toBe(true);
      expect(sent.at(-1)).toEqual(expect.objectContaining({ Item: expect.objectContaining({ outcome: 'REPAIRED' }) }));
    } finally {
      await done();
    }
  });

  it('runs and records past a forgotten record whose snapshot id does not read, naming it in a note', async () => {
    const { sent, scrub, done } = await damagedForgotten({ sources: [{ name: 'src', type: 'filesystem', snapshotId: 7, rootHash: 'r' }] });
    try {
      let summary: unknown;
      await capturedStdout(async () => {
        summary = await scrub({ fraction: 1, repair: true });
      });
      expect(summary).toMatchObject({
        notes: expect.arrayContaining(["the primary catalog's forgotten record b-damaged of plan files does not name all its snapshots: its snapshots may be copied back; mend it: lifeboat doctor"]),
      });
      expect(sent.at(-1)).toEqual(expect.objectContaining({ Item: expect.objectContaining({ startedAt: expect.any(String) }) }));
    } finally {
      await done();
    }
  });
});
