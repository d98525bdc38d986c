import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { backupsListCommand } from '../../../../cli/commands/backup-commands';
import { checkCatalogPlans } from '../../../../cli/doctor/catalog-plan-checks';
import { doctorContext } from '../../../../cli/doctor/doctor-context';
import { loadLifeboatConfig } from '../../../../config/load-config';
import { BackupCatalog, type InvalidBackupItem } from '../../../../lambdas/catalog/backup-catalog';
import { type BackupRecord } from '../../../../lambdas/catalog/backup-record';
import { NoBackupAtTimeError, UnreadableHeldRecordError } from '../../../../lambdas/catalog/catalog-errors';
import { replicateBackup } from '../../../../lambdas/replication/replicate-backup';
import { forgetBackups } from '../../../../lambdas/retention/forget-backups';
import { heldSnapshotsOf, type LockableVault, vaultObjectLegalHold } from '../../../../lambdas/retention/object-legal-hold';
import { resourceNames } from '../../../../lib/stacks/resource-names';
import { createCatalogShapedTable } from '../../../../local/cloud';
import { type LocalCloudHandle, localDynamoDbClient, startLocalCloud, stopLocalCloud } from '../../../../local/cloud/local-cloud';
import { backupDirectory, FileVaultStore, KeyFileKeyProvider, openVault, PassphraseKeyProvider, snapshotKey, snapshotObjectKeys, type Vault } from '../../../../vault';
import { DR, PRIMARY, tempDir } from '../../../support/local-cloud-helpers';
import { SAMPLE_CONFIG_FILE } from '../../../support/repo-root';
import { newTestVault, pseudoRandomBytes, requiredMethodsStore } from '../../../support/vault-test-helpers';
import { capturedCliIo } from '../../../support/captured-cli-io';

/**
 * Audit R31 F1 on the local cloud's DynamoDB: a catalog upgraded from the versions before the vault holds a backup
 * record of 2026-11-24 (`sources` as names, no `sourceNames`) and its index items, the audit's items as written. It
 * used to stop every reader of plan demo; now listBackupsOfPlan returns the other records and reports it, and the
 * Replicate step, `backups list`, the Forget step and a legal hold's release keep working, without deleting or
 * releasing anything because a record was passed over: a snapshot an unreadable record names is not counted as
 * another record's alone, and a release refuses while an unreadable record may hold a legal hold. Doctor names the
 * item with the command that deletes it, and that command does.
 */

const tmp = tempDir('legacy-backup-records');
const dataDir = join(tmp.dir, 'data');
const config = loadLifeboatConfig(SAMPLE_CONFIG_FILE);
const environment = config.environments[0];
if (!environment) throw new Error('the sample config has no environment');
const names = resourceNames(environment);
const TABLE = names.catalogTable;
const LEGACY_ID = '20261124T120000Z-0000aaaa';

/** /tmp/audit-R31/legacy.jsonl: the BACKUP item and the three SOURCE# items of the 4e123f2/7c54507 shapes. */
const LEGACY_ITEMS: Record<string, unknown>[] = [
  {
    pk: `BACKUP#${LEGACY_ID}`,
    sk: 'BACKUP',
    backupId: LEGACY_ID,
    plan: 'demo',
    environment: 'dev',
    sources: ['demo-assets', 'demo-orders', 'demo-files'],
    strategy: 'full',
    status: 'COMMITTED',
    startedAt: '2026-11-24T12:00:00.000Z',
    endedAt: '2026-11-24T12:01:00.000Z',
    trigger: 'schedule',
    shardCount: 3,
    entries: 10,
    bytesScanned: 100,
    bytesNew: 100,
  },
  ...['demo-assets', 'demo-orders', 'demo-files'].map((source) => ({
    pk: `SOURCE#${source}`,
    sk: `BACKUP#2026-11-24T12:00:00.000Z#${LEGACY_ID}`,
    backupId: LEGACY_ID,
    planName: 'demo',
    sourceName: source,
    strategy: 'full',
    startedAt: '2026-11-24T12:00:00.000Z',
  })),
];
const PRE_VAULT_MESSAGE =
  `Catalog item BACKUP#${LEGACY_ID} / BACKUP in table ${TABLE} is a record from before the vault (2026-11-25): the vault holds nothing of it; delete the item ` +
  '(docs/DEPLOYMENT.md, "Upgrades"; `lifeboat doctor` prints the command).';

let cloud: LocalCloudHandle;
const clients: DynamoDBClient[] = [];
let primary: BackupCatalog;
let dr: BackupCatalog;
let ddb: DynamoDBDocumentClient;
let vault: Vault;
let keyFile: string;
/** Three backups of plan demo after the upgrade, 1 to 3 December 2026, oldest first. */
const backups: BackupRecord[] = [];

