import { type AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeExecutionCommand, DescribeMapRunCommand, GetExecutionHistoryCommand, type HistoryEvent, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import dynalite from 'dynalite';
import { BackupCatalog } from '../../../lambdas/catalog/backup-catalog';
import { resourceNames } from '../../../lib/stacks/resource-names';
import { createCatalogShapedTable } from '../../../local/cloud';
import { findEnvironment, loadLifeboatConfig } from '../../../config/load-config';
import { backupCommand } from '../../../cli/commands/backup-commands';
import { parseTargetSpec, restoreCommand, restoreInput } from '../../../cli/commands/restore-commands';
import { awsWorkflowRunner } from '../../../cli/workflow-runner';
import { restoreFlagHint } from '../../../cli/runbook-field-flags';
import { capturedCliDeps } from '../../support/captured-cli-io';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';

const configFile = SAMPLE_CONFIG_FILE;
const environment = findEnvironment(loadLifeboatConfig(configFile), 'dev');
const sfn = mockClient(SFNClient);
afterEach(() => sfn.reset());

const report = { restoreId: 'r1', backupId: '20260301T100000Z-1a2b3c4d', source: 'demo-assets', targetDescription: 's3://lifeboat-dev-restore-x/', vault: 'primary', entries: 308, bytes: 1234, durationMs: 4200, verified: { entries: 308, mismatches: 0 } };

describe('lifeboat restore against AWS (Step Functions through the SDK)', () => {
  it('starts the restore state machine with the runbook input, follows it to the end and prints the report', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:aws:states:us-east-1:000000000000:execution:lifeboat-dev-restore:r1' });
    sfn.on(GetExecutionHistoryCommand).resolves({ events: [{ id: 1, type: 'MapIterationSucceeded', timestamp: new Date() }, { id: 2, type: 'TaskStateEntered', timestamp: new Date(), stateEnteredEventDetails: { name: 'Verify restore' } }] });
    sfn.on(DescribeExecutionCommand).resolvesOnce({ status: 'RUNNING' }).resolves({ status: 'SUCCEEDED', output: JSON.stringify(report) });
    const { out, stderr, deps } = capturedCliDeps();
    const runner = awsWorkflowRunner({ environment, client: new SFNClient({ region: 'us-east-1' }), pollMs: 1 });
    const code = await restoreCommand({ config: configFile, env: 'dev', dataDir: '.unused', aws: true, source: 'demo-assets', backup: report.backupId, target: 's3://lifeboat-dev-restore-x', prefix: 'reports/' }, { ...deps, runner });
    expect(code).toBe(0);
    const start = sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input;
    expect(start?.stateMachineArn).toBe('arn:aws:states:us-east-1:000000000000:stateMachine:lifeboat-dev-restore');
    expect(JSON.parse(start?.input ?? '{}')).toEqual({ source: 'demo-assets', backupId: report.backupId, target: { type: 's3', bucket: 'lifeboat-dev-restore-x', prefix: '' }, filter: { prefix: 'reports/' } });
    expect(out.join('\n')).toMatch(/Entries\s+308/);
    expect(out.join('\n')).toMatch(/Verified\s+308 entries equal to the backup/);
    expect(stderr.join('')).toContain('restore: Verify restore · 1 shard(s) done');
  });

  // Audit a57D-1: an older backup's expired items are deleted within days of a restore with TTL on; --ttl off keeps them, and the report says how to turn it on.
  it('passes --ttl off as the runbook\'s timeToLive and prints the source\'s TTL attribute with the command that turns it on', async () => {
    const off = { attribute: 'expiresAt', turnOnWith: `aws dynamodb update-time-to-live --table-name lifeboat-dev-restore-orders --time-to-live-specification '{"Enabled":true,"AttributeName":"expiresAt"}'` };
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:aws:states:us-east-1:000000000000:execution:lifeboat-dev-restore:r3' });
    sfn.on(GetExecutionHistoryCommand).resolves({ events: [] });
    sfn.on(DescribeExecutionCommand).resolves({ status: 'SUCCEEDED', output: JSON.stringify({ ...report, targetDescription: 'dynamodb table lifeboat-dev-restore-orders', items: 3, timeToLiveOff: off }) });
    const { out, deps } = capturedCliDeps();
    const runner = awsWorkflowRunner({ environment, client: new SFNClient({ region: 'us-east-1' }), pollMs: 1 });
    expect(await restoreCommand({ config: configFile, env: 'dev', dataDir: '.unused', aws: true, source: 'orders', backup: report.backupId, target: 'dynamodb://lifeboat-dev-restore-orders', ttl: 'off' }, { ...deps, runner })).toBe(0);
    expect(JSON.parse(sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input?.input ?? '{}')).toMatchObject({ target: { type: 'dynamodb', table: 'lifeboat-dev-restore-orders' }, timeToLive: 'off' });
    expect(restoreFlagHint('Invalid restore request: timeToLive: applies to DynamoDB targets only')).toBe('On the command line: "timeToLive" is --ttl.');
    expect(out).toContain(`TTL       left off (--ttl off); the source expired items by "expiresAt": ${off.turnOnWith} turns it on, and DynamoDB then deletes within days the items past their time`);
  });

  it('reports a failed execution with the error name and the handler message, exit 1; --json for scripts', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:x' });
    sfn.on(GetExecutionHistoryCommand).resolves({ events: [] });
    const cause = JSON.stringify({ errorType: 'UnknownBackupError', errorMessage: 'No backup with id 20990101T000000Z-deadbeef exists in the catalog.' });
    sfn.on(DescribeExecutionCommand).resolves({ status: 'FAILED', error: 'UnknownBackupError', cause });
    const runner = awsWorkflowRunner({ environment, client: new SFNClient({ region: 'us-east-1' }), pollMs: 1 });
    const human = capturedCliDeps();
    expect(await restoreCommand({ config: configFile, env: 'dev', dataDir: '.', aws: true, source: 'demo-assets', backup: '20990101T000000Z-deadbeef', target: 's3://lifeboat-dev-restore-x' }, { ...human.deps, runner })).toBe(1);
    expect(human.err[0]).toBe('Restore FAILED: UnknownBackupError: No backup with id 20990101T000000Z-deadbeef exists in the catalog.');
    const json = capturedCliDeps();
    expect(await restoreCommand({ config: configFile, env: 'dev', dataDir: '.', aws: true, json: true, source: 'demo-assets', at: '2026-03-01T10:00:00Z', target: 's3://lifeboat-dev-restore-x' }, { ...json.deps, runner })).toBe(1);
    expect(JSON.parse(json.out.join('\n'))).toMatchObject({ status: 'FAILED', error: 'UnknownBackupError', cause: expect.stringContaining('No backup with id') });
  });
});

