import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetObjectLockConfigurationCommand, S3Client } from '@aws-sdk/client-s3';
import { KMSClient } from '@aws-sdk/client-kms';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { type LifeboatConfig } from '../../../config/lifeboat-config';
import { loadLifeboatConfig } from '../../../config/load-config';
import { backupsHoldCommand, backupsReleaseCommand } from '../../../cli/commands/retention-commands';
import { type AccessClients, profileClients } from '../../../cli/environment-access';
import { type BackupRecord } from '../../../lambdas/catalog/backup-record';
import { capturedCliIo } from '../../support/captured-cli-io';
import { tempDir } from '../../support/local-cloud-helpers';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';

/**
 * `lifeboat backups hold|release --aws` with the DR stack in another account (`drAccount`, audit R34 F1), over a fake
 * AWS (aws-sdk-client-mock) that answers as AWS does across accounts: a bare table name resolves in the caller's own
 * account, a table of another account is reached by its ARN only, and the DR account's policies give the primary
 * account no UpdateItem, GetItem or legal hold there. Each client's account is its credentials' (the access key id
 * names it), so every call says which account's client sent it.
 */

const PRIMARY_ACCOUNT = '111122223333';
const DR_ACCOUNT = '222222222222';
const PRIMARY = 'us-east-1';
const DR = 'us-west-2';
const TABLE = 'lifeboat-dev-catalog';
const DR_TABLE_ARN = `arn:aws:dynamodb:${DR}:${DR_ACCOUNT}:table/${TABLE}`;
const ID = '20261201T000000Z-aaaaaaaa';

const tmp = tempDir('legal-hold-dr-account');
afterAll(() => tmp.remove());
const sample = loadLifeboatConfig(SAMPLE_CONFIG_FILE);
const configFile = path.join(tmp.dir, 'dr-account.config.json');
writeFileSync(
  configFile,
  JSON.stringify({
    environments: sample.environments.map((e) => ({ ...e, account: PRIMARY_ACCOUNT, drAccount: DR_ACCOUNT, plans: e.plans.map((p) => ({ ...p, sources: p.sources.map(({ mirror: _mirror, ...s }) => s) })) })),
  } satisfies LifeboatConfig),
);
const target = { config: configFile, env: 'dev', dataDir: '.unused', aws: true };

const record = (extra: Partial<BackupRecord> = {}): Record<string, unknown> => ({
  pk: `BACKUP#${ID}`,
  sk: 'BACKUP',
  backupId: ID,
  plan: 'demo',
  environment: 'dev',
  sourceNames: ['demo-orders'],
  sources: [],
  strategy: 'full',
  status: 'COMMITTED',
  startedAt: '2026-12-01T00:00:00.000Z',
  shardCount: 1,
  ...extra,
});

type Client = { config: { region: unknown; credentials: unknown } };
const resolved = async (value: unknown): Promise<unknown> => (typeof value === 'function' ? (value as () => Promise<unknown>)() : value);
/** The account and region a client sends from: its credentials' and its configuration's. */
async function senderOf(getClient: () => unknown): Promise<{ account: string; region: string }> {
  const { config } = getClient() as Client;
  const credentials = (await resolved(config.credentials)) as { accessKeyId: string };
  return { account: credentials.accessKeyId.replace('AKID', ''), region: String(await resolved(config.region)) };
}
const credentialsOf = (account: string) => ({ accessKeyId: `AKID${account}`, secretAccessKey: 'test' });
const awsError = (name: string, message: string, status: number) => Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });

/** The catalogs that exist, by account/region/name, with their items; and every request, as `<account> <region> <command> <table or bucket>`. */
let tables: Map<string, Map<string, Record<string, unknown>>>;
let sent: string[];
/** What the DR table's network does: answer, or time out (a DR region that does not answer). */
let drRegionDown: boolean;
/** Whether the DR region's DynamoDB answers with a fault of its own (a 503, which may come after the write applied). */
let drRegionFault: boolean;

const documents = mockClient(DynamoDBDocumentClient);
const s3 = mockClient(S3Client);

