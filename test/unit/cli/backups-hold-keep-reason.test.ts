import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { GetObjectLockConfigurationCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { backupsHoldCommand, type BackupsHoldOptions } from '../../../cli/commands/retention-commands';
import { type BackupRecord, type LegalHold } from '../../../lambdas/catalog/backup-record';
import { holdBackup, keepingHolds } from '../../../lambdas/retention/legal-hold';
import { holdUnreadNote } from '../../../lambdas/replication/scrub-repairs';
import { refusedRepairReason } from '../../../lambdas/replication/refused-write-advice';
import { capturedCliIo } from '../../support/captured-cli-io';
import { parsePrintedCommand } from '../../support/printed-command-parse';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';
import { memoryHoldCatalog } from '../lambdas/retention/memory-hold-catalog';

/**
 * Review r65Q F1: a scrub whose repair re-made a held backup's copy without its S3 legal hold printed
 * `lifeboat backups hold '<backup id>' --reason 'scrub: held again after …'`, for a backup whose catalog record is still
 * held with its real reason (a legal case): pasted, it replaced that reason. `backups hold <id>` without --reason now sets
 * the hold a held backup has again, each catalog keeping its own (reason, by and at), and the lines print that form.
 */

const CASE_42: LegalHold = { reason: 'case 42', by: 'ann', at: '2026-04-01T00:00:00.000Z' };
const CASE_42_DR: LegalHold = { reason: 'case 42 (DR copy)', by: 'dora', at: '2026-04-02T00:00:00.000Z' };
const RECORD = { backupId: 'b-1', plan: 'demo', environment: 'dev', sourceNames: ['demo-assets'], sources: [], strategy: 'full' as const, status: 'COMMITTED' as const, startedAt: '2026-03-01T00:00:00.000Z', shardCount: 1 };

describe('holdBackup kept, both halves', () => {
  it('each catalog keeps its own reason; one without a hold gets the kept one; the S3 holds are set again', async () => {
    const primary = memoryHoldCatalog(['b-1']);
    const dr = memoryHoldCatalog(['b-1']);
    primary.records.set('b-1', { ...(primary.records.get('b-1') as BackupRecord), hold: CASE_42 });
    dr.records.set('b-1', { ...(dr.records.get('b-1') as BackupRecord), hold: CASE_42_DR });
    const objectHolds: boolean[] = [];
    const objectLegalHold = (_record: BackupRecord, on: boolean) => {
      objectHolds.push(on);
      return Promise.resolve([]);
    };
    const reading = (catalog: typeof primary) => keepingHolds({ ...catalog, getBackup: (id: string) => Promise.resolve(catalog.records.get(id)) });
    const outcome = await holdBackup('b-1', { kept: CASE_42 }, { primary: reading(primary), dr: reading(dr), objectLegalHold });
    expect(outcome.record?.hold).toEqual(CASE_42);
    expect(outcome.dr).toEqual({ state: 'written' });
    expect(dr.records.get('b-1')?.hold).toEqual(CASE_42_DR);
    expect(objectHolds).toEqual([true]);

    const unheldDr = memoryHoldCatalog(['b-1']);
    await holdBackup('b-1', { kept: CASE_42 }, { primary: reading(primary), dr: reading(unheldDr) });
    expect(unheldDr.records.get('b-1')?.hold).toEqual(CASE_42);
  });
});

describe('lifeboat backups hold without --reason', () => {
  const ddb = mockClient(DynamoDBDocumentClient);
  const s3 = mockClient(S3Client);
  beforeEach(() => {
    ddb.reset();
    s3.reset();
    s3.on(GetObjectLockConfigurationCommand).rejects(new S3ServiceException({ name: 'ObjectLockConfigurationNotFoundError', $fault: 'client', $metadata: { httpStatusCode: 404 }, message: 'Object Lock configuration does not exist for this bucket' }));
  });
  afterAll(() => {
    ddb.restore();
    s3.restore();
  });
  const target = { config: SAMPLE_CONFIG_FILE, env: 'dev', dataDir: '.unused', aws: true };
  const item = (hold?: LegalHold) => ({ pk: 'BACKUP#b-1', sk: 'BACKUP', ...RECORD, ...(hold ? { hold } : {}) });

  /** The printed line, its placeholder filled in, through the CLI's own parser: the options its action gets. */
  async function pasted(line: string): Promise<BackupsHoldOptions> {
    const parsed = await parsePrintedCommand(line.replace("'<backup id>'", 'b-1'));
    expect(parsed.refused).toBeUndefined();
    expect(parsed.args?.[0]).toBe('b-1');
    return parsed.args?.[1] as BackupsHoldOptions;
  }

  it.each([
    ['the repair whose hold could not be read (holdUnreadNote)', /`(lifeboat backups hold [^`]*)`/.exec(holdUnreadNote(' --config sample.json --aws'))?.[1]],
    [
      'the DR copy deleted and made again (DR_HOLD)',
      /`(lifeboat backups hold [^`]*)`/.exec(refusedRepairReason('dr', true, Object.assign(new Error('Access Denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }), true))?.[1],
    ],
  ])('the line of %s pastes, runs, and keeps the catalog\'s "case 42"', async (_name, line) => {
    expect(line).toBeDefined();
    const options = await pasted(line ?? '');
    expect(options.reason).toBeUndefined();
    ddb.on(GetCommand).resolves({ Item: item(CASE_42) });
    ddb.on(UpdateCommand).resolves({ Attributes: item(CASE_42) });
    const { out, err, io } = capturedCliIo();
    // The target options of the parse are the sample's; this run's are the mocked AWS ones.
    expect(await backupsHoldCommand('b-1', { ...options, ...target }, { io })).toBe(0);
    expect(err).toEqual([]);
    expect(out[0]).toContain('is on legal hold ("case 42")');
    const updates = ddb.commandCalls(UpdateCommand).map((c) => c.args[0].input);
    expect(updates.length).toBeGreaterThan(0);
    for (const update of updates) {
      expect(update.ExpressionAttributeValues?.[':hold']).toEqual(CASE_42);
    }
  });

  // Review r65Q F2: a catalog rebuilt from its vault lost its holds; the other region's catalog keeps the real one, which
  // the rebuild's line (no --reason) sets again in both.
  it("keeps the DR catalog's hold when the primary catalog, rebuilt, has none, writing it in both", async () => {
    ddb.on(GetCommand).resolvesOnce({ Item: item() }).resolvesOnce({ Item: item(CASE_42) }).resolvesOnce({ Item: item() }).resolves({ Item: item(CASE_42) });
    ddb.on(UpdateCommand).resolves({ Attributes: item(CASE_42) });
    const { out, err, io } = capturedCliIo();
    expect(await backupsHoldCommand('b-1', { ...target }, { io })).toBe(0);
    expect(err).toEqual([]);
    expect(out[0]).toContain('is on legal hold ("case 42")');
    expect(ddb.commandCalls(UpdateCommand).map((c) => c.args[0].input.ExpressionAttributeValues?.[':hold'])).toEqual([CASE_42, CASE_42]);
  });

  it('refuses, exit 2, on a backup with no hold to keep, writing nothing', async () => {
    ddb.on(GetCommand).resolves({ Item: item() });
    const { err, io } = capturedCliIo();
    expect(await backupsHoldCommand('b-1', { ...target }, { io })).toBe(2);
    expect(err).toEqual(['lifeboat backups hold: --reason is required to place a new hold: backup b-1 has none in the primary catalog or the DR one to keep; say why it is held (a case or ticket), e.g. --reason "case 42"']);
    expect(ddb.commandCalls(UpdateCommand)).toHaveLength(0);
  });

  it('an empty --reason is refused before anything is read', async () => {
    const { err, io } = capturedCliIo();
    expect(await backupsHoldCommand('b-1', { ...target, reason: ' ' }, { io })).toBe(2);
    expect(err).toEqual(['lifeboat backups hold: --reason is empty: say why the backup is held (a case or ticket), e.g. --reason "case 42"']);
    expect(ddb.calls()).toHaveLength(0);
  });
});