describe('progress of a Distributed Map against AWS', () => {
  it('counts the shards of a map run from DescribeMapRun, which the parent history does not list', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:aws:states:us-east-1:000000000000:execution:lifeboat-dev-restore:r2' });
    const mapRunArn = 'arn:aws:states:us-east-1:000000000000:mapRun:lifeboat-dev-restore/Restore shards:abc';
    sfn.on(GetExecutionHistoryCommand).resolves({
      events: [
        { id: 1, type: 'MapStateEntered', timestamp: new Date(), stateEnteredEventDetails: { name: 'Restore shards' } },
        { id: 2, type: 'MapRunStarted', timestamp: new Date(), mapRunStartedEventDetails: { mapRunArn } },
      ],
    });
    sfn.on(DescribeMapRunCommand).resolvesOnce({ itemCounts: { succeeded: 3, failed: 0 } } as never).resolves({ itemCounts: { succeeded: 7, failed: 1 } } as never);
    sfn.on(DescribeExecutionCommand).resolvesOnce({ status: 'RUNNING' }).resolves({ status: 'SUCCEEDED', output: JSON.stringify(report) });
    const { stderr, deps } = capturedCliDeps();
    // A terminal: the line is redrawn at every poll (a log gets a line per change of state only).
    const terminal = { isTTY: true, write: (s: string) => stderr.push(s) > 0 };
    const runner = awsWorkflowRunner({ environment, client: new SFNClient({ region: 'us-east-1' }), pollMs: 1 });
    expect(await restoreCommand({ config: configFile, env: 'dev', dataDir: '.unused', aws: true, source: 'demo-assets', backup: report.backupId, target: 's3://lifeboat-dev-restore-x' }, { ...deps, stderr: terminal, runner })).toBe(0);
    expect(sfn.commandCalls(DescribeMapRunCommand)[0]?.args[0].input).toEqual({ mapRunArn });
    // Counted once per item, not again at every poll: 3, then 7 done and 1 failed.
    expect(stderr.join('')).toContain('restore: Restore shards · 3 shard(s) done');
    expect(stderr.join('')).toContain('restore: Restore shards · 7 shard(s) done, 1 failed');
  });
});

