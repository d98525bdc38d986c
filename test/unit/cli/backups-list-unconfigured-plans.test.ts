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

/** The denial an operator with the documented policy (GetItem, Query; no Scan) gets. */
const scanDenied = () =>
  Object.assign(new Error('User: arn:aws:sts::000000000000:assumed-role/operator/x is not authorized to perform: dynamodb:Scan on resource: arn:aws:dynamodb:us-east-1:000000000000:table/lifeboat-dev-catalog/index/byPlan'), {
    name: 'AccessDeniedException',
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
  });
const demo = { ...record, pk: 'BACKUP#b-2', backupId: 'b-2', plan: 'demo' };

it('backups list --all without dynamodb:Scan lists the configured plans from the primary, warns of the unconfigured ones, exits 0 (review r64W F1)', async () => {
  ddb.on(QueryCommand).callsFake((input: { ExpressionAttributeValues?: Record<string, unknown> }) => ({ Items: input.ExpressionAttributeValues?.[':plan'] === 'demo' ? [demo] : [] }));
  ddb.on(ScanCommand).rejects(scanDenied());
  const { out, err, io } = capturedCliIo();
  expect(await backupsListCommand({ ...target, all: true, json: true }, { io })).toBe(0);
  expect((JSON.parse(out.join('\n')) as { backupId: string }[]).map((r) => r.backupId)).toEqual(['b-2']);
  expect(err).toEqual([expect.stringMatching(/^warning: plans no longer in the config are not listed: dynamodb:Scan on the byPlan index was refused \(User: .* is not authorized to perform: dynamodb:Scan .*\); list one with --plan <name>/)]);
  // Never the DR fallback: nothing names the primary region unreadable, and only one catalog was scanned.
  expect(err.join('\n')).not.toMatch(/could not be read|DR catalog/);
  expect(ddb.commandCalls(ScanCommand)).toHaveLength(1);
});

it('backups list --all with the Scan refused in the primary only still lists the primary, not the DR catalog (review r64W F1)', async () => {
  ddb.on(QueryCommand).callsFake((input: { ExpressionAttributeValues?: Record<string, unknown> }) => ({ Items: input.ExpressionAttributeValues?.[':plan'] === 'demo' ? [demo] : [] }));
  ddb.on(ScanCommand).rejectsOnce(scanDenied()).resolves({ Items: [{ plan: 'demo' }, { plan: OLD }] });
  const { out, err, io } = capturedCliIo();
  expect(await backupsListCommand({ ...target, all: true }, { io })).toBe(0);
  expect(out.some((l) => l.startsWith('b-2'))).toBe(true);
  expect(out.some((l) => l.startsWith('b-1'))).toBe(false);
  expect(err).toHaveLength(1);
  expect(err[0]).toMatch(/^warning: plans no longer in the config are not listed/);
});
