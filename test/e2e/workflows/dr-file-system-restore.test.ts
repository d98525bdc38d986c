import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { type LifeboatConfig, lifeboatConfigSchema } from '../../../config/lifeboat-config';
import { causeMessage } from '../../../cli/workflow-runner';
import { type DrillRecord } from '../../../lambdas/catalog/drill-record';
import { type FailoverReport } from '../../../lambdas/failover/failover-report';
import { resourceNames } from '../../../lib/stacks/resource-names';
import { compareDirectories } from '../../../local/demo/compare-restored';
import { seedSampleDirectory } from '../../../local/demo/sample-data';
import { approveEveryTask } from '../../../local/executor/local-approver';
import { type LocalExecutionResult, runLocalExecution } from '../../../local/executor/run-local-execution';
import { type LocalEnvironment, openLocalEnvironment } from '../../../local/local-environment';

/**
 * Directory sources restored in the DR region (fileSystem.efs.drRestore): the DR region's failover, restore runbook
 * and drill write them under the DR file system's mount path, which the local cloud maps as it maps the primary's
 * (`/mnt/x` is `<fs root>/mnt/x`). The DR mount path differs from the primary's here, so a target that ignored it
 * would land beside the source, under /mnt/lifeboat.
 */
const DR_MOUNT = '/mnt/lifeboat-dr';
const SOURCE_PATH = '/mnt/lifeboat/apps/media';
const efs = (id: string) => ({
  fileSystemId: `fs-${id}`,
  accessPointId: `fsap-${id}`,
  vpcId: `vpc-${id}`,
  subnetIds: [`subnet-${id}`],
  securityGroupId: `sg-${id}`,
});
const config: LifeboatConfig = lifeboatConfigSchema.parse({
  environments: [
    {
      name: 'dfs',
      account: '000000000000',
      primaryRegion: 'us-east-1',
      drRegion: 'us-west-2',
      fileSystem: { efs: { ...efs('0123456789abcdef0'), drRestore: { ...efs('0fedcba9876543210'), mountPath: DR_MOUNT } } },
      plans: [
        {
          name: 'files',
          schedule: 'rate(1 day)',
          strategy: 'full',
          retention: { keepLast: 2 },
          objectives: { rpoMinutes: 1440, rtoMinutes: 60 },
          drill: { schedule: 'rate(7 days)', samples: 5 },
          maxConcurrency: 2,
          sources: [{ type: 'filesystem', name: 'media', path: SOURCE_PATH }],
        },
      ],
    },
  ],
});

let dataDir: string;
let local: LocalEnvironment;
let names: ReturnType<typeof resourceNames>;
let backupId: string;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'lifeboat-dr-file-system-'));
  local = await openLocalEnvironment({ config, envName: 'dfs', dataDir, exitWithParent: true });
  names = resourceNames(local.environment);
  await seedSampleDirectory(fsPath(SOURCE_PATH));
  const backup = await run('primary', names.backupStateMachine, { plan: 'files', trigger: 'test' });
  backupId = output<{ committed: { backupId: string } }>(backup).committed.backupId;
}, 180_000);

afterAll(async () => {
  await local?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

function fsPath(configured: string): string {
  return path.join(local.fsRoot, configured);
}

function run(role: 'primary' | 'dr', stateMachine: string, input: unknown): Promise<LocalExecutionResult> {
  const stack = local.stacks.find((s) => s.role === role);
  if (!stack) throw new Error(`no ${role} stack`);
  return runLocalExecution({
    stack,
    stateMachine,
    input,
    endpoints: local.endpoints,
    dataDir,
    pool: local.lambdaPool(2),
    retryIntervalScale: 0.001,
    extraEnv: { LIFEBOAT_FS_ROOT: local.fsRoot },
    // Failovers wait for an approval (docs/RUNBOOKS.md, "Approvals"); not what these tests are about.
    onTaskToken: approveEveryTask(dataDir),
  });
}

function output<T>(result: LocalExecutionResult): T {
  expect({ status: result.status, error: result.error, cause: result.cause }).toEqual({ status: 'SUCCEEDED', error: undefined, cause: undefined });
  return result.output as T;
}

it('the failover restores a directory source under the DR mount path, at its path below the primary mount, equal entry for entry and byte for byte', async () => {
  const report = output<FailoverReport>(await run('dr', names.failoverStateMachine, { plan: 'files' }));
  expect(report.sources.map((s) => [s.source, s.target])).toEqual([['media', `directory ${DR_MOUNT}/apps/media-failover`]]);
  expect(await compareDirectories(fsPath(SOURCE_PATH), fsPath(`${DR_MOUNT}/apps/media-failover`))).toEqual([]);
  // Nothing was written beside the source, on the primary region's file system.
  expect(readdirSync(fsPath('/mnt/lifeboat/apps')).sort()).toEqual(['media']);
}, 180_000);

it('the DR restore runbook refuses a directory target outside the DR mount path before anything is written', async () => {
  const target = '/mnt/lifeboat/restored-media';
  const result = await run('dr', names.restoreStateMachine, { source: 'media', backupId, target: { type: 'filesystem', path: target } });
  expect({ status: result.status, error: result.error }).toEqual({ status: 'FAILED', error: 'RestoreTargetNotAllowedError' });
  expect(causeMessage(result.cause)).toContain(`directory targets must be inside the mounted file system ${DR_MOUNT}`);
  // Refused by the first state: no plan, no shard, nothing to abandon.
  const entered = result.events.filter((e) => e.type === 'StateEntered').map((e) => e.state);
  expect(entered.slice(entered.indexOf('Validate and resolve'))).toEqual(['Validate and resolve', 'Restore planned?', 'Release restore', "Released restore's error", 'Failure report', 'Restore failed']);
  expect(existsSync(fsPath(target))).toBe(false);
}, 120_000);

it('the DR drill restores its scratch directory under the DR mount path, PASSES and removes it', async () => {
  const record = output<DrillRecord>(await run('dr', names.drillStateMachine, { plan: 'files' }));
  expect(record.verdict).toBe('PASSED');
  expect(record.sources.map((s) => s.target)).toEqual([expect.stringMatching(new RegExp(`^directory ${DR_MOUNT}/${names.drillTargetPrefix}`))]);
  expect(readdirSync(fsPath(DR_MOUNT)).filter((n) => n.startsWith(names.drillTargetPrefix))).toEqual([]);
}, 180_000);
