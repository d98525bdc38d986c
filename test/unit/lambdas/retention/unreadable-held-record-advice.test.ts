import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { BackupCatalog } from '../../../../lambdas/catalog/backup-catalog';
import { UnreadableHeldRecordError } from '../../../../lambdas/catalog/catalog-errors';
import { heldSnapshotsOf } from '../../../../lambdas/retention/object-legal-hold';

/**
 * Review r64W F2: a release refused for a held record it cannot read said "Fix or delete the item (the vault keeps the
 * backup itself) … Then run the release again": deleted, the item no longer stops the release, which then lifts the S3
 * legal holds the held backup needs. The refusal now says to rebuild the catalog (which holds it again from Object Lock)
 * before any release, with the rebuild's command line.
 */

const ddb = mockClient(DynamoDBDocumentClient);
afterAll(() => ddb.restore());
const catalog = new BackupCatalog(DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' })), 'catalog');
const source = (snapshotId: string) => ({ name: 'src', type: 'filesystem', snapshotId, rootHash: 'r', entries: 0, bytes: 0, bytesScanned: 0, bytesNew: 0, bytesStored: 0, blobsNew: 0 });
const record = (backupId: string, snapshotId: string) => ({
  pk: `BACKUP#${backupId}`,
  sk: 'BACKUP',
  backupId,
  plan: 'demo',
  environment: 'dev',
  sourceNames: ['src'],
  sources: [source(snapshotId)],
  strategy: 'full',
  status: 'COMMITTED',
  startedAt: '2026-03-01T00:00:00.000Z',
  shardCount: 1,
  hold: { reason: 'court', by: 'legal', at: '2026-11-29T00:00:00Z' },
});
const REBUILD = 'lifeboat catalog rebuild --vault primary --env dev --aws';

it('refuses a release over a held record it cannot read, saying to rebuild before any release if the item is deleted', async () => {
  const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
  try {
    // The held record of Z is damaged (its sources are not a list); Y is released.
    ddb.on(QueryCommand).resolves({ Items: [{ ...record('z', 'z'.repeat(64)), sources: 'oops' }, record('y', 'y'.repeat(64))] });
    const refusal = await heldSnapshotsOf(catalog, ['demo'], 'y', REBUILD).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(refusal).toBeInstanceOf(UnreadableHeldRecordError);
    const message = (refusal as Error).message;
    expect(message).toMatch(/^The objects of backup y keep their S3 legal holds: a backup record with a legal hold cannot be read, so which of them it still needs is unknown\. Catalog item BACKUP#z \/ BACKUP in table catalog is not a valid backup record: sources: .*\. Fix the item, or upgrade Lifeboat if a newer version wrote it\. /);
    expect(message).toContain(`If you delete it instead, run \`${REBUILD}\` before any release: it writes the record again from the vault and holds it again from its objects' S3 legal holds, which a release run with the item gone would lift. Then run the release again.`);
    expect(message).not.toContain('the vault keeps the backup itself');
  } finally {
    warn.mockRestore();
  }
});
