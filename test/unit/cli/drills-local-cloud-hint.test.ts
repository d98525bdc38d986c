import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { drillRunCommand, drillsShowCommand } from '../../../cli/commands/drill-commands';
import { drillAccess } from '../../../cli/drills/drill-access';
import { type WorkflowOutcome } from '../../../cli/workflow-runner';
import { DEFAULT_CONFIG_FILE } from '../../../config/load-config';
import { backupRecordSchema } from '../../../lambdas/catalog/backup-record';
import { CatalogItemInvalidError } from '../../../lambdas/catalog/catalog-errors';
import { type DrillRecord } from '../../../lambdas/catalog/drill-record';
import { drillStateReport } from '../../../lambdas/drill/drill-state-report';
import { UnreadableNewerBackupError } from '../../../lambdas/failover/unreadable-newer-backups';
import { capturedCliIo } from '../../support/captured-cli-io';
import { drillRecordOf, drillReport } from '../../support/drill-records';
import { inMemoryDrillAccess } from '../../support/in-memory-drill-access';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';

/**
 * Review r62U F5: the hint under a recorded local delete (how to reach the local cloud again) followed the error's TEXT
 * (`--endpoint-url http://127.0.0.1:`), which a drill recorded in AWS can hold too; and `lifeboat drill run` printed
 * it in its report besides the line that the cloud it started has stopped. The hint follows what the command knows:
 * the record was read from the local cloud (drills show without --aws), the run's cloud stopped (drill run, once).
 */

const DRILL_ID = '20261209T070000Z-0000000c';
const HINT = 'in those deletes';
/** The local cloud's DynamoDB endpoint of the drill's region as it runs now: another port than the drill's. */
const LIVE = 'http://127.0.0.1:45123';
const report = { drillId: DRILL_ID, region: 'us-east-1', vault: 'primary' as const, execution: 'd1', verdict: 'FAILED' as const, backup: undefined, sources: [], rto: undefined, rpo: undefined };

/** A drill refused by a damaged record, its delete against the local cloud at `endpoint`, or against AWS. */
function refusedRecord(endpoint?: string): DrillRecord {
  const pk = 'BACKUP#20261209T060000Z-0000000b';
  const parsed = backupRecordSchema.safeParse({ pk, sk: 'BACKUP', startedAt: '2026-12-09T06:00:00Z', plan: 'demo', status: 'COMMITTED', pins: { p: 'x' } });
  const item = { key: { pk, sk: 'BACKUP' }, startedAt: '2026-12-09T06:00:00Z', preVault: false, mayBeHeld: false, forgotten: false, snapshotIds: [], error: new CatalogItemInvalidError('lifeboat-dev-catalog', `${pk} / BACKUP`, parsed.success ? [] : parsed.error.issues) };
  const error = new UnreadableNewerBackupError('drill', 'demo', { region: 'us-east-1', vault: 'primary', ...(endpoint !== undefined ? { localDynamoDb: endpoint } : {}) }, undefined, [item]);
  return drillRecordOf(drillReport({ ...report, errors: [{ error: error.name, message: error.message, step: 'start' }] })).record as DrillRecord;
}

/** `lifeboat drills show` of the record, read with --aws or from a local cloud whose DynamoDB of us-east-1 is now at LIVE. */
async function shown(record: DrillRecord, aws: boolean): Promise<string[]> {
  const memory = inMemoryDrillAccess();
  memory.catalogs.primary.push(record);
  if (!aws) memory.localDynamoDb['us-east-1'] = LIVE;
  const { out, io } = capturedCliIo();
  expect(await drillsShowCommand(DRILL_ID, { config: DEFAULT_CONFIG_FILE, env: 'dev', dataDir: '/srv/lb', aws }, { io, access: memory.access })).toBe(0);
  return out;
}

it('drills show --aws: a recorded error that holds a local endpoint in its text gets no local-cloud hint', async () => {
  const text = { error: 'RestoreFailed', message: 'target said: retry with aws --endpoint-url http://127.0.0.1:4569 dynamodb delete-item …', step: 'restore' };
  const record = drillRecordOf(drillReport({ ...report, errors: [text] })).record as DrillRecord;
  const out = await shown(record, true);
  expect(out.some((l) => l.includes('http://127.0.0.1:4569'))).toBe(true);
  expect(out.filter((l) => l.includes(HINT))).toEqual([]);
  // Nor an AWS drill refused by records it cannot read: its deletes go to AWS.
  expect((await shown(refusedRecord(), true)).filter((l) => l.includes(HINT))).toEqual([]);
});

