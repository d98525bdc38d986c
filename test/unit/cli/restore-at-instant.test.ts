import { restoreCommand, restoreInput } from '../../../cli/commands/restore-commands';
import { type WorkflowRunner } from '../../../cli/workflow-runner';
import { restoreRequestSchema } from '../../../lambdas/restore/restore-request';
import { capturedCliDeps } from '../../support/captured-cli-io';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';

/**
 * `lifeboat restore --at` (review f65P): an offset reaches the runbook as written, which reads it as the instant it names
 * (resolve-restore.test.ts: 11:30+01:00 asks the catalog for 10:30Z); a time that is none, or names no zone, is refused
 * by the command line, naming --at, before any execution starts.
 */

const base = { config: SAMPLE_CONFIG_FILE, env: 'dev', dataDir: '.', source: 'demo-assets', target: 's3://lifeboat-dev-restore-x' };

it('passes an offset --at to the runbook, whose input schema takes it', () => {
  const input = restoreInput({ ...base, at: '2026-12-07T11:00:00+02:00' });
  expect(input).toMatchObject({ pointInTime: '2026-12-07T11:00:00+02:00' });
  expect(restoreRequestSchema.safeParse(input).success).toBe(true);
});

it.each([
  ['yesterday', 'must be an ISO 8601 time with a zone'],
  ['2026-12-07T11:00:00', 'must be an ISO 8601 time with a zone'],
  ['2026-02-30T10:00:00Z', 'is no time of the calendar'],
])('refuses --at %j with exit 2 and a message naming --at, starting nothing', async (at, problem) => {
  const { err, deps } = capturedCliDeps();
  const started: unknown[] = [];
  const runner: WorkflowRunner = {
    run: async (...args) => {
      started.push(args);
      throw new Error('must not start');
    },
  } as WorkflowRunner;
  expect(await restoreCommand({ ...base, at }, { ...deps, runner })).toBe(2);
  expect(err[0]).toContain(`lifeboat restore: --at ${JSON.stringify(at)}: ${problem}`);
  expect(err[0]).toContain('an offset such as 2026-11-24T12:00:00+02:00 is read as the instant it names');
  expect(started).toEqual([]);
});