/** Where a TableName resolves for a sender: an ARN names its account and region, a bare name the sender's own. */
function resolveTable(name: string, sender: { account: string; region: string }): { key: string; account: string } {
  const arn = /^arn:aws:dynamodb:([^:]+):(\d{12}):table\/(.+)$/.exec(name);
  const [account, region, table] = arn ? [arn[2] ?? '', arn[1] ?? '', arn[3] ?? ''] : [sender.account, sender.region, name];
  return { key: `${account}/${region}/${table}`, account };
}

async function tableFor(command: string, input: { TableName?: string }, getClient: () => unknown): Promise<Map<string, Record<string, unknown>>> {
  const sender = await senderOf(getClient);
  sent.push(`${sender.account} ${sender.region} ${command} ${input.TableName ?? ''}`);
  if (sender.region === DR && drRegionDown) throw awsError('TimeoutError', `connect ETIMEDOUT dynamodb.${DR}.amazonaws.com`, 0);
  if (sender.region === DR && drRegionFault) throw awsError('ServiceUnavailable', 'the region is in trouble', 503);
  const { key, account } = resolveTable(input.TableName ?? '', sender);
  const items = tables.get(key);
  // A table of another account: the DR catalog's policy allows the primary account Query and PutItem, nothing of this.
  if (items && account !== sender.account) throw awsError('AccessDeniedException', `User: arn:aws:iam::${sender.account}:role/operator is not authorized to perform: dynamodb:${command.replace('Command', 'Item')} on resource: ${input.TableName ?? ''}`, 400);
  if (!items) throw awsError('ResourceNotFoundException', 'Requested resource not found', 400);
  return items;
}

beforeEach(() => {
  documents.reset();
  s3.reset();
  sent = [];
  drRegionDown = false;
  drRegionFault = false;
  tables = new Map([
    [`${PRIMARY_ACCOUNT}/${PRIMARY}/${TABLE}`, new Map([[ID, record()]])],
    [`${DR_ACCOUNT}/${DR}/${TABLE}`, new Map([[ID, record({ copies: { primary: 'COMMITTED', dr: 'COMMITTED' } })]])],
  ]);
  documents.on(GetCommand).callsFake(async (input: { TableName: string; Key: { pk: string } }, getClient) => {
    const items = await tableFor('GetCommand', input, getClient);
    return { Item: items.get(input.Key.pk.replace('BACKUP#', '')) };
  });
  documents.on(UpdateCommand).callsFake(async (input: { TableName: string; Key: { pk: string }; UpdateExpression: string; ExpressionAttributeValues?: Record<string, unknown> }, getClient) => {
    const items = await tableFor('UpdateCommand', input, getClient);
    const id = input.Key.pk.replace('BACKUP#', '');
    const item = items.get(id);
    // A hold's condition refuses a record retention is forgetting (backup-catalog.ts), as DynamoDB would.
    if (!item || (input.UpdateExpression.startsWith('SET') && item.forgettingAt !== undefined)) throw new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
    const { hold: _hold, ...rest } = item;
    const next = input.UpdateExpression.startsWith('SET') ? { ...rest, hold: input.ExpressionAttributeValues?.[':hold'] } : rest;
    items.set(id, next);
    return { Attributes: next };
  });
  // The vaults have no Object Lock; only their own account may ask.
  s3.on(GetObjectLockConfigurationCommand).callsFake(async (input: { Bucket: string }, getClient) => {
    const sender = await senderOf(getClient);
    sent.push(`${sender.account} ${sender.region} GetObjectLockConfigurationCommand ${input.Bucket}`);
    if (!input.Bucket.includes(sender.account)) throw awsError('AccessDenied', 'Access Denied', 403);
    throw awsError('ObjectLockConfigurationNotFoundError', 'Object Lock configuration does not exist for this bucket', 404);
  });
});

