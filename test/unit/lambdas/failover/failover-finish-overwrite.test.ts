import { ForgottenBackupError, NoBackupAtTimeError, UnknownBackupError } from '../../../../lambdas/catalog/catalog-errors';
import { finishCommand, reportOfIncompleteCause, reportStepOutput } from '../../../../lambdas/failover/failover-incomplete';
import { type FailedSource, failoverReport, type RestoredSource, TARGET_UNWRITTEN_ERRORS } from '../../../../lambdas/failover/failover-report';
import { parseFailoverRequest } from '../../../../lambdas/failover/failover-request';
import { BackupNotReplicatedError, RestoreTargetNotAllowedError, RestoreTargetNotEmptyError, RestoreTargetUnprotectedError } from '../../../../lambdas/restore/restore-errors';
import { TRIO_BACKUP as BACKUP, TRIO_FAILOVER as failover, TRIO_PLAN as plan } from './trio-failover';

/**
 * A partial failover's `finish` restores its failed sources with `overwrite`, over what their targets partly hold. A
 * source whose restore stopped in its first step (Validate and resolve: it writes only its claim on the target and its
 * pin on the backup) wrote nothing to its target: finished with overwrite, it would replace whatever another failover
 * or restore wrote there since. Such sources are finished by a second input without overwrite, whose Validate failover
 * refuses a target that holds data.
 */
const liveT: RestoredSource = { restoreId: 'f-1-trio-t', source: 'trio-t', target: { type: 'dynamodb' }, targetDescription: 'dynamodb table lifeboat-au-restore-trio-t-cli', entries: 1, items: 60, bytes: 6000, durationMs: 4_200 };
const lambdaCause = (errorType: string, errorMessage: string) => JSON.stringify({ errorType, errorMessage });
const failedWith = (source: string, error: Error): FailedSource => ({ restoreId: `f-1-${source}`, source, failed: true, error: { Error: error.name, Cause: lambdaCause(error.name, error.message) } });
const notReplicated = new BackupNotReplicatedError(`Backup ${BACKUP} is not in the DR vault: its snapshot of source "trio-b" is missing`);
// Raised by Restore shard or Verify restore, after the restore wrote its target.
const incomplete = Object.assign(new Error('1 object(s) could not be restored (e.g. "readme.txt")'), { name: 'RestoreIncompleteError' });
const at = '2026-12-05T12:01:00.000Z';
const asked = { plan: 'trio', targetSuffix: 'cli' };
// The report function's environment (LIFEBOAT_ENVIRONMENT), in AWS.
const IN_AWS = { environment: 'au', localCloud: false };

it('finishes a source whose restore wrote nothing without overwrite, in its own input, and one that may have written with it', () => {
  const report = failoverReport({ failover, restored: [failedWith('trio-a', incomplete), failedWith('trio-b', notReplicated), liveT], finishedAt: at, request: asked }, [plan]);
  expect(report.finish).toEqual({ plan: 'trio', backupId: BACKUP, targetSuffix: 'cli', overwrite: true, sources: ['trio-a'] });
  expect(report.finishWithoutOverwrite).toEqual({ plan: 'trio', backupId: BACKUP, targetSuffix: 'cli', sources: ['trio-b'] });
  expect(report.failed?.map((f) => [f.source, f.error, f.wroteNothing])).toEqual([
    ['trio-a', 'RestoreIncompleteError', undefined],
    ['trio-b', 'BackupNotReplicatedError', true],
  ]);
  const action = report.failed?.[1]?.action ?? '';
  expect(action).toMatch(/^This failover wrote nothing to s3:\/\/lifeboat-au-restore-trio-b-cli\/: its restore stopped in its first step \(Validate and resolve\)/);
  expect(action).toContain('restore it with the input in "finishWithoutOverwrite"');
  expect(action).not.toContain('"finish"');
  // The runbook takes it as it is: the same plan, backup and targets, only that source, and no overwrite.
  const parsed = parseFailoverRequest(report.finishWithoutOverwrite, [plan]);
  expect([parsed.overwrite, parsed.sources, parsed.targetSuffix, parsed.backupId]).toEqual([false, ['trio-b'], 'cli', BACKUP]);
});

it('has no overwriting finish when no failed source may have written its target; the cause gives the command without --overwrite', () => {
  const report = failoverReport({ failover, restored: [failedWith('trio-a', new RestoreTargetNotEmptyError('Invalid restore request: target: s3://lifeboat-au-restore-trio-a-cli/ already holds objects')), failedWith('trio-b', notReplicated), liveT], finishedAt: at, request: asked }, [plan]);
  expect(report).not.toHaveProperty('finish');
  expect(report.finishWithoutOverwrite).toEqual({ plan: 'trio', backupId: BACKUP, targetSuffix: 'cli', sources: ['trio-a', 'trio-b'] });
  const output = reportStepOutput(report, IN_AWS);
  const summary = (JSON.parse(output.incompleteCause ?? '{}') as { errorMessage: string }).errorMessage;
  expect(summary).toContain('Not restored, their restores refused or stopped before writing (in Validate and resolve, or refused by the target itself: its action says which): trio-a (RestoreTargetNotEmptyError: ');
  expect(summary).not.toContain('may hold part of the restore');
  expect(summary).toContain(
    `To finish trio-a, trio-b (their restores refused or stopped before writing), start the failover again with {"plan":"trio","backupId":"${BACKUP}","targetSuffix":"cli","sources":["trio-a","trio-b"]} ` +
      `(lifeboat failover --plan trio --backup ${BACKUP} --target-suffix cli --sources trio-a,trio-b; add --aws --env au), without overwrite: it refuses a target that holds data (another run's since, or, if this failover was started with overwrite, the data it was to replace: check it, then add "overwrite").`,
  );
  expect(summary).not.toContain('--overwrite');
  const { incompleteCause: _, ...rest } = output;
  expect(reportOfIncompleteCause(output.incompleteCause)).toEqual(rest);
});