const client = (region: string): DynamoDBClient => {
  const c = localDynamoDbClient(cloud.endpoints, region);
  clients.push(c);
  return c;
};


/** A backup of `files` (its own content, `seed`) into the vault, committed in the primary catalog as the workflow commits it. */
async function committed(backupId: string, plan: string, startedAt: string, seed: number): Promise<BackupRecord> {
  const files = join(tmp.dir, `files-${backupId}`);
  mkdirSync(files, { recursive: true });
  writeFileSync(join(files, 'shared.bin'), pseudoRandomBytes(60_000, 1));
  writeFileSync(join(files, 'own.bin'), pseudoRandomBytes(60_000, seed));
  const { snapshot } = await backupDirectory(vault, files, { parent: null, tags: [`backupId:${backupId}`] });
  const record: BackupRecord = { backupId, plan, environment: 'dev', sourceNames: ['demo-files'], sources: [], strategy: 'full', status: 'RUNNING', startedAt, shardCount: 1 };
  await primary.createBackup(record);
  const totals = { entries: 2, bytes: 120_000, bytesScanned: 120_000, bytesNew: 120_000, bytesStored: 1, blobsNew: 1 };
  const sources = [{ name: 'demo-files', type: 'filesystem' as const, snapshotId: snapshot.id, rootHash: snapshot.manifest, ...totals }];
  await primary.markCommitted(backupId, { sources, totals, endedAt: startedAt });
  const done = await primary.requireBackup(backupId);
  await primary.indexCommittedBackup(done);
  return done;
}

const snapshotOf = (record: BackupRecord | undefined): string => record?.sources[0]?.snapshotId ?? '';

async function rawItem(pk: string): Promise<Record<string, unknown> | undefined> {
  return (await ddb.send(new GetCommand({ TableName: TABLE, Key: { pk, sk: 'BACKUP' }, ConsistentRead: true }))).Item;
}

beforeAll(async () => {
  cloud = await startLocalCloud({ dataDir, regions: [PRIMARY, DR], exitWithParent: true });
  for (const region of [PRIMARY, DR]) await createCatalogShapedTable(client(region), TABLE, { byPlan: true });
  ddb = DynamoDBDocumentClient.from(client(PRIMARY));
  primary = new BackupCatalog(ddb, TABLE);
  dr = new BackupCatalog(DynamoDBDocumentClient.from(client(DR)), TABLE);
  const root = join(tmp.dir, 'vault-root');
  mkdirSync(root, { recursive: true });
  ({ vault, keyFile } = await newTestVault(root));
  for (const [i, seed] of [11, 12, 13].entries()) backups.push(await committed(`2026120${i + 1}T060000Z-0000000${i + 1}`, 'demo', `2026-12-0${i + 1}T06:00:00.000Z`, seed));
  for (const item of LEGACY_ITEMS) await ddb.send(new PutCommand({ TableName: TABLE, Item: item }));
}, 60_000);

afterAll(async () => {
  clients.forEach((c) => c.destroy());
  await stopLocalCloud(dataDir);
  tmp.remove();
});