/** The operator's clients (`caller`'s credentials, both regions) and, for --dr-profile, the DR account's. */
function clients(caller: string, profiles: string[] = []): AccessClients {
  return {
    dynamodb: new DynamoDBClient({ region: PRIMARY, credentials: credentialsOf(caller) }),
    drDynamodb: new DynamoDBClient({ region: DR, credentials: credentialsOf(caller) }),
    s3: (region) => new S3Client({ region, credentials: credentialsOf(caller) }),
    kms: (region) => new KMSClient({ region, credentials: credentialsOf(caller) }),
    drProfile: (profile, region) => {
      profiles.push(`${profile} ${region}`);
      const credentials = credentialsOf(profile === 'ops-dr' ? DR_ACCOUNT : PRIMARY_ACCOUNT);
      return { dynamodb: new DynamoDBClient({ region, credentials }), s3: new S3Client({ region, credentials }), kms: new KMSClient({ region, credentials }) };
    },
  };
}

const now = () => new Date('2026-12-10T00:00:00Z');
const held = (key: string) => tables.get(key)?.get(ID)?.hold;
const PRIMARY_KEY = `${PRIMARY_ACCOUNT}/${PRIMARY}/${TABLE}`;
const DR_KEY = `${DR_ACCOUNT}/${DR}/${TABLE}`;
/** What a hold prints when done: the release to paste, with the hold's --dr-profile (review r57N F1: without it the pasted release left the DR copy held). */
const doneWith = (releaseOptions: string) => `Backup ${ID} is on legal hold ("case 42"): every retention policy keeps it until \`lifeboat backups release ${ID}${releaseOptions} --config ${configFile} --aws\`.`;
const DONE = doneWith('');
const DR_HALF = `lifeboat backups hold ${ID} --reason 'case 42' --by ann --only dr --config ${configFile} --aws`;

