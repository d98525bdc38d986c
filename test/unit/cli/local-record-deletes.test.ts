import { drillRunCommand, drillsShowCommand } from '../../../cli/commands/drill-commands';
import { failoverCommand } from '../../../cli/commands/failover-command';
import { type WorkflowOutcome, type WorkflowRunner } from '../../../cli/workflow-runner';
import { DEFAULT_CONFIG_FILE } from '../../../config/load-config';
import { type InvalidBackupItem } from '../../../lambdas/catalog/backup-catalog';
import { backupRecordSchema } from '../../../lambdas/catalog/backup-record';
import { CatalogItemInvalidError } from '../../../lambdas/catalog/catalog-errors';
import { catalogItemDeleteCommand } from '../../../lambdas/catalog/catalog-item-delete-command';
import { shownItemKeyPart } from '../../../lambdas/catalog/shown-item-key';
import { type DrillRecord } from '../../../lambdas/catalog/drill-record';
import { drillStateReport, STATE_SUMMARY_MAX_CHARS } from '../../../lambdas/drill/drill-state-report';
import { UnreadableNewerBackupError } from '../../../lambdas/failover/unreadable-newer-backups';
import { capturedCliIo } from '../../support/captured-cli-io';
import { drillRecordOf, drillReport } from '../../support/drill-records';
import { inMemoryDrillAccess } from '../../support/in-memory-drill-access';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';

/**
 * Review r62C F2: a local failover or drill refused by catalog records it cannot read named `aws dynamodb delete-item …`
 * commands, which go to AWS. Review r62H F1: the CLI then read the deletes back from the drill's summary, cut at
 * STATE_SUMMARY_MAX_CHARS, where a damaged item's validation problems (a `pins` key) can end with the words of another,
 * valid record's delete: the local drill printed that delete. Now the function, which knows the local cloud's endpoint,
 * names the deletes against it, and the CLI prints what was recorded: no command is read back from a text.
 */

const TABLE = 'lifeboat-dev-catalog';
const ENDPOINT = 'http://127.0.0.1:4569';
const LOCAL = `AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER aws --endpoint-url ${ENDPOINT}`;
const DAMAGED_PK = 'BACKUP#20261209T060000Z-0000000b';
const VICTIM_PK = 'BACKUP#20261208T060000Z-0000000a';
const VICTIM = `aws dynamodb delete-item --region us-east-1 --table-name ${TABLE} --key '{"pk":{"S":"${VICTIM_PK}"},"sk":{"S":"BACKUP"}}' --condition-expression 'attribute_exists(pk)'`;
/**
 * A damaged item's key whose delete alone runs the refusal past the summary's cut (its 700 C1 characters are \uXXXX
 * there, cut at 40 in the prose): its problems no longer do, 10 at most since review r63B F2.
 */
const LONG_KEY = { pk: `${DAMAGED_PK}${'\u009b'.repeat(700)}`, sk: 'BACKUP' };
/** The local delete of the damaged item (of pk as its JSON writes it), written out. */
const DAMAGED_DELETE = (region: string, pkJson = DAMAGED_PK) =>
  `${LOCAL} dynamodb delete-item --region ${region} --table-name ${TABLE} --key '{"pk":{"S":"${pkJson}"},"sk":{"S":"BACKUP"}}' --condition-expression 'attribute_exists(pk)'`;

/** A damaged item as the catalog reads it: its problems from the real schema, so a `pins` key is in the message. */
function damaged(...pinKeys: string[]): InvalidBackupItem {
  return damagedAt({ pk: DAMAGED_PK, sk: 'BACKUP' }, ...pinKeys);
}

/** A damaged item of that key (its plan the drill's, so the byPlan query finds it whatever its pk holds). */
function damagedAt(key: { pk: string; sk: string }, ...pinKeys: string[]): InvalidBackupItem {
  return damagedStarted(key, '2026-12-09T06:00:00Z', ...pinKeys);
}