// Review r63D F3: the hint said to start the cloud with `lifeboat local up` if it had stopped, but drills show of the
// local cloud reads only a cloud that runs (connectLocalCloud refuses else): it names the endpoint it read from.
it('drills show of the local cloud: the hint under a drill refused by records it cannot read, once, naming the endpoint it runs on now', async () => {
  const out = await shown(refusedRecord('http://127.0.0.1:4569'), false);
  expect(out.filter((l) => l.includes(HINT))).toEqual([
    "  The --endpoint-url http://127.0.0.1:<port> in those deletes is the local cloud's of when the drill ran: " +
      `the local cloud's DynamoDB endpoint of us-east-1 is now ${LIVE}: use it in place of the printed one.`,
  ]);
  expect(out.filter((l) => l.includes('lifeboat local up'))).toEqual([]);
});

// Review r63M F2: the region is the record's text, looked up bare on the cloud's endpoints: `constructor` printed Object's
// function as the endpoint, and a region the cloud does not serve printed no line. The real drillAccess, over a data
// directory whose cloud.json announces this process as the cloud (us-east-1 and us-west-2).
describe('drills show of the local cloud, a drill region the cloud does not serve', () => {
  const dynamoDb = mockClient(DynamoDBDocumentClient);
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'lifeboat-drills-hint-'));
    const endpoints = { s3: { 'us-east-1': 'http://127.0.0.1:4501', 'us-west-2': 'http://127.0.0.1:4502' }, dynamodb: { 'us-east-1': LIVE, 'us-west-2': 'http://127.0.0.1:4602' } };
    writeFileSync(path.join(dataDir, 'cloud.json'), JSON.stringify({ pid: process.pid, startedAt: new Date().toISOString(), regions: ['us-east-1', 'us-west-2'], endpoints }), { mode: 0o600 });
  });
  afterAll(() => {
    dynamoDb.restore();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it.each([
    ['us-east-1', `the local cloud's DynamoDB endpoint of us-east-1 is now ${LIVE}: use it in place of the printed one.`],
    ['eu-north-1', 'the local cloud serves no region eu-north-1: the printed port may be stale.'],
    ['constructor', 'the local cloud serves no region constructor: the printed port may be stale.'],
    ['__proto__', 'the local cloud serves no region __proto__: the printed port may be stale.'],
    ['toString', 'the local cloud serves no region toString: the printed port may be stale.'],
    ['us-east-1\n\u001b[31mX', 'the local cloud serves no region us-east-1\\u000a\\u001b[31mX: the printed port may be stale.'],
  ])('record region %j: the hint says %s', async (region, said) => {
    const record = { ...refusedRecord('http://127.0.0.1:4569'), region };
    dynamoDb.reset();
    dynamoDb.on(GetCommand).resolves({ Item: { pk: 'DRILLS', sk: DRILL_ID, drill: record } });
    const options = { config: SAMPLE_CONFIG_FILE, env: 'dev', dataDir, aws: false };
    const access = await drillAccess(options, { dynamodb: () => new DynamoDBClient({ region: 'us-west-2' }) });
    const { out, err, io } = capturedCliIo();
    expect(await drillsShowCommand(DRILL_ID, options, { io, access })).toBe(0);
    expect(err).toEqual([]);
    expect(out.filter((l) => l.includes(HINT))).toEqual([`  The --endpoint-url http://127.0.0.1:<port> in those deletes is the local cloud's of when the drill ran: ${said}`]);
  });
});

it.each([true, false])('drill run on the local cloud (the cloud it started stopped: %s): the hint at most once, the stopped line when it stopped', async (stopped) => {
  const record = refusedRecord('http://127.0.0.1:4569');
  const memory = inMemoryDrillAccess();
  memory.catalogs.primary.push(record);
  const outcome: WorkflowOutcome = { executionId: 'd1', status: 'FAILED', error: 'DrillFailed', cause: (drillStateReport(record) as { summary: string }).summary, ...(stopped ? { localCloudStopped: true } : {}) };
  const { out, err, io } = capturedCliIo();
  const stderr = { isTTY: false, write: () => true };
  expect(await drillRunCommand({ config: SAMPLE_CONFIG_FILE, env: 'dev', dataDir: '/srv/lb', plan: 'demo', vault: 'primary' }, { io, stderr, runner: { run: async () => outcome }, access: memory.access })).toBe(1);
  const hints = [...out, ...err].filter((l) => l.includes(HINT));
  expect(hints).toEqual(stopped ? [expect.stringMatching(/^The local cloud this run started has stopped, /)] : []);
});
