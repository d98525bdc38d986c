import { FAILOVER_INCOMPLETE_ERROR, failoverIncompleteCause, failoverIncompleteSummary, MAX_FAILURE_CAUSE, reportOfIncompleteCause, reportStepOutput } from '../../../../lambdas/failover/failover-incomplete';
import { INCOMPLETE_CAUSE_STATE_BYTES } from '../../../../config/parent-state-size';
import { claimHolderOf, type FailedSource, failoverReport, MAX_FAILED_MESSAGE, type RestoredSource, restoreIdHolderOf } from '../../../../lambdas/failover/failover-report';
import { type FailoverStart } from '../../../../lambdas/failover/failover-start';
import { boundedFailure } from '../../../../lambdas/restore/bounded-failure';
import { RestoreTargetClaimedError } from '../../../../lambdas/restore/restore-target-claimed-error';
import { ABORT_INCOMPLETE_UPLOADS_DAYS, ABORT_INCOMPLETE_UPLOADS_RULE } from '../../../../lambdas/restore/target-upload-lifecycle';
import { testPlan } from '../../../support/test-plans';
import { failoverRestore, TRIO_BACKUP as BACKUP, TRIO_FAILOVER, TRIO_PLAN as plan } from './trio-failover';

/**
 * A failover in which a source's restore failed: the report lists the live sources (target, figures) and the failed
 * ones (error, message, what to do), the input that finishes it, and the cause the execution fails with names both.
 */
/** With the Start step's choices: the report says where each source was restored from. */
const failover: FailoverStart = {
  ...TRIO_FAILOVER,
  choices: ['trio-a', 'trio-b', 'trio-t'].map((source) => ({ source, use: 'vault' as const, reason: 'not mirrored: restored from the DR vault', type: source === 'trio-t' ? ('dynamodb' as const) : ('s3' as const) })),
};
const live: RestoredSource[] = [
  { restoreId: 'f-1-trio-t', source: 'trio-t', target: { type: 'dynamodb' }, targetDescription: 'dynamodb table lifeboat-au-restore-trio-t-cli', entries: 1, items: 60, bytes: 6000, durationMs: 4_200 },
  { restoreId: 'f-1-trio-a', source: 'trio-a', target: { type: 's3' }, targetDescription: 's3://lifeboat-au-restore-trio-a-cli/', entries: 29, bytes: 4096, durationMs: 2_100 },
];
const lambdaCause = (errorType: string, errorMessage: string) => JSON.stringify({ errorType, errorMessage, trace: ['at x', 'at y'] });
const failedB: FailedSource = {
  restoreId: 'f-1-trio-b',
  source: 'trio-b',
  failed: true,
  error: { Error: 'RestoreIncompleteError', Cause: lambdaCause('RestoreIncompleteError', '1 object(s) could not be restored because their data in the vault is damaged or missing (e.g. "readme.txt")') },
};
const at = '2026-12-05T12:01:00.000Z';
// The report function's environment (LIFEBOAT_ENVIRONMENT), in AWS.
const IN_AWS = { environment: 'au', localCloud: false };
const caughtMessage = (f: FailedSource): string => (JSON.parse(f.error.Cause ?? '{}') as { errorMessage: string }).errorMessage;

it('lists the live sources with their targets and the failed one with its error, what to do and the input that finishes the failover', () => {
  const report = failoverReport({ failover, restored: [failedB, ...live], finishedAt: at, request: { plan: 'trio', targetSuffix: 'cli', requestedBy: 'ops@host' } }, [plan]);
  expect(report.sources.map((s) => [s.source, s.target, s.entries])).toEqual([
    ['trio-a', 's3://lifeboat-au-restore-trio-a-cli/', 29],
    ['trio-t', 'dynamodb table lifeboat-au-restore-trio-t-cli', 1],
  ]);
  expect(report.failed).toEqual([
    {
      source: 'trio-b',
      type: 's3',
      target: 's3://lifeboat-au-restore-trio-b-cli/',
      error: 'RestoreIncompleteError',
      message: '1 object(s) could not be restored because their data in the vault is damaged or missing (e.g. "readme.txt")',
      action: expect.stringMatching(/^Fix what the error names .*then restore it with the input in "finish"/) as unknown as string,
    },
  ]);
  expect(report.finish).toEqual({ plan: 'trio', backupId: BACKUP, targetSuffix: 'cli', overwrite: true, sources: ['trio-b'] });
  // The plan's data is not all back: the RTO objective is not met, however fast the report came.
  expect(report.objectives).toMatchObject({ rtoMet: false, rpoMet: false });
});

