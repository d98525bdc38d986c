import { pruneCommand } from '../../../cli/commands/prune-command';
import { type LiveBackupSnapshotsRead } from '../../../lambdas/catalog/backup-catalog';
import { type RecordedSnapshotWayOutOptions } from '../../../lambdas/retention/recorded-snapshot-missing-error';
import { recordedSnapshotsCheck, type RecordedSnapshotsCatalog } from '../../../lambdas/retention/recorded-snapshots';
import { MemoryVaultStore } from '../../../vault/backend/memory/memory-vault-store';
import { PassphraseKeyProvider } from '../../../vault/keys/passphrase-key-provider';
import { loadCondemnedBatches } from '../../../vault/prune/prune-state';
import { initVault, type Vault } from '../../../vault/repository/vault';
import { snapshotKey } from '../../../vault/repository/vault-layout';
import { capturedCliIo } from '../../support/captured-cli-io';
import { pseudoRandomBytes } from '../../support/vault-test-helpers';

/**
 * `lifeboat prune` prunes on the machine (pruneToEnd), not through the workflow's Prune step, and checks the vault's
 * listing against its region's catalog as that step does (review r59C F1): a committed backup whose snapshot object is
 * missing stops it before anything is condemned, exit 1, the backup named.
 */

const TUNING = { chunker: { minSize: 1024, avgSize: 4096, maxSize: 16384 }, packSize: 16 * 1024, compressionLevel: null } as const;

async function backup(vault: Vault, content: Buffer): Promise<{ id: string; manifest: string }> {
  const writer = await vault.newSnapshotWriter({ inline: true });
  await writer.add({ path: 'x', kind: 'object', meta: {}, content });
  const snapshot = await vault.commitSnapshot({ source: { kind: 'directory', id: '/src' }, parts: [await writer.finish()] });
  return { id: snapshot.id, manifest: snapshot.manifest };
}

