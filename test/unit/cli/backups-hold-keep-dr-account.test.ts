import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { GetObjectLockConfigurationCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { type LifeboatConfig } from '../../../config/lifeboat-config';
import { loadLifeboatConfig } from '../../../config/load-config';
import { backupsHoldCommand } from '../../../cli/commands/retention-commands';
import { capturedCliIo } from '../../support/captured-cli-io';
import { tempDir } from '../../support/local-cloud-helpers';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';

/**
 * `lifeboat backups hold <id>` without --reason (keep the hold the backup has) with the DR stack in another account and
 * no --dr-profile: the DR account's catalog cannot be read (review r65Y F1, F2). The fake AWS answers every GetItem with
 * the same record, and every UpdateItem with it held.
 */

const tmp = tempDir('hold-keep-dr-account');
afterAll(() => tmp.remove());
const sample = loadLifeboatConfig(SAMPLE_CONFIG_FILE);
const configFile = path.join(tmp.dir, 'dr-account.config.json');
writeFileSync(
  configFile,
  JSON.stringify({
    environments: sample.environments.map((e) => ({ ...e, account: '111122223333', drAccount: '222222222222', plans: e.plans.map((p) => ({ ...p, sources: p.sources.map(({ mirror: _mirror, ...s }) => s) })) })),
  } satisfies LifeboatConfig),
);
const RECORD = { pk: 'BACKUP#b-1', sk: 'BACKUP', backupId: 'b-1', plan: 'demo', environment: 'dev', sourceNames: ['demo-assets'], sources: [], strategy: 'full', status: 'COMMITTED', startedAt: '2026-03-01T00:00:00.000Z', shardCount: 1 };
const HOLD = { reason: 'case 42', by: 'ann', at: '2026-04-01T00:00:00.000Z' };

const ddb = mockClient(DynamoDBDocumentClient);
const s3 = mockClient(S3Client);
beforeEach(() => {
  ddb.reset();
  s3.reset();
  s3.on(GetObjectLockConfigurationCommand).rejects(new S3ServiceException({ name: 'ObjectLockConfigurationNotFoundError', $fault: 'client', $metadata: { httpStatusCode: 404 }, message: 'no' }));
});
afterAll(() => {
  ddb.restore();
  s3.restore();
});

it('r65Y F1: a primary catalog with no hold to keep says the DR account\'s catalog was not read and how to read it', async () => {
  ddb.on(GetCommand).resolves({ Item: RECORD });
  const { err, io } = capturedCliIo();
  expect(await backupsHoldCommand('b-1', { config: configFile, env: 'dev', dataDir: '.unused', aws: true }, { io })).toBe(2);
  expect(err.join('\n')).toContain("the DR account's catalog (account 222222222222) was not read: add --dr-profile <a profile of that account> to keep the hold it has");
  expect(ddb.commandCalls(UpdateCommand)).toHaveLength(0);
});

it('r65Y F2: the DR half\'s line of a keep carries the kept hold, so that pasted in the DR account it holds with it', async () => {
  ddb.on(GetCommand).resolves({ Item: { ...RECORD, hold: HOLD } });
  ddb.on(UpdateCommand).resolves({ Attributes: { ...RECORD, hold: HOLD } });
  const { err, io } = capturedCliIo();
  expect(await backupsHoldCommand('b-1', { config: configFile, env: 'dev', dataDir: '.unused', aws: true }, { io })).toBe(1);
  const said = err.join('\n');
  expect(said).toContain('NOT held yet');
  expect(said).toMatch(/lifeboat backups hold b-1 --reason 'case 42' --by ann --only dr/);
});

it('r65Z F2: a kept reason a terminal would not show as it is (a CR, an ESC) is not put in the DR half\'s line', async () => {
  const forged = { ...HOLD, reason: 'case\r42 \u001b[2Kfake' };
  ddb.on(GetCommand).resolves({ Item: { ...RECORD, hold: forged } });
  ddb.on(UpdateCommand).resolves({ Attributes: { ...RECORD, hold: forged } });
  const { err, io } = capturedCliIo();
  expect(await backupsHoldCommand('b-1', { config: configFile, env: 'dev', dataDir: '.unused', aws: true }, { io })).toBe(1);
  const said = err.join('\n');
  expect(said).toContain('NOT held yet');
  expect(said.includes('\r') || said.includes('\u001b')).toBe(false);
});