it('takes a plain States.* cause as it is, calls a timeout a passing fault, and cuts a long message', () => {
  const timedOut: FailedSource = { ...failedB, error: { Error: 'States.Timeout', Cause: 'The restore of the source timed out' } };
  const [timeout] = failoverReport({ failover, restored: [timedOut, ...live], finishedAt: at }, [plan]).failed ?? [];
  expect(timeout).toMatchObject({ error: 'States.Timeout', message: 'The restore of the source timed out', action: expect.stringMatching(/^A passing fault/) as unknown as string });
  const long: FailedSource = { ...failedB, error: { Error: 'ShardWriteError', Cause: lambdaCause('ShardWriteError', 'k'.repeat(5000)) } };
  const [cut] = failoverReport({ failover, restored: [long, ...live], finishedAt: at }, [plan]).failed ?? [];
  expect(cut?.message).toHaveLength(MAX_FAILED_MESSAGE);
  expect(cut?.message.endsWith('…')).toBe(true);
  // No targetSuffix in the input: the finishing input leaves it out too (the default).
  expect(failoverReport({ failover, restored: [long, ...live], finishedAt: at, request: { plan: 'trio' } }, [plan]).finish).toEqual({ plan: 'trio', backupId: BACKUP, overwrite: true, sources: ['trio-b'] });
});

it('a source whose restore\'s cleanup step failed too: the action says the finish is refused while its claim stands, until when, and how to free it (review r59K F3)', () => {
  const cleanupFailed: FailedSource = { ...failedB, error: boundedFailure(failedB.error, 'TransientError') };
  const [source] = failoverReport({ failover, restored: [cleanupFailed, ...live], finishedAt: at }, [plan]).failed ?? [];
  expect(source?.action).toMatch(/^Fix what the error names .*then restore it with the input in "finish"/);
  expect(source?.action).toContain('Its cleanup step (Abandon or Release restore) failed too: the finish is refused with RestoreTargetClaimedError until the restore\'s claim on its target lapses (the restore workflow\'s timeout after it began: 24 hours, 72 with an archive tier) or is freed (docs/RUNBOOKS.md, "Freeing a stuck claim")');
  expect(source?.message).toContain('Its cleanup step (Abandon or Release restore) failed too (TransientError)');
  // A cleanup that ran: no such words.
  const [ran] = failoverReport({ failover, restored: [failedB, ...live], finishedAt: at }, [plan]).failed ?? [];
  expect(ran?.action).not.toContain('cleanup step');
});

it('a source whose child restore timed out or was stopped (no Abandon restore ran): the action names its restore id and what it may have left, an upload or .part files (audit aT1-2)', () => {
  const notFinished: FailedSource = { ...failedB, error: { Error: 'RestoreSourceNotFinished', Cause: 'The restore of the source timed out or was stopped before it finished' } };
  const [s3Source] = failoverReport({ failover, restored: [notFinished, ...live], finishedAt: at }, [plan]).failed ?? [];
  expect(s3Source?.action).toMatch(/then restore it with the input in "finish"/);
  expect(s3Source?.action).toContain('restore id f-1-trio-b');
  expect(s3Source?.action).toContain('lifeboat-au-restore-trio-b-cli may keep an incomplete multipart upload');
  expect(s3Source?.action).toContain(`aborts it ${ABORT_INCOMPLETE_UPLOADS_DAYS} days after it began`);
  const inDirectory: FailoverStart = { ...failover, restores: failover.restores.map((r) => (r.request.source === 'trio-b' ? failoverRestore('trio-b', { type: 'filesystem', path: '/mnt/lifeboat/restore-trio-b-cli' }) : r)) };
  const [directory] = failoverReport({ failover: inDirectory, restored: [notFinished, ...live], finishedAt: at }, [plan]).failed ?? [];
  expect(directory?.action).toContain("find /mnt/lifeboat/restore-trio-b-cli -name '.*.lifeboat-f-1-trio-b.part' -delete");
  // A table keeps no upload nor piece file: nothing more to say.
  const inTable: FailoverStart = { ...failover, restores: failover.restores.map((r) => (r.request.source === 'trio-b' ? failoverRestore('trio-b', { type: 'dynamodb', table: 'lifeboat-au-restore-trio-b-cli' }) : r)) };
  const [table] = failoverReport({ failover: inTable, restored: [notFinished, ...live], finishedAt: at }, [plan]).failed ?? [];
  expect(table?.action).not.toContain('restore id');
});

