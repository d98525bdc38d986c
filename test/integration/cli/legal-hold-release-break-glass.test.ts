import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, GetObjectLegalHoldCommand, PutObjectLockConfigurationCommand, type S3Client } from '@aws-sdk/client-s3';
import { DeleteCommand, DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { backupsHoldCommand, backupsReleaseCommand } from '../../../cli/commands/retention-commands';
import { type LifeboatConfig } from '../../../config/lifeboat-config';
import { loadLifeboatConfig } from '../../../config/load-config';
import { BackupCatalog } from '../../../lambdas/catalog/backup-catalog';
import { replicateVault } from '../../../lambdas/replication/replicate-vault';
import { openBackupVault } from '../../../lambdas/runtime/backup-vault';
import { resourceNames } from '../../../lib/stacks/resource-names';
import { createCatalogShapedTable } from '../../../local/cloud';
import { type LocalCloudHandle, localDynamoDbClient, localS3Client, startLocalCloud, stopLocalCloud } from '../../../local/cloud/local-cloud';
import { backupDirectory, KeyFileKeyProvider, snapshotKey } from '../../../vault';
import { S3VaultStore } from '../../../vault/aws';
import { capturedCliIo } from '../../support/captured-cli-io';
import { DR, PRIMARY, tempDir } from '../../support/local-cloud-helpers';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';
import { localCommandClients } from '../../support/local-command-clients';

/**
 * `lifeboat backups release` on vaults with Object Lock, whose bucket policies deny lifting a legal hold to every
 * principal but the break-glass one (audit a2 F3, lib/constructs/vault-bucket-protection.ts). The local cloud evaluates
 * no policy, so an operator's S3 clients here refuse s3:PutObjectLegalHold OFF as AWS does then (403 AccessDenied).
 * The release lifts the S3 holds before it writes the catalogs: refused, it leaves the backup held in both catalogs and
 * says whose credentials it takes; run as the break-glass principal it releases everything. Review r3: what a refusal
 * says is true of where the backup is held (R3-A..C), and --json prints its one object then too.
 */

const tmp = tempDir('legal-hold-break-glass');
const dataDir = join(tmp.dir, 'data');
const sample = loadLifeboatConfig(SAMPLE_CONFIG_FILE);
const configFile = join(tmp.dir, 'immutable.config.json');
writeFileSync(configFile, JSON.stringify({ environments: sample.environments.map((e) => ({ ...e, immutability: { mode: 'GOVERNANCE', days: 1 } })) } satisfies LifeboatConfig));
const environment = sample.environments[0];
if (!environment) throw new Error('the sample config has no environment');
const names = resourceNames(environment);
const BREAK_GLASS = `arn:aws:iam::${environment.account}:root`;
const ID = '20260301T060000Z-00000001';
const target = { config: configFile, env: 'dev', dataDir };
const now = () => new Date('2026-03-10T00:00:00Z');

let cloud: LocalCloudHandle;
let snapshotId = '';
const clients: (DynamoDBClient | S3Client)[] = [];
const catalogs: Record<'primary' | 'dr', BackupCatalog> = {} as Record<'primary' | 'dr', BackupCatalog>;

const DENIED = 'User: arn:aws:iam::000000000000:role/operator is not authorized to perform: s3:PutObjectLegalHold with an explicit deny in a resource-based policy';

/** S3 of a region as an operator's credentials see a vault of ours: a legal hold may be placed there, not lifted. */
function refusingReleases(s3: S3Client): S3Client {
  s3.middlewareStack.add(
    (next, context) => async (args) => {
      const status = (args.input as { LegalHold?: { Status?: string } }).LegalHold?.Status;
      if (context.commandName === 'PutObjectLegalHoldCommand' && status !== 'ON') {
        throw Object.assign(new Error(DENIED), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
      }
      return next(args);
    },
    { step: 'initialize', name: 'refuseLegalHoldReleases' },
  );
  return s3;
}

/** The command's clients; S3 refuses releases in the regions of `refusedIn` (credentials that are not the break-glass principal's). */
function commandClients(refusedIn: readonly string[] = []) {
  return localCommandClients(cloud, { primary: PRIMARY, dr: DR }, clients, (s3, region) => (refusedIn.includes(region) ? refusingReleases(s3) : s3));
}

async function legalHold(region: string, bucket: string): Promise<string | undefined> {
  const s3 = localS3Client(cloud.endpoints, region);
  clients.push(s3);
  return (await s3.send(new GetObjectLegalHoldCommand({ Bucket: bucket, Key: snapshotKey(snapshotId) }))).LegalHold?.Status;
}

/** Where the backup is held: each catalog's hold reason, and each vault's S3 legal hold on its snapshot object. */
async function heldWhere(): Promise<Record<string, string | undefined>> {
  return {
    primaryCatalog: (await catalogs.primary.getBackup(ID))?.hold?.reason,
    drCatalog: (await catalogs.dr.getBackup(ID))?.hold?.reason,
    primaryVault: await legalHold(PRIMARY, names.primaryVault),
    drVault: await legalHold(DR, names.drVault),
  };
}
const HELD_EVERYWHERE = { primaryCatalog: 'case 42', drCatalog: 'case 42', primaryVault: 'ON', drVault: 'ON' };

beforeAll(async () => {
  cloud = await startLocalCloud({ dataDir, regions: [PRIMARY, DR], exitWithParent: true });
  const lock = { ObjectLockEnabled: 'Enabled' as const, Rule: { DefaultRetention: { Mode: 'GOVERNANCE' as const, Days: 1 } } };
  for (const [side, region, bucket] of [['primary', PRIMARY, names.primaryVault], ['dr', DR, names.drVault]] as const) {
    const ddb = localDynamoDbClient(cloud.endpoints, region);
    const s3 = localS3Client(cloud.endpoints, region);
    clients.push(ddb, s3);
    await createCatalogShapedTable(ddb, names.catalogTable, { byPlan: true });
    catalogs[side] = new BackupCatalog(DynamoDBDocumentClient.from(ddb), names.catalogTable);
    await s3.send(new CreateBucketCommand({ Bucket: bucket, ObjectLockEnabledForBucket: true }));
    await s3.send(new PutObjectLockConfigurationCommand({ Bucket: bucket, ObjectLockConfiguration: lock }));
  }
  const provider = (await KeyFileKeyProvider.loadOrCreate(join(dataDir, 'vault.key'))).provider;
  const primaryS3 = localS3Client(cloud.endpoints, PRIMARY);
  const drS3 = localS3Client(cloud.endpoints, DR);
  clients.push(primaryS3, drS3);
  const vault = await openBackupVault({ s3: primaryS3, bucket: names.primaryVault, provider, create: true });
  const source = join(tmp.dir, 'source');
  mkdirSync(source, { recursive: true });
  writeFileSync(join(source, 'day.txt'), 'day 1\n');
  const { snapshot } = await backupDirectory(vault, source, { parent: null, tags: [`backupId=${ID}`] });
  snapshotId = snapshot.id;
  const startedAt = '2026-03-01T06:00:00.000Z';
  const totals = { entries: 1, bytes: 6, bytesScanned: 6, bytesNew: 6, bytesStored: 40, blobsNew: 1 };
  const sources = [{ name: 'demo-files', type: 'filesystem' as const, snapshotId, rootHash: snapshot.manifest, ...totals }];
  const record = { backupId: ID, plan: 'demo', environment: 'dev', sourceNames: ['demo-files'], sources, strategy: 'full' as const, status: 'COMMITTED' as const, startedAt, shardCount: 1, totals, endedAt: startedAt };
  for (const catalog of Object.values(catalogs)) expect(await catalog.putRebuiltBackup(record)).toBe(true);
  await replicateVault({ source: vault, target: new S3VaultStore({ client: drS3, bucket: names.drVault }), targetKeys: provider });
  expect(await backupsHoldCommand(ID, { ...target, reason: 'case 42', by: 'ann' }, { io: capturedCliIo().io, clients: commandClients(), now })).toBe(0);
  expect(await heldWhere()).toEqual(HELD_EVERYWHERE);
});

afterAll(async () => {
  clients.forEach((c) => c.destroy());
  await stopLocalCloud(dataDir);
  tmp.remove();
});

const AGAIN = `run \`lifeboat backups release ${ID} --config ${configFile} --data-dir ${dataDir}\` again with the credentials of ${BREAK_GLASS} (the root user of account ${environment.account})`;

it('R3-A: beside a held record it cannot read, a release lifts nothing and says the catalogs still hold the backup', async () => {
  const damaged = { pk: 'BACKUP#20261204T060000Z-damaged1', sk: 'BACKUP', backupId: '20261204T060000Z-damaged1', plan: 'demo', environment: 'dev', status: 'DONE', startedAt: '2026-12-04T06:00:00.000Z', hold: { reason: 'case 9', by: 'bob', at: '2026-12-04T07:00:00.000Z' } };
  const ddb = DynamoDBDocumentClient.from(localDynamoDbClient(cloud.endpoints, PRIMARY));
  clients.push(ddb);
  await ddb.send(new PutCommand({ TableName: names.catalogTable, Item: damaged }));
  const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
  try {
    const { out, err, io } = capturedCliIo();
    expect(await backupsReleaseCommand(ID, { ...target }, { io, clients: commandClients() })).toBe(1);
    expect(out).toEqual([]);
    expect(err).toEqual([
      expect.stringMatching(
        new RegExp(
          '^lifeboat backups release: the catalogs were not changed \\(the backup is still held there, and every retention policy keeps it\\)\\. ' +
            `The objects of backup ${ID} keep their S3 legal holds: a backup record with a legal hold cannot be read, so which of them it still needs is unknown\\. ` +
            `Catalog item ${damaged.pk} / BACKUP in table ${names.catalogTable} is not a valid backup record: .*\\. Fix the item, or upgrade Lifeboat if a newer version wrote it\\. ` +
            "If you delete it instead, run `lifeboat catalog rebuild --vault primary [^`]*--data-dir [^`]*` before any release: .* Then run the release again\\.$",
        ),
      ),
    ]);
    // Deleting the held item is not enough: a release after it would lift the holds its backup needs (review r64W F2).
    expect(err.join('\n')).not.toContain('the vault keeps the backup itself');
    expect(await heldWhere()).toEqual(HELD_EVERYWHERE);
  } finally {
    warn.mockRestore();
    await ddb.send(new DeleteCommand({ TableName: names.catalogTable, Key: { pk: damaged.pk, sk: 'BACKUP' } }));
  }
});

it("refused by the primary vault's bucket policy, a release changes nothing and says whose credentials it takes", async () => {
  const { out, err, io } = capturedCliIo();
  expect(await backupsReleaseCommand(ID, { ...target }, { io, clients: commandClients([PRIMARY, DR]) })).toBe(1);
  expect(out).toEqual([]);
  expect(err).toEqual([
    `lifeboat backups release: S3 refused to lift the legal holds of backup ${ID} in the primary vault ${names.primaryVault} (User: arn:aws:iam::000000000000:role/operator is not authorized to perform: s3:PutObjectLegalHold with an explicit deny in a resource-based policy): ` +
      `the vault's bucket policy reserves lifting a legal hold to its break-glass principal ${BREAK_GLASS} (docs/SECURITY.md, "Vault buckets"). ` +
      'Nothing else was released: the catalogs were not changed (the backup is still held there, and every retention policy keeps it), and its objects stay under S3 legal hold. ' +
      `To release it, ${AGAIN}.`,
  ]);
  expect(await heldWhere()).toEqual(HELD_EVERYWHERE);
});

it('refused by the DR vault only, it says what the primary vault released and that the DR vault keeps its holds; --json prints the unchanged record', async () => {
  const { out, err, io } = capturedCliIo();
  expect(await backupsReleaseCommand(ID, { ...target, json: true }, { io, clients: commandClients([DR]) })).toBe(1);
  expect(err).toEqual([
    expect.stringMatching(
      new RegExp(
        `^lifeboat backups release: S3 refused to lift the legal holds of backup ${ID} in the dr vault ${names.drVault} \\(.*\\): .* ` +
          // R3 item 4: not "Nothing else was released … its objects stay under S3 legal hold" beside what the primary vault released.
          'The catalogs were not changed \\(the backup is still held there, and every retention policy keeps it\\), and its objects in the dr vault stay under S3 legal hold\\. ' +
          `Released before the refusal: the S3 legal holds of [1-9]\\d* object\\(s\\) in the primary vault\\. To release it, run .*$`,
      ),
    ),
  ]);
  // R3-B: the one object on stdout whatever the exit code (docs/RUNBOOKS.md, "Legal holds").
  expect(out.map((o) => JSON.parse(o) as unknown)).toEqual([
    {
      backupId: ID,
      hold: { reason: 'case 42', by: 'ann', at: now().toISOString() },
      drCatalog: { state: 'not-written' },
      objects: [
        { vault: 'primary', state: 'changed', objects: expect.any(Number), keptForOtherHolds: 0 },
        { vault: 'dr', state: 'refused', problem: DENIED, breakGlassArn: BREAK_GLASS },
      ],
    },
  ]);
  expect(await heldWhere()).toEqual({ ...HELD_EVERYWHERE, primaryVault: 'OFF' });
});

it("run as the break-glass principal, the release lifts every S3 legal hold and then the catalogs' holds", async () => {
  const { out, err, io } = capturedCliIo();
  expect(await backupsReleaseCommand(ID, { ...target }, { io, clients: commandClients() })).toBe(0);
  expect(err).toEqual([]);
  expect(out).toEqual([
    `Backup ${ID} has no legal hold: retention decides on it again at the next forget.`,
    '  The DR catalog has it too.',
    // The primary vault's were lifted by the refused run before: none is left there to change.
    expect.stringMatching(/^ {2}S3 legal hold released from \d+ object\(s\) in the primary vault\.$/),
    expect.stringMatching(/^ {2}S3 legal hold released from [1-9]\d* object\(s\) in the dr vault\.$/),
  ]);
  expect(await heldWhere()).toEqual({ primaryCatalog: undefined, drCatalog: undefined, primaryVault: 'OFF', drVault: 'OFF' });
});

it('R3-C: after an earlier release left the catalogs without a hold and the S3 holds set, a refusal says the catalogs hold it no more', async () => {
  expect(await backupsHoldCommand(ID, { ...target, reason: 'case 42', by: 'ann' }, { io: capturedCliIo().io, clients: commandClients(), now })).toBe(0);
  // What a release before 2026-12-06 left when its S3 step failed: the catalogs released, the objects still held.
  await catalogs.primary.clearHold(ID);
  await catalogs.dr.clearHold(ID);
  const { out, err, io } = capturedCliIo();
  expect(await backupsReleaseCommand(ID, { ...target, json: true }, { io, clients: commandClients([PRIMARY, DR]) })).toBe(1);
  expect(err).toEqual([
    `lifeboat backups release: S3 refused to lift the legal holds of backup ${ID} in the primary vault ${names.primaryVault} (${DENIED}): ` +
      `the vault's bucket policy reserves lifting a legal hold to its break-glass principal ${BREAK_GLASS} (docs/SECURITY.md, "Vault buckets"). ` +
      'Nothing else was released: the catalogs were not changed (the primary catalog already has no legal hold on the backup, so the primary vault\'s retention does not keep it for one), and its objects stay under S3 legal hold. ' +
      `To release it, run \`lifeboat backups release ${ID} --config ${configFile} --data-dir ${dataDir}\` again with the credentials of ${BREAK_GLASS} (the root user of account ${environment.account}).`,
  ]);
  expect(out.map((o) => JSON.parse(o) as unknown)).toEqual([{ backupId: ID, hold: null, drCatalog: { state: 'not-written' }, objects: [{ vault: 'primary', state: 'refused', problem: DENIED, breakGlassArn: BREAK_GLASS }] }]);
  expect(await heldWhere()).toEqual({ primaryCatalog: undefined, drCatalog: undefined, primaryVault: 'ON', drVault: 'ON' });
});

it('review r7 F2: when the catalogs fail after the S3 holds were lifted, --json still prints the one object, and stderr says the catalogs hold the backup', async () => {
  expect(await backupsHoldCommand(ID, { ...target, reason: 'case 42', by: 'ann' }, { io: capturedCliIo().io, clients: commandClients(), now })).toBe(0);
  expect(await heldWhere()).toEqual(HELD_EVERYWHERE);
  const c = commandClients();
  c.dynamodb.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'UpdateItemCommand') throw Object.assign(new Error('Service unavailable (simulated)'), { name: 'ServiceUnavailable', $metadata: { httpStatusCode: 503 } });
      return next(args);
    },
    { step: 'initialize', name: 'failCatalogUpdates' },
  );
  const { out, err, io } = capturedCliIo();
  expect(await backupsReleaseCommand(ID, { ...target, json: true }, { io, clients: c })).toBe(1);
  expect(err).toEqual([expect.stringMatching(/were released before; the catalog still holds the backup, so retention keeps it: run the command again to release it there$/)]);
  const printed = out.map((o) => JSON.parse(o) as { hold: { reason: string } | null; drCatalog: unknown; objects: { vault: string; state: string }[] });
  expect(printed).toEqual([expect.objectContaining({ backupId: ID, drCatalog: { state: 'not-written' } })]);
  expect(printed[0]?.hold).toEqual(expect.objectContaining({ reason: 'case 42' }));
  expect(printed[0]?.objects.map((o) => `${o.vault} ${o.state}`)).toEqual(['primary changed', 'dr changed']);
  expect(await heldWhere()).toEqual({ ...HELD_EVERYWHERE, primaryVault: 'OFF', drVault: 'OFF' });
});
