import { DynamoDBDocumentClient, GetCommand, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { GetObjectLockConfigurationCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { backupsListCommand } from '../../../cli/commands/backup-commands';
import { capturedCliIo } from '../../support/captured-cli-io';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';

/**
 * Review r64Q F3: the doctor's advice for a plan no longer in the config, `lifeboat backups list --all --json`, listed
 * nothing of it: `backups list` without --plan queried the configured plans only. --all reads the catalog's plans too.
 */

const ddb = mockClient(DynamoDBDocumentClient);
const s3 = mockClient(S3Client);
afterAll(() => {
  ddb.restore();
  s3.restore();
});

/** A plan whose name no config can give, as the doctor's `catalog plan` line names it. */
const OLD = 'Old_Plan';
const target = { config: SAMPLE_CONFIG_FILE, env: 'dev', dataDir: '.unused', aws: true };
const record = { pk: 'BACKUP#b-1', sk: 'BACKUP', backupId: 'b-1', plan: OLD, environment: 'dev', sourceNames: ['x'], sources: [], strategy: 'full', status: 'COMMITTED', startedAt: '2026-03-01T00:00:00.000Z', shardCount: 1 };

beforeEach(() => {
  ddb.reset();
  s3.reset();
  s3.on(GetObjectLockConfigurationCommand).rejects(new S3ServiceException({ name: 'ObjectLockConfigurationNotFoundError', $fault: 'client', $metadata: { httpStatusCode: 404 }, message: 'Object Lock configuration does not exist for this bucket' }));
  ddb.on(QueryCommand).callsFake((input: { ExpressionAttributeValues?: Record<string, unknown> }) => ({ Items: input.ExpressionAttributeValues?.[':plan'] === OLD ? [record] : [] }));
  ddb.on(ScanCommand).resolves({ Items: [{ plan: OLD }, { plan: 'demo' }] });
  ddb.on(GetCommand).resolves({});
});

it('backups list --all --json lists the backups of a plan the catalog holds and the config no longer names', async () => {
  const { out, io } = capturedCliIo();
  expect(await backupsListCommand({ ...target, all: true, json: true }, { io })).toBe(0);
  expect((JSON.parse(out.join('\n')) as { backupId: string; plan: string }[]).map((r) => [r.backupId, r.plan])).toEqual([['b-1', OLD]]);
  expect(ddb.commandCalls(ScanCommand)[0]?.args[0].input).toMatchObject({ IndexName: 'byPlan' });
});

it('backups list without --all lists the configured plans only, and reads no plan list', async () => {
  const { out, io } = capturedCliIo();
  expect(await backupsListCommand({ ...target, json: true }, { io })).toBe(0);
  expect(JSON.parse(out.join('\n'))).toEqual([]);
  expect(ddb.commandCalls(ScanCommand)).toEqual([]);
});