describe('with the primary account\'s credentials only', () => {
  it('holds the primary half, sends nothing to the DR side, and fails saying the DR copy is not held and what to run as the DR account', async () => {
    const { out, err, io } = capturedCliIo();
    expect(await backupsHoldCommand(ID, { ...target, reason: 'case 42', by: 'ann' }, { io, clients: clients(PRIMARY_ACCOUNT), now })).toBe(1);
    expect(sent).toEqual([
      `${PRIMARY_ACCOUNT} ${PRIMARY} GetCommand ${TABLE}`,
      `${PRIMARY_ACCOUNT} ${PRIMARY} UpdateCommand ${TABLE}`,
      `${PRIMARY_ACCOUNT} ${PRIMARY} GetObjectLockConfigurationCommand lifeboat-dev-vault-${PRIMARY_ACCOUNT}-${PRIMARY}`,
    ]);
    expect(out).toEqual([DONE]);
    expect(err).toEqual([
      `lifeboat backups hold: the DR copy of backup ${ID} is NOT held yet: the DR catalog and the DR vault are account ${DR_ACCOUNT}'s (drAccount), which take no hold from this account's credentials, and that account's own retention forgets its copy of a backup its catalog does not hold. ` +
        `To hold it there, run \`${DR_HALF}\` with credentials of account ${DR_ACCOUNT} (as that account, or with --dr-profile <a profile of it>).`,
    ]);
    expect(held(PRIMARY_KEY)).toEqual({ reason: 'case 42', by: 'ann', at: '2026-12-10T00:00:00.000Z' });
    expect(held(DR_KEY)).toBeUndefined();
  });

  it("a backup the primary's retention is forgetting: says the DR account's copy may still be kept and what to run there (review r14)", async () => {
    tables.get(PRIMARY_KEY)?.set(ID, record({ forgettingAt: '2026-12-09T00:00:00.000Z' }));
    const { err, io } = capturedCliIo();
    expect(await backupsHoldCommand(ID, { ...target, reason: 'case 42', by: 'ann' }, { io, clients: clients(PRIMARY_ACCOUNT), now })).toBe(1);
    expect(err.join('\n')).toContain(`The DR account's copy may still be kept: hold it there with \`${DR_HALF}\` as account ${DR_ACCOUNT}.`);
    expect(held(PRIMARY_KEY)).toBeUndefined();
  });

  it('says so in --json too: the DR catalog is left for the DR account\'s credentials, exit 1', async () => {
    const { out, io } = capturedCliIo();
    expect(await backupsHoldCommand(ID, { ...target, reason: 'case 42', by: 'ann', json: true }, { io, clients: clients(PRIMARY_ACCOUNT), now })).toBe(1);
    expect(JSON.parse(out.join('\n'))).toMatchObject({ backupId: ID, hold: { reason: 'case 42' }, drCatalog: { state: 'needs-dr-account-credentials' } });
  });

  it('a release fails the same way: the DR copy stays held until the DR account releases it', async () => {
    tables.get(DR_KEY)?.set(ID, record({ hold: { reason: 'case 42', by: 'ann', at: '2026-12-10T00:00:00.000Z' } }));
    const { out, err, io } = capturedCliIo();
    expect(await backupsReleaseCommand(ID, { ...target }, { io, clients: clients(PRIMARY_ACCOUNT) })).toBe(1);
    expect(out).toEqual([`Backup ${ID} has no legal hold: retention decides on it again at the next forget.`]);
    expect(err).toEqual([expect.stringMatching(new RegExp(`^lifeboat backups release: the DR copy of backup ${ID} is still held: .*To release it there, run \`lifeboat backups release ${ID} --only dr --config \\S+ --aws\` with credentials of account ${DR_ACCOUNT}`))]);
    expect(held(DR_KEY)).toBeDefined();
    expect(sent.filter((s) => s.includes(DR))).toEqual([]);
  });

  it("with Object Lock (immutability), a release's DR half names the DR account's break-glass principal, the only one its vault lets lift a legal hold", async () => {
    const lockedConfig = path.join(tmp.dir, 'dr-account-immutable.config.json');
    const config = JSON.parse(readFileSync(configFile, 'utf8')) as LifeboatConfig;
    writeFileSync(lockedConfig, JSON.stringify({ environments: config.environments.map((e) => ({ ...e, immutability: { mode: 'GOVERNANCE', days: 30 } })) } satisfies LifeboatConfig));
    tables.get(DR_KEY)?.set(ID, record({ hold: { reason: 'case 42', by: 'ann', at: '2026-12-10T00:00:00.000Z' } }));
    const { err, io } = capturedCliIo();
    expect(await backupsReleaseCommand(ID, { ...target, config: lockedConfig }, { io, clients: clients(PRIMARY_ACCOUNT) })).toBe(1);
    expect(err).toEqual([
      `lifeboat backups release: the DR copy of backup ${ID} is still held: the DR catalog and the DR vault are account ${DR_ACCOUNT}'s (drAccount), which take no release from this account's credentials, and that account's retention keeps the copy until its catalog is released too. ` +
        `To release it there, run \`lifeboat backups release ${ID} --only dr --config ${lockedConfig} --aws\` with credentials of account ${DR_ACCOUNT}'s break-glass principal arn:aws:iam::${DR_ACCOUNT}:root (the root user of account ${DR_ACCOUNT}), ` +
        "to which the DR vault's bucket policy reserves lifting its S3 legal holds (as it, or with --dr-profile <a profile of it>).",
    ]);
    expect(held(DR_KEY)).toBeDefined();
  });

  it('--only primary does the primary half and says the DR side was left alone, exit 0', async () => {
    const { out, err, io } = capturedCliIo();
    expect(await backupsHoldCommand(ID, { ...target, reason: 'case 42', by: 'ann', only: 'primary' }, { io, clients: clients(PRIMARY_ACCOUNT), now })).toBe(0);
    expect(out).toEqual([DONE, '  The DR catalog and the DR vault were left alone (--only primary).']);
    expect(err).toEqual([]);
    expect(sent.filter((s) => s.includes(DR))).toEqual([]);
  });
});