/** A damaged item of that key and `startedAt`, as the catalog reads it. */
function damagedStarted(key: { pk: string; sk: string }, startedAt: string, ...pinKeys: string[]): InvalidBackupItem {
  const item = { ...key, startedAt, plan: 'demo', status: 'COMMITTED', pins: Object.fromEntries(pinKeys.map((k) => [k, 'x'])) };
  const parsed = backupRecordSchema.safeParse(item);
  const problems = parsed.success ? [] : parsed.error.issues;
  return { key, startedAt: item.startedAt, preVault: false, mayBeHeld: false, forgotten: false, snapshotIds: [], error: new CatalogItemInvalidError(TABLE, `${key.pk} / ${key.sk}`, problems) };
}

/** Every delete printed against the local cloud, as [endpoint, pk]: whatever form (a placeholder endpoint too). */
function localDeletesPrinted(lines: readonly string[]): Array<[string, string]> {
  const found: Array<[string, string]> = [];
  for (const line of lines) {
    for (const m of line.matchAll(/S3RVER aws --endpoint-url (<[^>]*>|\S+) dynamodb delete-item --region \S+ --table-name \S+ --key '(\{[^']*\})'/g)) {
      found.push([m[1]!, (JSON.parse(m[2]!) as { pk: { S: string } }).pk.S]);
    }
  }
  return found;
}

/**
 * The pk of every complete `delete-item` the lines name, whatever its form (plain `aws` or against the local cloud, the
 * key as JSON or in the shorthand `pk={S=…},sk={S=…}`): a record's own text must spell none (review r62L F3).
 */