describe('lifeboat backup against AWS', () => {
  it('starts the backup state machine for the plan and prints what committed', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:b' });
    sfn.on(GetExecutionHistoryCommand).resolves({ events: [] });
    const output = { committed: { backupId: 'b1', totals: { entries: 10, bytesScanned: 100, bytesNew: 40, bytesStored: 20 } }, replication: { complete: true, copiedObjects: 7, copiedBytes: 30 } };
    sfn.on(DescribeExecutionCommand).resolves({ status: 'SUCCEEDED', output: JSON.stringify(output) });
    const { out, deps } = capturedCliDeps();
    const runner = awsWorkflowRunner({ environment, client: new SFNClient({ region: 'us-east-1' }), pollMs: 1 });
    expect(await backupCommand({ config: configFile, env: 'dev', dataDir: '.', aws: true, plan: 'demo', strategy: 'full' }, { ...deps, runner })).toBe(0);
    const start = sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input;
    expect(start?.stateMachineArn).toBe('arn:aws:states:us-east-1:000000000000:stateMachine:lifeboat-dev-backup');
    expect(JSON.parse(start?.input ?? '{}')).toEqual({ plan: 'demo', trigger: 'cli', strategy: 'full' });
    expect(out[0]).toBe('Backup b1 of plan demo committed.');
    expect(out.slice(1).map((l) => l.trim().split(/\s+/, 2))).toEqual([
      ['entries', '10'],
      ['bytesScanned', '100'],
      ['bytesNew', '40'],
      ['bytesStored', '20'],
      ['drCopy', 'replicated'],
    ]);
    expect(out.at(-1)).toContain('7 objects, 30 bytes copied');
  });

  it('names each source that saw entries change, vanish or left out while it was read, with the first reasons of what it left out; exits 3 as it left some out', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:b' });
    sfn.on(GetExecutionHistoryCommand).resolves({ events: [] });
    const sources = [
      { name: 'demo-files', changedDuringRead: 1, vanished: 2, skipped: 0 },
      { name: 'demo-assets', changedDuringRead: 0, vanished: 0, skipped: 0 },
      { name: 'demo-orders' },
      { name: 'demo-cold', changedDuringRead: 0, vanished: 0, skipped: 2, skippedExamples: ['cold/a.bin: in storage class GLACIER (archived); not backed up', 'cold/b\n\x1b[2J: in storage class DEEP_ARCHIVE (archived); not backed up'] },
    ];
    const output = { committed: { backupId: 'b2', sources, totals: { entries: 10, bytesScanned: 100, bytesNew: 40, bytesStored: 20 } } };
    sfn.on(DescribeExecutionCommand).resolves({ status: 'SUCCEEDED', output: JSON.stringify(output) });
    const { out, deps } = capturedCliDeps();
    const runner = awsWorkflowRunner({ environment, client: new SFNClient({ region: 'us-east-1' }), pollMs: 1 });
    // Committed without some entries: exit 3, as `lifeboat vault backup` (audit a58A F3: it exited 0).
    expect(await backupCommand({ config: configFile, env: 'dev', dataDir: '.', aws: true, plan: 'demo' }, { ...deps, runner })).toBe(3);
    expect(out[0]).toBe('Backup b2 of plan demo committed.');
    expect(out.filter((l) => l.trim().startsWith('note'))).toEqual([
      '  note          source demo-files: 1 entry changed while read (kept as read, possibly torn; the next backup reads them again); 2 vanished between listing and reading',
      '  note          source demo-cold: 2 not backed up whole (left out as archived or unreadable, or stored without metadata it could not read)',
      '  note            cold/a.bin: in storage class GLACIER (archived); not backed up',
      // A key is the source writer's data: a newline or an escape sequence is printed escaped, never forging a line.
      '  note            cold/b\\n\\x1b[2J: in storage class DEEP_ARCHIVE (archived); not backed up',
    ]);
  });

  it('exits 0 when entries only changed or vanished while read, and 3 with --json too when a source left some out', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:b' });
    sfn.on(GetExecutionHistoryCommand).resolves({ events: [] });
    const committed = (skipped: number) => ({ committed: { backupId: 'b6', sources: [{ name: 'demo-files', changedDuringRead: 1, vanished: 2, skipped }, { name: 'demo-orders' }], totals: { entries: 10 } } });
    const runner = awsWorkflowRunner({ environment, client: new SFNClient({ region: 'us-east-1' }), pollMs: 1 });
    sfn.on(DescribeExecutionCommand).resolves({ status: 'SUCCEEDED', output: JSON.stringify(committed(0)) });
    expect(await backupCommand({ config: configFile, env: 'dev', dataDir: '.', aws: true, plan: 'demo' }, { ...capturedCliDeps().deps, runner })).toBe(0);
    sfn.on(DescribeExecutionCommand).resolves({ status: 'SUCCEEDED', output: JSON.stringify(committed(1)) });
    const json = capturedCliDeps();
    expect(await backupCommand({ config: configFile, env: 'dev', dataDir: '.', aws: true, plan: 'demo', json: true }, { ...json.deps, runner })).toBe(3);
    expect(JSON.parse(json.out.join('\n'))).toMatchObject({ status: 'SUCCEEDED', output: { committed: { backupId: 'b6' } } });
  });
});

