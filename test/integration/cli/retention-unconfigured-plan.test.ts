import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { backupsForgetCommand, backupsHoldCommand } from '../../../cli/commands/retention-commands';
import { checkCatalogPlans } from '../../../cli/doctor/catalog-plan-checks';
import { doctorContext } from '../../../cli/doctor/doctor-context';
import { loadLifeboatConfig } from '../../../config/load-config';
import { BackupCatalog } from '../../../lambdas/catalog/backup-catalog';
import { replicateVault } from '../../../lambdas/replication/replicate-vault';
import { openBackupVault } from '../../../lambdas/runtime/backup-vault';
import { resourceNames } from '../../../lib/stacks/resource-names';
import { createCatalogShapedTable } from '../../../local/cloud';
import { type LocalCloudHandle, localDynamoDbClient, localS3Client, startLocalCloud, stopLocalCloud } from '../../../local/cloud/local-cloud';
import { S3VaultStore } from '../../../vault/aws';
import { backupDirectory, KeyFileKeyProvider, snapshotKey, type Vault, verifySnapshot } from '../../../vault';
import { capturedCliIo } from '../../support/captured-cli-io';
import { DR, PRIMARY, tempDir } from '../../support/local-cloud-helpers';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';
import { localCommandClients } from '../../support/local-command-clients';

/**
 * Audit R19 F2: the backups of a plan renamed or removed from the config (`nightly`; the sample config's plan is
 * `demo`) stay in the catalog and the vaults, and no configured policy reaches them. On the local cloud, as an
 * operator runs it: `lifeboat backups forget --plan nightly` without a policy refuses, saying how many backups
 * the catalog holds and the command to give them one; with `--keep-last 3` it forgets exactly what that policy
 * (and a legal hold) does not keep, from the primary vault and, with `--vault dr`, the DR one; and the doctor's
 * `catalog plan nightly` line names the plan, its backups and the newest of them.
 */

const tmp = tempDir('retention-unconfigured-plan');
const dataDir = join(tmp.dir, 'data');
const config = loadLifeboatConfig(SAMPLE_CONFIG_FILE);
const environment = config.environments[0];
if (!environment) throw new Error('the sample config has no environment');
const names = resourceNames(environment);
let cloud: LocalCloudHandle;
let vault: Vault;
const clients: (DynamoDBClient | S3Client)[] = [];
/** Nine daily backups of plan nightly, 1 to 9 March 2026, oldest first: id → snapshot id. */
const snapshots = new Map<string, string>();
const ids = Array.from({ length: 9 }, (_, i) => `2026030${i + 1}T060000Z-0000000${i + 1}`);
const [held] = [ids[1] ?? ''];

const commandClients = () => localCommandClients(cloud, { primary: PRIMARY, dr: DR }, clients);
const target = () => ({ config: SAMPLE_CONFIG_FILE, env: 'dev', dataDir });
const now = () => new Date('2026-03-10T00:00:00Z');
const catalogIn = (region: string) => {
  const ddb = localDynamoDbClient(cloud.endpoints, region);
  clients.push(ddb);
  return new BackupCatalog(DynamoDBDocumentClient.from(ddb), names.catalogTable);
};

