import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { drillRunCommand } from '../../../cli/commands/drill-commands';
import { failoverCommand } from '../../../cli/commands/failover-command';
import { type TargetOptions } from '../../../cli/environment-access';
import { printForgetReport } from '../../../cli/commands/retention-commands';
import { statusCommand } from '../../../cli/commands/status-command';
import { ALARMS_NOT_EMULATED } from '../../../cli/status/alarm-status';
import { type StatusSources } from '../../../cli/status/status-sources';
import { findEnvironment, loadLifeboatConfig } from '../../../config/load-config';
import { type BackupRecord } from '../../../lambdas/catalog/backup-record';
import { type ScrubRunRecord } from '../../../lambdas/catalog/scrub-record';
import { type WorkflowOutcome, type WorkflowRunner } from '../../../cli/workflow-runner';
import { type DrillRecord } from '../../../lambdas/catalog/drill-record';
import { CatalogItemInvalidError } from '../../../lambdas/catalog/catalog-errors';
import { drillStateReport } from '../../../lambdas/drill/drill-state-report';
import { UnreadableNewerBackupError } from '../../../lambdas/failover/unreadable-newer-backups';
import { type InvalidBackupItem } from '../../../lambdas/catalog/backup-catalog';
import { capturedCliIo } from '../../support/captured-cli-io';
import { drillRecordOf, drillReport } from '../../support/drill-records';
import { inMemoryDrillAccess } from '../../support/in-memory-drill-access';
import { parsePrintedCommand } from '../../support/printed-command-parse';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';

/**
 * Read-back rb62A item 2: failover, drill run and status printed `lifeboat doctor${target}` with the run's --stack, which
 * the doctor refuses ("--stack is not taken by lifeboat doctor"): pasted as printed, the line failed. Every `lifeboat …`
 * line they print now parses with the real CLI; with --stack no doctor line is printed, and the line says why.
 */

const STACK: TargetOptions = { config: 'lifeboat.config.json', env: 'dev', dataDir: '.lifeboat', aws: true, stack: 'Shop', stackRegion: 'eu-west-1' };
const ENV: TargetOptions = { config: 'lifeboat.config.json', env: 'prod', dataDir: '.lifeboat', aws: true };
const stderr = { isTTY: false, write: () => true };
const runnerOf = (outcome: WorkflowOutcome): WorkflowRunner => ({ run: async () => outcome });

/**
 * The `lifeboat …` lines in backquotes of the commands the parser knows (printed-command-parse.ts: doctor, catalog,
 * backups, verify, scrub), each with what the CLI's parser made of it: `refused` when it would fail pasted.
 */