describe('lifeboat backup whose copy to the DR vault failed (the DR region down)', () => {
  const server = dynalite({ createTableMs: 0 });
  let ddb: DynamoDBClient;
  let catalog: BackupCatalog;
  const BACKUP = '20260301T100000Z-5e6f7a8b';
  const cause = JSON.stringify({ errorType: 'TransientError', errorMessage: 'Error: connect ECONNREFUSED 127.0.0.1:40827' });
  const entered = (id: number, name: string): HistoryEvent => ({ id, type: 'TaskStateEntered', timestamp: new Date(), stateEnteredEventDetails: { name } });

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    ddb = new DynamoDBClient({ region: environment.primaryRegion, endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    await createCatalogShapedTable(ddb, resourceNames(environment).catalogTable, { byPlan: true });
    catalog = new BackupCatalog(DynamoDBDocumentClient.from(ddb), resourceNames(environment).catalogTable);
    // As the run leaves it: committed, then Record failure's copies.dr = FAILED.
    await catalog.createBackup({ backupId: BACKUP, plan: 'demo', environment: 'dev', sourceNames: ['demo-files'], sources: [], strategy: 'full', status: 'RUNNING', startedAt: '2026-03-01T10:00:00.000Z', shardCount: 1 });
    await catalog.markCommitted(BACKUP, { sources: [], totals: { entries: 1, bytes: 6, bytesScanned: 6, bytesNew: 6, bytesStored: 40, blobsNew: 1 }, endedAt: '2026-03-01T10:01:00.000Z' });
    expect(await catalog.markCopyFailed(BACKUP)).toBe(true);
  });

  afterAll(async () => {
    ddb.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  /** The execution, polled twice: replicating, then failed with the Replicate step's error after Record failure and the release. */
  function failedWhileReplicating(): SFNClient {
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:b3' });
    const replicating = [entered(1, 'Acquire lock'), entered(2, 'Commit backup'), entered(3, 'Replicate to DR vault')];
    sfn.on(GetExecutionHistoryCommand).resolvesOnce({ events: replicating }).resolves({ events: [...replicating, entered(4, 'Record failure'), entered(5, 'Release lock after failure')] });
    sfn.on(DescribeExecutionCommand).resolvesOnce({ status: 'RUNNING' }).resolves({ status: 'FAILED', error: 'TransientError', cause });
    return new SFNClient({ region: 'us-east-1' });
  }

  it('says the backup committed and its DR copy failed, and exits 4 (committed, the run failed after)', async () => {
    const { err, deps } = capturedCliDeps();
    const runner = awsWorkflowRunner({ environment, client: failedWhileReplicating(), pollMs: 1 });
    expect(await backupCommand({ config: configFile, env: 'dev', dataDir: '.', aws: true, plan: 'demo' }, { ...deps, runner, clients: { dynamodb: ddb } })).toBe(4);
    expect(err).toEqual([
      `Backup ${BACKUP} committed (restorable from the primary vault); its copy to the DR vault (${environment.drRegion}) failed: TransientError: Error: connect ECONNREFUSED 127.0.0.1:40827; the next run of plan demo copies it.`,
    ]);
  });

  it('says so too when the replication failed between two polls (the first poll sees the whole failed history)', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:b5' });
    const history = [entered(1, 'Acquire lock'), entered(2, 'Commit backup'), entered(3, 'Replicate to DR vault'), entered(4, 'Record failure'), entered(5, 'Release lock after failure')];
    sfn.on(GetExecutionHistoryCommand).resolves({ events: history });
    sfn.on(DescribeExecutionCommand).resolves({ status: 'FAILED', error: 'AccessDenied', cause: 'User is not authorized' });
    const { err, deps } = capturedCliDeps();
    const runner = awsWorkflowRunner({ environment, client: new SFNClient({ region: 'us-east-1' }), pollMs: 1 });
    expect(await backupCommand({ config: configFile, env: 'dev', dataDir: '.', aws: true, plan: 'demo' }, { ...deps, runner, clients: { dynamodb: ddb } })).toBe(4);
    expect(err).toEqual([
      `Backup ${BACKUP} committed (restorable from the primary vault); its copy to the DR vault (${environment.drRegion}) failed: AccessDenied: User is not authorized; the next run of plan demo copies it.`,
    ]);
  });

  // Audit a58A F4: the commit step marked the backup COMMITTED, then its Lambda timed out; Record failure set its DR copy
  // FAILED. The run is FAILED, the backup restores: it said `Backup FAILED` and exited 1, as if there were nothing.
  it('says the backup committed when the commit step failed after marking it, and exits 4', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:b7' });
    const history = [entered(1, 'Acquire lock'), entered(2, 'Plan shards'), entered(3, 'Commit backup'), entered(4, 'Record failure'), entered(5, 'Release lock after failure')];
    sfn.on(GetExecutionHistoryCommand).resolves({ events: history });
    sfn.on(DescribeExecutionCommand).resolves({ status: 'FAILED', error: 'Sandbox.Timedout', cause: 'Task timed out after 900.00 seconds' });
    const human = capturedCliDeps();
    const runner = awsWorkflowRunner({ environment, client: new SFNClient({ region: 'us-east-1' }), pollMs: 1 });
    expect(await backupCommand({ config: configFile, env: 'dev', dataDir: '.', aws: true, plan: 'demo' }, { ...human.deps, runner, clients: { dynamodb: ddb } })).toBe(4);
    expect(human.err).toEqual([
      `Backup ${BACKUP} committed (restorable from the primary vault), but the workflow failed after its commit: Sandbox.Timedout: Task timed out after 900.00 seconds; ` +
        `its copy to the DR vault (${environment.drRegion}) is not made (DR COPY FAILED): the next run of plan demo copies it.`,
    ]);
    const json = capturedCliDeps();
    expect(await backupCommand({ config: configFile, env: 'dev', dataDir: '.', aws: true, plan: 'demo', json: true }, { ...json.deps, runner, clients: { dynamodb: ddb } })).toBe(4);
    expect(JSON.parse(json.out.join('\n'))).toMatchObject({ status: 'FAILED', error: 'Sandbox.Timedout', committedBackup: { backupId: BACKUP, status: 'COMMITTED', drCopy: 'FAILED' } });
  });

  it('a run that failed before replicating is reported as failed, whatever the catalog holds of earlier runs', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:b4' });
    sfn.on(GetExecutionHistoryCommand).resolves({ events: [entered(1, 'Acquire lock'), entered(2, 'Plan shards'), entered(3, 'Record failure')] });
    sfn.on(DescribeExecutionCommand).resolves({ status: 'FAILED', error: 'TransientError', cause });
    const { err, deps } = capturedCliDeps();
    const runner = awsWorkflowRunner({ environment, client: new SFNClient({ region: 'us-east-1' }), pollMs: 1 });
    expect(await backupCommand({ config: configFile, env: 'dev', dataDir: '.', aws: true, plan: 'demo' }, { ...deps, runner, clients: { dynamodb: ddb } })).toBe(1);
    expect(err).toEqual(['Backup FAILED: TransientError: Error: connect ECONNREFUSED 127.0.0.1:40827']);
  });
});

