import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { restoreCommand, type RestoreCommandOptions } from '../../../cli/commands/restore-commands';
import { type WorkflowRunner } from '../../../cli/workflow-runner';
import { localDynamoDbClient } from '../../../local/cloud/local-cloud';
import { startRegion, stopRegion } from '../../../local/cloud/region-outage';
import { compareTables } from '../../../local/demo/compare-restored';
import { runLocalExecution } from '../../../local/executor/run-local-execution';
import { type BackupTestEnvironment, committedBackupId, openBackupTestEnvironment, seedSmallSources, smallConfig } from '../../support/backup-test-environment';
import { capturedCliDeps } from '../../support/captured-cli-io';

/**
 * `lifeboat restore --from dr` with the primary region stopped (docs/RUNBOOKS.md, "Restore → CLI" and
 * "The primary region is down"): the command runs the DR region's own restore runbook, which reads the
 * DR catalog and the DR vault, so the restore succeeds and the table it writes equals the source. The
 * same restore from the primary vault fails on the unreachable region and says to use --from dr.
 */
let env: BackupTestEnvironment;
let drDdb: DynamoDBClient;
let backupId: string;
let configFile: string;

beforeAll(async () => {
  env = await openBackupTestEnvironment('restore-from-dr-cli');
  drDdb = localDynamoDbClient(env.local.endpoints, env.local.environment.drRegion);
  await seedSmallSources(env);
  backupId = committedBackupId(await env.runBackup({ strategy: 'full' }));
  // The CLI reads the environment from a config file: the test environment's, in its data directory (removed with it).
  configFile = path.join(env.dataDir, 'lifeboat.config.json');
  writeFileSync(configFile, JSON.stringify(smallConfig));
}, 240_000);

afterAll(async () => {
  drDdb?.destroy();
  await env?.close();
});

/**
 * The CLI's local runner, in this process (the CLI's own imports the executor lazily, which jest's VM
 * cannot): the stack of the region the command asks for, as cli/workflow-runner.ts picks it.
 */
function inProcessRunner(asked: string[]): WorkflowRunner {
  return {
    run: async (workflow, input, _progress, options) => {
      const region = options?.region ?? 'primary';
      asked.push(`${workflow} in ${region}`);
      const stack = env.local.stacks.find((s) => s.role === region);
      if (!stack) throw new Error(`no ${region} stack`);
      const result = await runLocalExecution({
        stack,
        stateMachine: env.names.restoreStateMachine,
        input,
        endpoints: env.local.endpoints,
        dataDir: env.dataDir,
        pool: env.local.lambdaPool(2),
        retryIntervalScale: 0.001,
        extraEnv: { LIFEBOAT_FS_ROOT: env.local.fsRoot },
      });
      return { executionId: result.executionId, status: result.status, output: result.output, ...(result.error ? { error: result.error } : {}), ...(result.cause ? { cause: result.cause } : {}) };
    },
  };
}


it('restores a table from the DR vault with the primary region stopped; from the primary vault it points to --from dr', async () => {
  const table = env.plan.sources.find((s) => s.type === 'dynamodb');
  if (!table || table.type !== 'dynamodb') throw new Error('the small plan has a table source');
  const target = `${env.names.restoreTargetPrefix}dr-cli`;
  const options: RestoreCommandOptions = { config: configFile, env: 'test', dataDir: env.dataDir, source: table.name, backup: backupId, target: `dynamodb://${target}` };
  const asked: string[] = [];
  const primaryRegion = env.local.environment.primaryRegion;
  await stopRegion(env.dataDir, primaryRegion);
  try {
    const fromDr = capturedCliDeps();
    expect(await restoreCommand({ ...options, from: 'dr', json: true }, { ...fromDr.deps, runner: inProcessRunner(asked) })).toBe(0);
    expect(fromDr.err).toEqual([]);
    expect(JSON.parse(fromDr.out.join('\n'))).toMatchObject({ status: 'SUCCEEDED', report: { backupId, source: table.name, vault: 'dr', verified: { mismatches: 0 } } });

    const fromPrimary = capturedCliDeps();
    expect(await restoreCommand({ ...options, target: `dynamodb://${target}-primary` }, { ...fromPrimary.deps, runner: inProcessRunner(asked) })).toBe(1);
    expect(fromPrimary.err[0]).toMatch(/^Restore FAILED: TransientError: .*ECONNREFUSED/);
    expect(fromPrimary.err[1]).toContain('The primary region does not answer (its catalog or vault could not be reached): restore from the DR region with --from dr');
  } finally {
    await startRegion(env.dataDir, primaryRegion);
  }
  expect(asked).toEqual(['restore in dr', 'restore in primary']);
  // Item for item the source (unchanged since the backup), now that its region answers again.
  expect(await compareTables(env.ddb, table.table, target, drDdb)).toEqual([]);
}, 240_000);