beforeAll(async () => {
  cloud = await startLocalCloud({ dataDir, regions: [PRIMARY, DR], exitWithParent: true });
  for (const region of [PRIMARY, DR]) {
    const ddb = localDynamoDbClient(cloud.endpoints, region);
    clients.push(ddb);
    await createCatalogShapedTable(ddb, names.catalogTable, { byPlan: true });
  }
  const s3 = localS3Client(cloud.endpoints, PRIMARY);
  const drS3 = localS3Client(cloud.endpoints, DR);
  clients.push(s3, drS3);
  await s3.send(new CreateBucketCommand({ Bucket: names.primaryVault }));
  await drS3.send(new CreateBucketCommand({ Bucket: names.drVault }));
  const provider = (await KeyFileKeyProvider.loadOrCreate(join(dataDir, 'vault.key'))).provider;
  vault = await openBackupVault({ s3, bucket: names.primaryVault, provider, create: true });

  const [primary, dr] = [catalogIn(PRIMARY), catalogIn(DR)];
  const source = join(tmp.dir, 'source');
  mkdirSync(source, { recursive: true });
  for (const [i, backupId] of ids.entries()) {
    writeFileSync(join(source, 'day.txt'), `day ${i + 1}\n`);
    const { snapshot } = await backupDirectory(vault, source, { parent: null, tags: [`backupId=${backupId}`] });
    snapshots.set(backupId, snapshot.id);
    const startedAt = `2026-03-0${i + 1}T06:00:00.000Z`;
    const record = { backupId, plan: 'nightly', environment: 'dev', sourceNames: ['demo-files'], sources: [], strategy: 'full' as const, status: 'RUNNING' as const, startedAt, shardCount: 1 };
    await primary.createBackup(record);
    const totals = { entries: 1, bytes: 6, bytesScanned: 6, bytesNew: 6, bytesStored: 40, blobsNew: 1 };
    const sources = [{ name: 'demo-files', type: 'filesystem' as const, snapshotId: snapshot.id, rootHash: snapshot.manifest, ...totals }];
    await primary.markCommitted(backupId, { sources, totals, endedAt: startedAt });
    await primary.indexCommittedBackup({ ...record, status: 'COMMITTED', sources });
    // Replicated as the workflow's Replicate step leaves it: the record in the DR catalog, the snapshot in the DR vault.
    await dr.putRebuiltBackup(await primary.requireBackup(backupId));
  }
  await replicateVault({ source: vault, target: new S3VaultStore({ client: drS3, bucket: names.drVault }), targetKeys: provider });
});

afterAll(async () => {
  clients.forEach((c) => c.destroy());
  await stopLocalCloud(dataDir);
  tmp.remove();
});