describe('a catalog with a record from before the vault', () => {
  it('listBackupsOfPlan returns the other records and reports it, by key and as pre-vault; by default in one warning line', async () => {
    const invalid: InvalidBackupItem[] = [];
    const records = await primary.listBackupsOfPlan('demo', { onInvalid: (i) => invalid.push(i) });
    expect(records.map((r) => r.backupId)).toEqual(backups.map((b) => b.backupId).reverse());
    expect(invalid.map((i) => [i.key, i.backupId, i.preVault, i.mayBeHeld, i.snapshotIds, i.error.message])).toEqual([
      [{ pk: `BACKUP#${LEGACY_ID}`, sk: 'BACKUP' }, LEGACY_ID, true, false, [], PRE_VAULT_MESSAGE],
    ]);
    expect(PRE_VAULT_MESSAGE).not.toContain('the vault keeps the backup itself');

    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      expect((await primary.listBackupsOfPlan('demo')).map((r) => r.backupId)).toEqual(records.map((r) => r.backupId));
      expect(warn.mock.calls).toEqual([[JSON.stringify({ level: 'WARN', item: `BACKUP#${LEGACY_ID} / BACKUP`, message: `passed over: ${PRE_VAULT_MESSAGE}` })]]);
    } finally {
      warn.mockRestore();
    }
    // Asked for by id, it is still an error, with the same advice.
    await expect(primary.getBackup(LEGACY_ID)).rejects.toThrow(PRE_VAULT_MESSAGE);
  });

  it('a source\'s readers pass over it as over a forgotten backup: a point in time before the vault has no backup, the newest is a parent', async () => {
    await expect(primary.backupAsOf('demo-files', '2026-11-25T00:00:00.000Z')).rejects.toBeInstanceOf(NoBackupAtTimeError);
    expect((await primary.backupAsOf('demo-files', '2026-12-02T12:00:00.000Z')).backupId).toBe(backups[1]?.backupId);
    expect((await primary.latestBackupOfSource('demo-files'))?.backupId).toBe(backups[2]?.backupId);
    expect((await primary.listBackupsOfSource('demo-files')).map((r) => r.backupId)).toEqual(backups.map((b) => b.backupId).reverse());
  });

  it('the Replicate step copies the plan\'s backups to the DR vault and records them in both catalogs; the pre-vault record stays out of the DR catalog', async () => {
    const target = new FileVaultStore(join(tmp.dir, 'dr-vault'), { durable: false });
    const newest = backups[2]?.backupId ?? '';
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const report = await replicateBackup({ backupId: newest }, { source: vault, target, targetKeys: new PassphraseKeyProvider('dr key', { N: 1024, r: 8, p: 1 }), catalog: primary, drCatalog: dr, plans: ['demo'] });
      expect(report).toMatchObject({ complete: true, backupsCopied: 3, drCatalogWritten: 3 });
      // The function's log says what it passed over.
      expect(warn.mock.calls.map(([line]) => (JSON.parse(String(line)) as { item: string }).item)).toEqual([`BACKUP#${LEGACY_ID} / BACKUP`]);
    } finally {
      warn.mockRestore();
    }
    for (const b of backups) {
      expect((await primary.requireBackup(b.backupId)).copies).toEqual({ primary: 'COMMITTED', dr: 'COMMITTED' });
      expect((await dr.requireBackup(b.backupId)).copies).toEqual({ primary: 'COMMITTED', dr: 'COMMITTED' });
      expect(await target.has(snapshotKey(snapshotOf(b)))).toBe(true);
    }
    expect(await dr.getBackup(LEGACY_ID)).toBeUndefined();
    expect(await rawItem(`BACKUP#${LEGACY_ID}`)).toEqual(LEGACY_ITEMS[0]);
  });

  it('`backups list` lists the plan\'s backups and a source\'s, from the primary catalog', async () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const commandClients = () => ({ dynamodb: client(PRIMARY), drDynamodb: client(DR) });
      const listed = capturedCliIo();
      expect(await backupsListCommand({ config: SAMPLE_CONFIG_FILE, env: 'dev', dataDir, plan: 'demo' }, { io: listed.io, clients: commandClients() })).toBe(0);
      expect(listed.err).toEqual([]);
      const rows = listed.out.filter((l) => /^\d{8}T/.test(l)).map((l) => l.split(/\s+/).slice(0, 3));
      expect(rows).toEqual(backups.map((b) => [b.backupId, 'demo', 'COMMITTED']).reverse());
      const bySource = capturedCliIo();
      expect(await backupsListCommand({ config: SAMPLE_CONFIG_FILE, env: 'dev', dataDir, source: 'demo-files' }, { io: bySource.io, clients: commandClients() })).toBe(0);
      expect(bySource.err).toEqual([]);
      expect(bySource.out.filter((l) => /^\d{8}T/.test(l)).map((l) => l.split(/\s+/)[0])).toEqual(backups.map((b) => b.backupId).reverse());
      // The plan's listing warned of the item passed over (the source's never reads it: its index items lead to it only).
      expect(warn.mock.calls.map(([line]) => (JSON.parse(String(line)) as { item: string }).item)).toEqual([`BACKUP#${LEGACY_ID} / BACKUP`]);
    } finally {
      warn.mockRestore();
    }
  });
});