it("says a target bucket aborts the timed-out restore's upload only when Validate failover found or put the rule on it (review rF F1, F2)", () => {
  const notFinished: FailedSource = { ...failedB, error: { Error: 'States.Timeout', Cause: 'The restore of the source timed out' } };
  const actionWith = (start: FailoverStart): string => failoverReport({ failover: start, restored: [notFinished, ...live], finishedAt: at }, [plan]).failed?.[0]?.action ?? '';
  expect(actionWith({ ...failover, bucketsAbortingUploads: ['lifeboat-au-restore-trio-b-cli'] })).toContain(`Its lifecycle rule ${ABORT_INCOMPLETE_UPLOADS_RULE} aborts it ${ABORT_INCOMPLETE_UPLOADS_DAYS} days after it began.`);
  const operators = actionWith({ ...failover, bucketsAbortingUploads: ['lifeboat-au-restore-trio-a-cli'] });
  expect(operators).toContain('lifeboat-au-restore-trio-b-cli has a lifecycle configuration of its own, which the failover left as it was');
  expect(operators).not.toContain('aborts it');
  // A failover started before the start kept the list: the report cannot tell, and says how to look.
  expect(actionWith(failover)).toContain('aws s3api get-bucket-lifecycle-configuration --bucket lifeboat-au-restore-trio-b-cli');
});

it("quotes the timed-out restore's directory for the shell in the find command of its .part files (review rF F5)", () => {
  const notFinished: FailedSource = { ...failedB, error: { Error: 'States.Timeout', Cause: 'The restore of the source timed out' } };
  const quoted: FailoverStart = { ...failover, restores: failover.restores.map((r) => (r.request.source === 'trio-b' ? failoverRestore('trio-b', { type: 'filesystem', path: "/mnt/lifeboat/o'brien-cli" }) : r)) };
  const [directory] = failoverReport({ failover: quoted, restored: [notFinished, ...live], finishedAt: at }, [plan]).failed ?? [];
  expect(directory?.action).toContain(`find '/mnt/lifeboat/o'\\''brien-cli' -name`);
});

it('has neither failed nor finish when every source is live', () => {
  const report = failoverReport({ failover: { ...failover, restores: failover.restores.filter((r) => r.request.source !== 'trio-b') }, restored: live, finishedAt: at }, [plan]);
  expect('failed' in report || 'finish' in report).toBe(false);
});

