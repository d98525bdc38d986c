import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { type PutCommand } from '@aws-sdk/lib-dynamodb';
import { type CatalogItemKey, type LiveBackupSnapshotsRead } from '../../../../lambdas/catalog/backup-catalog';
import { type BackupRecord } from '../../../../lambdas/catalog/backup-record';
import { pruneVaultHandler } from '../../../../lambdas/handlers/prune-vault';
import { replicateVault } from '../../../../lambdas/replication/replicate-vault';
import { forgetLostBackup } from '../../../../lambdas/retention/forget-lost-backup';
import { type ForgetCatalog } from '../../../../lambdas/retention/forget-backups';
import { type RecordedSnapshotsCatalog } from '../../../../lambdas/retention/recorded-snapshots';
import { type LambdaRuntime } from '../../../../lambdas/runtime/lambda-runtime';
import { emptyPruneReport, loadManifestRoot, snapshotKey, type Vault } from '../../../../vault';
import { backupDirectory } from '../../../../vault/archiver/directory-source';
import { PassphraseKeyProvider } from '../../../../vault/keys/passphrase-key-provider';
import { type Snapshot } from '../../../../vault/manifest/snapshot-record';
import { manifestKey } from '../../../../vault/repository/vault-layout';
import { corrupt, listKeys, scrubVaultPair, type VaultPair } from '../../../support/scrub-vault-pair';
import { memoryForgetClaims } from '../../../support/memory-forget-claims';
import { pseudoRandomBytes, removeDir, tempDir } from '../../../support/vault-test-helpers';

/**
 * Review r59C F1: prune marks from the vault's snapshot objects alone, so a committed backup whose snapshot object was
 * missing protected nothing. B1 lost in both vaults (forgotten with `backups forget --lost`), B2 committed and never
 * forgotten, its snapshot object missing in both vaults but its tree intact: the next prune condemned B2's tree (8
 * packs, 4 manifest objects) and a second deleted it, B2's record still COMMITTED. The Prune step now checks the
 * vault's listing against the catalog before it sweeps or condemns anything.
 */

const NOW = new Date('2026-11-28T04:00:00.000Z');
const keyOf = (backupId: string): CatalogItemKey => ({ pk: `BACKUP#${backupId}`, sk: 'BACKUP' });
const B2 = '20260302T100000Z-00000002';