async function parsedLines(text: string): Promise<Array<{ line: string; refused?: string }>> {
  const lines = [...text.matchAll(/`(lifeboat (?:doctor|catalog|backups|verify|scrub)\b[^`]*)`/g)].map((m) => m[1] as string);
  return Promise.all(
    lines.map(async (line) => {
      const { refused } = await parsePrintedCommand(line);
      return refused !== undefined ? { line, refused } : { line };
    }),
  );
}

const DAMAGED_PK = 'BACKUP#20261209T060000Z-0000000b';
const damaged: InvalidBackupItem = {
  key: { pk: DAMAGED_PK, sk: 'BACKUP' },
  startedAt: '2026-12-09T06:00:00Z',
  preVault: false,
  mayBeHeld: false,
  forgotten: false,
  snapshotIds: [],
  error: new CatalogItemInvalidError('shop-catalog', `${DAMAGED_PK} / BACKUP`, ['status: Invalid enum value']),
};

const NOW = new Date('2026-11-30T12:00:00.000Z');
const daysAgo = (days: number): string => new Date(NOW.getTime() - days * 86_400_000).toISOString();

/** Status of the sample environment whose drill schedule (weekly, of the DR vault) and scrub schedule (daily) stopped firing. */
function staleSources(): StatusSources {
  const environment = findEnvironment(loadLifeboatConfig(SAMPLE_CONFIG_FILE), 'dev');
  const startedAt = daysAgo(15);
  const drill = drillRecordOf(drillReport({ drillId: '20261115T120000Z-00000001', startedAt, endedAt: startedAt, vault: 'dr', region: 'us-west-2' })).record;
  const backup: BackupRecord = {
    backupId: '20261130T060000Z-00000001',
    plan: 'demo',
    environment: 'dev',
    sourceNames: ['demo-assets'],
    sources: [],
    strategy: 'incremental',
    status: 'COMMITTED',
    startedAt: '2026-11-30T06:00:00.000Z',
    endedAt: '2026-11-30T06:00:00.000Z',
    shardCount: 1,
    totals: { entries: 10, bytes: 1_000_000, bytesScanned: 1_000_000, bytesNew: 100_000, bytesStored: 50_000, blobsNew: 3 },
    copies: { primary: 'COMMITTED', dr: 'COMMITTED' },
  };
  const scrubbed = daysAgo(3);
  const scrub: ScrubRunRecord = {
    environment: 'dev',
    startedAt: scrubbed,
    endedAt: scrubbed,
    scope: 'both',
    fraction: 1 / 7,
    repair: true,
    cursor: { cycle: 1, after: null },
    nextCursor: { cycle: 1, after: 'data/24' },
    cycleComplete: false,
    objects: 70,
    read: { primary: 10, dr: 10 },
    corrupt: 0,
    missing: 0,
    repaired: 0,
    repairable: 0,
    unrepaired: 0,
    outcome: 'CLEAN',
    unrepairedKeys: [],
    affectedBackups: [],
  };
  return {
    environment,
    target: 'aws',
    listBackupsOfPlan: async (plan) => (plan === 'demo' ? [backup] : []),
    latestScrub: async () => scrub,
    latestPrune: async () => undefined,
    mirrorCheck: async () => undefined,
    listDrills: async (side) => (side === 'dr' ? [drill] : []),
    nextRun: async () => ({ state: 'scheduled', at: '2026-12-01T06:00:00.000Z', expression: 'rate(1 day)' }),
    regionOf: (side) => (side === 'primary' ? environment.primaryRegion : environment.drRegion),
    alarms: async () => ALARMS_NOT_EMULATED,
  };
}

// The drill with --stack reads its environment from the stack: CloudFormation is a mock, and the copy it keeps goes to a HOME of the test's own.
const cloudFormation = mockClient(CloudFormationClient);
const realHome = process.env.HOME;
const home = mkdtempSync(path.join(tmpdir(), 'lifeboat-doctor-line-'));
beforeAll(() => {
  process.env.HOME = home;
  const environment = {
    lifeboatEnvironment: 1,
    parts: 1,
    deployment: { prefix: 'shop', primaryStack: 'Shop', drStack: 'Shop-LifeboatDR' },
    environment: {
      name: 'shop',
      account: '111111111111',
      primaryRegion: 'eu-west-1',
      drRegion: 'us-west-2',
      plans: [{ name: 'demo', schedule: 'rate(1 day)', strategy: 'incremental', retention: { keepLast: 7 }, objectives: { rpoMinutes: 1500, rtoMinutes: 60 }, sources: [{ type: 's3', name: 'assets', bucket: 'shop-assets' }] }],
    },
  };
  cloudFormation
    .on(DescribeStacksCommand, { StackName: 'Shop' })
    .resolves({ Stacks: [{ StackName: 'Shop', StackId: 'arn:aws:cloudformation:eu-west-1:111111111111:stack/Shop/0a1b2c3d-0000-4000-8000-1234567890ab', CreationTime: new Date(0), StackStatus: 'CREATE_COMPLETE', Outputs: [{ OutputKey: 'LifeboatEnvironmentShop', OutputValue: JSON.stringify(environment) }] }] });
});
afterAll(() => {
  cloudFormation.restore();
  process.env.HOME = realHome;
  rmSync(home, { recursive: true, force: true });
});

describe('the doctor line printed with the run\'s target options (rb62A item 2)', () => {
  it.each([
    ['--stack', STACK],
    ['--env --aws', ENV],
  ] as const)('failover refused by records it cannot read prints only lines the CLI takes (%s)', async (_name, options) => {
    const error = new UnreadableNewerBackupError('failover', 'demo', { region: 'us-west-2', vault: 'dr' }, undefined, [damaged]);
    const outcome: WorkflowOutcome = { executionId: 'f1', status: 'FAILED', error: error.name, cause: JSON.stringify({ errorType: error.name, errorMessage: error.message, trace: [] }) };
    const { err, io } = capturedCliIo();
    expect(await failoverCommand({ ...options, plan: 'demo' }, { io, stderr, runner: runnerOf(outcome), reportReader: async () => undefined })).toBe(1);
    const advice = err.find((l) => l.startsWith("With this run's target options: "));
    expect(advice).toBeDefined();
    expect(await parsedLines(advice ?? '')).toEqual(expect.arrayContaining([{ line: expect.stringMatching(/^lifeboat catalog rebuild --vault dr --region dr /) }]));
    for (const parsed of await parsedLines(advice ?? '')) expect(parsed).not.toHaveProperty('refused');
    expect((advice ?? '').includes('lifeboat doctor')).toBe(options.stack === undefined);
    if (options.stack !== undefined) expect(advice).toContain("(the doctor does not take --stack: the error, or the function's log, names each record; the error gives the command that deletes each it names)");
  });

  it.each([
    ['--stack', STACK],
    ['--env --aws', ENV],
  ] as const)('a drill failed by records it cannot read prints only lines the CLI takes (%s)', async (_name, options) => {
    const error = new UnreadableNewerBackupError('drill', 'demo', { region: 'eu-west-1', vault: 'primary' }, undefined, [damaged]);
    const { record } = drillRecordOf(
      drillReport({ drillId: '20261209T070000Z-0000000c', region: 'eu-west-1', vault: 'primary', execution: 'd1', verdict: 'FAILED', backup: undefined, sources: [], rto: undefined, rpo: undefined, errors: [{ error: error.name, message: error.message, step: 'start' }] }),
    );
    const memory = inMemoryDrillAccess();
    memory.catalogs.primary.push(record as DrillRecord);
    const { err, io } = capturedCliIo();
    const runner = runnerOf({ executionId: 'd1', status: 'FAILED', error: 'DrillFailed', cause: (drillStateReport(record) as { summary: string }).summary });
    const config = options.stack === undefined ? { config: SAMPLE_CONFIG_FILE, env: 'dev' } : {};
    expect(await drillRunCommand({ ...options, ...config, plan: 'demo', vault: 'primary' }, { io, stderr, runner, access: memory.access })).toBe(1);
    const advice = err.find((l) => l.startsWith("With this run's target options: "));
    expect(advice).toBeDefined();
    for (const parsed of await parsedLines(advice ?? '')) expect(parsed).not.toHaveProperty('refused');
    expect(await parsedLines(advice ?? '')).toEqual(expect.arrayContaining([{ line: expect.stringMatching(/^lifeboat catalog rebuild --vault primary /) }]));
    expect((advice ?? '').includes('lifeboat doctor')).toBe(options.stack === undefined);
  });

  it.each([
    ['--stack', STACK],
    ['--env --aws', ENV],
  ] as const)("status's stale drill and scrub lines name a doctor the CLI takes, or with --stack the schedule (%s)", async (_name, options) => {
    const { out, io } = capturedCliIo();
    expect(await statusCommand(options, { io, sources: staleSources(), now: () => NOW })).toBe(1);
    const screen = out.join('\n').replace(/\n {4}/g, ' ');
    expect(screen.split('see whether the schedule fires (').length - 1).toBe(2);
    expect((await parsedLines(screen)).filter((p) => p.line.startsWith('lifeboat doctor'))).toHaveLength(options.stack === undefined ? 2 : 0);
    for (const parsed of await parsedLines(screen)) expect(parsed).not.toHaveProperty('refused');
    expect(screen.includes('lifeboat doctor')).toBe(options.stack === undefined);
    // The stale drill is of the DR vault: its schedule is in the DR stack (review r62R F2); the scrub's in the primary region.
    if (options.stack !== undefined) {
      expect(screen).toMatch(/no DR drill since [^\n]*see whether the schedule fires \(its EventBridge Scheduler schedule in the DR stack, in the DR region \(and the DR account, if the environment has one\): the doctor does not take --stack\) and the drill's executions/);
      expect(screen).toMatch(/the last scrub started [^\n]*see whether the schedule fires \(its EventBridge Scheduler schedule in the primary region: the doctor does not take --stack\) and the scrub's executions/);
    }
  });

  it('the forget report, which already left the doctor out with --stack, builds its line the same way', async () => {
    const { out, io } = capturedCliIo();
    const report = { vault: 'primary' as const, dryRun: true, plans: [{ plan: 'demo', policy: { keepLast: 1 }, decisions: [], forgotten: [], heldMeanwhile: [], pinnedMeanwhile: [], deletedObjects: 0, releasedClaims: [], notCounted: [], leftInPlace: [], locked: [], unreadable: [{ item: 'BACKUP#x / BACKUP', problem: 'not valid' }] }] };
    printForgetReport(io, report, undefined, STACK);
    for (const parsed of await parsedLines(out.join('\n'))) expect(parsed).not.toHaveProperty('refused');
    expect(out.join('\n')).not.toContain('lifeboat doctor');
  });
});