it('the report step adds the cause of FailoverIncompleteError: the summary names the failed and the live sources, the report rides along', () => {
  const partial = failoverReport({ failover, restored: [failedB, ...live], request: { plan: 'trio', targetSuffix: 'cli' }, finishedAt: at }, [plan]);
  const output = reportStepOutput(failoverReport({ failover, restored: [failedB, ...live], request: { plan: 'trio', targetSuffix: 'cli' }, finishedAt: at }, [plan]), IN_AWS);
  const cause = JSON.parse(output.incompleteCause ?? '{}') as { errorType: string; errorMessage: string };
  expect(cause.errorType).toBe(FAILOVER_INCOMPLETE_ERROR);
  expect(cause.errorMessage).toBe(
    'Failover f-1 of plan "trio" is incomplete: 1 of 3 source(s) not restored, 2 live. ' +
      'Not restored (their targets may hold part of the restore: not for the applications): trio-b (RestoreIncompleteError: 1 object(s) could not be restored because their data in the vault is damaged or missing (e.g. "readme.txt")). ' +
      'Live, restored and verified (point their applications at these): trio-a at s3://lifeboat-au-restore-trio-a-cli/; trio-t at dynamodb table lifeboat-au-restore-trio-t-cli. ' +
      `To finish, start the failover again with {"plan":"trio","backupId":"${BACKUP}","targetSuffix":"cli","overwrite":true,"sources":["trio-b"]} ` +
      `(lifeboat failover --plan trio --backup ${BACKUP} --target-suffix cli --sources trio-b --overwrite; add --aws --env au).`,
  );
  // Pasted as it was printed, the finish would fail over env dev in the local cloud (audit a57C-1): the function names where it ran.
  expect(failoverIncompleteSummary(partial, { environment: 'dev', localCloud: true })).toContain(
    `(lifeboat failover --plan trio --backup ${BACKUP} --target-suffix cli --sources trio-b --overwrite; add --env dev, and --data-dir <dir> for a local cloud not in .lifeboat).`,
  );
  const { incompleteCause: _, ...report } = output;
  expect(reportOfIncompleteCause(output.incompleteCause)).toEqual(report);
  // Every source live: no cause, the report as before.
  const complete = reportStepOutput(failoverReport({ failover: { ...failover, restores: failover.restores.filter((r) => r.request.source !== 'trio-b') }, restored: live, finishedAt: at }, [plan]), IN_AWS);
  expect(complete).not.toHaveProperty('incompleteCause');
});

it('keeps the cause within Step Functions\' limit: a report too long for it is left out, the summary cut', () => {
  const many = Array.from({ length: 80 }, (_, i) => `s-${String(i).padStart(2, '0')}`);
  const bigPlan = testPlan({ name: 'big', sources: many.map((name) => ({ type: 's3', name, bucket: `lifeboat-au-${name}` })) });
  const big: FailoverStart = { ...failover, plan: 'big', restores: many.map((s) => failoverRestore(s, { type: 's3', bucket: `lifeboat-au-restore-${s}-failover`, prefix: '' })), choices: undefined };
  const restored = many.map((s): FailedSource => ({ restoreId: `f-1-${s}`, source: s, failed: true, error: { Error: 'ShardWriteError', Cause: lambdaCause('ShardWriteError', `Access Denied "${'\u00e9"'.repeat(600)}`) } }));
  const reported = failoverReport({ failover: big, restored, finishedAt: at }, [bigPlan]);
  // The report keeps the failed sources' messages within FAILED_MESSAGES_TOTAL_BYTES (review r58I F2): the later ones are
  // "…". Each whole here, as a report before that bound had them, the summary alone passes the cause's limits.
  expect(reported.failed?.at(-1)?.message).toBe('…');
  const report = { ...reported, failed: (reported.failed ?? []).map((f) => ({ ...f, message: `Access Denied "${'\u00e9"'.repeat(600)}` })) };
  const cause = failoverIncompleteCause(report, IN_AWS);
  expect(cause.length).toBeLessThanOrEqual(MAX_FAILURE_CAUSE);
  // And within what the report step's state may give it (review r58I F2): quotes and 'é' take more bytes there than characters.
  const stateBytes = Buffer.byteLength(JSON.stringify(cause), 'utf8');
  expect(stateBytes).toBeLessThanOrEqual(INCOMPLETE_CAUSE_STATE_BYTES);
  expect(stateBytes).toBeGreaterThan(INCOMPLETE_CAUSE_STATE_BYTES - 3000);
  const parsed = JSON.parse(cause) as { errorType: string; errorMessage: string; report?: unknown };
  expect(parsed).toMatchObject({ errorType: FAILOVER_INCOMPLETE_ERROR, errorMessage: expect.stringMatching(/^Failover f-1 of plan "big" is incomplete: 80 of 80 source\(s\) not restored, 0 live\. .*…$/) as unknown as string });
  expect(parsed.report).toBeUndefined();
  expect(reportOfIncompleteCause(cause)).toBeUndefined();
});