describe('a legal hold\'s release beside records that cannot be read', () => {
  const PLAN = 'cases';
  const legalHolds = new Map<string, boolean>();
  let lockable: LockableVault;
  let released: BackupRecord;
  let stillHeld: BackupRecord;
  const damagedHeld = { pk: 'BACKUP#20261204T060000Z-damaged1', sk: 'BACKUP', backupId: '20261204T060000Z-damaged1', plan: PLAN, environment: 'dev', status: 'DONE', startedAt: '2026-12-04T06:00:00.000Z', hold: { reason: 'case 9', by: 'bob', at: '2026-12-04T07:00:00.000Z' } };
  const preVaultHeld = { ...LEGACY_ITEMS[0], pk: 'BACKUP#20261125T120000Z-0000bbbb', backupId: '20261125T120000Z-0000bbbb', plan: PLAN, hold: { reason: 'case 1', by: 'ann', at: '2026-11-25T13:00:00.000Z' } };

  beforeAll(async () => {
    released = await committed('20261205T060000Z-00000005', PLAN, '2026-12-05T06:00:00.000Z', 21);
    stillHeld = await primary.setHold((await committed('20261206T060000Z-00000006', PLAN, '2026-12-06T06:00:00.000Z', 22)).backupId, { reason: 'case 7', by: 'ann', at: '2026-12-06T07:00:00.000Z' });
    // The directory vault's store records legal holds as S3 would (PutObjectLegalHold per key).
    const store = requiredMethodsStore(vault.store, {
      setLegalHold: (key, on) => {
        legalHolds.set(key, on);
        return Promise.resolve();
      },
    });
    const held = await openVault(store, await KeyFileKeyProvider.load(keyFile));
    lockable = { side: 'primary', objectLockEnabled: () => Promise.resolve(true), open: () => Promise.resolve(held) };
  });

  afterAll(async () => {
    for (const pk of [damagedHeld.pk, preVaultHeld.pk, `BACKUP#${released.backupId}`, `BACKUP#${stillHeld.backupId}`]) await ddb.send(new DeleteCommand({ TableName: TABLE, Key: { pk, sk: 'BACKUP' } }));
  });

  const release = () => vaultObjectLegalHold({ vaults: [lockable], heldSnapshots: (except) => heldSnapshotsOf(primary, [PLAN], except) })(released, false);

  it('refuses, releasing nothing, while a record with a hold attribute cannot be read', async () => {
    await ddb.send(new PutCommand({ TableName: TABLE, Item: damagedHeld }));
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      legalHolds.clear();
      const refused = release();
      await expect(refused).rejects.toBeInstanceOf(UnreadableHeldRecordError);
      await expect(refused).rejects.toThrow(
        `The objects of backup ${released.backupId} keep their S3 legal holds: a backup record with a legal hold cannot be read, ` +
          `so which of them it still needs is unknown. Catalog item ${damagedHeld.pk} / BACKUP in table ${TABLE} is not a valid backup record: `,
      );
      expect([...legalHolds.entries()]).toEqual([]);
    } finally {
      warn.mockRestore();
      await ddb.send(new DeleteCommand({ TableName: TABLE, Key: { pk: damagedHeld.pk, sk: 'BACKUP' } }));
    }
  });

  it('passes over a pre-vault record, held or not: the vault holds nothing of it; what the held backup shares stays held', async () => {
    await ddb.send(new PutCommand({ TableName: TABLE, Item: preVaultHeld }));
    legalHolds.clear();
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const releasedKeys = await snapshotObjectKeys(vault, [snapshotOf(released)]);
      const heldKeys = new Set(await snapshotObjectKeys(vault, [snapshotOf(stillHeld)]));
      const shared = releasedKeys.filter((k) => heldKeys.has(k));
      expect(shared.length).toBeGreaterThan(0);
      expect(await release()).toEqual([{ vault: 'primary', state: 'changed', objects: releasedKeys.length - shared.length, keptForOtherHolds: shared.length }]);
      for (const key of releasedKeys) expect([key, legalHolds.get(key)]).toEqual([key, heldKeys.has(key) ? undefined : false]);
      expect(warn).toHaveBeenCalledTimes(1);
    } finally {
      warn.mockRestore();
    }
  });
});