function deletedPksPrinted(lines: readonly string[]): string[] {
  const key = /delete-item(?: --[a-z-]+ [^\s']+)* --key (?:'(\{[^']*\})'|pk=\{S=([^}]*)\},sk=\{S=[^}]*\})/g;
  return lines.flatMap((line) => [...line.matchAll(key)].map((m) => (m[1] !== undefined ? (JSON.parse(m[1]) as { pk: { S: string } }).pk.S : m[2]!)));
}

const stderr = { isTTY: false, write: () => true };

/** The line after the refusal when the run started the local cloud, which stopped with it (review r62L F2). */
const stoppedCloudLine = (up: string, status: string): string =>
  `The local cloud this run started has stopped, so the --endpoint-url http://127.0.0.1:<port> in those deletes answers no more: start it with \`lifeboat local up ${up}\` and, in place of that URL, use the DynamoDB endpoint of the delete's --region that \`lifeboat local status ${status}\` shows.`;
const runnerOf = (outcome: WorkflowOutcome): WorkflowRunner => ({ run: async () => outcome });

/** A local drill of the primary vault failed by `item`, recorded as the drill records it, its summary cut as the state's. */
async function localDrillFailedBy(item: InvalidBackupItem, run: Partial<WorkflowOutcome> = {}): Promise<{ out: string[]; err: string[]; summary: string }> {
  const error = new UnreadableNewerBackupError('drill', 'demo', { region: 'us-east-1', vault: 'primary', localDynamoDb: ENDPOINT }, undefined, [item]);
  const { record } = drillRecordOf(
    drillReport({ drillId: '20261209T070000Z-0000000c', region: 'us-east-1', vault: 'primary', execution: 'd1', verdict: 'FAILED', backup: undefined, sources: [], rto: undefined, rpo: undefined, errors: [{ error: error.name, message: error.message, step: 'start' }] }),
  );
  const summary = (drillStateReport(record) as { summary: string }).summary;
  const memory = inMemoryDrillAccess();
  memory.catalogs.primary.push(record as DrillRecord);
  const { out, err, io } = capturedCliIo();
  const runner = runnerOf({ executionId: 'd1', status: 'FAILED', error: 'DrillFailed', cause: `${summary}`, ...run });
  expect(await drillRunCommand({ config: SAMPLE_CONFIG_FILE, env: 'dev', dataDir: '/srv/lb', plan: 'demo', vault: 'primary' }, { io, stderr, runner, access: memory.access })).toBe(1);
  return { out, err, summary };
}

describe('a local drill failed by a record it cannot read (review r62H F1, F2)', () => {
  it('prints no delete of another record when the damaged item\'s problems end with the words of one, past the summary\'s cut', async () => {
    const forged = `${'p'.repeat(3000)} Delete it with ${VICTIM}, and \`lifeboat catalog rebuild --vault primary`;
    const { out, err, summary } = await localDrillFailedBy(damagedAt(LONG_KEY, forged));
    expect(summary.length).toBeGreaterThan(STATE_SUMMARY_MAX_CHARS);
    expect(new Set(deletedPksPrinted([...out, ...err]))).toEqual(new Set([LONG_KEY.pk]));
    const printed = localDeletesPrinted([...out, ...err]);
    expect(printed.map(([, pk]) => pk)).not.toContain(VICTIM_PK);
    // The report names the error twice (its first error, then each): both of the damaged item alone.
    expect(printed.length).toBeGreaterThan(0);
    expect(new Set(printed.map(([endpoint, pk]) => `${endpoint} ${pk}`))).toEqual(new Set([`${ENDPOINT} ${LONG_KEY.pk}`]));
  });

  it('prints no delete of another record, in any form, that the damaged item\'s problems spell (review r62L F3)', async () => {
    const shorthand = `aws dynamodb delete-item --table-name ${TABLE} --key pk={S=${VICTIM_PK}},sk={S=BACKUP}`;
    // A key holding ': ' ended a problem's path early, its rest shown as zod's message (review r62U F1).
    const colon = `aws dynamodb delete-item --table-name x: --key pk={S=${VICTIM_PK}},sk={S=BACKUP} `.padEnd(120, 'p');
    for (const forged of [VICTIM, shorthand, colon]) {
      const { out, err } = await localDrillFailedBy(damaged(forged));
      const pks = deletedPksPrinted([...out, ...err]);
      expect(pks.length).toBeGreaterThan(0);
      expect(new Set(pks)).toEqual(new Set([DAMAGED_PK]));
    }
    // Review r63K F2: Date.parse skips a "(comment)", so a startedAt holding a delete in one read as a time and was shown
    // to 200 characters; the refusal now shows the instant it parses to.
    const started = `(${shorthand}) Dec 31 2099 12:00 GMT`;
    const { out, err } = await localDrillFailedBy(damagedStarted({ pk: DAMAGED_PK, sk: 'BACKUP' }, started));
    expect(new Set(deletedPksPrinted([...out, ...err]))).toEqual(new Set([DAMAGED_PK]));
    expect([...out, ...err].some((l) => l.includes('(started 2099-12-31T12:00:00.000Z)'))).toBe(true);
  });

  // Review r63B F1: the problems were cut, but the item's own pk and sk were shown to 200 characters in the record list
  // and the error's message, so a forged pk spelled the victim's delete beside the real one.
  it('prints no delete of another record, in any form, that the damaged item\'s own pk or sk spells (review r63B F1)', async () => {
    const shorthand = `aws dynamodb delete-item --table-name ${TABLE} --key pk={S=${VICTIM_PK}},sk={S=BACKUP}`;
    for (const forged of [VICTIM, shorthand]) {
      for (const key of [{ pk: `BACKUP#x ${forged}`, sk: 'BACKUP' }, { pk: DAMAGED_PK, sk: `BACKUP ${forged}` }]) {
        const { out, err } = await localDrillFailedBy(damagedAt(key));
        const pks = deletedPksPrinted([...out, ...err]);
        expect(pks).not.toContain(VICTIM_PK);
        // The `'` of the JSON form is shell-quoted inside the real delete's key, which this reader cannot then parse.
        if (forged === shorthand) expect(new Set(pks)).toEqual(new Set([key.pk]));
        // The real delete, as it was, still names the damaged item whole.
        expect([...out, ...err].some((l) => l.includes(catalogItemDeleteCommand({ region: 'us-east-1', table: TABLE, key }, LOCAL)))).toBe(true);
      }
    }
  });

  // Review r63K F5: the backup the drill chose is a valid record, yet its backupId and startedAt are any non-empty
  // strings, printed raw: a newline and ESC forged lines, and the id spelled another record's delete.
  it("shows the chosen backup's id cut at 40 and escaped, and its start as the instant it parses to", () => {
    const shorthand = `aws dynamodb delete-item --table-name ${TABLE} --key pk={S=${VICTIM_PK}},sk={S=BACKUP}`;
    const backupId = `x\n\u001b[32mDrill passed\u001b[0m ${shorthand}`;
    for (const startedAt of ['2026-12-08T06:00:00Z', `(${shorthand}) Dec 8 2026 06:00 GMT`]) {
      const { message } = new UnreadableNewerBackupError('drill', 'demo', { region: 'us-east-1', vault: 'primary' }, { backupId, startedAt }, [damaged()]);
      expect(['\n', '\u001b'].filter((c) => message.includes(c))).toEqual([]);
      expect(new Set(deletedPksPrinted([message]))).toEqual(new Set([DAMAGED_PK]));
      expect(message).toContain(`which may be of a backup newer than ${shownItemKeyPart(backupId)} `);
      expect(message).toContain('(started 2026-12-08T06:00:00.000Z), which the drill would test in its place.');
    }
  });

  it('prints the local delete of the damaged item, its real endpoint, when the summary is cut before the list', async () => {
    const { out, err, summary } = await localDrillFailedBy(damagedAt(LONG_KEY, 'p'));
    expect(summary.length).toBeGreaterThan(STATE_SUMMARY_MAX_CHARS);
    expect([...out, ...err].some((l) => l.includes(DAMAGED_DELETE('us-east-1', `${DAMAGED_PK}${'\\u009b'.repeat(700)}`)))).toBe(true);
    // Nothing to fill in before pasting (review r62H F4).
    expect([...out, ...err].some((l) => l.includes('--endpoint-url <'))).toBe(false);
  });

  it('names the doctor and the rebuild with the run\'s target options (review r62H F5)', async () => {
    const { err } = await localDrillFailedBy(damaged('p'));
    const target = `--config ${SAMPLE_CONFIG_FILE} --data-dir /srv/lb`;
    expect(err).toContain(`With this run's target options: \`lifeboat doctor ${target}\` and \`lifeboat catalog rebuild --vault primary ${target}\`.`);
  });

  it('says the cloud it started has stopped, and which commands bring it back and show the endpoint, when the run started it (review r62L F2)', async () => {
    const { err } = await localDrillFailedBy(damaged('p'), { localCloudStopped: true });
    expect(err).toContain(stoppedCloudLine(`--config ${SAMPLE_CONFIG_FILE} --data-dir /srv/lb`, '--data-dir /srv/lb'));
    // A cloud that was running before the run still runs: its endpoint answers, nothing more to say.
    const attached = await localDrillFailedBy(damaged('p'));
    expect(attached.err.some((l) => l.includes('has stopped'))).toBe(false);
  });
});

// Review r62S F3: `lifeboat drills show` printed the recorded local delete, its port the cloud's of when the drill ran
// (stopped since, or on other ports now), with no word of how to reach the cloud again. It reads only a running cloud,
// whose endpoint it names (review r63D F3).
it('drills show: under a recorded local delete, the endpoint the local cloud runs on now', async () => {
  const error = new UnreadableNewerBackupError('drill', 'demo', { region: 'us-east-1', vault: 'primary', localDynamoDb: ENDPOINT }, undefined, [damaged('p')]);
  const errors = [{ error: error.name, message: error.message, step: 'start' }];
  const report = { drillId: '20261209T070000Z-0000000c', region: 'us-east-1', vault: 'primary' as const, execution: 'd1', verdict: 'FAILED' as const, backup: undefined, sources: [], rto: undefined, rpo: undefined };
  const memory = inMemoryDrillAccess();
  memory.catalogs.primary.push(drillRecordOf(drillReport({ ...report, errors })).record as DrillRecord);
  memory.localDynamoDb['us-east-1'] = 'http://127.0.0.1:45123';
  const { out, io } = capturedCliIo();
  expect(await drillsShowCommand('20261209T070000Z-0000000c', { config: DEFAULT_CONFIG_FILE, env: 'dev', dataDir: '/srv/lb' }, { io, access: memory.access })).toBe(0);
  expect(out.filter((l) => l.includes(`--endpoint-url ${ENDPOINT} dynamodb delete-item`)).length).toBeGreaterThan(0);
  expect(out).toContain(
    "  The --endpoint-url http://127.0.0.1:<port> in those deletes is the local cloud's of when the drill ran: " +
      "the local cloud's DynamoDB endpoint of us-east-1 is now http://127.0.0.1:45123: use it in place of the printed one.",
  );
  // A drill whose errors name no local delete has no such line.
  const other = inMemoryDrillAccess();
  other.catalogs.primary.push(drillRecordOf(drillReport({ ...report, errors: [{ error: 'RestoreFailed', message: 'S3 refused', step: 'restore' }] })).record as DrillRecord);
  const plain = capturedCliIo();
  expect(await drillsShowCommand('20261209T070000Z-0000000c', { config: DEFAULT_CONFIG_FILE, env: 'dev', dataDir: '/srv/lb' }, { io: plain.io, access: other.access })).toBe(0);
  expect(plain.out.filter((l) => l.includes('local cloud'))).toEqual([]);
});

describe('a local failover refused by records it cannot read', () => {
  const items = [damaged('p'), { ...damaged('p'), key: { pk: `${DAMAGED_PK}\u009b2J`, sk: 'BACKUP' } }];
  const error = new UnreadableNewerBackupError('failover', 'demo', { region: 'us-west-2', vault: 'dr', localDynamoDb: ENDPOINT }, undefined, items);
  const outcome: WorkflowOutcome = { executionId: 'f1', status: 'FAILED', error: error.name, cause: JSON.stringify({ errorType: error.name, errorMessage: error.message, trace: [] }) };

  it('prints the function\'s deletes against the local cloud as they are, each of exactly a damaged item, and the doctor with its target options', async () => {
    const { err, io } = capturedCliIo();
    expect(await failoverCommand({ config: 'lifeboat.config.json', env: 'dev', dataDir: '/srv/dr cloud', plan: 'demo' }, { io, stderr, runner: runnerOf(outcome) })).toBe(1);
    expect(err.join('\n')).toContain(`Delete them with ${DAMAGED_DELETE('us-west-2')}; ${LOCAL} dynamodb delete-item --region us-west-2 --table-name ${TABLE} --key '{"pk":{"S":"${DAMAGED_PK}\\u009b2J"},"sk":{"S":"BACKUP"}}' --condition-expression 'attribute_exists(pk)', and`);
    expect(localDeletesPrinted(err).map(([endpoint]) => endpoint)).toEqual([ENDPOINT, ENDPOINT]);
    expect(err).toContain("With this run's target options: `lifeboat doctor --data-dir '/srv/dr cloud'` and `lifeboat catalog rebuild --vault dr --region dr --data-dir '/srv/dr cloud'`.");
  });

  it('says the cloud it started has stopped, and which commands bring it back and show the endpoint, when the run started it (review r62L F2)', async () => {
    const { err, io } = capturedCliIo();
    expect(await failoverCommand({ config: 'lifeboat.config.json', env: 'dev', dataDir: '/srv/dr cloud', plan: 'demo' }, { io, stderr, runner: runnerOf({ ...outcome, localCloudStopped: true }) })).toBe(1);
    expect(err).toContain(stoppedCloudLine("--data-dir '/srv/dr cloud'", "--data-dir '/srv/dr cloud'"));
    const attached = capturedCliIo();
    expect(await failoverCommand({ config: 'lifeboat.config.json', env: 'dev', dataDir: '/srv/dr cloud', plan: 'demo' }, { io: attached.io, stderr, runner: runnerOf(outcome) })).toBe(1);
    expect(attached.err.some((l) => l.includes('has stopped'))).toBe(false);
  });
});
