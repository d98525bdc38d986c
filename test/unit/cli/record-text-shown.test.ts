import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { GetObjectLockConfigurationCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { backupsListCommand } from '../../../cli/commands/backup-commands';
import { backupsHoldCommand } from '../../../cli/commands/retention-commands';
import { capturedCliIo } from '../../support/captured-cli-io';
import { parsePrintedCommand } from '../../support/printed-command-parse';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';

/**
 * A backup record's text (a hold's reason, by and at, its start) is any non-empty string (backupRecordSchema), and a
 * forged or damaged record is valid: `backups list` and `backups hold` print it escaped, as \uXXXX, so a newline, ESC,
 * CSI or bidi override in it neither forges a line nor acts in the terminal (f62W).
 */

const FORGED = '\n\u001b[31m\u009b\u202e';
const SHOWN = '\\u000a\\u001b[31m\\u009b\\u202e';

const ddb = mockClient(DynamoDBDocumentClient);
const s3 = mockClient(S3Client);
beforeEach(() => {
  ddb.reset();
  s3.reset();
  s3.on(GetObjectLockConfigurationCommand).rejects(new S3ServiceException({ name: 'ObjectLockConfigurationNotFoundError', $fault: 'client', $metadata: { httpStatusCode: 404 }, message: 'Object Lock configuration does not exist for this bucket' }));
});

const target = { config: SAMPLE_CONFIG_FILE, env: 'dev', dataDir: '.unused', aws: true };
const record = (extra: Record<string, unknown>): Record<string, unknown> => ({
  pk: 'BACKUP#b-1',
  sk: 'BACKUP',
  backupId: 'b-1',
  plan: 'demo',
  environment: 'dev',
  sourceNames: ['demo-assets'],
  sources: [],
  strategy: 'full',
  status: 'COMMITTED',
  startedAt: '2026-03-01T00:00:00.000Z',
  shardCount: 1,
  ...extra,
});

/** No character a terminal acts on or hides: C0 but the line's own, DEL, C1, the bidi controls. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const RAW = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

it("backups list shows a record's hold reason and start escaped, each row one line", async () => {
  ddb.on(QueryCommand).resolves({ Items: [record({ startedAt: `2026-03-01T00:00:00.000Z${FORGED}`, hold: { reason: `case 42${FORGED}`, by: 'ann', at: '2026-04-01T00:00:00.000Z' } })] });
  const { out, io } = capturedCliIo();
  expect(await backupsListCommand({ ...target }, { io })).toBe(0);
  const row = out.find((line) => line.startsWith('b-1'));
  expect(row).toContain(`2026-03-01T00:00:00.000Z${SHOWN}`);
  expect(row).toMatch(new RegExp(`\\[legal hold: case 42${SHOWN.replace(/[\\[\]]/g, '\\$&')}\\]$`));
  for (const line of out) expect(line).not.toMatch(RAW);
});

it('backups list --json writes a C1 or bidi control in a record as \\uXXXX, which a JSON reader reads back the same (f63R, review r63G F3; its key names the same id, as a record must since review r64L F4)', async () => {
  const error = `States.TaskFailed\u009b31m\u202e`;
  ddb.on(QueryCommand).resolves({ Items: [record({ pk: 'BACKUP#b-1\u009b2J', backupId: 'b-1\u009b2J', status: 'FAILED', error, cause: 'boom\u2066' })] });
  const { out, io } = capturedCliIo();
  expect(await backupsListCommand({ ...target, json: true }, { io })).toBe(0);
  const json = out.join('\n');
  for (const line of json.split('\n')) expect(line).not.toMatch(RAW);
  expect(json).toContain('"backupId": "b-1\\u009b2J"');
  expect(JSON.parse(json)).toEqual([expect.objectContaining({ backupId: 'b-1\u009b2J', error, cause: 'boom\u2066' })]);
});

it("backups list says its own target options after a failed run's cause that names a lifeboat command, which the Lambda wrote without them (review r63J F2)", async () => {
  const cause = JSON.stringify({ errorType: 'CatalogRebuildNeeded', errorMessage: 'the catalog is stale; run `lifeboat catalog rebuild --vault dr --region dr` then retry', trace: [] });
  ddb.on(QueryCommand).resolves({ Items: [record({ status: 'FAILED', error: 'CatalogRebuildNeeded', cause })] });
  const { out, io } = capturedCliIo();
  expect(await backupsListCommand({ ...target }, { io })).toBe(0);
  const note = out.find((line) => line.startsWith('    failed: '));
  expect(note).toBe(
    `    failed: CatalogRebuildNeeded: the catalog is stale; run \`lifeboat catalog rebuild --vault dr --region dr\` then retry (add this list's target options to the lifeboat command it names: --config ${SAMPLE_CONFIG_FILE} --aws)`,
  );
  // The command with the options the note says reaches the list's own environment.
  const [command, options] = /`(lifeboat [^`]*)`.*names:(.*)\)$/.exec(note!)!.slice(1);
  const parsed = await parsePrintedCommand(`${command!}${options!}`);
  expect(parsed.args?.at(-1)).toEqual(expect.objectContaining({ vault: 'dr', region: 'dr', config: SAMPLE_CONFIG_FILE, aws: true }));
});

it("backups hold's note shows the earlier hold's reason, by and at escaped, and the new reason too", async () => {
  const earlier = { reason: `case 42${FORGED}`, by: `ann${FORGED}`, at: `2026-04-01T00:00:00.000Z${FORGED}` };
  const now = { reason: 'case 7', by: 'bob', at: '2026-04-02T00:00:00.000Z' };
  ddb.on(GetCommand).resolves({ Item: record({ hold: earlier }) });
  ddb.on(UpdateCommand).resolvesOnce({ Attributes: record({ hold: now }) }).rejectsOnce(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }));
  const { out, err, io } = capturedCliIo();
  expect(await backupsHoldCommand('b-1', { ...target, reason: 'case 7', by: 'bob' }, { io, now: () => new Date(now.at) })).toBe(0);
  expect(err).toEqual([
    `note: backup b-1 was held already ("case 42${SHOWN}", by ann${SHOWN} at 2026-04-01T00:00:00.000Z${SHOWN}); a backup has one hold, which now reads "case 7", and one release lifts it: keep both cases in the reason`,
  ]);
  for (const line of [...out, ...err]) expect(line).not.toMatch(RAW);
});

it("backups hold says the record's reason escaped in its done line (the catalog's, any string)", async () => {
  const held = { reason: `case 42${FORGED}`, by: 'ann', at: '2026-04-01T00:00:00.000Z' };
  ddb.on(GetCommand).resolves({});
  ddb.on(UpdateCommand).resolvesOnce({ Attributes: record({ hold: held }) }).rejectsOnce(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }));
  const { out, io } = capturedCliIo();
  expect(await backupsHoldCommand('b-1', { ...target, reason: 'case 42', by: 'ann' }, { io, now: () => new Date(held.at) })).toBe(0);
  expect(out[0]).toBe(`Backup b-1 is on legal hold ("case 42${SHOWN}"): every retention policy keeps it until \`lifeboat backups release b-1 --config ${SAMPLE_CONFIG_FILE} --aws\`.`);
  for (const line of out) expect(line).not.toMatch(RAW);
});