/** The options of the `lifeboat backups release` line a hold printed, as a person pasting it gives them (its words have no quotes here). */
function pastedRelease(printed: string | undefined): Parameters<typeof backupsReleaseCommand>[1] {
  const line = /`(lifeboat backups release [^`]*)`/.exec(printed ?? '')?.[1] ?? '';
  const words = line.split(' ').slice(4);
  const value = (flag: string) => (words.includes(flag) ? words[words.indexOf(flag) + 1] : undefined);
  const only = value('--only');
  const drProfile = value('--dr-profile');
  return { env: value('--env') ?? 'dev', config: value('--config') ?? '', dataDir: target.dataDir, aws: words.includes('--aws'), ...(only !== undefined ? { only } : {}), ...(drProfile !== undefined ? { drProfile } : {}) };
}

describe('--dr-profile: the DR half with the DR account\'s credentials', () => {
  it('writes the primary catalog with the operator\'s client and the DR catalog, by its ARN, and the DR vault with the profile\'s, exit 0', async () => {
    const profiles: string[] = [];
    const { out, err, io } = capturedCliIo();
    expect(await backupsHoldCommand(ID, { ...target, reason: 'case 42', by: 'ann', drProfile: 'ops-dr' }, { io, clients: clients(PRIMARY_ACCOUNT, profiles), now })).toBe(0);
    expect(profiles).toEqual([`ops-dr ${DR}`]);
    expect(sent).toEqual([
      `${PRIMARY_ACCOUNT} ${PRIMARY} GetCommand ${TABLE}`,
      `${PRIMARY_ACCOUNT} ${PRIMARY} UpdateCommand ${TABLE}`,
      `${DR_ACCOUNT} ${DR} UpdateCommand ${DR_TABLE_ARN}`,
      `${PRIMARY_ACCOUNT} ${PRIMARY} GetObjectLockConfigurationCommand lifeboat-dev-vault-${PRIMARY_ACCOUNT}-${PRIMARY}`,
      `${DR_ACCOUNT} ${DR} GetObjectLockConfigurationCommand lifeboat-dev-vault-${DR_ACCOUNT}-${DR}`,
    ]);
    expect(out).toEqual([doneWith(' --dr-profile ops-dr'), '  The DR catalog has it too.']);
    expect(err).toEqual([]);
    expect(held(DR_KEY)).toEqual(held(PRIMARY_KEY));
  });

  it('the release line it prints, pasted, lifts both halves: it carries --dr-profile (review r57N F1)', async () => {
    const { out, io } = capturedCliIo();
    expect(await backupsHoldCommand(ID, { ...target, reason: 'case 42', by: 'ann', drProfile: 'ops-dr' }, { io, clients: clients(PRIMARY_ACCOUNT), now })).toBe(0);
    const pasted = capturedCliIo();
    expect(await backupsReleaseCommand(ID, pastedRelease(out[0]), { io: pasted.io, clients: clients(PRIMARY_ACCOUNT) })).toBe(0);
    expect(pasted.err).toEqual([]);
    expect([held(PRIMARY_KEY), held(DR_KEY)]).toEqual([undefined, undefined]);
  });

  it('fails naming the refusal, not an outage, when the profile is not the DR account\'s: the DR copy is not held', async () => {
    const { out, err, io } = capturedCliIo();
    expect(await backupsHoldCommand(ID, { ...target, reason: 'case 42', by: 'ann', drProfile: 'ops-primary' }, { io, clients: clients(PRIMARY_ACCOUNT), now })).toBe(1);
    expect(out).toEqual([doneWith(' --dr-profile ops-primary')]);
    expect(err).toEqual([
      `lifeboat backups hold: the DR catalog ${DR_TABLE_ARN} refused these credentials (User: arn:aws:iam::${PRIMARY_ACCOUNT}:role/operator is not authorized to perform: dynamodb:UpdateItem on resource: ${DR_TABLE_ARN}): the DR copy of backup ${ID} is NOT held yet. ` +
        `It is account ${DR_ACCOUNT}'s, which gives no other account this write: run \`${DR_HALF}\` with credentials of account ${DR_ACCOUNT} (as that account, or with --dr-profile <a profile of it>), allowed dynamodb:UpdateItem and dynamodb:GetItem on that table.`,
      `lifeboat backups hold: the S3 legal holds in the DR vault could not be set (Access Denied): its objects in the DR vault are NOT held by Object Lock yet; run \`${DR_HALF}\` with credentials of account ${DR_ACCOUNT} (as that account, or with --dr-profile <a profile of it>), ` +
        "allowed s3:GetBucketObjectLockConfiguration, s3:GetObjectLegalHold, s3:PutObjectLegalHold and kms:Decrypt with the DR vault's key, and when the DR region answers.",
    ]);
    expect(held(DR_KEY)).toBeUndefined();
  });

  it('fails when the DR region does not answer, naming the DR half to run again', async () => {
    drRegionDown = true;
    const { err, io } = capturedCliIo();
    expect(await backupsHoldCommand(ID, { ...target, reason: 'case 42', by: 'ann', drProfile: 'ops-dr' }, { io, clients: clients(PRIMARY_ACCOUNT), now })).toBe(1);
    expect(err[0]).toBe(
      `lifeboat backups hold: the DR catalog ${DR_TABLE_ARN} (${DR}) could not be written (connect ETIMEDOUT dynamodb.${DR}.amazonaws.com): the DR copy of backup ${ID} is NOT held yet; run \`${DR_HALF.replace('--only dr', '--only dr --dr-profile ops-dr')}\` when the DR region answers.`,
    );
    expect(held(PRIMARY_KEY)).toBeDefined();
  });
});

