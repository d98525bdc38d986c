import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { type BackupRecord } from '../../../../lambdas/catalog/backup-record';
import { heldSnapshotsOf, type LockableVault, ObjectLegalHoldError, vaultObjectLegalHold } from '../../../../lambdas/retention/object-legal-hold';
import { backupDirectory, KeyFileKeyProvider, openVault, snapshotObjectKeys, type Vault } from '../../../../vault';
import { newTestVault, pseudoRandomBytes, removeDir, requiredMethodsStore, tempDir } from '../../../support/vault-test-helpers';

/**
 * The Object Lock side of hold and release over a directory vault whose store records legal holds as
 * S3 would (PutObjectLegalHold per key): what is held, what a release keeps for another held backup,
 * vaults without Object Lock or without the snapshots, and a vault that does not answer.
 */

let dir: string;
let vault: Vault;
/** Key → legal hold on, as the store was told. */
const holds = new Map<string, boolean>();
let first: BackupRecord;
let second: BackupRecord;

const recordOf = (backupId: string, snapshotId: string, extra: Partial<BackupRecord> = {}): BackupRecord => ({
  backupId,
  plan: 'files',
  environment: 'dev',
  sourceNames: ['src'],
  sources: [{ name: 'src', type: 'filesystem', snapshotId, rootHash: '', entries: 0, bytes: 0, bytesScanned: 0, bytesNew: 0, bytesStored: 0, blobsNew: 0 }],
  strategy: 'full',
  status: 'COMMITTED',
  startedAt: '2026-03-01T00:00:00.000Z',
  shardCount: 1,
  ...extra,
});

beforeAll(async () => {
  dir = await tempDir('object-legal-hold');
  const { store, keyFile } = await newTestVault(dir);
  const lockable = requiredMethodsStore(store, {
    setLegalHold: (key, on) => {
      holds.set(key, on);
      return Promise.resolve();
    },
  });
  vault = await openVault(lockable, await KeyFileKeyProvider.load(keyFile));
  const src = path.join(dir, 'src');
  await fs.mkdir(src, { recursive: true });
  await fs.writeFile(path.join(src, 'shared.bin'), pseudoRandomBytes(100_000, 1));
  const { snapshot: a } = await backupDirectory(vault, src, { parent: null });
  await fs.writeFile(path.join(src, 'later.bin'), pseudoRandomBytes(100_000, 2));
  const { snapshot: b } = await backupDirectory(vault, src, { parent: null });
  first = recordOf('b-1', a.id);
  second = recordOf('b-2', b.id, { hold: { reason: 'case 7', by: 'ann', at: '2026-03-02T00:00:00.000Z' } });
});

afterAll(async () => removeDir(dir));

const primary = (over: Partial<LockableVault> = {}): LockableVault => ({ side: 'primary', objectLockEnabled: () => Promise.resolve(true), open: () => Promise.resolve(vault), ...over });

describe('vaultObjectLegalHold', () => {
  it('holds every object the backup references; a release keeps what another held backup references', async () => {
    holds.clear();
    const heldSnapshots = jest.fn((except: string) => heldSnapshotsOf({ listBackupsOfPlan: () => Promise.resolve([first, second]) }, ['files'], except));
    const objectLegalHold = vaultObjectLegalHold({ vaults: [primary()], heldSnapshots });
    const firstKeys = await snapshotObjectKeys(vault, [first.sources[0]?.snapshotId ?? '']);
    const secondKeys = new Set(await snapshotObjectKeys(vault, [second.sources[0]?.snapshotId ?? '']));
    const shared = firstKeys.filter((key) => secondKeys.has(key));
    expect(shared.length).toBeGreaterThan(0);

    expect(await objectLegalHold(first, true)).toEqual([{ vault: 'primary', state: 'changed', objects: firstKeys.length, keptForOtherHolds: 0 }]);
    expect([...holds.entries()].sort()).toEqual(firstKeys.map((key) => [key, true]));
    expect(heldSnapshots).not.toHaveBeenCalled();

    expect(await objectLegalHold(first, false)).toEqual([{ vault: 'primary', state: 'changed', objects: firstKeys.length - shared.length, keptForOtherHolds: shared.length }]);
    expect(heldSnapshots).toHaveBeenCalledWith('b-1');
    for (const key of firstKeys) expect([key, holds.get(key)]).toEqual([key, secondKeys.has(key)]);
  });

  it('leaves a bucket without Object Lock alone, reports a vault without the snapshots, and a DR vault that does not answer', async () => {
    holds.clear();
    const openPlain = jest.fn(() => Promise.resolve(vault));
    const unreplicated = recordOf('b-3', 'f'.repeat(64));
    const objectLegalHold = vaultObjectLegalHold({
      vaults: [primary({ objectLockEnabled: () => Promise.resolve(false), open: openPlain }), { side: 'dr', objectLockEnabled: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:4569')), open: () => Promise.resolve(vault) }],
      heldSnapshots: () => Promise.resolve([]),
    });
    expect(await objectLegalHold(first, true)).toEqual([
      { vault: 'primary', state: 'no-object-lock' },
      { vault: 'dr', state: 'unreachable', problem: 'connect ECONNREFUSED 127.0.0.1:4569' },
    ]);
    expect(openPlain).not.toHaveBeenCalled();
    expect(await vaultObjectLegalHold({ vaults: [primary()], heldSnapshots: () => Promise.resolve([]) })(unreplicated, true)).toEqual([{ vault: 'primary', state: 'not-in-vault' }]);
    expect(holds.size).toBe(0);
  });

  it('fails when the primary vault does not answer, saying the catalog already holds the backup', async () => {
    const objectLegalHold = vaultObjectLegalHold({ vaults: [primary({ open: () => Promise.reject(new Error('AccessDenied')) })], heldSnapshots: () => Promise.resolve([]) });
    const run = objectLegalHold(first, true);
    await expect(run).rejects.toThrow(ObjectLegalHoldError);
    await expect(objectLegalHold(first, true)).rejects.toThrow('the catalog holds backup b-1, but the S3 legal holds of its objects in the primary vault could not be set (AccessDenied); run the command again');
  });
});
