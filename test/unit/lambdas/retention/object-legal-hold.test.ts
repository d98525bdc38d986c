import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { BackupCatalog } from '../../../../lambdas/catalog/backup-catalog';
import { type BackupRecord } from '../../../../lambdas/catalog/backup-record';
import { UnreadableHeldRecordError } from '../../../../lambdas/catalog/catalog-errors';
import { heldSnapshotsOf, type LockableVault, ObjectLegalHoldError, vaultObjectLegalHold } from '../../../../lambdas/retention/object-legal-hold';
import { backupDirectory, KeyFileKeyProvider, openVault, snapshotObjectKeys, Vault } from '../../../../vault';
import { newTestVault, pseudoRandomBytes, removeDir, requiredMethodsStore, tempDir } from '../../../support/vault-test-helpers';

/**
 * The Object Lock side of hold and release over a directory vault whose store records legal holds as
 * S3 would (PutObjectLegalHold per key): what is held, what a release keeps for another held backup,
 * vaults without Object Lock or without the snapshots, and a vault that does not answer.
 */

let dir: string;
let vault: Vault;
/** A vault over the same objects whose store, as S3 does for an operator's credentials under the vaults' bucket policy, refuses to lift a legal hold. */
let refusingVault: Vault;
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
  const refusing = requiredMethodsStore(store, {
    setLegalHold: (key, on) => {
      if (!on) return Promise.reject(Object.assign(new Error(DENIED), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }));
      holds.set(key, on);
      return Promise.resolve();
    },
  });
  refusingVault = await openVault(refusing, await KeyFileKeyProvider.load(keyFile));
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