describe('a DR catalog that answers the hold with a fault of its own', () => {
  it('says the DR copy may or may not be held yet, not that it is not, and that running the DR half again is safe (review r63O F4)', async () => {
    drRegionFault = true;
    const { err, io } = capturedCliIo();
    expect(await backupsHoldCommand(ID, { ...target, reason: 'case 42', by: 'ann', drProfile: 'ops-dr' }, { io, clients: clients(PRIMARY_ACCOUNT), now })).toBe(1);
    expect(err[0]).toBe(
      `lifeboat backups hold: the DR catalog ${DR_TABLE_ARN} (${DR}) could not be written (the region is in trouble): the DR copy of backup ${ID} may or may not be held yet (the write may have applied); ` +
        `run \`${DR_HALF.replace('--only dr', '--only dr --dr-profile ops-dr')}\` when the DR region answers: running it again is safe either way.`,
    );
  });
});

describe('--only dr, run as the DR account', () => {
  it('writes the DR catalog by its ARN with the caller\'s own credentials and touches nothing of the primary account, exit 0', async () => {
    const { out, err, io } = capturedCliIo();
    expect(await backupsHoldCommand(ID, { ...target, reason: 'case 42', by: 'ann', only: 'dr' }, { io, clients: clients(DR_ACCOUNT), now })).toBe(0);
    expect(sent).toEqual([
      `${DR_ACCOUNT} ${DR} GetCommand ${DR_TABLE_ARN}`,
      `${DR_ACCOUNT} ${DR} UpdateCommand ${DR_TABLE_ARN}`,
      `${DR_ACCOUNT} ${DR} GetObjectLockConfigurationCommand lifeboat-dev-vault-${DR_ACCOUNT}-${DR}`,
    ]);
    expect(out).toEqual([
      `The DR copy of backup ${ID} is on legal hold ("case 42") in the DR catalog: the DR vault's retention keeps it until it is released there: \`lifeboat backups release ${ID} --only dr --config ${configFile} --aws\`.`,
    ]);
    expect(err).toEqual([]);
    expect(held(DR_KEY)).toEqual({ reason: 'case 42', by: 'ann', at: '2026-12-10T00:00:00.000Z' });
    expect(held(PRIMARY_KEY)).toBeUndefined();
  });

  it('the release line it prints, pasted as the DR account, releases the DR copy alone: it carries --only dr (review r57N F1)', async () => {
    const { out, io } = capturedCliIo();
    expect(await backupsHoldCommand(ID, { ...target, reason: 'case 42', by: 'ann', only: 'dr' }, { io, clients: clients(DR_ACCOUNT), now })).toBe(0);
    sent = [];
    const pasted = capturedCliIo();
    expect(await backupsReleaseCommand(ID, pastedRelease(out[0]), { io: pasted.io, clients: clients(DR_ACCOUNT) })).toBe(0);
    expect(pasted.err).toEqual([]);
    expect(held(DR_KEY)).toBeUndefined();
    expect(sent.filter((s) => s.startsWith(`${DR_ACCOUNT} ${PRIMARY}`))).toEqual([]);
  });

  it('fails, naming the credentials it needs, when run with the primary account\'s', async () => {
    const { out, err, io } = capturedCliIo();
    expect(await backupsHoldCommand(ID, { ...target, reason: 'case 42', by: 'ann', only: 'dr' }, { io, clients: clients(PRIMARY_ACCOUNT), now })).toBe(1);
    expect(out).toEqual([]);
    expect(err[0]).toMatch(new RegExp(`^lifeboat backups hold: the DR catalog ${DR_TABLE_ARN} refused these credentials \\(.*\\): the DR copy of backup ${ID} is NOT held yet\\. It is account ${DR_ACCOUNT}'s`));
  });

  it('says so when the DR catalog has no record of the backup yet, exit 0: replication copies the primary\'s, hold included', async () => {
    tables.get(DR_KEY)?.delete(ID);
    const { out, err, io } = capturedCliIo();
    expect(await backupsReleaseCommand(ID, { ...target, only: 'dr' }, { io, clients: clients(DR_ACCOUNT) })).toBe(0);
    expect(out).toEqual([`The DR catalog has no record of backup ${ID} yet (not replicated, or no such backup): nothing was changed there; replication copies the primary catalog's record, hold included.`]);
    expect(err).toEqual([]);
  });

  it('the primary half with the DR account\'s credentials says whose credentials each half takes', async () => {
    const { err, io } = capturedCliIo();
    expect(await backupsHoldCommand(ID, { ...target, reason: 'case 42', by: 'ann' }, { io, clients: clients(DR_ACCOUNT), now })).toBe(1);
    expect(err).toEqual([
      `lifeboat backups hold: Requested resource not found (the primary catalog and vault are account ${PRIMARY_ACCOUNT}'s: run this with that account's credentials; the DR half takes account ${DR_ACCOUNT}'s, with --dr-profile or alone with --only dr)`,
    ]);
  });
});