/** A region's catalog in memory: what forget --lost claims and marks, and what the Prune step reads of it. */
class MemoryCatalog implements RecordedSnapshotsCatalog {
  readonly records = new Map<string, BackupRecord>();
  private readonly claims = memoryForgetClaims(this.records);
  claimForgetting: ForgetCatalog['claimForgetting'] = (...args) => this.claims.claimForgetting(...args);
  getBackup(backupId: string): Promise<BackupRecord | undefined> {
    return Promise.resolve(this.records.get(backupId));
  }
  markForgotten(backupId: string, at: string): Promise<boolean> {
    const record = this.records.get(backupId);
    if (record?.status !== 'COMMITTED' || record.forgottenAt !== undefined) return Promise.resolve(false);
    this.records.set(backupId, { ...record, forgottenAt: at });
    return Promise.resolve(true);
  }
  // What the byPlan query's filter lets through: committed and not forgotten.
  async *liveBackupSnapshotsOfPlan(plan: string): AsyncGenerator<LiveBackupSnapshotsRead> {
    await Promise.resolve();
    for (const record of this.records.values()) if (record.plan === plan && record.status === 'COMMITTED' && record.forgottenAt === undefined) yield { backup: record, key: keyOf(record.backupId) };
  }
  // What the Scan of the byPlan index finds: the plan of every record, whatever its state. Undefined: the catalog's own.
  planNames?: () => Promise<string[]>;
  recordedPlanNames(): Promise<string[]> {
    return this.planNames?.() ?? Promise.resolve([...new Set([...this.records.values()].map((r) => r.plan))]);
  }
  liveBackupSnapshotsAt(key: CatalogItemKey): Promise<LiveBackupSnapshotsRead | undefined> {
    const record = this.records.get(key.pk.replace(/^BACKUP#/, ''));
    return Promise.resolve(record && { backup: record, key });
  }
}

function record(backupId: string, snapshot: Snapshot, source: string, extra: Partial<BackupRecord> = {}): BackupRecord {
  return {
    backupId,
    plan: 'files',
    environment: 'prod',
    sourceNames: [source],
    strategy: 'incremental',
    status: 'COMMITTED',
    startedAt: `${backupId.slice(0, 4)}-${backupId.slice(4, 6)}-${backupId.slice(6, 8)}T10:00:00.000Z`,
    endedAt: '2026-03-02T10:05:00.000Z',
    shardCount: 1,
    copies: { primary: 'COMMITTED', dr: 'COMMITTED' },
    sources: [{ name: source, type: 'filesystem', snapshotId: snapshot.id, rootHash: snapshot.manifest, entries: 1, bytes: 1, bytesScanned: 1, bytesNew: 1, bytesStored: 1, blobsNew: 1 }],
    ...extra,
  };
}

/** The Prune step's runtime over `vault` and `catalog`, the plan `files` configured. */
function runtime(vault: Vault, catalog: MemoryCatalog, homeVault: 'primary' | 'dr' = 'primary'): () => LambdaRuntime {
  const sent: PutCommand['input'][] = [];
  const fake = {
    config: { homeVault, catalogTable: 'catalog' },
    environment: 'prod',
    plans: [{ name: 'files' }],
    catalog,
    clients: { documentClient: () => ({ send: async (command: PutCommand) => void sent.push(command.input) }) },
    openVault: async () => vault,
  };
  return () => fake as unknown as LambdaRuntime;
}

let dir: string;
let pair: VaultPair;
let s2: Snapshot;
let catalog: MemoryCatalog;

/** r59C's `two`: B1 corrupt (snapshot object and root) in both vaults and forgotten with --lost; B2's snapshot object deleted from both vaults, its tree intact. */
beforeEach(async () => {
  dir = await tempDir('prune-recorded');
  pair = await scrubVaultPair(path.join(dir, 'src'));
  const src2 = path.join(dir, 'src2');
  await fs.mkdir(src2, { recursive: true });
  await fs.writeFile(path.join(src2, 'only-in-b2.bin'), pseudoRandomBytes(200_000, 77));
  ({ snapshot: s2 } = await backupDirectory(pair.primary, src2, { tags: [`backupId:${B2}`, 'plan:files'] }));
  await replicateVault({ source: pair.primary, target: pair.dr.store, targetKeys: new PassphraseKeyProvider('dr region key', { N: 1024, r: 8, p: 1 }) });
  catalog = new MemoryCatalog();
  catalog.records.set(pair.backupId, record(pair.backupId, pair.snapshot, 'src'));
  catalog.records.set(B2, record(B2, s2, 'src2'));
  for (const side of ['primary', 'dr'] as const) {
    await pair[side].reloadIndex();
    await corrupt(pair[side].store, snapshotKey(pair.snapshot.id));
    await corrupt(pair[side].store, manifestKey(pair.snapshot.manifest));
    await pair[side].store.delete(snapshotKey(s2.id));
  }
  const lost = await forgetLostBackup(pair.backupId, { vault: 'primary', catalog, openVault: async () => pair.primary, openOtherVault: async () => pair.dr, now: NOW });
  expect(lost.forgotten).toBe(true);
  // What `backups forget --lost --vault dr` does in the DR vault (its catalog a record of its own, left out here).
  await pair.dr.store.delete(snapshotKey(pair.snapshot.id));
});
afterEach(() => removeDir(dir));

it('stops before it condemns the tree of a committed backup whose snapshot object is missing, naming the backup, its snapshot and the ways out', async () => {
  const before = await listKeys(pair.primary.store, 'data/');
  const prune = pruneVaultHandler(runtime(pair.primary, catalog));
  // Two runs with no grace: the first would condemn, the second delete.
  for (let run = 0; run < 2; run++) {
    const stopped = prune({ request: { graceHours: 0 } });
    await expect(stopped).rejects.toMatchObject({ name: 'RecordedSnapshotMissingError' });
    await expect(stopped).rejects.toThrow(`backup ${B2} (plan files): snapshots/${s2.id}`);
    await expect(stopped).rejects.toThrow(/prune of the primary vault stops before it deletes or condemns anything: the primary catalog records 1 committed backup\(s\)/);
    // With the environment's target options (review r59H F3): bare, pasted from the failed execution, they acted on the local cloud.
    await expect(stopped).rejects.toThrow(/`lifeboat scrub --repair --env prod --aws` copies it in; .*older version.*`lifeboat backups forget --lost 20260302T100000Z-00000002 --env prod --aws` forgets the backup .*Until one of these, every prune of this vault stops here\.$/);
  }
  // Nothing condemned or deleted: B2's tree still reads, and every pack is there.
  expect(await listKeys(pair.primary.store, 'prune/condemned/')).toEqual([]);
  expect(await listKeys(pair.primary.store, 'data/')).toEqual(before);
  await expect(loadManifestRoot(pair.primary.store, pair.primary.keys, s2.manifest)).resolves.toBeDefined();
});

it('checks again in an invocation continued from a cursor, and in a dry run', async () => {
  const prune = pruneVaultHandler(runtime(pair.primary, catalog));
  const cursor = { phase: 'condemn', report: emptyPruneReport(false) };
  await expect(prune({ request: { graceHours: 0 }, prune: { cursor, startedAt: NOW.toISOString(), report: { lockedCount: 0 } } })).rejects.toMatchObject({ name: 'RecordedSnapshotMissingError' });
  await expect(prune({ request: { dryRun: true } })).rejects.toMatchObject({ name: 'RecordedSnapshotMissingError' });
  expect(await listKeys(pair.primary.store, 'prune/condemned/')).toEqual([]);
});

it('names the DR vault and `--vault dr` in the DR stack, from the DR catalog', async () => {
  const stopped = pruneVaultHandler(runtime(pair.dr, catalog, 'dr'))({ request: { graceHours: 0 } });
  await expect(stopped).rejects.toThrow(/prune of the DR vault stops .* the DR catalog records 1 committed backup\(s\).*if the primary vault holds it intact.*`lifeboat backups forget --lost 20260302T100000Z-00000002 --vault dr --env prod --aws`/);
});

it('prunes once the backup is forgotten or being forgotten: its data is going anyway', async () => {
  // A forget that claimed B2 and deleted its snapshot object, cut short before it marked the record.
  catalog.records.set(B2, { ...record(B2, s2, 'src2'), forgettingAt: NOW.toISOString() });
  const output = await pruneVaultHandler(runtime(pair.primary, catalog))({ request: { graceHours: 0 } });
  expect(output.done).toBe(true);
  expect(output.report.manifestsCondemned).toBeGreaterThan(0);
});

it('does not count a backup not committed, nor, in the DR vault, one whose copy is not recorded there', async () => {
  catalog.records.set(B2, { ...record(B2, s2, 'src2'), copies: { primary: 'COMMITTED', dr: 'PENDING' } });
  const dr = await pruneVaultHandler(runtime(pair.dr, catalog, 'dr'))({ request: { dryRun: true } });
  expect(dr.done).toBe(true);
  catalog.records.set(B2, { ...record(B2, s2, 'src2'), status: 'RUNNING' });
  const primary = await pruneVaultHandler(runtime(pair.primary, catalog))({ request: { dryRun: true } });
  expect(primary.done).toBe(true);
});

describe('a plan no longer in the config (review r59M F3)', () => {
  // B2 of plan `retired`: removed from the config (the runtime configures `files` alone), its backups kept in the catalog.
  it('stops for its committed backup whose snapshot object is missing, naming it, and deletes nothing', async () => {
    catalog.records.set(B2, record(B2, s2, 'src2', { plan: 'retired' }));
    const before = await listKeys(pair.primary.store, 'data/');
    const prune = pruneVaultHandler(runtime(pair.primary, catalog));
    // Two runs with no grace: the check read the configured plan alone, so the first condemned B2's tree, the second deleted it.
    for (let run = 0; run < 2; run++) {
      const stopped = prune({ request: { graceHours: 0 } });
      await expect(stopped).rejects.toMatchObject({ name: 'RecordedSnapshotMissingError' });
      await expect(stopped).rejects.toThrow(`backup ${B2} (plan retired): snapshots/${s2.id}`);
    }
    expect(await listKeys(pair.primary.store, 'prune/condemned/')).toEqual([]);
    expect(await listKeys(pair.primary.store, 'data/')).toEqual(before);
    await expect(loadManifestRoot(pair.primary.store, pair.primary.keys, s2.manifest)).resolves.toBeDefined();
    // The DR vault's prune reads the DR catalog's plans the same way.
    await expect(pruneVaultHandler(runtime(pair.dr, catalog, 'dr'))({ request: { graceHours: 0 } })).rejects.toThrow(/prune of the DR vault stops .*backup 20260302T100000Z-00000002 \(plan retired\)/);
  });

  it('stops, deleting nothing, when the plans the catalog holds cannot be listed, naming the permission', async () => {
    // Nothing else would stop this prune: B2 is forgotten, its data going anyway.
    catalog.records.set(B2, { ...record(B2, s2, 'src2', { plan: 'retired' }), forgottenAt: NOW.toISOString() });
    const denied = Object.assign(new Error('User: arn:aws:sts::000000000000:assumed-role/prune/x is not authorized to perform: dynamodb:Scan on resource: arn:aws:dynamodb:us-east-1:000000000000:table/catalog/index/byPlan'), {
      name: 'AccessDeniedException',
      $metadata: { httpStatusCode: 400 },
    });
    catalog.planNames = () => Promise.reject(denied);
    const stopped = pruneVaultHandler(runtime(pair.primary, catalog))({ request: { graceHours: 0 } });
    await expect(stopped).rejects.toMatchObject({ name: 'RecordedPlansUnreadError', cause: denied });
    await expect(stopped).rejects.toThrow(
      /^prune of the primary vault stops before it deletes or condemns anything: the plans the primary catalog holds backups of could not be listed \(a Scan of its byPlan index: AccessDeniedException: User: .* is not authorized to perform: dynamodb:Scan .*\), so the committed backups of a plan no longer in the config could not be checked .*Allow dynamodb:Scan on the catalog's byPlan index/,
    );
    expect(await listKeys(pair.primary.store, 'prune/condemned/')).toEqual([]);
    // Listed again, the same catalog prunes: B2's tree was all that was left to condemn.
    delete catalog.planNames;
    const output = await pruneVaultHandler(runtime(pair.primary, catalog))({ request: { graceHours: 0 } });
    expect(output.report.manifestsCondemned).toBeGreaterThan(0);
  });
});
