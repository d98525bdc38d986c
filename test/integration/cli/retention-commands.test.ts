import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, DeleteObjectCommand, GetObjectLegalHoldCommand, PutObjectLockConfigurationCommand, S3Client } from '@aws-sdk/client-s3';
import { DeleteCommand, DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { backupsListCommand } from '../../../cli/commands/backup-commands';
import { catalogRebuildCommand } from '../../../cli/commands/catalog-commands';
import { pruneCommand } from '../../../cli/commands/prune-command';
import { scrubCommand } from '../../../cli/commands/scrub-command';
import { backupsForgetCommand, backupsHoldCommand, backupsReleaseCommand } from '../../../cli/commands/retention-commands';
import { loadLifeboatConfig } from '../../../config/load-config';
import { packageVersion } from '../../../cli/package-version';
import { BackupCatalog } from '../../../lambdas/catalog/backup-catalog';
import { CATALOG_FORMAT } from '../../../lambdas/catalog/catalog-format';
import { CatalogFormatTooNewError } from '../../../lambdas/catalog/catalog-format-too-new-error';
import { PruneLog } from '../../../lambdas/catalog/prune-log';
import { replicateVault } from '../../../lambdas/replication/replicate-vault';
import { openBackupVault } from '../../../lambdas/runtime/backup-vault';
import { resourceNames } from '../../../lib/stacks/resource-names';
import { type LocalCloudHandle, localDynamoDbClient, localS3Client, startLocalCloud, stopLocalCloud } from '../../../local/cloud/local-cloud';
import { LOCAL_BREAK_GLASS_ACCESS_KEY_ID } from '../../../local/cloud/object-lock';
import { S3VaultStore } from '../../../vault/aws';
import { backupDirectory, KeyFileKeyProvider, snapshotKey, type Vault, verifySnapshot } from '../../../vault';
import { capturedCliIo } from '../../support/captured-cli-io';
import { DR, PRIMARY, tempDir } from '../../support/local-cloud-helpers';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';
import { createCatalogShapedTable } from '../../../local/cloud';
import { localCommandClients } from '../../support/local-command-clients';

/**
 * `lifeboat backups hold|release|forget|list` on the local cloud, as a user runs them: the sample
 * config's environment, both regions' catalog tables (the DR one without the records: not replicated
 * yet), a primary vault in its S3 bucket with one snapshot per backup. Proves the catalog's
 * conditional updates (hold, release, forgottenAt kept from the first run) on DynamoDB's semantics,
 * and that forgetting deletes exactly the forgotten snapshot objects from the bucket. Last, with Object
 * Lock turned on in both vault buckets: hold and release set and lift S3 legal holds there, which
 * even the break-glass role's GOVERNANCE bypass cannot delete through.
 */

const tmp = tempDir('retention-cli');
const dataDir = join(tmp.dir, 'data');
const environment = loadLifeboatConfig(SAMPLE_CONFIG_FILE).environments[0];
if (!environment) throw new Error('the sample config has no environment');
const names = resourceNames(environment);
let cloud: LocalCloudHandle;
let vault: Vault;
const clients: (DynamoDBClient | S3Client)[] = [];
/** Nine daily backups of plan demo (keepLast 7, keepDaily 7, keepWeekly 4), 1 to 9 March 2026: id → snapshot id. */
const snapshots = new Map<string, string>();
const ids = Array.from({ length: 9 }, (_, i) => `2026030${i + 1}T060000Z-0000000${i + 1}`);

const commandClients = () => localCommandClients(cloud, { primary: PRIMARY, dr: DR }, clients);
const target = () => ({ config: SAMPLE_CONFIG_FILE, env: 'dev', dataDir });
const now = () => new Date('2026-03-10T00:00:00Z');

beforeAll(async () => {
  cloud = await startLocalCloud({ dataDir, regions: [PRIMARY, DR], exitWithParent: true });
  for (const region of [PRIMARY, DR]) {
    const ddb = localDynamoDbClient(cloud.endpoints, region);
    clients.push(ddb);
    await createCatalogShapedTable(ddb, names.catalogTable, { byPlan: true });
  }
  const s3 = localS3Client(cloud.endpoints, PRIMARY);
  clients.push(s3);
  await s3.send(new CreateBucketCommand({ Bucket: names.primaryVault }));
  // The key file the CLI opens local vaults with.
  const provider = (await KeyFileKeyProvider.loadOrCreate(join(dataDir, 'vault.key'))).provider;
  vault = await openBackupVault({ s3, bucket: names.primaryVault, provider, create: true });

  const catalog = new BackupCatalog(DynamoDBDocumentClient.from(clients[0] as DynamoDBClient), names.catalogTable);
  const source = join(tmp.dir, 'source');
  mkdirSync(source, { recursive: true });
  for (const [i, backupId] of ids.entries()) {
    writeFileSync(join(source, 'day.txt'), `day ${i + 1}\n`);
    const { snapshot } = await backupDirectory(vault, source, { parent: null, tags: [`backupId=${backupId}`] });
    snapshots.set(backupId, snapshot.id);
    const startedAt = `2026-03-0${i + 1}T06:00:00.000Z`;
    const record = { backupId, plan: 'demo', environment: 'dev', sourceNames: ['demo-files'], sources: [], strategy: 'full' as const, status: 'RUNNING' as const, startedAt, shardCount: 1 };
    await catalog.createBackup(record);
    const totals = { entries: 1, bytes: 6, bytesScanned: 6, bytesNew: 6, bytesStored: 40, blobsNew: 1 };
    const sources = [{ name: 'demo-files', type: 'filesystem' as const, snapshotId: snapshot.id, rootHash: snapshot.manifest, ...totals }];
    await catalog.markCommitted(backupId, { sources, totals, endedAt: startedAt });
    await catalog.indexCommittedBackup({ ...record, status: 'COMMITTED', sources });
  }
});

afterAll(async () => {
  clients.forEach((c) => c.destroy());
  await stopLocalCloud(dataDir);
  tmp.remove();
});

const second = ids[1];

it('holds, forgets what the policy does not keep, hides it from the list, and a re-run and a release change what they should', async () => {
  // 3 to 9 March are the last 7; 1 March (a Sunday) is the newest backup of its ISO week; 2 March is kept by nothing but a hold.
  const hold = capturedCliIo();
  expect(await backupsHoldCommand(second ?? '', { ...target(), reason: 'case 42', by: 'ann' }, { io: hold.io, clients: commandClients(), now })).toBe(0);
  expect(hold.out).toEqual([
    `Backup ${second ?? ''} is on legal hold ("case 42"): every retention policy keeps it until \`lifeboat backups release ${second ?? ''} --config ${SAMPLE_CONFIG_FILE} --data-dir ${dataDir}\`.`,
    '  The DR catalog has no record of this backup yet: replication copies the record, hold included.',
  ]);
  const unknown = capturedCliIo();
  expect(await backupsHoldCommand('20990101T000000Z-deadbeef', { ...target(), reason: 'x' }, { io: unknown.io, clients: commandClients() })).toBe(1);
  expect(unknown.err).toEqual(['lifeboat backups hold: No backup with id 20990101T000000Z-deadbeef exists in the catalog. List them with `lifeboat backups list`.']);

  const dry = capturedCliIo();
  expect(await backupsForgetCommand({ ...target(), dryRun: true }, { io: dry.io, clients: commandClients(), now })).toBe(0);
  expect(dry.out.at(-1)).toBe('Dry run: would keep 9 and forget 0 backup(s) of plan demo; nothing was changed.');

  // Released, 2 March is forgotten; the objects of every other snapshot stay and verify.
  const release = capturedCliIo();
  expect(await backupsReleaseCommand(second ?? '', { ...target() }, { io: release.io, clients: commandClients() })).toBe(0);
  const forget = capturedCliIo();
  expect(await backupsForgetCommand({ ...target(), plan: 'demo' }, { io: forget.io, clients: commandClients(), now })).toBe(0);
  expect(forget.out.slice(-2)).toEqual([`Kept 8, forgot 1 backup(s) of plan demo from the primary vault (1 snapshot object(s) deleted); the next prune reclaims their data.`, `  forgotten: ${second ?? ''}`]);
  expect(await vault.store.has(snapshotKey(snapshots.get(second ?? '') ?? ''))).toBe(false);
  for (const id of ids.filter((i) => i !== second)) await expect(verifySnapshot(vault, snapshots.get(id) ?? '', { readData: true })).resolves.toMatchObject({ ok: true });

  const again = capturedCliIo();
  expect(await backupsForgetCommand({ ...target(), json: true }, { io: again.io, clients: commandClients(), now: () => new Date('2026-03-11T00:00:00Z') })).toBe(0);
  const report = JSON.parse(again.out.join('\n')) as { plans: { forgotten: string[]; deletedObjects: number }[] };
  expect(report.plans.map((p) => [p.forgotten, p.deletedObjects])).toEqual([[[], 0]]);

  const listed = capturedCliIo();
  expect(await backupsListCommand({ ...target(), plan: 'demo', json: true }, { io: listed.io, clients: commandClients() })).toBe(0);
  expect((JSON.parse(listed.out.join('\n')) as { backupId: string }[]).map((r) => r.backupId)).toEqual([...ids].reverse().filter((i) => i !== second));
  // A plan the config does not name: the catalog may still hold its history, so the listing runs, with a warning.
  const unnamed = capturedCliIo();
  expect(await backupsListCommand({ ...target(), plan: 'nosuch' }, { io: unnamed.io, clients: commandClients() })).toBe(0);
  expect(unnamed.err).toEqual([expect.stringMatching(/^warning: "nosuch" is not a plan of environment \S+ \(its plans: .*demo.*\); listing what the catalogs still hold for that name$/)]);
  expect(unnamed.out.at(-1)).toBe('No backups.');
  const all = capturedCliIo();
  expect(await backupsListCommand({ ...target(), plan: 'demo', all: true }, { io: all.io, clients: commandClients() })).toBe(0);
  const row = all.out.find((l) => l.startsWith(second ?? '-'));
  expect(row?.split(/\s+/).slice(0, 3)).toEqual([second, 'demo', 'FORGOTTEN']);
  // The first run's time stays on the record.
  const record = await new BackupCatalog(DynamoDBDocumentClient.from(clients[0] as DynamoDBClient), names.catalogTable).getBackup(second ?? '');
  expect(record?.forgottenAt).toBe('2026-03-10T00:00:00.000Z');
  expect(record?.hold).toBeUndefined();
  // The forget (not its dry run) wrote through the primary catalog, so it first marked it with this CLI's format
  // (cli/catalog-format-admission.ts); hold and release do not check or mark it. The DR catalog it did not write: unmarked.
  expect(await new BackupCatalog(DynamoDBDocumentClient.from(clients[0] as DynamoDBClient), names.catalogTable).formatMarker().read()).toBe(CATALOG_FORMAT);
  expect(await new BackupCatalog(DynamoDBDocumentClient.from(clients[1] as DynamoDBClient), names.catalogTable).formatMarker().read()).toBeUndefined();
});

// Audit aS5-1: a CLI that does not know what a newer Lifeboat records in the catalog could delete what it protects.
it('refuses backups forget and prune through a catalog a newer Lifeboat marked, deleting nothing, while backups list still reads it', async () => {
  const documents = DynamoDBDocumentClient.from(clients[0] as DynamoDBClient);
  const marker = new BackupCatalog(documents, names.catalogTable).formatMarker();
  await documents.send(new PutCommand({ TableName: names.catalogTable, Item: { pk: 'FORMAT', sk: 'FORMAT', format: CATALOG_FORMAT + 1 } }));
  // The message itself: test/unit/lambdas/catalog/catalog-format.test.ts.
  // Review r62H F3: its delete of the marker goes to the local cloud's DynamoDB, the CLI's endpoint there.
  const localDynamoDb = cloud.endpoints.dynamodb[environment.primaryRegion];
  const refusal = new CatalogFormatTooNewError([{ table: names.catalogTable, region: environment.primaryRegion, format: CATALOG_FORMAT + 1, localDynamoDb }], CATALOG_FORMAT, packageVersion()).message;
  expect(refusal).toContain(`aws --endpoint-url ${localDynamoDb ?? '(none)'} dynamodb delete-item`);
  const kept = ids.filter((i) => i !== second);
  // Two backups of a plan no longer in the config, which `--plan gone --keep-last 1` would forget the older of.
  const catalog = new BackupCatalog(documents, names.catalogTable);
  const source = join(tmp.dir, 'gone');
  mkdirSync(source, { recursive: true });
  const gone = new Map<string, string>();
  for (const backupId of ['20260302T050000Z-000000a1', '20260302T070000Z-000000a2']) {
    writeFileSync(join(source, 'f.txt'), backupId);
    const { snapshot } = await backupDirectory(vault, source, { parent: null, tags: [`backupId=${backupId}`] });
    gone.set(backupId, snapshot.id);
    const totals = { entries: 1, bytes: 26, bytesScanned: 26, bytesNew: 26, bytesStored: 60, blobsNew: 1 };
    const startedAt = `2026-03-02T0${backupId[10] ?? '0'}:00:00.000Z`;
    await catalog.putRebuiltBackup({
      backupId, plan: 'gone', environment: 'dev', sourceNames: ['gone-files'], strategy: 'full', status: 'COMMITTED', startedAt, endedAt: startedAt, shardCount: 1, totals,
      sources: [{ name: 'gone-files', type: 'filesystem', snapshotId: snapshot.id, rootHash: snapshot.manifest, ...totals }],
    });
  }
  try {
    const forget = capturedCliIo();
    expect(await backupsForgetCommand({ ...target(), plan: 'gone', keepLast: '1' }, { io: forget.io, clients: commandClients(), now })).toBe(1);
    expect(forget.err).toEqual([`lifeboat backups forget: ${refusal}`]);
    expect(forget.out).toEqual([]);
    for (const snapshotId of gone.values()) expect(await vault.store.has(snapshotKey(snapshotId))).toBe(true);
    expect((await catalog.requireBackup('20260302T050000Z-000000a1')).forgottenAt).toBeUndefined();
    const prune = capturedCliIo();
    expect(await pruneCommand({ ...target(), grace: '0' }, { io: prune.io, clients: commandClients() })).toBe(1);
    expect(prune.err).toEqual([`lifeboat prune: ${refusal}`]);
    for (const id of kept) expect(await vault.store.has(snapshotKey(snapshots.get(id) ?? ''))).toBe(true);
    expect(await new PruneLog(documents, names.catalogTable).latest('primary')).toBeUndefined();
    // Review rM F1: the DR catalog is not what the newer deployment's backups mark, but the format is the environment's:
    // writing through the DR vault and catalog is refused on the primary's marker, and the DR marker is left alone.
    const drForget = capturedCliIo();
    expect(await backupsForgetCommand({ ...target(), plan: 'gone', keepLast: '1', vault: 'dr' }, { io: drForget.io, clients: commandClients(), now })).toBe(1);
    expect(drForget.err).toEqual([`lifeboat backups forget: ${refusal}`]);
    expect(await new BackupCatalog(DynamoDBDocumentClient.from(clients[1] as DynamoDBClient), names.catalogTable).formatMarker().read()).toBeUndefined();

    const listed = capturedCliIo();
    expect(await backupsListCommand({ ...target(), plan: 'demo', json: true }, { io: listed.io, clients: commandClients() })).toBe(0);
    expect((JSON.parse(listed.out.join('\n')) as { backupId: string }[]).map((r) => r.backupId)).toEqual([...kept].reverse());
    expect(await marker.read()).toBe(CATALOG_FORMAT + 1);
  } finally {
    await documents.send(new DeleteCommand({ TableName: names.catalogTable, Key: { pk: 'FORMAT', sk: 'FORMAT' } }));
    for (const [backupId, snapshotId] of gone) {
      await documents.send(new DeleteCommand({ TableName: names.catalogTable, Key: { pk: `BACKUP#${backupId}`, sk: 'BACKUP' } }));
      await vault.store.delete(snapshotKey(snapshotId));
    }
  }
});

// Review rM F2: a rebuild of the DR catalog writes it, and a scrub's repair writes the vaults, as forget does.
it('refuses catalog rebuild --region dr and scrub --repair in an environment whose DR catalog a newer Lifeboat marked, and raises no marker', async () => {
  const dr = DynamoDBDocumentClient.from(clients[1] as DynamoDBClient);
  await dr.send(new PutCommand({ TableName: names.catalogTable, Item: { pk: 'FORMAT', sk: 'FORMAT', format: CATALOG_FORMAT + 1 } }));
  const refusal = new CatalogFormatTooNewError([{ table: names.catalogTable, region: environment.drRegion, format: CATALOG_FORMAT + 1, localDynamoDb: cloud.endpoints.dynamodb[environment.drRegion] }], CATALOG_FORMAT, packageVersion()).message;
  const primaryMarker = new BackupCatalog(DynamoDBDocumentClient.from(clients[0] as DynamoDBClient), names.catalogTable).formatMarker();
  const before = await primaryMarker.read();
  try {
    const rebuild = capturedCliIo();
    expect(await catalogRebuildCommand({ ...target(), vault: 'dr', region: 'dr' }, { io: rebuild.io, clients: commandClients() })).toBe(1);
    expect(rebuild.err).toEqual([`lifeboat catalog rebuild: ${refusal}`]);
    const scrub = capturedCliIo();
    expect(await scrubCommand({ ...target(), vault: 'primary', repair: true }, { io: scrub.io, clients: commandClients() })).toBe(1);
    expect(scrub.err).toEqual([`lifeboat scrub: ${refusal}`]);
    expect(await primaryMarker.read()).toBe(before);
  } finally {
    await dr.send(new DeleteCommand({ TableName: names.catalogTable, Key: { pk: 'FORMAT', sk: 'FORMAT' } }));
  }
});

it('lifeboat prune then reclaims the forgotten backup\'s data and records the run as PRUNE#primary in the primary catalog; a dry run records nothing', async () => {
  const pruneLog = new PruneLog(DynamoDBDocumentClient.from(clients[0] as DynamoDBClient), names.catalogTable);
  const dry = capturedCliIo();
  expect(await pruneCommand({ ...target(), dryRun: true, grace: '0' }, { io: dry.io, clients: commandClients() })).toBe(0);
  expect(await pruneLog.latest('primary')).toBeUndefined();

  const times = [new Date('2026-03-11T03:00:00.000Z'), new Date('2026-03-11T03:00:02.500Z')];
  const pruned = capturedCliIo();
  expect(await pruneCommand({ ...target(), grace: '0', json: true }, { io: pruned.io, clients: commandClients(), now: () => times.shift() ?? new Date(0) })).toBe(0);
  expect(pruned.err).toEqual([]);
  const report = JSON.parse(pruned.out.join('\n')) as { bytesFreed: number; packsDeleted: number; packsRepacked: number; snapshots: number };
  expect(report.bytesFreed).toBeGreaterThan(0);
  expect(await pruneLog.latest('primary')).toEqual(
    expect.objectContaining({
      environment: 'dev', vault: 'primary', trigger: 'cli', outcome: 'COMPLETED', startedAt: '2026-03-11T03:00:00.000Z', finishedAt: '2026-03-11T03:00:02.500Z', durationMs: 2500,
      snapshots: 8, bytesFreed: report.bytesFreed, deleted: expect.objectContaining({ packs: report.packsDeleted }), packsRepacked: report.packsRepacked, lockedSkipped: 0,
    }),
  );
});

it('refuses a hold on a backup a forget run has claimed, in the primary catalog or the DR one, and exits 1 saying a hold cannot keep it', async () => {
  const [claimed, claimedInDr] = [ids[2] ?? '', ids[3] ?? ''];
  const since = '2026-03-10T00:00:00.000Z';
  const claim = (ddb: DynamoDBClient, backupId: string, update: string) =>
    DynamoDBDocumentClient.from(ddb).send(new UpdateCommand({ TableName: names.catalogTable, Key: { pk: `BACKUP#${backupId}`, sk: 'BACKUP' }, UpdateExpression: update, ...(update.startsWith('SET') ? { ExpressionAttributeValues: { ':at': since } } : {}) }));
  const [primaryDdb, drDdb] = [clients[0] as DynamoDBClient, localDynamoDbClient(cloud.endpoints, DR)];
  clients.push(drDdb);
  const primaryCatalog = new BackupCatalog(DynamoDBDocumentClient.from(primaryDdb), names.catalogTable);

  await claim(primaryDdb, claimed, 'SET forgettingAt = :at');
  const refused = capturedCliIo();
  expect(await backupsHoldCommand(claimed, { ...target(), reason: 'case 44', by: 'ann' }, { io: refused.io, clients: commandClients(), now })).toBe(1);
  expect(refused.err).toEqual([
    `lifeboat backups hold: Backup ${claimed} cannot be held: it is being forgotten by retention since ${since}, and its snapshots may already be deleted; a hold cannot keep it. ` +
      'Hold another backup that is kept (`lifeboat backups list`); to keep backups from a forget, hold them before it runs.',
  ]);
  expect((await primaryCatalog.getBackup(claimed))?.hold).toBeUndefined();
  await claim(primaryDdb, claimed, 'REMOVE forgettingAt');

  // The DR catalog's own forget claimed its copy: the primary records the hold, the command says the DR copy cannot be kept.
  const drCatalog = new BackupCatalog(DynamoDBDocumentClient.from(drDdb), names.catalogTable);
  await drCatalog.putRebuiltBackup(await primaryCatalog.requireBackup(claimedInDr));
  await claim(drDdb, claimedInDr, 'SET forgettingAt = :at');
  const dr = capturedCliIo();
  expect(await backupsHoldCommand(claimedInDr, { ...target(), reason: 'case 44', by: 'ann' }, { io: dr.io, clients: commandClients(), now })).toBe(1);
  // (The DR vault bucket is made only by the next test: its S3 legal holds are a warning after the error.)
  expect(dr.err[0]).toEqual(expect.stringMatching(new RegExp(`^lifeboat backups hold: the DR catalog \\(\\S+\\): Backup ${claimedInDr} cannot be held: it is being forgotten by retention since ${since}, .* The primary catalog records the hold, and the primary vault keeps the backup\\.$`)));
  expect((await primaryCatalog.getBackup(claimedInDr))?.hold?.reason).toBe('case 44');
  expect(await backupsReleaseCommand(claimedInDr, { ...target() }, { io: capturedCliIo().io, clients: commandClients() })).toBe(0);
  await DynamoDBDocumentClient.from(drDdb).send(new DeleteCommand({ TableName: names.catalogTable, Key: { pk: `BACKUP#${claimedInDr}`, sk: 'BACKUP' } }));
});

it('on Object Lock vaults, hold sets S3 legal holds in both vaults that the break-glass role cannot delete through; release lifts them but for another held backup', async () => {
  const s3Of = (region: string): S3Client => {
    const s3 = localS3Client(cloud.endpoints, region);
    clients.push(s3);
    return s3;
  };
  const breakGlassOf = (region: string): S3Client => {
    const s3 = new S3Client({ region, endpoint: cloud.endpoints.s3[region], forcePathStyle: true, credentials: { accessKeyId: LOCAL_BREAK_GLASS_ACCESS_KEY_ID, secretAccessKey: LOCAL_BREAK_GLASS_ACCESS_KEY_ID } });
    clients.push(s3);
    return s3;
  };
  const lock = { ObjectLockEnabled: 'Enabled' as const, Rule: { DefaultRetention: { Mode: 'GOVERNANCE' as const, Days: 1 } } };
  await s3Of(PRIMARY).send(new PutObjectLockConfigurationCommand({ Bucket: names.primaryVault, ObjectLockConfiguration: lock }));
  const drS3 = s3Of(DR);
  await drS3.send(new CreateBucketCommand({ Bucket: names.drVault, ObjectLockEnabledForBucket: true }));
  await drS3.send(new PutObjectLockConfigurationCommand({ Bucket: names.drVault, ObjectLockConfiguration: lock }));
  // The DR vault: a copy of the primary (locally both are wrapped by the key file), its objects under a day of GOVERNANCE retention.
  const provider = (await KeyFileKeyProvider.loadOrCreate(join(dataDir, 'vault.key'))).provider;
  await replicateVault({ source: vault, target: new S3VaultStore({ client: drS3, bucket: names.drVault }), targetKeys: provider });

  const [newest, other] = [ids[8] ?? '', ids[7] ?? ''];
  for (const id of [other, newest]) {
    const hold = capturedCliIo();
    expect(await backupsHoldCommand(id, { ...target(), reason: 'case 43', by: 'ann' }, { io: hold.io, clients: commandClients(), now })).toBe(0);
    expect(hold.err).toEqual([]);
    expect(hold.out.filter((l) => l.includes('S3 legal hold'))).toEqual([expect.stringMatching(/^ {2}S3 legal hold set on \d+ object\(s\) in the primary vault\.$/), expect.stringMatching(/^ {2}S3 legal hold set on \d+ object\(s\) in the dr vault\.$/)]);
  }
  const deleteAsBreakGlass = (region: string, bucket: string, id: string) =>
    breakGlassOf(region).send(new DeleteObjectCommand({ Bucket: bucket, Key: snapshotKey(snapshots.get(id) ?? ''), BypassGovernanceRetention: true }));
  const refusal = async (p: Promise<unknown>): Promise<{ name: string; status: number | undefined }> => {
    try {
      await p;
    } catch (err) {
      return { name: (err as Error).name, status: (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode };
    }
    throw new Error('expected the delete to be refused');
  };
  for (const [region, bucket] of [[PRIMARY, names.primaryVault], [DR, names.drVault]] as const) {
    expect(await refusal(deleteAsBreakGlass(region, bucket, newest))).toEqual({ name: 'AccessDenied', status: 403 });
  }
  await expect(vault.store.delete(snapshotKey(snapshots.get(newest) ?? ''))).rejects.toThrow(/legal hold/);

  const release = capturedCliIo();
  expect(await backupsReleaseCommand(newest, { ...target() }, { io: release.io, clients: commandClients() })).toBe(0);
  expect(release.out.filter((l) => l.includes('S3 legal hold'))).toEqual([
    expect.stringMatching(/^ {2}S3 legal hold released from \d+ object\(s\) in the primary vault(; \d+ stay held for other held backups)?\.$/),
    expect.stringMatching(/^ {2}S3 legal hold released from \d+ object\(s\) in the dr vault(; \d+ stay held for other held backups)?\.$/),
  ]);
  // Released: the break-glass role may delete it (its GOVERNANCE retention bypassed); the other held backup stays protected.
  for (const [region, bucket] of [[PRIMARY, names.primaryVault], [DR, names.drVault]] as const) {
    await deleteAsBreakGlass(region, bucket, newest);
    expect(await refusal(deleteAsBreakGlass(region, bucket, other))).toEqual({ name: 'AccessDenied', status: 403 });
  }
  expect(await vault.store.has(snapshotKey(snapshots.get(newest) ?? ''))).toBe(false);
  expect(await backupsReleaseCommand(other, { ...target() }, { io: capturedCliIo().io, clients: commandClients() })).toBe(0);
  await deleteAsBreakGlass(PRIMARY, names.primaryVault, other);
});

// Audit R23 F1: packs, index objects, config and keys are shared by every plan of the vault; a held backup of a plan the
// config no longer names (renamed or removed) still needs them, and a release of another backup must leave them held.
it('a release keeps the S3 legal holds that a held backup of a plan no longer in the config needs', async () => {
  const primaryCatalog = new BackupCatalog(DynamoDBDocumentClient.from(clients[0] as DynamoDBClient), names.catalogTable);
  const { hold: _none, ...base } = await primaryCatalog.requireBackup(ids[5] ?? '');
  const renamed = '20260306T070000Z-00000066';
  expect(await primaryCatalog.putRebuiltBackup({ ...base, backupId: renamed, plan: 'nightly' })).toBe(true);
  const released = ids[6] ?? '';
  for (const id of [renamed, released]) expect(await backupsHoldCommand(id, { ...target(), reason: 'case 45', by: 'ann' }, { io: capturedCliIo().io, clients: commandClients(), now })).toBe(0);

  const release = capturedCliIo();
  expect(await backupsReleaseCommand(released, { ...target() }, { io: release.io, clients: commandClients() })).toBe(0);
  expect(release.out.find((l) => l.includes('in the primary vault'))).toMatch(/^ {2}S3 legal hold released from \d+ object\(s\) in the primary vault; [1-9]\d* stay held for other held backups\.$/);
  const s3 = localS3Client(cloud.endpoints, PRIMARY);
  clients.push(s3);
  const legalHold = async (key: string) => (await s3.send(new GetObjectLegalHoldCommand({ Bucket: names.primaryVault, Key: key }))).LegalHold?.Status;
  // The vault's config and the renamed plan's snapshot stay held; the released backup's own snapshot does not.
  expect(await legalHold('config')).toBe('ON');
  expect(await legalHold(snapshotKey(snapshots.get(ids[5] ?? '') ?? ''))).toBe('ON');
  expect(await legalHold(snapshotKey(snapshots.get(released) ?? ''))).toBe('OFF');
  expect(await backupsReleaseCommand(renamed, { ...target() }, { io: capturedCliIo().io, clients: commandClients() })).toBe(0);
  expect(await legalHold('config')).toBe('OFF');
});

// Audit c4-1, c4-2: the primary's retention (shorter than the DR vault's) forgot X, which the DR vault keeps. `backups hold X`
// names `--only dr`, which holds the DR copy in the DR catalog alone; releasing another backup Y must then keep the DR
// vault's S3 legal holds on the objects X shares with it, though the primary catalog knows of no hold on X.
it('a backup held in the DR catalog only keeps its DR-vault objects held when another backup is released; hold names --only dr for it', async () => {
  const [x, y] = [ids[4] ?? '', ids[5] ?? ''];
  const [primaryDdb, drDdb] = [clients[0] as DynamoDBClient, localDynamoDbClient(cloud.endpoints, DR)];
  const drS3 = localS3Client(cloud.endpoints, DR);
  clients.push(drDdb, drS3);
  const primaryCatalog = new BackupCatalog(DynamoDBDocumentClient.from(primaryDdb), names.catalogTable);
  const drCatalog = new BackupCatalog(DynamoDBDocumentClient.from(drDdb), names.catalogTable);
  for (const id of [x, y]) await drCatalog.putRebuiltBackup(await primaryCatalog.requireBackup(id));
  const since = '2026-03-20T00:00:00.000Z';
  expect(await primaryCatalog.claimForgetting(x, since, {})).toBe(true);
  expect(await primaryCatalog.markForgotten(x, '2026-03-20T00:00:01.000Z')).toBe(true);

  const refused = capturedCliIo();
  expect(await backupsHoldCommand(x, { ...target(), reason: 'case 46', by: 'ann' }, { io: refused.io, clients: commandClients(), now })).toBe(1);
  expect(refused.err).toEqual([
    `lifeboat backups hold: Backup ${x} cannot be held in the primary catalog: the primary vault's retention is forgetting it since ${since}, and its snapshots there may already be deleted. ` +
      `The DR copy is kept (the DR catalog has it, not forgotten): hold it with --only dr: \`lifeboat backups hold ${x} --reason 'case 46' --by ann --only dr --config ${SAMPLE_CONFIG_FILE} --data-dir ${dataDir}\`.`,
  ]);
  expect(await backupsHoldCommand(x, { ...target(), reason: 'case 46', by: 'ann', only: 'dr' }, { io: capturedCliIo().io, clients: commandClients(), now })).toBe(0);
  expect(await backupsHoldCommand(y, { ...target(), reason: 'case 47', by: 'ann' }, { io: capturedCliIo().io, clients: commandClients(), now })).toBe(0);

  const release = capturedCliIo();
  expect(await backupsReleaseCommand(y, { ...target() }, { io: release.io, clients: commandClients() })).toBe(0);
  expect(release.out.find((l) => l.includes('in the dr vault'))).toMatch(/^ {2}S3 legal hold released from \d+ object\(s\) in the dr vault; [1-9]\d* stay held for other held backups\.$/);
  const legalHold = async (key: string) => (await drS3.send(new GetObjectLegalHoldCommand({ Bucket: names.drVault, Key: key }))).LegalHold?.Status;
  expect(await legalHold('config')).toBe('ON');
  expect(await legalHold(snapshotKey(snapshots.get(x) ?? ''))).toBe('ON');
  expect(await legalHold(snapshotKey(snapshots.get(y) ?? ''))).toBe('OFF');

  // The DR catalog's list unreadable (no dynamodb:Scan there): the DR vault keeps its holds, and the release says so, exit 1.
  expect(await backupsHoldCommand(y, { ...target(), reason: 'case 47', by: 'ann' }, { io: capturedCliIo().io, clients: commandClients(), now })).toBe(0);
  const noScan = commandClients();
  noScan.drDynamodb.middlewareStack.add(
    (next, context) => (args) => (context.commandName === 'ScanCommand' ? Promise.reject(Object.assign(new Error('not authorized to perform: dynamodb:Scan'), { name: 'AccessDeniedException' })) : next(args)),
    { step: 'initialize' },
  );
  const unread = capturedCliIo();
  expect(await backupsReleaseCommand(y, { ...target() }, { io: unread.io, clients: noScan })).toBe(1);
  expect(unread.err).toEqual([
    `lifeboat backups release: the S3 legal holds of backup ${y}'s objects in the DR vault were kept: the DR catalog ${names.catalogTable} (${DR}) could not be read, so which of its vault's objects the backups held there still need is unknown: ` +
      "cannot list the plans the catalog holds backups of (not authorized to perform: dynamodb:Scan), so it is unknown which objects other held backups need; allow dynamodb:Scan on the catalog's byPlan index and run the release again. " +
      `Once it can be read, run \`lifeboat backups release ${y} --only dr --config ${SAMPLE_CONFIG_FILE} --data-dir ${dataDir}\` to release them.`,
  ]);
  expect(await legalHold(snapshotKey(snapshots.get(y) ?? ''))).toBe('ON');
  expect(await backupsReleaseCommand(y, { ...target(), only: 'dr' }, { io: capturedCliIo().io, clients: commandClients() })).toBe(0);
  expect(await legalHold(snapshotKey(snapshots.get(y) ?? ''))).toBe('OFF');

  expect(await backupsReleaseCommand(x, { ...target(), only: 'dr' }, { io: capturedCliIo().io, clients: commandClients() })).toBe(0);
  expect(await legalHold('config')).toBe('OFF');
});
