import { DynamoDBClient, type DynamoDBClient as DynamoDBClientType } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { type S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { protectionPlanSchema, type ProtectionPlanConfig } from '../../../../config/lifeboat-config';
import { BackupCatalog } from '../../../../lambdas/catalog/backup-catalog';
import { type BackupRecord } from '../../../../lambdas/catalog/backup-record';
import { type FailoverStartDeps, resolveFailoverBackup, startFailover } from '../../../../lambdas/failover/failover-start';
import { UnreadableNewerBackupError } from '../../../../lambdas/failover/unreadable-newer-backups';

/**
 * Review 43c F2: the DR catalog passes over a backup record it cannot read (listBackupsOfPlan); a failover that
 * chooses by time (the newest, or `at`) refuses rather than restore an older backup in that record's place unseen.
 * A record from before the vault, one retention forgot, one outside the time asked for, and a backupId named in the
 * input are not held up. The real catalog over a mocked DynamoDB, so the records go through its schema.
 */

const ddb = mockClient(DynamoDBDocumentClient);
const catalog = new BackupCatalog(DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-west-2' })), 'lifeboat-dev-catalog');
let items: Record<string, unknown>[] = [];
beforeEach(() => {
  ddb.reset();
  ddb.on(QueryCommand).callsFake(() => ({ Items: [...items].sort((a, b) => String(b.startedAt).localeCompare(String(a.startedAt))) }));
  ddb.on(GetCommand).callsFake((input: { Key: { pk: string } }) => ({ Item: items.find((i) => i.pk === input.Key.pk) }));
  jest.spyOn(console, 'warn').mockImplementation(() => undefined);
});
afterEach(() => jest.restoreAllMocks());

const plan: ProtectionPlanConfig = protectionPlanSchema.parse({
  name: 'shop',
  schedule: 'rate(1 day)',
  strategy: 'full',
  retention: { keepLast: 7 },
  objectives: { rpoMinutes: 60, rtoMinutes: 60 },
  sources: [{ type: 's3', name: 'shop-assets', bucket: 'lifeboat-shop-assets' }],
});
const totals = { entries: 1, bytes: 1, bytesScanned: 1, bytesNew: 1, bytesStored: 1, blobsNew: 1 };
const itemOf = (backupId: string, startedAt: string, extra: Record<string, unknown> = {}): Record<string, unknown> => {
  const record: BackupRecord = {
    backupId,
    plan: 'shop',
    environment: 'dev',
    sourceNames: ['shop-assets'],
    sources: [{ name: 'shop-assets', type: 's3', snapshotId: `snap-${backupId}`, rootHash: 'root', ...totals }],
    strategy: 'full',
    status: 'COMMITTED',
    startedAt,
    endedAt: startedAt,
    shardCount: 1,
    totals,
    copies: { primary: 'COMMITTED', dr: 'COMMITTED' },
  };
  return { pk: `BACKUP#${backupId}`, sk: 'BACKUP', ...record, ...extra };
};
const OLDER = itemOf('20261208T060000Z-0000000a', '2026-12-08T06:00:00.000Z');
// The newest: one field a hand edit or another version's writer got wrong.
const DAMAGED = itemOf('20261209T060000Z-0000000b', '2026-12-09T06:00:00.000Z', { totals: { ...totals, bytes: '1' } });
const DAMAGED_KEY = JSON.stringify({ pk: { S: DAMAGED.pk }, sk: { S: 'BACKUP' } });

const resolve = (request: { backupId?: string; at?: string } = {}): Promise<BackupRecord> => resolveFailoverBackup({ plan: 'shop', ...request }, catalog, 'us-west-2');

it('refuses the newest when the newest record cannot be read, naming it, why, its delete command and backupId', async () => {
  items = [OLDER, DAMAGED];
  const refusal = resolve();
  await expect(refusal).rejects.toThrow(UnreadableNewerBackupError);
  await expect(refusal).rejects.toThrow(
    `Failover of plan "shop" refused: the DR catalog has a backup record it cannot read, ${String(DAMAGED.pk)} / BACKUP (started 2026-12-09T06:00:00.000Z), ` +
      `which may be of a backup newer than ${String(OLDER.backupId)} (started 2026-12-08T06:00:00.000Z), which the failover would restore in its place. ` +
      `Catalog item ${String(DAMAGED.pk)} / BACKUP in table lifeboat-dev-catalog is not a valid backup record: totals.bytes: `,
  );
  await expect(refusal).rejects.toThrow(
    `Delete it with aws dynamodb delete-item --region us-west-2 --table-name lifeboat-dev-catalog --key '${DAMAGED_KEY}' --condition-expression 'attribute_exists(pk)', and \`lifeboat catalog rebuild --vault dr --region dr\` writes the record again from the vault's snapshots (or correct the item by hand). ` +
      'Then start the failover again; or give "backupId" to restore a backup by id (lifeboat failover --plan shop --backup <id>), an older one knowingly.',
  );
});

// Review r62H F1: the local cloud's failover names its deletes against the local cloud itself (its endpoint, which the
// function knows), so no CLI reads commands back from the text, where a damaged key may hold another record's delete.
it('names the deletes against the local cloud\'s DynamoDB when it runs there', async () => {
  items = [OLDER, DAMAGED];
  const ranIn = { environment: 'dev', localCloud: true, localDynamoDb: 'http://127.0.0.1:4569' };
  await expect(resolveFailoverBackup({ plan: 'shop' }, catalog, 'us-west-2', ranIn)).rejects.toThrow(
    `Delete it with AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER aws --endpoint-url http://127.0.0.1:4569 dynamodb delete-item --region us-west-2 --table-name lifeboat-dev-catalog --key '${DAMAGED_KEY}' --condition-expression 'attribute_exists(pk)', and \``,
  );
});

it('refuses an at the unreadable record started by, and restores the older backup for an at before it', async () => {
  items = [OLDER, DAMAGED];
  await expect(resolve({ at: '2026-12-09T07:00:00Z' })).rejects.toThrow(UnreadableNewerBackupError);
  expect((await resolve({ at: '2026-12-09T05:00:00Z' })).backupId).toBe(OLDER.backupId);
});

it('refuses when no readable backup is left at all, rather than say the plan has none', async () => {
  items = [DAMAGED];
  await expect(resolve()).rejects.toThrow(`BACKUP#20261209T060000Z-0000000b / BACKUP (started 2026-12-09T06:00:00.000Z), which may be of the backup the failover should restore. `);
});

it('refuses whatever at is given when the record\'s startedAt is not a time', async () => {
  items = [OLDER, itemOf('20261209T060000Z-0000000c', 'yesterday', { totals: { ...totals, bytes: '1' } })];
  await expect(resolve({ at: '2026-12-08T07:00:00Z' })).rejects.toThrow('BACKUP#20261209T060000Z-0000000c / BACKUP (its startedAt is not a time)');
});

it('is not held up by a record from before the vault, one retention forgot, or one older than the backup chosen; is by a newer one among them', async () => {
  const preVault = { pk: 'BACKUP#20261210T060000Z-0000000d', sk: 'BACKUP', backupId: '20261210T060000Z-0000000d', plan: 'shop', environment: 'dev', sources: ['shop-assets'], strategy: 'full', status: 'COMMITTED', startedAt: '2026-12-10T06:00:00.000Z', shardCount: 1 };
  const forgotten = { ...DAMAGED, pk: 'BACKUP#20261211T060000Z-0000000e', backupId: '20261211T060000Z-0000000e', startedAt: '2026-12-11T06:00:00.000Z', forgottenAt: '2026-12-11T08:00:00.000Z' };
  const olderDamaged = { ...DAMAGED, pk: 'BACKUP#20261207T060000Z-0000000f', backupId: '20261207T060000Z-0000000f', startedAt: '2026-12-07T06:00:00.000Z' };
  items = [olderDamaged, OLDER, preVault, forgotten];
  expect((await resolve()).backupId).toBe(OLDER.backupId);
  items = [olderDamaged, OLDER, preVault, forgotten, DAMAGED];
  await expect(resolve()).rejects.toThrow(`the DR catalog has a backup record it cannot read, ${String(DAMAGED.pk)} / BACKUP (started`);
});

// Review r61L F2: c6c1502c took any forgottenAt but absent, null, '' and false for a forget, so a newer record whose
// forgottenAt was 0, a map or true was passed over as forgotten and the failover restored the older backup unwarned.
// Only a non-empty string is a forget: what else it holds cannot be told, and the record may be a live backup.
it.each([
  ['0', 0],
  ['a number', 1765000000],
  ['{}', {}],
  ['a map', { at: '2026-12-09T08:00:00.000Z' }],
  ['[]', []],
  ['true', true],
])('refuses the newest when the newer record it cannot read has a forgottenAt of %s', async (_, forgottenAt) => {
  items = [OLDER, { ...DAMAGED, forgottenAt }];
  await expect(resolve()).rejects.toThrow(UnreadableNewerBackupError);
  await expect(resolve({ at: '2026-12-09T07:00:00Z' })).rejects.toThrow(`the DR catalog has a backup record it cannot read, ${String(DAMAGED.pk)} / BACKUP (started`);
});

// Review r61U F1: the refusal named the record by its key raw: a newline and ESC in it forged the operator's lines.
it('names a record whose key holds a newline and ESC escaped', async () => {
  const forged = '20261209T060000Z-0000000b\n\u001b[32mClean';
  items = [OLDER, { ...DAMAGED, pk: `BACKUP#${forged}`, backupId: forged }];
  const refusal = resolve().then(
    () => undefined,
    (e: unknown) => e,
  );
  const error = await refusal;
  expect(error).toBeInstanceOf(UnreadableNewerBackupError);
  const message = (error as Error).message;
  // Its 43 characters cut to 40, its first and last ones (review r63B F1, r63U F4): only the delete holds the key whole.
  expect(message).toContain('the DR catalog has a backup record it cannot read, BACKUP#20261209T060000Z-0000…b\\u000a\\u001b[32mClean (cut from 43 characters, sha256 421d496b) / BACKUP (started');
  expect(message).not.toContain('\n');
  expect(message).not.toContain('\u001b');
});

// Review r61AE F4: the delete-item command JSON-quoted the key, which leaves a CSI (U+009B) and a bidi override (U+202E)
// raw in the line an operator pastes.
it('gives a delete command whose key has its C1 and bidi characters escaped, naming the same item', async () => {
  const pk = 'BACKUP#20261209T060000Z-0000000b\n\u001b[2J\u009b2J\u202Egpj.exe';
  items = [OLDER, { ...DAMAGED, pk }];
  const error = await resolve().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UnreadableNewerBackupError);
  const message = (error as Error).message;
  expect(['\n', '\u001b', '\u009b', '\u202e'].filter((c) => message.includes(c))).toEqual([]);
  const key = /delete-item --region [^ ]+ --table-name [^ ]+ --key '([^']*)'/.exec(message)?.[1];
  expect(key).toBe('{"pk":{"S":"BACKUP#20261209T060000Z-0000000b\\n\\u001b[2J\\u009b2J\\u202egpj.exe"},"sk":{"S":"BACKUP"}}');
  expect(JSON.parse(key ?? '')).toEqual({ pk: { S: pk }, sk: { S: 'BACKUP' } });
});

it('restores a backup named by backupId, whatever record it cannot read, where the newest is refused', async () => {
  items = [OLDER, DAMAGED];
  await expect(resolve()).rejects.toThrow(UnreadableNewerBackupError);
  expect((await resolve({ backupId: String(OLDER.backupId) })).backupId).toBe(OLDER.backupId);
});

it('refuses in the first state, before any target bucket is created', async () => {
  items = [OLDER, DAMAGED];
  const s3Calls: string[] = [];
  const s3 = { send: (command: object) => {
    s3Calls.push(command.constructor.name);
    return Promise.reject(new Error('no S3 in this test'));
  } } as unknown as S3Client;
  const deps: FailoverStartDeps = { plans: [plan], catalog, region: 'us-west-2', restoreTargetPrefix: 'lifeboat-dev-restore-', s3, dynamodb: {} as DynamoDBClientType, directory: (p) => p };
  await expect(startFailover({ input: { plan: 'shop' }, execution: 'fo-1', startedAt: '2026-12-09T08:00:00Z' }, deps)).rejects.toMatchObject({ name: 'UnreadableNewerBackupError' });
  expect(s3Calls).toEqual([]);
});
