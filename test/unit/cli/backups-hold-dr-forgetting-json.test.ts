import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { GetObjectLockConfigurationCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { backupsHoldCommand } from '../../../cli/commands/retention-commands';
import { type BackupRecord } from '../../../lambdas/catalog/backup-record';
import { capturedCliIo } from '../../support/captured-cli-io';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';

/**
 * `lifeboat backups hold` when only the DR catalog's own forget has claimed its copy (audit a2 #1): the primary
 * catalog records the hold and the command exits 1; under --json it still prints the one object a script reads,
 * with `drCatalog.state` `forgetting`, and nothing else on stdout. Over a scripted DynamoDB (--aws, no local cloud).
 */

const ddb = mockClient(DynamoDBDocumentClient);
const s3 = mockClient(S3Client);
const ID = '20261205T222101Z-f2efb21a';
const SINCE = '2026-12-05T22:27:38.238Z';
const HOLD = { reason: 'case42', by: 'ann', at: '2026-12-06T00:00:00.000Z' };
const target = { config: SAMPLE_CONFIG_FILE, env: 'dev', dataDir: '.unused', aws: true };
const record = (extra: Partial<BackupRecord> = {}): Record<string, unknown> => ({
  pk: `BACKUP#${ID}`,
  sk: 'BACKUP',
  backupId: ID,
  plan: 'demo',
  environment: 'dev',
  sourceNames: ['demo-assets'],
  sources: [],
  strategy: 'full',
  status: 'COMMITTED',
  startedAt: '2026-12-05T22:21:01.000Z',
  shardCount: 1,
  ...extra,
});
const CLAIMED = `Backup ${ID} cannot be held: it is being forgotten by retention since ${SINCE}, and its snapshots may already be deleted; a hold cannot keep it. Hold another backup that is kept (\`lifeboat backups list\`); to keep backups from a forget, hold them before it runs.`;

beforeEach(() => {
  ddb.reset();
  s3.reset();
  // The primary catalog takes the hold; the DR one refuses it (its record is claimed), and the read-back finds the claim.
  ddb.on(UpdateCommand).resolvesOnce({ Attributes: record({ hold: HOLD }) }).rejectsOnce(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }));
  ddb.on(GetCommand).resolves({ Item: record({ forgettingAt: SINCE }) });
  s3.on(GetObjectLockConfigurationCommand).rejects(new S3ServiceException({ name: 'ObjectLockConfigurationNotFoundError', $fault: 'client', $metadata: { httpStatusCode: 404 }, message: 'Object Lock configuration does not exist for this bucket' }));
});

it('--json prints the primary hold with drCatalog.state forgetting and only that on stdout, exit 1', async () => {
  const { out, err, io } = capturedCliIo();
  expect(await backupsHoldCommand(ID, { ...target, reason: 'case42', by: 'ann', json: true }, { io, now: () => new Date(HOLD.at) })).toBe(1);
  expect(JSON.parse(out.join('\n'))).toEqual({
    backupId: ID,
    hold: HOLD,
    drCatalog: { state: 'forgetting', problem: CLAIMED },
    objects: [
      { vault: 'primary', state: 'no-object-lock' },
      { vault: 'dr', state: 'no-object-lock' },
    ],
  });
  expect(err).toEqual([`lifeboat backups hold: the DR catalog (us-west-2): ${CLAIMED} The primary catalog records the hold, and the primary vault keeps the backup.`]);
});

it('without --json says the same on stderr and prints nothing on stdout, exit 1', async () => {
  const { out, err, io } = capturedCliIo();
  expect(await backupsHoldCommand(ID, { ...target, reason: 'case42', by: 'ann' }, { io, now: () => new Date(HOLD.at) })).toBe(1);
  expect(out).toEqual([]);
  expect(err).toEqual([`lifeboat backups hold: the DR catalog (us-west-2): ${CLAIMED} The primary catalog records the hold, and the primary vault keeps the backup.`]);
});