/** A source whose restore the target claim refused (audit R38 F1): another failover's restore holds its target. */
function claimedSource(source: string, target: string, holder: string): FailedSource {
  const refused = new RestoreTargetClaimedError(target, { restoreId: holder, target, at: '2026-12-05T11:59:00.000Z', until: '2026-12-06T11:59:00.000Z' });
  return { restoreId: `f-1-${source}`, source, failed: true, error: { Error: refused.name, Cause: lambdaCause(refused.name, refused.message) } };
}

it('reads the restore that holds the target from RestoreTargetClaimedError\'s message', () => {
  expect(claimHolderOf(new RestoreTargetClaimedError('dynamodb table t', { restoreId: 'fo-first-duo-t', target: 'dynamodb table t', at: at, until: at }).message)).toBe('fo-first-duo-t');
  expect(claimHolderOf('Access Denied')).toBeUndefined();
});

/** A source refused at its own restore id (review rBB F3): another execution holds `f-1-<source>`, restoring `holderTarget`. */
function idClaimedSource(source: string, holderTarget: string, execution: string | undefined, targetKey: string): FailedSource {
  const restoreId = `f-1-${source}`;
  const holder = { restoreId, target: holderTarget, at: '2026-12-05T11:59:00.000Z', until: '2026-12-06T11:59:00.000Z', ...(execution !== undefined ? { execution } : {}) };
  const refused = new RestoreTargetClaimedError(holderTarget, holder, { restoreId, execution: 'arn:failover-child', key: `restore#${restoreId}`, targetKey });
  return { restoreId, source, failed: true, error: { Error: refused.name, Cause: lambdaCause(refused.name, refused.message) } };
}

