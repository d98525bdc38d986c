import { type PutCommand } from '@aws-sdk/lib-dynamodb';
import { pruneVaultHandler } from '../../../../lambdas/handlers/prune-vault';
import { type LambdaRuntime } from '../../../../lambdas/runtime/lambda-runtime';
import { MemoryVaultStore } from '../../../../vault/backend/memory/memory-vault-store';
import { writeIndexObject } from '../../../../vault/blob-index/index-writer';
import { PassphraseKeyProvider } from '../../../../vault/keys/passphrase-key-provider';
import { loadIndexObjects } from '../../../../vault/prune/index-objects';
import { initVault, Vault } from '../../../../vault/repository/vault';
import { packKey } from '../../../../vault/repository/vault-layout';
import { capturedStdout, jsonLines } from '../../../support/captured-stdout';
import { pseudoRandomBytes, requiredMethodsStore } from '../../../support/vault-test-helpers';
import { pruneRunRecordSchema } from '../../../../lambdas/catalog/prune-record';
import { pruneStatus } from '../../../../cli/status/prune-status';
import { type EnvironmentStatus } from '../../../../cli/status/environment-status';
import { pruneLines } from '../../../../cli/status/status-screen';
import { emptyPruneReport } from '../../../../vault/prune/prune-vault';
import { type BackupHead } from '../../../../lambdas/catalog/backup-catalog';
import { VaultMissingError } from '../../../../lambdas/replication/absent-vault';
import { VaultNotFoundError } from '../../../../vault';

/** 1–16 KiB chunks, 16 KiB packs: 12 KiB of data make a pack of a few blobs. */
const TUNING = { chunker: { minSize: 1024, avgSize: 4096, maxSize: 16384 }, packSize: 16 * 1024, compressionLevel: null } as const;

/**
 * A vault whose one data pack is stored twice, the copy the prune keeps (the larger pack id) cut short: every blob in it
 * fails, so the prune reports a damaged copy per blob, of one pack.
 */
async function vaultWithATruncatedPack(): Promise<{ vault: () => Vault; truncated: string }> {
  const store = new MemoryVaultStore();
  const { keys, config } = await initVault(store, new PassphraseKeyProvider('prune handler test', { N: 1024, r: 8, p: 1 }), TUNING);
  const vault = new Vault(store, keys, config);
  const writer = await vault.newSnapshotWriter({ inline: true });
  await writer.add({ path: 'x', kind: 'object', meta: {}, content: pseudoRandomBytes(12 * 1024, 41) });
  await vault.commitSnapshot({ source: { kind: 'directory', id: '/src' }, parts: [await writer.finish()] });
  const [original] = (await loadIndexObjects(vault)).flatMap((o) => o.packs).filter((p) => p.entries.length > 1);
  if (!original) throw new Error('the backup stored no pack of several blobs');
  const truncated = 'f'.repeat(64);
  await store.put(packKey(truncated), (await store.get(packKey(original.packId))).subarray(0, 10));
  await writeIndexObject(store, vault.keys, [{ packId: truncated, length: original.length, entries: original.entries }]);
  return { vault: () => new Vault(store, keys, config), truncated };
}

/** The Prune step's runtime: the vault, and a catalog client that keeps what it is sent. */
function runtime(vault: () => Vault, sent: PutCommand['input'][], homeVault: 'primary' | 'dr' = 'primary'): () => LambdaRuntime {
  const fake = {
    config: { homeVault, catalogTable: 'catalog' },
    environment: 'prod',
    plans: [],
    // The check of the vault's snapshots lists the catalog's plans (recorded-snapshots.ts): it holds none here.
    catalog: { recordedPlanNames: async () => [] },
    clients: { documentClient: () => ({ send: async (command: PutCommand) => void sent.push(command.input) }) },
    openVault: async () => vault(),
  };
  return () => fake as unknown as LambdaRuntime;
}