const DENIED = 'User: arn:aws:iam::000000000000:role/operator is not authorized to perform: s3:PutObjectLegalHold with an explicit deny in a resource-based policy';

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
    expect(heldSnapshots).toHaveBeenCalledWith('b-1', 'primary');
    for (const key of firstKeys) expect([key, holds.get(key)]).toEqual([key, secondKeys.has(key)]);
  });

  // Audit c4-1: a backup held in the DR catalog only (`--only dr`) needs the DR vault's objects; the primary catalog knows nothing of it.
  it("keeps in each vault what that vault's list holds: a DR-only hold keeps the DR vault's shared objects, not the primary's", async () => {
    holds.clear();
    const secondKeys = new Set(await snapshotObjectKeys(vault, [second.sources[0]?.snapshotId ?? '']));
    const heldSnapshots = jest.fn((_except: string, side: string) => Promise.resolve(side === 'dr' ? [second.sources[0]?.snapshotId ?? ''] : []));
    const both = vaultObjectLegalHold({ vaults: [primary(), { ...primary(), side: 'dr' }], heldSnapshots });
    const firstKeys = await snapshotObjectKeys(vault, [first.sources[0]?.snapshotId ?? '']);
    const shared = firstKeys.filter((key) => secondKeys.has(key)).length;
    // Both vaults are the one directory vault here: the results say what each release kept.
    expect(await both(first, false)).toEqual([
      { vault: 'primary', state: 'changed', objects: firstKeys.length, keptForOtherHolds: 0 },
      { vault: 'dr', state: 'changed', objects: firstKeys.length - shared, keptForOtherHolds: shared },
    ]);
    expect(heldSnapshots.mock.calls.map((c) => c[1]).sort()).toEqual(['dr', 'primary']);

    // The DR list unreadable: the DR vault keeps its holds (reported), the primary's release goes on.
    const drUnread = vaultObjectLegalHold({
      vaults: [primary(), { ...primary(), side: 'dr' }],
      heldSnapshots: (_except, side) => (side === 'dr' ? Promise.reject(new Error('the DR catalog could not be read')) : Promise.resolve([])),
    });
    expect(await drUnread(first, false)).toEqual([
      { vault: 'primary', state: 'changed', objects: firstKeys.length, keptForOtherHolds: 0 },
      { vault: 'dr', state: 'unreachable', problem: 'the DR catalog could not be read' },
    ]);

    // A held record the DR catalog cannot parse refuses the release before the primary vault's holds are lifted.
    holds.clear();
    const unparsable = new UnreadableHeldRecordError('b-1', []);
    const refused = vaultObjectLegalHold({ vaults: [primary(), { ...primary(), side: 'dr' }], heldSnapshots: (_except, side) => (side === 'dr' ? Promise.reject(unparsable) : Promise.resolve([])) });
    await expect(refused(first, false)).rejects.toBe(unparsable);
    expect(holds.size).toBe(0);
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

  it('hands a release S3 refuses to releaseRefused, which says what is thrown in its place: the primary vault fails with it, the DR vault reports it', async () => {
    holds.clear();
    const told: string[] = [];
    const releaseRefused = (side: string, err: unknown) => {
      told.push(`${side}: ${err instanceof Error ? err.message : String(err)}`);
      return new Error(`${side} vault: only its break-glass principal may lift a legal hold`);
    };
    const refused = { objectLockEnabled: () => Promise.resolve(true), open: () => Promise.resolve(refusingVault) };
    const objectLegalHold = vaultObjectLegalHold({ vaults: [primary(refused), { side: 'dr', ...refused }], heldSnapshots: () => Promise.resolve([]), releaseRefused });
    const run = objectLegalHold(first, false);
    await expect(run).rejects.toThrow(ObjectLegalHoldError);
    await expect(run).rejects.toHaveProperty('cause', new Error('primary vault: only its break-glass principal may lift a legal hold'));
    // One call per refused object (the calls in flight when the first was refused settle too), each with S3's error.
    expect(told.length).toBeGreaterThan(0);
    expect(new Set(told)).toEqual(new Set([`primary: ${DENIED}`]));

    const drOnly = vaultObjectLegalHold({ vaults: [primary(), { side: 'dr', ...refused }], heldSnapshots: () => Promise.resolve([]), releaseRefused });
    const firstKeys = await snapshotObjectKeys(vault, [first.sources[0]?.snapshotId ?? '']);
    expect(await drOnly(first, false)).toEqual([
      { vault: 'primary', state: 'changed', objects: firstKeys.length, keptForOtherHolds: 0 },
      { vault: 'dr', state: 'unreachable', problem: 'dr vault: only its break-glass principal may lift a legal hold' },
    ]);
  });

  it('does not take a refused read before the release, or a refused hold, for a refused release', async () => {
    const releaseRefused = jest.fn(() => new Error('not this'));
    const deniedRead = Object.assign(new Error('Access Denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
    const unreadable = vaultObjectLegalHold({ vaults: [primary({ open: () => Promise.reject(deniedRead) })], heldSnapshots: () => Promise.resolve([]), releaseRefused });
    await expect(unreadable(first, false)).rejects.toThrow('the S3 legal holds of the objects of backup b-1 in the primary vault could not be released (Access Denied), so the catalogs were not changed; run the command again');
    const refusingHolds = requiredMethodsStore(refusingVault.store, { setLegalHold: () => Promise.reject(deniedRead) });
    const noHold = new Vault(refusingHolds, refusingVault.keys, refusingVault.config);
    await expect(vaultObjectLegalHold({ vaults: [primary({ open: () => Promise.resolve(noHold) })], heldSnapshots: () => Promise.resolve([]), releaseRefused })(first, true)).rejects.toThrow('could not be set (Access Denied)');
    // The reads of the release itself (the snapshot's objects, named by its record and manifest), refused after the
    // vault opened: S3 still refused no hold, so the error stays the read's.
    const unreadableObjects = requiredMethodsStore(refusingVault.store, { get: () => Promise.reject(deniedRead), setLegalHold: () => Promise.reject(new Error('no hold may be tried')) });
    const noReads = new Vault(unreadableObjects, refusingVault.keys, refusingVault.config);
    const readRefused = vaultObjectLegalHold({ vaults: [primary({ open: () => Promise.resolve(noReads) })], heldSnapshots: () => Promise.resolve([]), releaseRefused })(first, false);
    await expect(readRefused).rejects.toThrow(ObjectLegalHoldError);
    await expect(readRefused).rejects.toHaveProperty('cause', deniedRead);
    expect(releaseRefused).not.toHaveBeenCalled();
  });
});

describe('heldSnapshotsOf', () => {
  afterEach(() => jest.restoreAllMocks());

  it('refuses the release of X when the held item at key BACKUP#Z is damaged to say backupId X (Z keeps its packs held)', async () => {
    const X = '20261130T000000Z-1a2b3c4d';
    const Z = '20261129T000000Z-00000009';
    const ddb = mockClient(DynamoDBDocumentClient);
    try {
      ddb.on(QueryCommand).resolves({
        Items: [
          { pk: `BACKUP#${Z}`, sk: 'BACKUP', ...recordOf(X, 'c'.repeat(64), { plan: 'demo', hold: { reason: 'court', by: 'legal', at: '2026-11-29T00:00:00Z' } }) },
          { pk: `BACKUP#${X}`, sk: 'BACKUP', ...recordOf(X, 'd'.repeat(64), { plan: 'demo', hold: { reason: 'r', by: 'b', at: '2026-11-30T00:00:00Z' } }) },
        ],
      });
      jest.spyOn(console, 'warn').mockImplementation(() => undefined);
      const catalog = new BackupCatalog(DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' })), 'catalog');
      const released = heldSnapshotsOf(catalog, ['demo'], X);
      await expect(released).rejects.toThrow(UnreadableHeldRecordError);
      await expect(released).rejects.toThrow(`BACKUP#${Z}`);
    } finally {
      ddb.restore();
    }
  });
});