it('a source refused at its restore id: held by the execution holding the id, not by a restore of its target, with its own action and input (review rBB F3)', () => {
  const runbook = 'arn:aws:states:ap-southeast-2:1:execution:lifeboat-au-restore:f-1-trio-a';
  const elsewhere = idClaimedSource('trio-a', 's3://lifeboat-au-restore-x/', runbook, 's3#lifeboat-au-restore-trio-a-cli');
  const trioT = live.filter((l) => l.source === 'trio-t');
  const report = failoverReport({ failover, restored: [elsewhere, failedB, ...trioT], finishedAt: at, request: { plan: 'trio', targetSuffix: 'cli' } }, [plan]);
  const [a] = report.failed ?? [];
  expect(a?.heldBy).toBe(`${runbook} (restore id f-1-trio-a)`);
  expect(a?.action).toMatch(/^This source's restore was refused in its first step \(Validate and resolve\), before writing to s3:\/\/lifeboat-au-restore-trio-a-cli\/: its restore id f-1-trio-a is claimed by execution arn:\S+, which restores s3:\/\/lifeboat-au-restore-x\/ /);
  expect(a?.action).not.toContain('holds it');
  expect(a?.action).toContain(`s3://lifeboat-au-restore-trio-a-cli/ is not that execution's and this failover wrote nothing there: fail this source over again, alone (a new failover's restores have new ids), without "overwrite": {"plan":"trio","backupId":"${BACKUP}","targetSuffix":"cli","sources":["trio-a"]}.`);
  expect(report.finish).toEqual({ plan: 'trio', backupId: BACKUP, targetSuffix: 'cli', overwrite: true, sources: ['trio-b'] });

  // Its own stopped child (a redriven failover: the same id, the same target, its claim naming no execution here).
  const stopped = idClaimedSource('trio-a', 's3://lifeboat-au-restore-trio-a-cli/', undefined, 's3#lifeboat-au-restore-trio-a-cli');
  const [b] = failoverReport({ failover, restored: [stopped, failedB, ...trioT], finishedAt: at, request: { plan: 'trio', targetSuffix: 'cli' } }, [plan]).failed ?? [];
  expect(b?.heldBy).toBe('an execution that recorded none (restore id f-1-trio-a)');
  expect(b?.action).toContain('may have written part of its restore there: once it is no longer running, free its claims (docs/RUNBOOKS.md, "Freeing a stuck claim")');
  expect(b?.action).toContain('"sources":["trio-a"],"overwrite":true} to replace what it partly holds.');
  // The holder, parsed from the refusal's message: an execution holding the id, never a restore holding the target.
  expect(restoreIdHolderOf(caughtMessage(elsewhere))).toEqual({ restoreId: 'f-1-trio-a', execution: runbook, target: 's3://lifeboat-au-restore-x/' });
  expect(claimHolderOf(caughtMessage(elsewhere))).toBeUndefined();
});

it('a source refused because another failover holds its target: "held by" it, its own action, and left out of finish; the other failed source is finished', () => {
  const heldA = claimedSource('trio-a', 's3://lifeboat-au-restore-trio-a-cli/', 'f-0-trio-a');
  const trioT = live.filter((l) => l.source === 'trio-t');
  const report = failoverReport({ failover, restored: [heldA, failedB, ...trioT], finishedAt: at, request: { plan: 'trio', targetSuffix: 'cli' } }, [plan]);
  expect(report.failed?.map((f) => [f.source, f.error, f.heldBy])).toEqual([
    ['trio-a', 'RestoreTargetClaimedError', 'f-0-trio-a'],
    ['trio-b', 'RestoreIncompleteError', undefined],
  ]);
  const action = report.failed?.[0]?.action ?? '';
  expect(action).toMatch(/^This failover wrote nothing to s3:\/\/lifeboat-au-restore-trio-a-cli\/: restore f-0-trio-a holds it /);
  expect(action).toContain('It is not in "finish": do not restore this source there with "overwrite"');
  expect(action).toContain('or fail this source over with another "targetSuffix"');
  expect(report.finish).toEqual({ plan: 'trio', backupId: BACKUP, targetSuffix: 'cli', overwrite: true, sources: ['trio-b'] });
  const summary = (JSON.parse(reportStepOutput(report, IN_AWS).incompleteCause ?? '{}') as { errorMessage: string }).errorMessage;
  expect(summary).toContain('Not restored (their targets may hold part of the restore: not for the applications): trio-b (RestoreIncompleteError: ');
  expect(summary).toContain(
    'Refused, their targets held by other restores (this failover wrote nothing there and does not finish them; wait for those restores to end, or fail these sources over with another targetSuffix): trio-a at s3://lifeboat-au-restore-trio-a-cli/ (held by f-0-trio-a).',
  );
  expect(summary).toContain('"sources":["trio-b"]');
});

it('every source refused because another failover holds the targets: no finish input, and the summary calls none of those targets unfit or unrestored', () => {
  const two: FailoverStart = { ...failover, restores: failover.restores.filter((r) => r.request.source !== 'trio-b') };
  const restored = [claimedSource('trio-a', 's3://lifeboat-au-restore-trio-a-cli/', 'f-0-trio-a'), claimedSource('trio-t', 'dynamodb table lifeboat-au-restore-trio-t-cli', 'f-0-trio-t')];
  const report = failoverReport({ failover: two, restored, finishedAt: at, request: { plan: 'trio', targetSuffix: 'cli' } }, [plan]);
  expect(report.failed?.map((f) => f.heldBy)).toEqual(['f-0-trio-a', 'f-0-trio-t']);
  expect(report).not.toHaveProperty('finish');
  expect(report.objectives.rtoMet).toBe(false);
  const output = reportStepOutput(report, IN_AWS);
  expect((JSON.parse(output.incompleteCause ?? '{}') as { errorMessage: string }).errorMessage).toBe(
    'Failover f-1 of plan "trio" is incomplete: 2 of 2 source(s) not restored, 0 live. ' +
      'Refused, their targets held by other restores (this failover wrote nothing there and does not finish them; wait for those restores to end, or fail these sources over with another targetSuffix): ' +
      'trio-a at s3://lifeboat-au-restore-trio-a-cli/ (held by f-0-trio-a); trio-t at dynamodb table lifeboat-au-restore-trio-t-cli (held by f-0-trio-t). ' +
      "No source of this failover is live (a target held by another restore is that restore's: its own report says whether it is live).",
  );
  const { incompleteCause: _, ...rest } = output;
  expect(reportOfIncompleteCause(output.incompleteCause)).toEqual(rest);
});