// Review R4-4: PruneDamagedPacks and the status line's "N damaged pack(s)" counted report.damaged, an entry per damaged blob copy.
it('publishes PruneDamagedPacks and records damagedPacks as the packs damaged, not the blob copies in them', async () => {
  const { vault, truncated } = await vaultWithATruncatedPack();
  const sent: PutCommand['input'][] = [];
  let output: Awaited<ReturnType<ReturnType<typeof pruneVaultHandler>>> | undefined;
  const lines = await capturedStdout(async () => {
    output = await pruneVaultHandler(runtime(vault, sent))({});
  });
  expect(output?.done).toBe(true);
  expect(new Set(output?.report.damaged.map((d) => d.pack))).toEqual(new Set([truncated]));
  expect(output?.report.damaged.length).toBeGreaterThan(1);

  const metrics = jsonLines(lines).filter((line) => '_aws' in line);
  expect(metrics).toEqual([expect.objectContaining({ Environment: 'prod', PruneDamagedPacks: 1 })]);
  expect(sent).toEqual([expect.objectContaining({ TableName: 'catalog', Item: expect.objectContaining({ vault: 'primary', damagedPacks: 1 }) })]);
});

// Review aU2-3: an invocation that failed the execution with an out-of-time error left the run's record at its last cut
// invocation's DEADLINE, which `lifeboat status` showed as "the workflow continues it" for ever. Review aU2-2: its
// advice named `lifeboat prune`, which prunes the primary vault, in the DR stack.
it('records a run an out-of-time error stops as stopped, with the error, and names the DR vault in its advice', async () => {
  const store = new MemoryVaultStore();
  const { keys, config } = await initVault(store, new PassphraseKeyProvider('prune handler test', { N: 1024, r: 8, p: 1 }), TUNING);
  const writer = await new Vault(store, keys, config).newSnapshotWriter({ inline: true });
  await writer.add({ path: 'x', kind: 'object', meta: {}, content: pseudoRandomBytes(2048, 7) });
  await new Vault(store, keys, config).commitSnapshot({ source: { kind: 'directory', id: '/src' }, parts: [await writer.finish()] });
  let clock = Date.now();
  const now = jest.spyOn(Date, 'now').mockImplementation(() => clock);
  try {
    // The listing of snapshots/ (the mark's) takes 20 minutes: past the deadline the handler sets from the 10 left.
    const slow = requiredMethodsStore(store, {
      list: async function* (prefix) {
        if (prefix === 'snapshots/') clock += 20 * 60_000;
        yield* store.list(prefix);
      },
    });
    const sent: PutCommand['input'][] = [];
    const dr = runtime(() => new Vault(slow, keys, config), sent, 'dr');
    const startedAt = new Date(clock - 3_600_000).toISOString();
    const input = { prune: { startedAt, cursor: { phase: 'sweep', report: { ...emptyPruneReport(false), packsDeleted: 3, bytesFreed: 3000 } }, report: { lockedCount: 0 } } };
    const run = pruneVaultHandler(dr)(input, { getRemainingTimeInMillis: () => 600_000, awsRequestId: 'req-1' });
    await expect(run).rejects.toThrow(/Run `lifeboat prune --vault dr --env prod --aws` from a machine/);
    expect(sent).toEqual([
      expect.objectContaining({
        Item: expect.objectContaining({ vault: 'dr', sk: startedAt, outcome: 'DEADLINE', deleted: expect.objectContaining({ packs: 3 }), stoppedBy: { error: 'PruneMarkOutOfTimeError', message: expect.stringMatching(/does not fit in one call/) } }),
      }),
    ]);
    // What `lifeboat status` makes of that record.
    const record = pruneRunRecordSchema.parse(sent[0]?.Item);
    const status = { environment: 'prod', target: 'aws', primaryRegion: 'eu-west-1', drRegion: 'eu-central-1', prunes: { primary: { state: 'never' }, dr: pruneStatus(record, new Date(Date.parse(record.finishedAt))) } } as const;
    const [, line] = pruneLines(status as unknown as EnvironmentStatus);
    // Status's own prune line, not the message's (review r58E F2); a screen of a record knows --env and --aws.
    expect(line).toMatch(/^! Prune of the DR vault \(eu-central-1\): stopped 0s ago by PruneMarkOutOfTimeError \(the workflow cannot continue it\), .*3 pack\(s\) deleted.*: .*run `lifeboat prune --vault dr --env prod --aws` from a machine/);
    expect(line).not.toMatch(/the workflow continues it/);
  } finally {
    now.mockRestore();
  }
});

