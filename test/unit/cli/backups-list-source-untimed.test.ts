import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { GetObjectLockConfigurationCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { backupsListCommand } from '../../../cli/commands/backup-commands';
import { capturedCliIo } from '../../support/captured-cli-io';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';

/**
 * Review r65B F1: `lifeboat backups list --source` left out a committed backup whose start is not a time, while a
 * point in time's refusal (NoBackupAtTimeError) says "lifeboat backups list shows them". It is listed after the timed
 * ones, its start shown as the record says it, as `backups list --plan` shows it.
 */

const ddb = mockClient(DynamoDBDocumentClient);
const s3 = mockClient(S3Client);
afterAll(() => {
  ddb.restore();
  s3.restore();
});

const target = { config: SAMPLE_CONFIG_FILE, env: 'dev', dataDir: '.unused', aws: true };
const record = (backupId: string, startedAt: string): Record<string, unknown> => ({
  pk: `BACKUP#${backupId}`,
  sk: 'BACKUP',
  backupId,
  plan: 'demo',
  environment: 'dev',
  sourceNames: ['s'],
  sources: [],
  strategy: 'full',
  status: 'COMMITTED',
  startedAt,
  shardCount: 1,
});
const index = (backupId: string, startedAt: string): Record<string, unknown> => ({ pk: 'SOURCE#s', sk: `BACKUP#${startedAt}#${backupId}`, backupId, strategy: 'full', startedAt });

beforeEach(() => {
  ddb.reset();
  s3.reset();
  s3.on(GetObjectLockConfigurationCommand).rejects(new S3ServiceException({ name: 'ObjectLockConfigurationNotFoundError', $fault: 'client', $metadata: { httpStatusCode: 404 }, message: 'Object Lock configuration does not exist for this bucket' }));
  ddb.on(QueryCommand).callsFake((input: { ExpressionAttributeValues?: Record<string, unknown> }) => ({
    Items: input.ExpressionAttributeValues?.[':pk'] === 'SOURCE#s' ? [index('b-hand', 'yesterday noon'), index('b-timed', '2026-03-01T00:00:00.000Z')] : [],
  }));
  ddb.on(GetCommand).resolves({});
  ddb.on(GetCommand, { Key: { pk: 'BACKUP#b-hand', sk: 'BACKUP' } }).resolves({ Item: record('b-hand', 'yesterday noon') });
  ddb.on(GetCommand, { Key: { pk: 'BACKUP#b-timed', sk: 'BACKUP' } }).resolves({ Item: record('b-timed', '2026-03-01T00:00:00.000Z') });
});

it('backups list --source lists a committed backup whose start is not a time, after the timed ones', async () => {
  const { out, io } = capturedCliIo();
  expect(await backupsListCommand({ ...target, source: 's' }, { io })).toBe(0);
  const rows = out.filter((line) => line.startsWith('b-'));
  expect(rows.map((line) => line.split(/\s+/)[0])).toEqual(['b-timed', 'b-hand']);
  expect(rows[1]).toContain('yesterday noon');
});

it('backups list --source --json gives the record whose start is not a time as it is', async () => {
  const { out, io } = capturedCliIo();
  expect(await backupsListCommand({ ...target, source: 's', json: true }, { io })).toBe(0);
  expect((JSON.parse(out.join('\n')) as { backupId: string; startedAt: string }[]).map((r) => [r.backupId, r.startedAt])).toEqual([
    ['b-timed', '2026-03-01T00:00:00.000Z'],
    ['b-hand', 'yesterday noon'],
  ]);
});
