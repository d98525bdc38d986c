import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { doctorCommand } from '../../../cli/commands/doctor-command';
import { type CheckResult } from '../../../cli/doctor/check-result';
import { localDynamoDbClient } from '../../../local/cloud/local-cloud';
import { startRegion, stopRegion } from '../../../local/cloud/region-outage';
import { type BackupTestEnvironment, committedBackupId, openBackupTestEnvironment, seedSmallSources, smallConfig } from '../../support/backup-test-environment';
import { createActiveTable } from '../../../local/cloud';

/**
 * `lifeboat doctor` (local mode) against one local cloud provisioned from the synthesized templates
 * (the test run's synthesis cache: the doctor's own synthesis of the same environment reuses it).
 * The tests run in order: sources missing, a table in the wrong region, healthy after a backup, the
 * DR region stopped and started again, then the cloud stopped.
 */

let env: BackupTestEnvironment;
let configFile: string;

beforeAll(async () => {
  env = await openBackupTestEnvironment('doctor');
  configFile = path.join(env.dataDir, 'lifeboat.config.json');
  writeFileSync(configFile, JSON.stringify(smallConfig));
});

afterAll(async () => {
  await env.close();
});

async function doctor(json = true): Promise<{ code: number; lines: string[]; checks: Map<string, CheckResult> }> {
  const lines: string[] = [];
  const code = await doctorCommand({ config: configFile, env: 'test', dataDir: env.dataDir, json }, { io: { out: (l) => lines.push(l), err: (l) => lines.push(l) } });
  const checks = json ? new Map((JSON.parse(lines.join('\n')) as { checks: CheckResult[] }).checks.map((c) => [c.name, c])) : new Map<string, CheckResult>();
  return { code, lines, checks };
}

describe('lifeboat doctor in the local cloud', () => {
  it('fails on missing sources, each with its fix, while the stacks are provisioned (exit 1)', async () => {
    const { code, checks } = await doctor();
    expect(code).toBe(1);
    expect(checks.get('local cloud')?.verdict).toBe('ok');
    expect(checks.get('stack Lifeboat-test-Primary')).toMatchObject({ verdict: 'ok', detail: '2 buckets and 1 table provisioned in the local cloud (us-east-1)' });
    expect(checks.get('source small-bucket')).toEqual({
      name: 'source small-bucket',
      verdict: 'fail',
      detail: 'bucket lifeboat-test-small does not exist in us-east-1',
      fix: `create bucket lifeboat-test-small in us-east-1, or correct environments[0].plans[0].sources[0].bucket in ${configFile}`,
    });
    expect(checks.get('source small-files')).toMatchObject({ verdict: 'fail', fix: expect.stringMatching(/^mkdir -p .*\/fs\/mnt\/small and put the files/) });
    expect(checks.get('last backup small')).toMatchObject({ verdict: 'warn', detail: 'plan small has no committed backup yet' });
  });

  it('fails on a source table created only in the DR region, naming both regions', async () => {
    const dr = localDynamoDbClient(env.local.endpoints, 'us-west-2');
    try {
      await createActiveTable(dr, { TableName: 'lifeboat-test-small', AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }], BillingMode: 'PAY_PER_REQUEST' });
      const { code, checks } = await doctor();
      expect(code).toBe(1);
      expect(checks.get('source small-table')).toMatchObject({
        verdict: 'fail',
        detail: 'table lifeboat-test-small exists in us-west-2, not in the primary region us-east-1',
        fix: expect.stringContaining('environments[0].plans[0].sources[1].table'),
      });
    } finally {
      await dr.send(new DeleteTableCommand({ TableName: 'lifeboat-test-small' }));
      dr.destroy();
    }
  });

  it('passes every check once the sources exist and a backup ran (exit 0), one line per check', async () => {
    await seedSmallSources(env);
    committedBackupId(await env.runBackup());
    const { code, lines } = await doctor(false);
    expect(lines[0]).toBe(`lifeboat doctor: environment test in the local cloud of ${env.dataDir}`);
    const checkLines = lines.slice(1, -1);
    expect(checkLines.map((l) => l.split(/\s{2,}/)[1])).toEqual([
      'config',
      'environment',
      'synthesis',
      'local cloud',
      'region us-east-1',
      'region us-west-2',
      'source small-bucket',
      'source small-table',
      'source small-files',
      'stack Lifeboat-test-Primary',
      'stack Lifeboat-test-DR',
      'schedule small',
      'last backup small',
      'dr copy small',
      // The other schedules, as the synthesized templates set them (audit a58C F1).
      'scrub schedule',
      'prune schedule',
      'dr prune schedule',
      // Each region's alert rules, as the templates set them (audit a58C F6).
      'execution rule us-east-1',
      'key rule us-east-1',
      'watchdog rule us-east-1',
      'execution rule us-west-2',
      'key rule us-west-2',
      'watchdog rule us-west-2',
      'catalog plans',
      'dr catalog items',
    ]);
    expect(checkLines.filter((l) => !l.startsWith('ok '))).toEqual([]);
    expect(checkLines.find((l) => l.includes('schedule small'))).toContain('the local scheduler is not running: `lifeboat local up --with-schedules` fires it');
    expect(lines.at(-1)).toBe('25 ok, 0 warn, 0 fail, 0 skipped (exit 0)');
    expect(code).toBe(0);
  });

  it('fails on a region stopped by `local region stop`, naming `local region start` as the fix (exit 1)', async () => {
    await stopRegion(env.dataDir, 'us-west-2');
    try {
      const { code, checks } = await doctor();
      expect(code).toBe(1);
      expect(checks.get('local cloud')?.verdict).toBe('ok');
      expect(checks.get('region us-east-1')?.verdict).toBe('ok');
      expect(checks.get('region us-west-2')).toEqual({
        name: 'region us-west-2',
        verdict: 'fail',
        detail: 'stopped in the local cloud (a simulated outage: its S3 and DynamoDB refuse connections)',
        fix: `lifeboat local region start us-west-2 --data-dir ${env.dataDir}`,
      });
      // The DR catalog is not scanned through a region that refuses connections: its line says what it waits for.
      expect(checks.get('dr catalog items')).toEqual({ name: 'dr catalog items', verdict: 'skipped', detail: 'depends on stack Lifeboat-test-DR, which was skipped' });
    } finally {
      await startRegion(env.dataDir, 'us-west-2');
    }
  });

  it('fails on a stopped cloud with `lifeboat local up` as the fix, and skips what needs it (exit 1)', async () => {
    await env.local.close();
    const { code, checks } = await doctor();
    expect(code).toBe(1);
    expect(checks.get('local cloud')).toEqual({
      name: 'local cloud',
      verdict: 'fail',
      detail: `not running (no cloud.json in ${env.dataDir})`,
      fix: `lifeboat local up --env test --config ${configFile} --data-dir ${env.dataDir}`,
    });
    expect(checks.get('config')?.verdict).toBe('ok');
    expect(checks.get('source small-bucket')).toMatchObject({ verdict: 'skipped', detail: 'depends on local cloud, which failed' });
    expect(checks.get('dr copy small')?.verdict).toBe('skipped');
  });
});