// Review rZ3 F2: a run another error ended (a denial, a Lambda or the workflow's timeout) records no stoppedBy, and
// its last cut invocation's DEADLINE read "the workflow continues it" for ever.
it('status reads a run still cut by its deadline past the workflow\'s time limit as one nothing continues', () => {
  const finishedAt = '2026-12-01T03:00:00.000Z';
  const record = pruneRunRecordSchema.parse({
    environment: 'prod', vault: 'dr', trigger: 'workflow', startedAt: '2026-12-01T02:40:00.000Z', finishedAt, durationMs: 1_200_000, outcome: 'DEADLINE', snapshots: 4,
    deleted: { packs: 3, manifests: 0, indexes: 0 }, bytesFreed: 3000, packsRepacked: 0, bytesRepackWritten: 0, condemned: { packs: 0, manifests: 0, indexes: 0, bytes: 0 },
    lockedSkipped: 0, spared: 0, damagedPacks: 0, batchesPending: 1, expiresAt: 1,
  });
  const lineAt = (hoursLater: number): string | undefined => {
    const status = { environment: 'prod', target: 'aws', primaryRegion: 'eu-west-1', drRegion: 'eu-central-1', prunes: { primary: { state: 'never' }, dr: pruneStatus(record, new Date(Date.parse(finishedAt) + hoursLater * 3_600_000)) } } as const;
    return pruneLines(status as unknown as EnvironmentStatus)[1];
  };
  expect(lineAt(1)).toMatch(/^Prune of the DR vault \(eu-central-1\): cut by its deadline 1h ago \(the workflow continues it\)/);
  expect(lineAt(7)).toMatch(/^! Prune of the DR vault \(eu-central-1\): cut by its deadline 7h ago and not continued since, .*: its workflow's 6h limit has passed, so the run failed or was stopped \(its execution says why\); the next scheduled prune starts again, or run `lifeboat prune --vault dr --env prod --aws` from a machine/);
});

// f60I: the Prune step asked the catalog of a vault that does not exist for the newest backup of the configured plans
// only, so an emptied vault whose recorded backups all belong to a plan removed from the config was "nothing to prune
// yet" (a completed run) instead of VaultMissingError. It reads the plans its check reads: configured and recorded.
describe('a home vault that does not exist', () => {
  const retired: BackupHead = { backupId: '20261129T030000Z-00000007', plan: 'retired', status: 'COMMITTED', startedAt: '2026-11-29T03:00:00Z', copies: { primary: 'COMMITTED', dr: 'COMMITTED' } };
  /** A runtime whose home vault is gone and whose catalog holds `recorded` backups, `daily` the one configured plan. */
  const emptied = (recorded: BackupHead[]): (() => LambdaRuntime) => {
    const fake = {
      config: { homeVault: 'primary', catalogTable: 'catalog' },
      environment: 'prod',
      plans: [{ name: 'daily' }],
      catalog: {
        recordedPlanNames: async () => [...new Set(recorded.map((b) => b.plan))],
        async *newestBackupsOfPlan(plan: string) {
          for (const head of recorded.filter((b) => b.plan === plan)) yield await Promise.resolve({ head });
        },
      },
      clients: { documentClient: () => ({ send: async () => undefined }) },
      openVault: async () => Promise.reject(new VaultNotFoundError('s3://lifeboat-prod-vault-primary holds no vault (no config object)')),
    };
    return () => fake as unknown as LambdaRuntime;
  };

  it('fails with VaultMissingError when its only recorded backups belong to a plan no longer in the config', async () => {
    const failure: unknown = await pruneVaultHandler(emptied([retired]))({}).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(VaultMissingError);
    expect((failure as Error).message).toMatch(/^The primary vault does not exist .*the newest 20261129T030000Z-00000007 \(plan retired, started 2026-11-29T03:00:00Z\)/);
  });

  it('is nothing to prune yet while the catalog records no backup at all', async () => {
    const output = await pruneVaultHandler(emptied([]))({});
    expect(output).toMatchObject({ done: true, note: expect.stringMatching(/^nothing to prune yet: /) });
  });
});
