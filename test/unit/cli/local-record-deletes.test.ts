import { drillRunCommand } from '../../../cli/commands/drill-commands';
import { failoverCommand } from '../../../cli/commands/failover-command';
import { type WorkflowOutcome, type WorkflowRunner } from '../../../cli/workflow-runner';
import { type InvalidBackupItem } from '../../../lambdas/catalog/backup-catalog';
import { CatalogItemInvalidError } from '../../../lambdas/catalog/catalog-errors';
import { catalogItemDeleteCommand, catalogItemDeletesEnding } from '../../../lambdas/catalog/catalog-item-delete-command';
import { UnreadableNewerBackupError, unreadableRecordDeletes } from '../../../lambdas/failover/unreadable-newer-backups';
import { capturedCliIo } from '../../support/captured-cli-io';
import { inMemoryDrillAccess } from '../../support/in-memory-drill-access';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';

/**
 * Review r62C F2: a local failover or drill refused by catalog records it cannot read names `aws dynamodb delete-item …`
 * commands, which go to AWS: pasted, they delete nothing, exit 0, and the local run keeps refusing. The CLI of a local
 * run names the same deletes against the local cloud's DynamoDB (as the doctor does), each of exactly the damaged item.
 */

const TABLE = 'lifeboat-dev-catalog';
const invalid = (pk: string, sk = 'BACKUP'): InvalidBackupItem => ({
  key: { pk, sk },
  startedAt: '2026-12-09T06:00:00Z',
  preVault: false,
  mayBeHeld: false,
  forgotten: false,
  snapshotIds: [],
  error: new CatalogItemInvalidError(TABLE, `${pk} / ${sk}`, ['status: bad']),
});
const VICTIM = `aws dynamodb delete-item --region us-west-2 --table-name ${TABLE} --key '{"pk":{"S":"BACKUP#victim"},"sk":{"S":"BACKUP"}}' --condition-expression 'attribute_exists(pk)'`;
// A C1 CSI, a quote, and one whose key holds the words of a delete and of the sentence after the list.
const KEYS = ['BACKUP#20261209T060000Z-0000000b\u009b2J', "BACKUP#it's", `BACKUP#x; ${VICTIM}, and \`lifeboat catalog rebuild --vault dr --region dr\` writes`];
const items = KEYS.map((pk) => invalid(pk));
const refusal = (runbook: 'failover' | 'drill', unreadable: readonly InvalidBackupItem[]) =>
  new UnreadableNewerBackupError(runbook, 'demo', { region: 'us-west-2', vault: 'dr' }, undefined, unreadable).message;
const LOCAL = "AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER aws --endpoint-url <the dynamodb us-west-2 URL of lifeboat local status --data-dir '/srv/dr cloud'>";
/** The local delete of `pk`, written out here: its key JSON with the C1 character as \u009b and the quote as '\''. */
const localDelete = (json: string) => `${LOCAL} dynamodb delete-item --region us-west-2 --table-name ${TABLE} --key '${json}' --condition-expression 'attribute_exists(pk)'`;
const EXPECTED = [
  localDelete('{"pk":{"S":"BACKUP#20261209T060000Z-0000000b\\u009b2J"},"sk":{"S":"BACKUP"}}'),
  localDelete(`{"pk":{"S":"BACKUP#it'\\''s"},"sk":{"S":"BACKUP"}}`),
  localDelete(JSON.stringify({ pk: { S: KEYS[2] }, sk: { S: 'BACKUP' } }).replace(/'/g, "'\\''")),
];

function runnerOf(outcome: WorkflowOutcome): WorkflowRunner {
  return { run: async () => outcome };
}
const stderr = { isTTY: false, write: () => true };

describe('a local failover refused by records it cannot read', () => {
  const cause = JSON.stringify({ errorType: 'UnreadableNewerBackupError', errorMessage: refusal('failover', items), trace: [] });
  const outcome: WorkflowOutcome = { executionId: 'f1', status: 'FAILED', error: 'UnreadableNewerBackupError', cause };

  it('names each delete against the local cloud, with its endpoint and credentials, of exactly the damaged items', async () => {
    const { err, io } = capturedCliIo();
    expect(await failoverCommand({ config: 'lifeboat.config.json', env: 'dev', dataDir: '/srv/dr cloud', plan: 'demo' }, { io, stderr, runner: runnerOf(outcome) })).toBe(1);
    const line = err.find((l) => l.startsWith('This run is in the local cloud'));
    expect(line).toBe(`This run is in the local cloud, not AWS: delete the records there with ${EXPECTED.join('; ')}.`);
    expect(line).not.toContain('BACKUP#victim"');
  });

  it('adds nothing with --aws, where the function\'s own commands are the ones to run', async () => {
    const { err, io } = capturedCliIo();
    expect(await failoverCommand({ config: 'lifeboat.config.json', env: 'dev', dataDir: '/srv/dr cloud', aws: true, plan: 'demo' }, { io, stderr, runner: runnerOf(outcome) })).toBe(1);
    expect(err.some((l) => l.includes('S3RVER'))).toBe(false);
  });
});

it('a local drill failed by such a record names the local delete too', async () => {
  const memory = inMemoryDrillAccess();
  const cause = `UnreadableNewerBackupError: ${refusal('drill', items.slice(0, 1))}`;
  const { err, io } = capturedCliIo();
  const runner = runnerOf({ executionId: 'd1', status: 'FAILED', error: 'DrillFailed', cause });
  expect(await drillRunCommand({ config: SAMPLE_CONFIG_FILE, env: 'dev', dataDir: '/srv/dr cloud', plan: 'demo' }, { io, stderr, runner, access: memory.access })).toBe(1);
  expect(err).toContain(`This run is in the local cloud, not AWS: delete the record there with ${EXPECTED[0]}.`);
});

describe('reading the printed deletes back', () => {
  it('reads each key of the list back as it was, whatever the key holds, and none from elsewhere in the message', () => {
    const keys = [...KEYS, 'BACKUP#\\"\u202e\n\ud83d\ude00 \'\\\'\'', "'"];
    const many = keys.map((pk) => invalid(pk, `${pk}'`));
    // Three named, the others alike.
    expect(unreadableRecordDeletes(refusal('failover', many)).map((d) => d.key)).toEqual(many.slice(0, 3).map((i) => i.key));
    for (const item of many) {
      const { deletes, rest } = catalogItemDeletesEnding(`Delete it with ${catalogItemDeleteCommand({ region: 'us-west-2', table: TABLE, key: item.key })}`);
      expect({ deletes, rest }).toEqual({ deletes: [{ region: 'us-west-2', table: TABLE, key: item.key }], rest: 'Delete it with ' });
    }
  });

  it('reads none from a text that does not end with the list', () => {
    expect(unreadableRecordDeletes('Failover FAILED: something else')).toEqual([]);
    expect(catalogItemDeletesEnding(`${VICTIM} and more`).deletes).toEqual([]);
  });
});
