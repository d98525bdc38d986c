import * as os from 'node:os';
import * as path from 'node:path';
import { type Command, Option } from 'commander';
import { type ApprovalRecord } from '../../lambdas/approval/approval-record';
import { localTaskResponder } from '../../local/executor/task-tokens';
import { loadExecutionHistory } from '../../local/executor/execution-history';
import { DescribeExecutionCommand, paginateGetExecutionHistory, SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { type CatalogRegion, decideApproval, type ExecutionStatusProbe, findApproval, type TaskResponder } from '../../lambdas/approval/decide-approval';
import { APPROVAL_REJECTED, ApprovalNotFoundError } from '../../lambdas/approval/approval-errors';
import { approvalPlace } from '../../lambdas/approval/approval-place';
import { approvalTaskAnswer, type TaskAnswerProbe } from '../../lambdas/approval/task-answer';
import { type CliIo, processIo } from '../cli-io';
import { type AccessClients, type EnvironmentAccess, environmentAccess, type TargetOptions, withTargetOptions } from '../environment-access';
import { awsRequestSettings } from '../aws-client-settings';
import { type ClientTimeouts } from '../client-timeouts';
import { isUnknownEnvironment, isUsageError } from '../usage-error';
import { targetOptionsLine } from '../target-options-line';

/**
 * `lifeboat approve EXECUTION [--reject --reason …]` and `lifeboat approvals list` (docs/RUNBOOKS.md,
 * "Approvals"). Locally the answer reaches the waiting local executor through the data directory;
 * with --aws it is SendTaskSuccess/SendTaskFailure with the caller's credentials: the approver role
 * (config `environment.security.approverRoleArn`), or any principal allowed those actions (on Resource
 * "*", docs/SECURITY.md, "Approvals").
 * Exit codes: 0 done; 1 refused or failed (no such approval, already decided, not allowed, task gone;
 * for `approvals list`, a region's catalog unreadable: the other region's approvals are still listed, and
 * with neither readable nothing is listed, not even an empty list); 2 an unknown --env.
 *
 * An approval whose execution stopped waiting (stopped, failed, or its 12-hour wait timed out) stays
 * PENDING in the catalog until someone tries to decide it (decide-approval.ts then marks it ABANDONED):
 * the list shows it as EXPIRED (past `expiresAt`) or ABANDONED (its execution ended ABORTED, FAILED or
 * TIMED_OUT), never as one that waits. One answered outside `lifeboat approve` (the console's "Send
 * task success") stays PENDING too; once its execution SUCCEEDED, it is listed as APPROVED_OUTSIDE.
 */
/** `region`: the catalog (and so the runbook's region) to look in only, to choose between two executions of one name. */
export type ApproveOptions = TargetOptions & { reject?: boolean; reason?: string; json?: boolean; region?: CatalogRegion };
export type ApprovalsListOptions = TargetOptions & { all?: boolean; json?: boolean };
export type { ExecutionStatusProbe };
export type ApprovalCommandDeps = {
  io: CliIo;
  access?: EnvironmentAccess;
  clients?: AccessClients;
  responder?: TaskResponder;
  /** Who decides, asked once the approval is found, in the region of the catalog that holds it. */
  caller?: (region: CatalogRegion) => Promise<string>;
  now?: () => Date;
  executionStatus?: ExecutionStatusProbe;
  /** What the approval's task received (the execution history), asked only after Step Functions refuses the answer. */
  taskAnswer?: TaskAnswerProbe;
};

/**
 * What `approvals list` shows of a record: the token never, a pending one that waits for nothing as
 * EXPIRED or ABANDONED, and one whose execution went on and SUCCEEDED as APPROVED_OUTSIDE (answered
 * outside `lifeboat approve`: a rejection fails the execution).
 */
export type ApprovalView = Omit<ApprovalRecord, 'taskToken' | 'status'> & {
  /** The catalog that holds it: the region its runbook runs in, as `approve --region` takes it. */
  region: CatalogRegion;
  status: ApprovalRecord['status'] | 'EXPIRED' | 'APPROVED_OUTSIDE';
  /** A pending approval's execution, when it no longer runs. */
  executionStatus?: string;
};

/** Locally the executor's history under the data directory (RUNNING while it runs; a killed process leaves RUNNING, and expiresAt then tells). */
function localExecutionStatus(dataDir: string): ExecutionStatusProbe {
  return (_region, record) => {
    try {
      return Promise.resolve(loadExecutionHistory(dataDir, record.execution).status);
    } catch {
      return Promise.resolve(undefined);
    }
  };
}

/** Step Functions of the catalog's region, with the credentials of that region's clients (run-credentials.ts). */
function sfnClientIn(access: EnvironmentAccess, region: CatalogRegion): SFNClient {
  const name = region === 'primary' ? access.environment.primaryRegion : access.environment.drRegion;
  return new SFNClient(awsRequestSettings(name, access.timeouts));
}

/**
 * In AWS, DescribeExecution in the region whose catalog holds the approval: undefined for an execution
 * that does not exist; any other error (no permission, region down) tells nothing, and is thrown for
 * `approve` to name (the stacks grant the approver role DescribeExecution on its runbooks' executions).
 */
function awsExecutionStatus(access: EnvironmentAccess): ExecutionStatusProbe {
  const clients = new Map<CatalogRegion, SFNClient>();
  return async (region, record) => {
    let client = clients.get(region);
    if (!client) clients.set(region, (client = sfnClientIn(access, region)));
    try {
      return (await client.send(new DescribeExecutionCommand({ executionArn: record.executionArn }))).status;
    } catch (err) {
      if (err instanceof Error && err.name === 'ExecutionDoesNotExist') return undefined;
      throw err;
    }
  };
}

/** Execution statuses that end it without its approval having been given: stopped, failed (a rejection among them), timed out. */
const ENDED_UNAPPROVED: ReadonlySet<string> = new Set(['ABORTED', 'FAILED', 'TIMED_OUT']);

/**
 * A record as listed: a PENDING one whose execution ended ABORTED, FAILED or TIMED_OUT is ABANDONED,
 * one whose execution SUCCEEDED (it passed its wait, so someone approved it outside `lifeboat approve`)
 * APPROVED_OUTSIDE, one past its expiresAt (the wait's TimeoutSeconds) EXPIRED; only the others wait
 * for a decision.
 */
export async function approvalView(region: CatalogRegion, record: ApprovalRecord, now: Date, executionStatus: ExecutionStatusProbe): Promise<ApprovalView> {
  const { taskToken: _token, ...fields } = record;
  const rest = { ...fields, region };
  if (record.status !== 'PENDING') return rest;
  // A status that cannot be read (no permission, region down) leaves only expiresAt to tell.
  const status = await executionStatus(region, record).catch(() => undefined);
  if (status === 'SUCCEEDED') return { ...rest, status: 'APPROVED_OUTSIDE', executionStatus: status };
  if (status !== undefined && ENDED_UNAPPROVED.has(status)) return { ...rest, status: 'ABANDONED', executionStatus: status };
  if (Date.parse(record.expiresAt) <= now.getTime()) return { ...rest, status: 'EXPIRED' };
  return rest;
}

/**
 * In AWS, what the approval's task received, from GetExecutionHistory in the region whose catalog holds
 * it (the approver needs states:GetExecutionHistory on the runbook's executions). Without the history, an
 * execution that FAILED with ApprovalRejected (DescribeExecution's error and cause, which only
 * SendTaskFailure gives it: the wait is its first state) still tells its rejection; anything else
 * rejects with the history's error, which tells nothing.
 */
function awsTaskAnswer(access: EnvironmentAccess): TaskAnswerProbe {
  return async (region, record) => {
    const client = sfnClientIn(access, region);
    try {
      const pages = paginateGetExecutionHistory({ client, pageSize: 100 }, { executionArn: record.executionArn, includeExecutionData: true });
      return await approvalTaskAnswer(
        (async function* () {
          for await (const page of pages) yield page.events ?? [];
        })(),
        record.taskToken,
      );
    } catch (historyErr) {
      const described = await client.send(new DescribeExecutionCommand({ executionArn: record.executionArn })).catch(() => undefined);
      if (described?.status === 'FAILED' && described.error === APPROVAL_REJECTED) {
        return { answer: 'failure', error: described.error, cause: described.cause, at: (described.stopDate ?? new Date(0)).toISOString() };
      }
      throw historyErr;
    }
  };
}

/** A caller that cannot be named cannot tell its own earlier answer from another unnamed caller's. */
const unnamedCallerAnswer: TaskAnswerProbe = () =>
  Promise.reject(new Error(`the caller is "${UNKNOWN_AWS_CALLER}" (STS did not answer), so its own earlier answer cannot be told from another's`));

function awsResponder(access: EnvironmentAccess): TaskResponder {
  const client = (region: CatalogRegion) => sfnClientIn(access, region);
  return {
    success: async (region, token, output) => void (await client(region).send(new SendTaskSuccessCommand({ taskToken: token, output }))),
    failure: async (region, token, error, cause) => void (await client(region).send(new SendTaskFailureCommand({ taskToken: token, error, cause }))),
  };
}

const UNKNOWN_AWS_CALLER = 'unknown AWS caller';

/**
 * Who decides, as recorded in the catalog: the AWS caller's ARN, or the local user. STS is asked in
 * the region of the catalog that holds the approval, never the SDK's default region: that is the
 * operator's usual (primary) region, down when a failover waits, or none at all. Step Functions, not
 * this name, decides who may approve, so an STS that does not answer costs the record its name
 * (CloudTrail's SendTaskSuccess/SendTaskFailure event still names the caller), not the decision.
 */
async function callerIdentity(options: TargetOptions, region: string, io: CliIo, timeouts: ClientTimeouts | undefined): Promise<string> {
  if (!options.aws) return `local user ${os.userInfo().username}`;
  try {
    const identity = await new STSClient(awsRequestSettings(region, timeouts)).send(new GetCallerIdentityCommand({}));
    return identity.Arn ?? UNKNOWN_AWS_CALLER;
  } catch (err) {
    io.err(
      `lifeboat approve: warning: the AWS caller could not be identified (STS GetCallerIdentity in ${region}: ${err instanceof Error ? err.message : String(err)}); ` +
        `the decision is recorded as decided by "${UNKNOWN_AWS_CALLER}", and CloudTrail's SendTaskSuccess/SendTaskFailure event in ${region} names who it was`,
    );
    return UNKNOWN_AWS_CALLER;
  }
}

/** One line of `approvals list`: where it runs too, as one name may be waited on by two runbooks. */
function summary(a: ApprovalView): string {
  const status = a.executionStatus !== undefined ? `${a.status} (execution ${a.executionStatus})` : a.status;
  return `${a.execution}  ${a.kind}  ${status}  ${approvalPlace(a.region, a)}  requested by ${a.requestedBy} at ${a.requestedAt}  expires ${a.expiresAt}  ${JSON.stringify(a.request)}`;
}

export async function approveCommand(execution: string, options: ApproveOptions, deps: Partial<ApprovalCommandDeps> = {}): Promise<number> {
  const io = deps.io ?? processIo;
  try {
    if (options.reject && !options.reason?.trim()) throw new Error('--reject needs --reason with some text: the requester sees why');
    const access = deps.access ?? (await environmentAccess(options, deps.clients));
    const responder = deps.responder ?? (options.aws ? awsResponder(access) : localTaskResponder(path.resolve(options.dataDir)));
    const logs = { primary: access.approvalsIn('primary'), dr: access.approvalsIn('dr') };
    // Found first: its catalog's region is one that answers (a failover's is the DR region, with the primary
    // possibly down), and an approval that does not exist is said so before anything else is asked.
    const found = await findApproval(logs, execution, options.region, { primary: access.environment.primaryRegion, dr: access.environment.drRegion });
    const { region } = found;
    const regionName = region === 'primary' ? access.environment.primaryRegion : access.environment.drRegion;
    const decidedBy = await (deps.caller ?? (() => callerIdentity(options, regionName, io, access.timeouts)))(region);
    // Locally an answer is a file written in place, never lost on its way: there is no earlier answer of one's own to look for.
    const taskAnswer = decidedBy === UNKNOWN_AWS_CALLER ? unnamedCallerAnswer : (deps.taskAnswer ?? (options.aws ? awsTaskAnswer(access) : undefined));
    const record = await decideApproval({
      logs,
      responder,
      execution,
      decision: options.reject ? { approve: false, reason: options.reason ?? '' } : { approve: true },
      decidedBy,
      found,
      // Asked only if Step Functions refuses the token: an execution answered from the console went on, and is not abandoned.
      executionStatus: deps.executionStatus ?? (options.aws ? awsExecutionStatus(access) : localExecutionStatus(path.resolve(options.dataDir))),
      ...(taskAnswer ? { taskAnswer } : {}),
      ...(deps.now ? { now: deps.now() } : {}),
    });
    if (options.json) io.out(JSON.stringify({ ...record, taskToken: undefined }, null, 2));
    else if (record.answeredEarlier) {
      io.out(
        `${record.status === 'APPROVED' ? 'Approved' : 'Rejected'}: ${record.kind} ${record.execution} (decided by ${decidedBy} at ${record.decidedAt ?? '?'}: ` +
          (record.status === 'APPROVED'
            ? "an earlier lifeboat approve of yours reached Step Functions and its reply was lost; Step Functions' record of the execution shows that answer, and nothing more was sent)."
            : // A rejection carries no time of its own: it may be this run's first attempt, which the SDK retried after its reply was lost.
              "Step Functions had already taken this rejection of yours — this run's first attempt or an earlier lifeboat approve, whose reply was lost — and nothing more was sent)."),
      );
    } else {
      // The region and runbook, as `approvals list` shows them: one name may wait in both regions (cadfc2f).
      io.out(`${record.status === 'APPROVED' ? 'Approved' : 'Rejected'}: ${record.kind} ${record.execution} in the ${approvalPlace(region, record)} (decided by ${decidedBy}).`);
    }
    return 0;
  } catch (err) {
    io.err(`lifeboat approve: ${err instanceof Error ? err.message : String(err)}`);
    // The error's "see lifeboat approvals list" cannot know this run's --env, --config, --aws or --data-dir: pasted
    // bare it listed env dev's local cloud (review r60E F4).
    const target = targetOptionsLine(options);
    if (err instanceof ApprovalNotFoundError && target !== '') io.err(`With this run's target options: \`lifeboat approvals list${target}\`.`);
    return isUnknownEnvironment(err) ? 2 : 1;
  }
}

export async function approvalsListCommand(options: ApprovalsListOptions, deps: Partial<ApprovalCommandDeps> = {}): Promise<number> {
  const io = deps.io ?? processIo;
  try {
    const access = deps.access ?? (await environmentAccess(options, deps.clients));
    // Each region's catalog on its own: with the primary region down, the failover that waits is in the DR catalog,
    // and listing it is what the approver needs then (docs/RUNBOOKS.md, "The primary region is down").
    const regions = ['primary', 'dr'] as const;
    const read = await Promise.allSettled(regions.map((region) => access.approvalsIn(region).list()));
    const unread = read.flatMap((r, i) => (r.status === 'rejected' ? [`the ${regions[i] === 'primary' ? 'primary' : 'DR'} region's catalog could not be read (${r.reason instanceof Error ? r.reason.message : String(r.reason)})`] : []));
    // With neither catalog read, "No approval is pending." (or --json's []) would be a claim about approvals nobody saw.
    if (unread.length === regions.length) {
      io.err(`lifeboat approvals: no approval can be listed: ${unread.join('; ')}`);
      return 1;
    }
    const probe = deps.executionStatus ?? (options.aws ? awsExecutionStatus(access) : localExecutionStatus(path.resolve(options.dataDir)));
    const now = deps.now?.() ?? new Date();
    const shown: ApprovalView[] = [];
    for (const [i, r] of read.entries()) {
      const region = regions[i];
      if (r.status !== 'fulfilled' || region === undefined) continue;
      // One at a time: the pending approvals are few, and each may cost a DescribeExecution.
      for (const record of r.value) if (options.all || record.status === 'PENDING') shown.push(await approvalView(region, record, now, probe));
    }
    const stale = shown.filter((a) => a.status === 'EXPIRED' || (a.status === 'ABANDONED' && a.executionStatus !== undefined)).length;
    const outside = shown.filter((a) => a.status === 'APPROVED_OUTSIDE').length;
    if (options.json) io.out(JSON.stringify(shown, null, 2));
    else if (shown.length === 0) io.out(options.all ? 'No approvals recorded.' : 'No approval is pending.');
    else for (const a of shown) io.out(summary(a));
    if (!options.json && stale > 0) {
      io.out(
        `${stale} of these wait${stale === 1 ? 's' : ''} for nothing: the execution ended, or its wait for approval expired, before anyone decided; nothing to approve or reject ` +
          '(`lifeboat approve` marks it ABANDONED). Start the restore or failover again if it is still wanted.',
      );
    }
    if (!options.json && outside > 0) {
      io.out(
        `${outside} of these ${outside === 1 ? 'was' : 'were'} approved outside lifeboat approve (e.g. the Step Functions console's "Send task success", which leaves the catalog PENDING): ` +
          'the execution went on and SUCCEEDED; nothing to approve or reject.',
      );
    }
    for (const problem of unread) io.err(`lifeboat approvals: ${problem}: the list above holds only the other region's approvals`);
    return unread.length === 0 ? 0 : 1;
  } catch (err) {
    io.err(`lifeboat approvals: ${err instanceof Error ? err.message : String(err)}`);
    return isUsageError(err) ? 2 : 1;
  }
}

export function registerApproveCommand(program: Command): void {
  withTargetOptions(program.command('approve').description('approve (or with --reject, refuse) an overwrite restore or a failover that waits for approval'))
    .argument('<execution>', 'the waiting execution (see lifeboat approvals list)')
    .option('--reject', 'refuse: the execution fails with ApprovalRejected and writes nothing')
    .option('--reason <text>', 'why (required with --reject)')
    .addOption(new Option('--region <region>', "only the approval in this region's catalog: the one to decide when two runbooks wait under one name (see lifeboat approvals list)").choices(['primary', 'dr']))
    .action(async (execution: string, opts: ApproveOptions) => {
      process.exitCode = await approveCommand(execution, opts);
    });
}

export function registerApprovalsCommands(program: Command): void {
  const approvals = program.command('approvals').description('approvals of overwrite restores and failovers');
  withTargetOptions(approvals.command('list').description('the approvals that are pending (with --all, every recorded one)'))
    .option('--all', 'also the decided ones')
    .action(async (opts: ApprovalsListOptions) => {
      process.exitCode = await approvalsListCommand(opts);
    });
}