it('with both kinds, the cause gives both inputs', () => {
  const report = failoverReport({ failover, restored: [failedWith('trio-a', incomplete), failedWith('trio-b', notReplicated), liveT], finishedAt: at, request: asked }, [plan]);
  const summary = (JSON.parse(reportStepOutput(report, IN_AWS).incompleteCause ?? '{}') as { errorMessage: string }).errorMessage;
  expect(summary).toContain('Not restored (their targets may hold part of the restore: not for the applications): trio-a (RestoreIncompleteError: ');
  expect(summary).toContain('Not restored, their restores refused or stopped before writing (in Validate and resolve, or refused by the target itself: its action says which): trio-b (BackupNotReplicatedError: ');
  expect(summary).toContain(`To finish, start the failover again with {"plan":"trio","backupId":"${BACKUP}","targetSuffix":"cli","overwrite":true,"sources":["trio-a"]} (lifeboat failover --plan trio --backup ${BACKUP} --target-suffix cli --sources trio-a --overwrite; add --aws --env au).`);
  expect(summary).toContain(
    `To finish trio-b (its restore refused or stopped before writing), start the failover again with {"plan":"trio","backupId":"${BACKUP}","targetSuffix":"cli","sources":["trio-b"]} ` +
      `(lifeboat failover --plan trio --backup ${BACKUP} --target-suffix cli --sources trio-b; add --aws --env au), without overwrite: it refuses a target that holds data (another run's since, or, if this failover was started with overwrite, the data it was to replace: check it, then add "overwrite").`,
  );
});

it('a target\'s own refusal may come after the writes (Verify restore), and a failover started with overwrite is told why its finish without it is refused (review r1)', () => {
  const notAllowed = Object.assign(new Error('Invalid restore request: target: /mnt/app-f/x is a symbolic link'), { name: 'RestoreTargetNotAllowedError' });
  const started = { ...failover, restores: failover.restores.map((r) => ({ ...r, request: { ...r.request, overwrite: true } })) };
  const report = failoverReport({ failover: started, restored: [failedWith('trio-a', notAllowed), failedWith('trio-b', notReplicated), liveT], finishedAt: at, request: { ...asked, overwrite: true } }, [plan]);
  const [refused, unwritten] = report.failed ?? [];
  expect(refused?.action).toMatch(/^This failover's restore was refused by s3:\/\/lifeboat-au-restore-trio-a-cli\/ itself .*if the refusal came in Verify restore, after the shards had written, the target may hold part of the restore\. /);
  expect(unwritten?.action).toMatch(/^This failover wrote nothing to s3:\/\/lifeboat-au-restore-trio-b-cli\/: /);
  for (const action of [refused?.action, unwritten?.action]) {
    expect(action).toContain('this failover was started with "overwrite", so');
    expect(action).toContain('that run is refused until you have checked what it holds and add "overwrite" (--overwrite) knowingly');
    expect(action).not.toContain('if another failover or restore has written');
  }
});

it('keeps a source whose error does not say where its restore stopped (a passing fault) in the overwriting finish', () => {
  const throttled: FailedSource = { ...failedWith('trio-b', Object.assign(new Error('ThrottlingException: Rate exceeded'), { name: 'TransientError' })) };
  const report = failoverReport({ failover, restored: [throttled, failedWith('trio-a', incomplete), liveT], finishedAt: at, request: asked }, [plan]);
  expect(report.finish?.sources).toEqual(['trio-a', 'trio-b']);
  expect(report).not.toHaveProperty('finishWithoutOverwrite');
});

it('the finishing command has --overwrite only for the input that overwrites', () => {
  expect(finishCommand({ plan: 'trio', backupId: BACKUP, sources: ['trio-b'] })).toBe(`lifeboat failover --plan trio --backup ${BACKUP} --sources trio-b`);
  expect(finishCommand({ plan: 'trio', backupId: BACKUP, overwrite: true, sources: ['trio-b'] })).toBe(`lifeboat failover --plan trio --backup ${BACKUP} --sources trio-b --overwrite`);
});

// The report knows a failed restore by its error's name only: each name it counts as "stopped in the resolve step" is that error's.
it.each([
  new BackupNotReplicatedError('m'),
  new UnknownBackupError(BACKUP),
  new NoBackupAtTimeError('trio-b', at),
  new RestoreTargetNotEmptyError('m'),
  new RestoreTargetNotAllowedError('m'),
  new RestoreTargetUnprotectedError('b', [], 'm'),
])('%s is one of the errors of a restore that wrote nothing', (error) => {
  expect(TARGET_UNWRITTEN_ERRORS).toContain(error.name);
});

it('does not count ForgottenBackupError: Restore shard and Verify restore raise it too, after writing (ForgottenDuringRestoreError)', () => {
  expect(TARGET_UNWRITTEN_ERRORS).not.toContain(new ForgottenBackupError(BACKUP, at, 'dr').name);
});