describe('options', () => {
  it.each([
    [{ only: 'both' }, 'lifeboat backups hold: --only must be primary or dr, got both'],
    [{ only: 'primary', drProfile: 'ops-dr' }, 'lifeboat backups hold: --dr-profile gives the credentials of the DR half, which --only primary leaves alone: drop one of them'],
    [{ drProfile: 'ops-dr', aws: false }, 'lifeboat backups hold: --dr-profile names AWS credentials of the DR account: add --aws (the local cloud has no credentials to choose)'],
  ])('refuses %j with exit 2 before reaching anything', async (options, message) => {
    const { err, io } = capturedCliIo();
    expect(await backupsHoldCommand(ID, { ...target, reason: 'case 42', ...options }, { io, clients: clients(PRIMARY_ACCOUNT) })).toBe(2);
    expect(err).toEqual([message]);
    expect(sent).toEqual([]);
  });
});

describe('profileClients (the default for --dr-profile)', () => {
  it("signs the DR side's requests with the named profile's credentials, not the environment's", async () => {
    const credentialsFile = path.join(tmp.dir, 'credentials');
    writeFileSync(credentialsFile, '[ops-dr]\naws_access_key_id = AKIDFROMPROFILE\naws_secret_access_key = secret\n');
    const saved = { ...process.env };
    Object.assign(process.env, { AWS_SHARED_CREDENTIALS_FILE: credentialsFile, AWS_CONFIG_FILE: path.join(tmp.dir, 'no-config'), AWS_ACCESS_KEY_ID: 'AKIDFROMENV', AWS_SECRET_ACCESS_KEY: 'x' });
    delete process.env.AWS_PROFILE;
    // The SDK warns that a profile and static environment credentials are both set, and goes with the profile.
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const clients = profileClients('ops-dr', DR);
      for (const client of [clients.dynamodb, clients.s3, clients.kms]) {
        expect([await resolved(client.config.region), ((await resolved(client.config.credentials)) as { accessKeyId: string }).accessKeyId]).toEqual([DR, 'AKIDFROMPROFILE']);
      }
    } finally {
      warn.mockRestore();
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
    }
  });
});