describe('restore command line → runbook input', () => {
  it.each([
    ['s3://b', { type: 's3', bucket: 'b', prefix: '' }],
    ['s3://b/some/prefix/', { type: 's3', bucket: 'b', prefix: 'some/prefix/' }],
    ['dynamodb://t', { type: 'dynamodb', table: 't' }],
    ['/mnt/x', { type: 'filesystem', path: '/mnt/x' }],
    ['file:///mnt/x', { type: 'filesystem', path: '/mnt/x' }],
  ])('%s', (spec, target) => expect(parseTargetSpec(spec)).toEqual(target));

  it('passes --overwrite and --keep-setid into the runbook input', () => {
    const base = { config: '', env: 'dev', dataDir: '', source: 'files', backup: '20261124T100000Z-1a2b3c4d', target: '/mnt/restored' };
    expect(restoreInput(base)).toEqual({ source: 'files', backupId: base.backup, target: { type: 'filesystem', path: '/mnt/restored' } });
    expect(restoreInput({ ...base, overwrite: true, keepSetid: true })).toMatchObject({ overwrite: true, keepSetIdBits: true });
    expect(restoreInput({ ...base, target: 's3://lifeboat-dev-restore-x', allowUnprotectedTarget: true })).toMatchObject({ allowUnprotectedTarget: true });
  });

  it('refuses a relative directory, and neither or both of --backup/--at, with exit 2', async () => {
    expect(() => parseTargetSpec('restored')).toThrow('--target "restored"');
    expect(() => restoreInput({ config: '', env: 'dev', dataDir: '', source: 's', target: '/x' })).toThrow('exactly one of --backup');
    const { err, deps } = capturedCliDeps();
    expect(await restoreCommand({ config: configFile, env: 'dev', dataDir: '.', source: 's', backup: 'b', at: 't', target: '/x' }, deps)).toBe(2);
    expect(err[0]).toContain('exactly one of --backup <id> and --at <time>');
  });
});