it('stops with the backup named, condemning nothing, when the catalog records a snapshot the vault lacks', async () => {
  const memory = new MemoryVaultStore();
  const vault = await initVault(memory, new PassphraseKeyProvider('recorded snapshots', { N: 1024, r: 8, p: 1 }), TUNING);
  const lost = await backup(vault, pseudoRandomBytes(40 * 1024, 1));
  await backup(vault, pseudoRandomBytes(20 * 1024, 2));
  await memory.delete(snapshotKey(lost.id));
  const source = { name: 'src', type: 'filesystem' as const, snapshotId: lost.id, rootHash: lost.manifest, entries: 1, bytes: 1, bytesScanned: 1, bytesNew: 1, bytesStored: 1, blobsNew: 1 };
  const lostRead: LiveBackupSnapshotsRead = { backup: { backupId: 'b-lost', plan: 'files', status: 'COMMITTED', startedAt: '2026-03-01T10:00:00.000Z', sourceNames: ['src'], sources: [source] }, key: { pk: 'BACKUP#b-lost', sk: 'BACKUP' } };
  const catalog = {
    async *liveBackupSnapshotsOfPlan(): AsyncGenerator<LiveBackupSnapshotsRead> {
      yield await Promise.resolve(lostRead);
    },
    liveBackupSnapshotsAt: () => Promise.resolve(lostRead),
    recordedPlanNames: () => Promise.resolve(['files']),
  };
  const access = {
    environment: { name: 'test' },
    openVault: () => Promise.resolve(vault),
    pruneLogIn: () => ({ record: () => Promise.resolve() }),
    recordedSnapshotsCheck: (side: 'primary' | 'dr', wayOut: RecordedSnapshotWayOutOptions) => recordedSnapshotsCheck(side, catalog, ['files'], wayOut),
  };
  const run = capturedCliIo();
  expect(await pruneCommand({ config: '/nonexistent', env: 'test', dataDir: '/nonexistent', grace: '0' }, { io: run.io, access })).toBe(1);
  expect(run.err.join('\n')).toMatch(/^lifeboat prune: prune of the primary vault stops before it deletes or condemns anything: .*backup b-lost \(plan files\): snapshots\//);
  // The ways out name this command's target (review r59H F3): bare, pasted after a prune with --aws, they acted on the local cloud.
  expect(run.err.join('\n')).toContain('`lifeboat scrub --repair --env test --config /nonexistent --data-dir /nonexistent` copies it in');
  expect(run.err.join('\n')).toContain('`lifeboat backups forget --lost b-lost --env test --config /nonexistent --data-dir /nonexistent` forgets');
  const aws = capturedCliIo();
  expect(await pruneCommand({ config: '/nonexistent', env: 'test', dataDir: '/nonexistent', grace: '0', aws: true, vaultKey: 'alias/other' }, { io: aws.io, access })).toBe(1);
  expect(aws.err.join('\n')).toContain('`lifeboat scrub --repair --env test --config /nonexistent --aws --vault-key alias/other` copies it in');
  expect(aws.err.join('\n')).toContain('`lifeboat backups forget --lost b-lost --env test --config /nonexistent --aws` forgets');
  expect(await loadCondemnedBatches(memory, vault.keys)).toEqual([]);
});

/** A vault whose one backup, committed in plan `retired`, has lost its snapshot object; and the catalog's view of it. */
async function retiredPlanLost(): Promise<{ memory: MemoryVaultStore; vault: Vault; catalog: RecordedSnapshotsCatalog & { planNames: () => Promise<string[]> } }> {
  const memory = new MemoryVaultStore();
  const vault = await initVault(memory, new PassphraseKeyProvider('recorded snapshots', { N: 1024, r: 8, p: 1 }), TUNING);
  const lost = await backup(vault, pseudoRandomBytes(40 * 1024, 3));
  await memory.delete(snapshotKey(lost.id));
  const source = { name: 'src', type: 'filesystem' as const, snapshotId: lost.id, rootHash: lost.manifest, entries: 1, bytes: 1, bytesScanned: 1, bytesNew: 1, bytesStored: 1, blobsNew: 1 };
  const lostRead: LiveBackupSnapshotsRead = { backup: { backupId: 'b-retired', plan: 'retired', status: 'COMMITTED', startedAt: '2026-03-01T10:00:00.000Z', sourceNames: ['src'], sources: [source] }, key: { pk: 'BACKUP#b-retired', sk: 'BACKUP' } };
  const catalog = {
    async *liveBackupSnapshotsOfPlan(plan: string): AsyncGenerator<LiveBackupSnapshotsRead> {
      if (plan === 'retired') yield await Promise.resolve(lostRead);
    },
    liveBackupSnapshotsAt: () => Promise.resolve(lostRead),
    planNames: () => Promise.resolve(['retired']),
    recordedPlanNames(): Promise<string[]> {
      return this.planNames();
    },
  };
  return { memory, vault, catalog };
}

describe('a plan no longer in the config (review r59M F3)', () => {
  /** The command's access with `files` configured, as pruneAccessOf wires it. */
  const accessOver = (vault: Vault, catalog: RecordedSnapshotsCatalog) => ({
    environment: { name: 'test' },
    openVault: () => Promise.resolve(vault),
    pruneLogIn: () => ({ record: () => Promise.resolve() }),
    recordedSnapshotsCheck: (side: 'primary' | 'dr', wayOut: RecordedSnapshotWayOutOptions) => recordedSnapshotsCheck(side, catalog, ['files'], wayOut),
  });

  it('stops (exit 1), condemning nothing, for its committed backup whose snapshot object the vault lacks', async () => {
    const { memory, vault, catalog } = await retiredPlanLost();
    const run = capturedCliIo();
    expect(await pruneCommand({ config: '/nonexistent', env: 'test', dataDir: '/nonexistent', grace: '0' }, { io: run.io, access: accessOver(vault, catalog) })).toBe(1);
    expect(run.err.join('\n')).toMatch(/^lifeboat prune: prune of the primary vault stops before it deletes or condemns anything: .*backup b-retired \(plan retired\): snapshots\//);
    expect(await loadCondemnedBatches(memory, vault.keys)).toEqual([]);
  });

  it('stops (exit 1), condemning nothing, when the caller may not list the plans the catalog holds', async () => {
    const { memory, vault, catalog } = await retiredPlanLost();
    catalog.planNames = () => Promise.reject(Object.assign(new Error('User: arn:aws:iam::000000000000:user/operator is not authorized to perform: dynamodb:Scan'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } }));
    const run = capturedCliIo();
    expect(await pruneCommand({ config: '/nonexistent', env: 'test', dataDir: '/nonexistent', grace: '0' }, { io: run.io, access: accessOver(vault, catalog) })).toBe(1);
    expect(run.err.join('\n')).toMatch(
      /^lifeboat prune: prune of the primary vault stops before it deletes or condemns anything: the plans the primary catalog holds backups of could not be listed \(a Scan of its byPlan index: AccessDeniedException: .*\).* `lifeboat prune` reads with your own credentials\. Then prune again\.$/,
    );
    expect(await loadCondemnedBatches(memory, vault.keys)).toEqual([]);
  });
});