it('refuses a plan not in the config without a policy, saying how many backups the catalog holds of it and the command that gives them one (exit 2)', async () => {
  const refused = capturedCliIo();
  expect(await backupsForgetCommand({ ...target(), plan: 'nightly' }, { io: refused.io, clients: commandClients(), now })).toBe(2);
  expect(refused.err).toEqual([
    'lifeboat backups forget: the catalog holds 9 backup(s) of plan "nightly", which is not in this environment\'s config (its plans: demo), so no retention policy applies to them. ' +
      `Give them a policy on the command line and read its decision table first: \`lifeboat backups forget --plan nightly --keep-last 1 --dry-run --config ${SAMPLE_CONFIG_FILE} --data-dir ${dataDir}\`; ` +
      'then run it without --dry-run. Any --keep-* rule serves (e.g. --keep-daily 7 --keep-monthly 12 keeps their history); the newest backup is always kept, so --keep-last 1 forgets all ' +
      'but the newest, and the DR vault needs the same with --vault dr.',
  ]);
  expect(refused.out).toEqual([]);
  const dr = capturedCliIo();
  expect(await backupsForgetCommand({ ...target(), plan: 'nightly', vault: 'dr' }, { io: dr.io, clients: commandClients(), now })).toBe(2);
  expect(dr.err[0]).toContain('`lifeboat backups forget --plan nightly --vault dr --keep-last 1 --dry-run --config ');
  // A policy is for a plan the config does not name: a configured plan's is the config's.
  const configured = capturedCliIo();
  expect(await backupsForgetCommand({ ...target(), plan: 'demo', keepLast: '3' }, { io: configured.io, clients: commandClients(), now })).toBe(1);
  expect(configured.err).toEqual([expect.stringMatching(/^lifeboat backups forget: Invalid forget request: policy: plan "demo" is in this environment's config, whose policy \(\{.*\}\) every forget applies; change it in the config and deploy, or leave the policy out$/)]);
  const badRule = capturedCliIo();
  expect(await backupsForgetCommand({ ...target(), plan: 'nightly', keepLast: 'three' }, { io: badRule.io, clients: commandClients(), now })).toBe(2);
  expect(badRule.err).toEqual(['lifeboat backups forget: --keep-last must be a whole number, got "three"']);
  for (const id of ids) expect(await vault.store.has(snapshotKey(snapshots.get(id) ?? ''))).toBe(true);
});

it('doctor names the plan, with its backup count, its newest backup and the command', async () => {
  const ctx = doctorContext({ configFile: SAMPLE_CONFIG_FILE, envName: 'dev', dataDir, mode: 'local' }, config, environment);
  expect(await checkCatalogPlans(catalogIn(PRIMARY), ctx)).toEqual([
    {
      name: 'catalog plan nightly',
      verdict: 'warn',
      detail: 'the catalog holds 9 backup(s) of plan nightly, the newest started 2026-03-09T06:00:00.000Z, which is not in the config (its plans: demo): no retention policy applies to them, so both vaults keep them',
      fix:
        `lifeboat backups forget --plan nightly --keep-last 1 --dry-run --env dev --config ${SAMPLE_CONFIG_FILE} --data-dir ${dataDir} shows what a policy keeps (any --keep-* rule; --keep-last 1 forgets all but the newest); ` +
        'then run it without --dry-run, and the same with --vault dr for the DR vault. Or give the plan back its name in the config',
    },
  ]);
});

it('with --keep-last 3 forgets exactly what the policy and a legal hold do not keep, from the primary vault and then the DR one', async () => {
  expect(await backupsHoldCommand(held, { ...target(), reason: 'case 7', by: 'ann' }, { io: capturedCliIo().io, clients: commandClients(), now })).toBe(0);
  const dry = capturedCliIo();
  expect(await backupsForgetCommand({ ...target(), plan: 'nightly', keepLast: '3', dryRun: true }, { io: dry.io, clients: commandClients(), now })).toBe(0);
  expect(dry.out[0]).toBe('Plan nightly, primary vault: {"keepLast":3} (not in the config: the policy of the command line)');
  expect(dry.out.at(-1)).toBe('Dry run: would keep 4 and forget 5 backup(s) of plan nightly; nothing was changed.');

  const forget = capturedCliIo();
  expect(await backupsForgetCommand({ ...target(), plan: 'nightly', keepLast: '3', json: true }, { io: forget.io, clients: commandClients(), now })).toBe(0);
  const report = JSON.parse(forget.out.join('\n')) as { plans: { plan: string; forgotten: string[]; deletedObjects: number }[] };
  // 7 to 9 March are the last 3; 2 March is held; the newest is among the kept, as always.
  const forgotten = [ids[0], ids[2], ids[3], ids[4], ids[5]];
  expect(report.plans.map((p) => [p.plan, [...p.forgotten].sort(), p.deletedObjects])).toEqual([['nightly', forgotten, 5]]);
  for (const id of ids) expect(await vault.store.has(snapshotKey(snapshots.get(id) ?? ''))).toBe(!forgotten.includes(id));
  for (const id of ids.filter((i) => !forgotten.includes(i))) await expect(verifySnapshot(vault, snapshots.get(id) ?? '', { readData: true })).resolves.toMatchObject({ ok: true });
  const primary = catalogIn(PRIMARY);
  for (const id of ids) expect((await primary.getBackup(id))?.forgottenAt).toBe(forgotten.includes(id) ? '2026-03-10T00:00:00.000Z' : undefined);
  expect(await checkCatalogPlans(primary, doctorContext({ configFile: SAMPLE_CONFIG_FILE, envName: 'dev', dataDir, mode: 'local' }, config, environment))).toEqual([
    expect.objectContaining({ name: 'catalog plan nightly', verdict: 'warn', detail: expect.stringMatching(/^the catalog holds 4 backup\(s\) of plan nightly, the newest started 2026-03-09T06:00:00\.000Z,/) }),
  ]);

  // The hold reached the DR catalog's copy too (backups hold writes both): the same policy keeps the same there.
  const dr = capturedCliIo();
  expect(await backupsForgetCommand({ ...target(), plan: 'nightly', vault: 'dr', keepLast: '3' }, { io: dr.io, clients: commandClients(), now })).toBe(0);
  expect(dr.out[0]).toBe('Plan nightly, dr vault: {"keepLast":3} (not in the config: the policy of the command line)');
  expect(dr.out.find((l) => l.startsWith('Kept '))).toBe('Kept 4, forgot 5 backup(s) of plan nightly from the dr vault (5 snapshot object(s) deleted); the next prune reclaims their data.');
  const drCatalog = catalogIn(DR);
  for (const id of ids) expect((await drCatalog.getBackup(id))?.forgottenAt).toBe(forgotten.includes(id) ? '2026-03-10T00:00:00.000Z' : undefined);
});