describe('the Forget step beside records that cannot be read', () => {
  /** Damaged (a status this version does not know), and it names the oldest backup's snapshot. */
  const damaged = () => ({ pk: 'BACKUP#20261201T070000Z-damaged2', sk: 'BACKUP', backupId: '20261201T070000Z-damaged2', plan: 'demo', environment: 'dev', sourceNames: ['demo-files'], sources: backups[0]?.sources, strategy: 'full', status: 'DONE', startedAt: '2026-12-01T07:00:00.000Z', shardCount: 1 });

  it('forgets what the policy forgets of the others, leaves the unreadable records as they are, and keeps a snapshot one of them names', async () => {
    await ddb.send(new PutCommand({ TableName: TABLE, Item: damaged() }));
    const [oldest, middle, newest] = backups;
    const arrivals = new Map(backups.map((b) => [snapshotOf(b), new Date(b.startedAt)] as const));
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    let report: Awaited<ReturnType<typeof forgetBackups>>;
    try {
      report = await forgetBackups({}, { vault: 'primary', openVault: () => Promise.resolve(vault), snapshotArrivals: () => Promise.resolve(arrivals), catalog: primary, plans: [{ name: 'demo', retention: { keepLast: 1 } }], now: new Date('2026-12-10T00:00:00.000Z') });
    } finally {
      warn.mockRestore();
    }
    const [plan] = report.plans;
    expect(plan?.forgotten).toEqual([middle?.backupId]);
    expect(plan?.decisions.map((d) => [d.backupId, d.keep])).toEqual([
      [newest?.backupId, true],
      [middle?.backupId, false],
    ]);
    expect(plan?.notCounted).toEqual([{ backupId: oldest?.backupId, reason: `its snapshot ${snapshotOf(oldest)} is named by the record of 20261201T070000Z-damaged2 (unreadable) too; neither counted nor forgotten` }]);
    expect(plan?.unreadable?.map((u) => u.item)).toEqual(['BACKUP#20261201T070000Z-damaged2 / BACKUP', `BACKUP#${LEGACY_ID} / BACKUP`]);
    expect(plan?.unreadable?.[1]?.problem).toBe(PRE_VAULT_MESSAGE);
    for (const b of backups) expect([b.backupId, await vault.store.has(snapshotKey(snapshotOf(b)))]).toEqual([b.backupId, b !== middle]);
    expect((await primary.requireBackup(oldest?.backupId ?? '')).forgottenAt).toBeUndefined();
    expect(await rawItem(`BACKUP#${LEGACY_ID}`)).toEqual(LEGACY_ITEMS[0]);
    expect(await rawItem('BACKUP#20261201T070000Z-damaged2')).toEqual(damaged());
  });
});

describe('doctor', () => {
  it('names each record that cannot be read, with the command that deletes it; that command does', async () => {
    const ctx = doctorContext({ configFile: SAMPLE_CONFIG_FILE, envName: 'dev', dataDir, mode: 'aws' }, config, environment);
    const results = await checkCatalogPlans(primary, ctx);
    const deleteCommand = (pk: string) => `aws dynamodb delete-item --region ${PRIMARY} --table-name ${TABLE} --key '{"pk":{"S":"${pk}"},"sk":{"S":"BACKUP"}}' --condition-expression 'attribute_exists(pk)'`;
    expect(results).toEqual([
      { name: 'catalog plans', verdict: 'ok', detail: 'every plan the catalog holds backups of is in the config (demo)' },
      // The Scan reads a plan's records oldest first.
      { name: `catalog item BACKUP#${LEGACY_ID}`, verdict: 'warn', detail: PRE_VAULT_MESSAGE, fix: deleteCommand(`BACKUP#${LEGACY_ID}`) },
      expect.objectContaining({
        name: 'catalog item BACKUP#20261201T070000Z-damaged2',
        verdict: 'warn',
        fix: `correct the item, or delete it (${deleteCommand('BACKUP#20261201T070000Z-damaged2')}) and run ${ctx.lifeboat('catalog rebuild --vault primary')} to write it again from the vault`,
      }),
    ]);
    expect(ctx.lifeboat('catalog rebuild --vault primary')).toMatch(/^lifeboat catalog rebuild --vault primary --env dev .*--aws$/);
    expect(results[2]?.detail).toMatch(/^Catalog item BACKUP#20261201T070000Z-damaged2 \/ BACKUP in table lifeboat-dev-catalog is not a valid backup record: status: .* Listings, retention and replication pass over it$/);

    // The operator runs the printed commands (here through the SDK, with the key and condition as printed).
    const deletes = results.slice(1).map((result) => {
      const key = /--key '(.*?)' --condition-expression 'attribute_exists\(pk\)'/.exec(result.fix ?? '')?.[1] ?? '';
      const { pk, sk } = JSON.parse(key) as { pk: { S: string }; sk: { S: string } };
      return new DeleteCommand({ TableName: TABLE, Key: { pk: pk.S, sk: sk.S }, ConditionExpression: 'attribute_exists(pk)' });
    });
    for (const command of deletes) await ddb.send(command);
    // Review r62C F3: run again, the item gone, it fails rather than delete nothing and exit 0.
    for (const command of deletes) await expect(ddb.send(command)).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
    expect(await checkCatalogPlans(primary, ctx)).toEqual([{ name: 'catalog plans', verdict: 'ok', detail: 'every plan the catalog holds backups of is in the config (demo)' }]);
    const invalid: InvalidBackupItem[] = [];
    await primary.listBackupsOfPlan('demo', { onInvalid: (i) => invalid.push(i) });
    expect(invalid).toEqual([]);
  });
});
