import { executionArnOf } from './execution-name';
import { isPassingAwsFailure } from './passing-aws-failure';
import { StartAnswerWithoutArnError } from './start-answer-without-arn';
import { UnansweredStartTryError } from './unanswered-start-try';
import { notAwsAnswerPageOf, notAwsPageMessageOf } from './not-aws-answer';
import { shownAnswerText } from './server-fault';
import { type UnreadPage, unreadPageOf, unreadPageWords } from './unread-answer';
import { type UnsentForCredentials, unsentForCredentials } from './unsent-for-credentials';

/**
 * Why a command that runs a workflow in AWS cannot report its result: the start was not sent (its credentials could not
 * be had), the start had no answer (so it may or may not have begun), the execution name it sent is another run's, or
 * its polls kept failing. Each says what the operator can check or do, as StoppedFollowingError (workflow-runner.ts)
 * does for a closed output.
 */

/** A failure's name and message, for the end of one of these errors. */
function causeText(cause: unknown): string {
  return cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
}

/**
 * StartExecution's first attempt could not be sent, its credentials could not be had: the workflow was not started
 * (review r63C F1: it read as a start without answer, which may have started it, and sent the operator to look for it).
 */
export class WorkflowNotStartedError extends Error {
  constructor(
    readonly stateMachineArn: string,
    unsent: UnsentForCredentials,
    /** Whose region the state machine is in: the primary's may be down, and the DR region's runbooks do not need it. */
    side: 'primary' | 'dr',
    cause: unknown,
  ) {
    super(`StartExecution of state machine ${stateMachineArn} was not sent, so the workflow was not started: ${unsent.words}. ${wayOut(unsent, side)}`, { cause });
    this.name = 'WorkflowNotStartedError';
  }
}

/** What to do about credentials that could not be had: ask again when their provider answers, or do without it. */
function wayOut(unsent: UnsentForCredentials, side: 'primary' | 'dr'): string {
  // A role's STS is asked in the client's region: its silence is that region's (review r62Q F1), not the credentials'.
  // A throttle is STS asking for fewer requests, not its region's outage: no other region's way out (review r63O F2).
  // A page in between refuses every ask of the credentials: the way to STS is what to mend (review r65F F1).
  if (unsent.stsTrouble === 'page') return `Check the network path to ${unsent.stsRegion !== undefined ? `STS in ${unsent.stsRegion}` : 'STS'} (HTTPS_PROXY, NO_PROXY, a firewall, a VPC endpoint), then run the command again.`;
  if (unsent.stsTrouble === 'throttled') return `Run the command again in a minute, when ${unsent.stsRegion !== undefined ? `STS in ${unsent.stsRegion}` : 'STS'} may take the request.`;
  if (unsent.stsRegion !== undefined) {
    const down = side === 'primary' ? '; if the primary region is down, the DR region\'s restore (--from dr) and failover do not need it: docs/RUNBOOKS.md, "The primary region is down"' : '';
    // A fault is an answer: "when it answers" read as if STS had been silent (review r63O F1).
    return `Run the command again when STS in ${unsent.stsRegion} ${unsent.stsTrouble === 'fault' ? 'works again' : 'answers'}${down}.`;
  }
  return 'Run the command again when the credentials can be had.';
}

/**
 * StartExecution's first attempt was answered with a 4xx page the SDK could not read (isRefusalInBetween): not Step
 * Functions', which says its refusals in JSON, but a proxy's or firewall's, so the start most likely did not reach it.
 * It was retried, looked up and said to have maybe started, exit 5 with the ARN of an execution that does not exist,
 * and neither the status nor the page's kind was said (review r64I F1). A proxy may pass the request on and answer with
 * its own page all the same, so it is "most likely", with what the lookup by the run's name answered and the line to
 * look again (review r64S F2). Only an answered lookup gives it: ExecutionDoesNotExist twice (once may lag a start), or
 * a 4xx page of the same kind; a lookup without answer leaves the start unknown (review r64X F1, F2).
 */
export class WorkflowStartRefusedInBetweenError extends Error {
  constructor(
    readonly stateMachineArn: string,
    readonly executionName: string,
    region: string,
    page: UnreadPage,
    cause: unknown,
    /** How the lookup of the execution by its name was answered (ExecutionDoesNotExist, or a 4xx page of the same kind). */
    lookup: unknown,
    /** The pause after which the lookup was made again (its first ExecutionDoesNotExist may lag a start), if it was. */
    againAfterMs?: number,
  ) {
    const looked =
      againAfterMs !== undefined
        ? `, and the lookup by its name, made again ${againAfterMs / 1000} s later (DescribeExecution may lag a start), ${answerText(lookup)}`
        : lookupText(lookup, undefined);
    // A page without the request ID may be JSON the CLI read: "refusals in JSON the CLI reads" contradicted it, and the
    // proxy's own words ("blocked by policy") were dropped (review r65L F2).
    const saying = pageSaying(cause);
    const why = page.withoutRequestId === true ? 'Step Functions sends its request ID (x-amzn-RequestId) with every answer' : 'Step Functions says its refusals in JSON the CLI reads';
    super(
      `StartExecution of state machine ${stateMachineArn} was answered with ${unreadPageWords(page)}${saying}: not Step Functions' — a proxy in between? ` +
        `${why}, so the start most likely did not reach it and the workflow most likely was not started` +
        `${looked}. Check the network path to Step Functions in ${region} (HTTPS_PROXY, NO_PROXY, a firewall, a VPC endpoint), ` +
        `then look for its execution with \`aws stepfunctions describe-execution --region ${region} --execution-arn ${executionArnOf(stateMachineArn, executionName)}\` ` +
        `before running the command again (a proxy may pass a request on and answer with its own page).`,
      { cause },
    );
    this.name = 'WorkflowStartRefusedInBetweenError';
  }
}

/**
 * How a start that had no answer went on after its attempts without answer: the next could not be sent (`unsent`: its
 * credentials could not be had), or was answered with a failure that stays (`answer`, such as ExecutionLimitExceeded):
 * an attempt before it may have started the workflow all the same (review r63F F5). `lookup`: how the lookup of the
 * execution by its name failed (an AccessDenied, a proxy's page), said rather than dropped (review r64I F2).
 *
 * `lookupBefore`: how a lookup before that one was answered (ExecutionDoesNotExist, which may lag a start), so that a
 * second lookup that could not be sent does not hide it (review r65L F4).
 */
export type StartAfterUnanswered = { unsent?: UnsentForCredentials; answer?: unknown; lookup?: unknown; lookupBefore?: unknown };

/**
 * How a call was answered, as the end of a sentence: `was answered with a page the CLI could not read (HTTP 403,
 * text/html)` for one the SDK could not read (its parse error says nothing the operator can act on), `failed (<name>:
 * <message>)` for one that had no answer (a timeout, a broken connection), `could not be sent: …` for one whose
 * credentials could not be had, and `answered <name>: <message>` else.
 */
function answerText(err: unknown): string {
  // A try that reached the network before its retry could not be sent may have started the run: not "could not be
  // sent", which the credentials' failure alone said (review r65U F1).
  if (err instanceof UnansweredStartTryError) return `had no answer: ${err.message}`;
  // Credentials that could not be had first: an STS page carries the page mark too, but nothing reached Step Functions (review r65L F1).
  const unsent = unsentForCredentials(err);
  if (unsent !== undefined) return `could not be sent: ${unsent.words}`;
  // A page without AWS's request ID said as a page too, not as the SDK's `Unknown: UnknownError` (review r65F F3).
  const page = unreadPageOf(err) ?? notAwsAnswerPageOf(err);
  if (page !== undefined) return `was answered with ${unreadPageWords(page)}${pageSaying(err)}`;
  if (isPassingAwsFailure(err)) return `failed (${causeText(err)})`;
  return `answered ${causeText(err)}`;
}

/**
 * `, saying "blocked by policy"`: the own words of a page without AWS's request ID, which the CLI read from its JSON
 * and which say who refused; said on every path, not only the start refused in between (review r65U LOW).
 */
function pageSaying(err: unknown): string {
  const own = notAwsPageMessageOf(err);
  return own !== undefined ? `, saying "${shownAnswerText(own)}"` : '';
}

/** How the lookup failed: not sent for its credentials (their words, unless the attempt before said them), or as answerText says. */
function lookupText(err: unknown, unsentBefore: UnsentForCredentials | undefined): string {
  const unsent = unsentForCredentials(err);
  if (unsent === undefined) return `, and the lookup by its name ${answerText(err)}`;
  return unsent.words === unsentBefore?.words ? ', nor could the lookup by its name' : `, and the lookup by its name could not be sent: ${unsent.words}`;
}

/**
 * `had no answer after N attempts (the last: …)`, or, when the last was answered in a way the CLI could not read (a
 * page, a success without the execution's ARN: review r64I F1, F3), `had no readable answer after N attempts; the last
 * was answered with …`; then how the start went on after them.
 */
function startAttemptsText(stateMachineArn: string, attempts: number, cause: unknown, after: StartAfterUnanswered): string {
  const next =
    after.unsent !== undefined
      ? `, and the next attempt could not be sent: ${after.unsent.words}`
      : after.answer !== undefined
        ? `, and the last attempt ${answerText(after.answer)}`
        : '';
  const lookup =
    after.lookup === undefined
      ? ''
      : after.lookupBefore !== undefined
        ? `, and the lookup by its name ${answerText(after.lookupBefore)}, and made again (DescribeExecution may lag a start) ${answerText(after.lookup)}`
        : lookupText(after.lookup, after.unsent);
  const tries = `${attempts} attempt${attempts === 1 ? '' : 's'}`;
  // An attempt whose retry could not be sent for its credentials is no page of Step Functions' (review r65L F1).
  const unsent = unsentForCredentials(cause);
  const page = unsent === undefined ? (unreadPageOf(cause) ?? notAwsAnswerPageOf(cause)) : undefined;
  const unread =
    page !== undefined ? `was answered with ${unreadPageWords(page)}${pageSaying(cause)}` : cause instanceof StartAnswerWithoutArnError ? cause.message : undefined;
  // A JSON page whose words the CLI read had an answer, not Step Functions' (review r65U LOW: "no readable answer").
  const readPage = page !== undefined && notAwsPageMessageOf(cause) !== undefined;
  const attemptsText =
    unsent !== undefined
      ? `had no answer after ${tries} (the last reached the network, then its retry could not be sent: ${unsent.words})`
      : unread !== undefined
        ? `had no ${readPage ? "answer of Step Functions'" : 'readable answer'} after ${tries}; the last ${unread}`
        : `had no answer after ${tries} (the last: ${causeText(cause)})`;
  return `StartExecution of state machine ${stateMachineArn} ${attemptsText}${next}${lookup}`;
}

/**
 * The message of a start whose outcome the CLI does not know: how its attempts went, what that leaves (`meaning`), and
 * the DescribeExecution line that settles it, to run before the command again (which takes a new name, so a second
 * execution if the first started). What `notStarted` says is how that line's ExecutionDoesNotExist reads.
 */
function startUnknownText(
  stateMachineArn: string,
  executionName: string,
  region: string,
  attempts: number,
  cause: unknown,
  after: StartAfterUnanswered,
  says: { meaning: string; lookFor: string; notStarted: string },
): string {
  return (
    `${startAttemptsText(stateMachineArn, attempts, cause, after)}${says.meaning} ` +
    `${says.lookFor} with \`aws stepfunctions describe-execution --region ${region} --execution-arn ${executionArnOf(stateMachineArn, executionName)}\` ` +
    `before running the command again (${says.notStarted}).`
  );
}

/**
 * StartExecution had no answer after every attempt, or after attempts without answer the next could not be sent or was
 * refused (StartAfterUnanswered), and the execution of its name could not be looked up either: Step Functions may have
 * started the workflow, or not. The line to look for it is DescribeExecution of its ARN, which the operator's policy
 * allows; list-executions needs states:ListExecutions, which it lacks (review r63F F2).
 */
export class WorkflowStartUnansweredError extends Error {
  constructor(
    readonly stateMachineArn: string,
    readonly executionName: string,
    /** The region of the Step Functions that did not answer the start (the restore's hint names it). */
    readonly region: string,
    attempts: number,
    cause: unknown,
    after: StartAfterUnanswered = {},
  ) {
    super(
      startUnknownText(stateMachineArn, executionName, region, attempts, cause, after, {
        meaning: ', so the workflow may or may not have started.',
        lookFor: `Look for its execution ${executionName}`,
        notStarted: 'ExecutionDoesNotExist there: it has not started so far',
      }),
      { cause },
    );
    this.name = 'WorkflowStartUnansweredError';
  }
}

/**
 * A start without answer (as for WorkflowStartUnansweredError) whose execution was then looked up by its name, Step
 * Functions answering that it does not exist, and a last start under the same name failed too. Not "not started":
 * DescribeExecution's answers may lag a start, and an attempt that timed out may still be queued, so running the
 * command again (a new name) made a second execution (review r63Q F1). The operator describes it again first.
 */
export class WorkflowStartFoundNoneError extends Error {
  constructor(
    readonly stateMachineArn: string,
    readonly executionName: string,
    /** The region of the Step Functions that did not answer the start (the restore's hint names it). */
    readonly region: string,
    attempts: number,
    cause: unknown,
    lastStart: unknown,
    after: StartAfterUnanswered = {},
  ) {
    super(
      startUnknownText(stateMachineArn, executionName, region, attempts, cause, after, {
        meaning:
          `; Step Functions had no execution ${executionName} when looked up (DescribeExecution answered ExecutionDoesNotExist, ` +
          `which may lag a start), and a last start under that name ${answerText(lastStart)}, so the execution was not found so far.`,
        lookFor: 'Describe it again in a minute',
        notStarted: 'ExecutionDoesNotExist then: it was not started',
      }),
      { cause },
    );
    this.name = 'WorkflowStartFoundNoneError';
  }
}

/** StartExecution said the execution name exists, and that execution's input is not this command's: another run. */
export class ExecutionNameTakenError extends Error {
  constructor(
    readonly executionArn: string,
    region: string,
  ) {
    super(
      `Execution ${executionArn} already exists with another input than this command's, so it is not this command's run and the CLI does not follow it. ` +
        `Run the command again (it takes a new execution name); look at that execution with \`aws stepfunctions describe-execution --region ${region} --execution-arn ${executionArn}\`.`,
    );
    this.name = 'ExecutionNameTakenError';
  }
}

/**
 * The `aws` lines that follow or stop an execution the CLI no longer follows, with its region: the operator's shell
 * may default to another one, where the ARN's execution is not found.
 */
export function followOrStopLines(executionArn: string, region: string): string {
  return (
    `Follow it with \`aws stepfunctions describe-execution --region ${region} --execution-arn ${executionArn}\`, ` +
    `or stop it with \`aws stepfunctions stop-execution --region ${region} --execution-arn ${executionArn}\`.`
  );
}

/**
 * A poll of a running execution was answered with a failure that stays (an expired token or SSO session, access
 * denied, credentials Step Functions does not know), or failed in a way that is no AWS answer (`unread`: an error of
 * the CLI's own): the execution goes on in AWS (up to 24–72 h), so the command names it and the lines to follow or
 * stop it, not the SDK's words only (review r63F F3). Credentials advice is given to AWS answers only (review r63Q F3).
 */
export class FollowingFailedError extends Error {
  constructor(
    readonly executionArn: string,
    /** The region of the Step Functions polled (the `--json` object of an unknown outcome names it). */
    readonly region: string,
    cause: unknown,
    /** `refusedPolls`: that many polls in a row were answered with a 4xx page not Step Functions' (f65F). */
    kind: 'answer' | 'unread' | { refusedPolls: number; page: UnreadPage } = 'answer',
  ) {
    // The polls' credentials were refused by a page on the way to STS: nothing reached Step Functions (review r65F F1).
    const unsent = typeof kind === 'object' ? unsentForCredentials(cause) : undefined;
    super(
      unsent?.stsTrouble === 'page' && typeof kind === 'object'
        ? // The polls before the last may have met Step Functions' path's page: only the last is known not sent (review r65L F3).
          `The CLI stopped following execution ${executionArn}: ${kind.refusedPolls} polls in a row met a page in between; the last was not sent: ${unsent.words}; it goes on in AWS. ` +
            `Through a network that reaches STS${unsent.stsRegion !== undefined ? ` in ${unsent.stsRegion}` : ''} and Step Functions: ${followOrStopLines(executionArn, region)}`
        : typeof kind === 'object'
        ? `The CLI stopped following execution ${executionArn}: ${kind.refusedPolls} polls in a row were answered with ${unreadPageWords(kind.page)}, not Step Functions' — ` +
            `a proxy or firewall in between refuses them; it goes on in AWS. Through a network that reaches Step Functions: ${followOrStopLines(executionArn, region)}`
        : kind === 'answer'
        ? `The CLI stopped following execution ${executionArn}: a poll failed with an answer that stays (${causeText(cause)}); it goes on in AWS. ` +
            `With credentials that may (renewed ones, if these expired): ${followOrStopLines(executionArn, region)}`
        : `The CLI stopped following execution ${executionArn}: the CLI could not read the poll (${causeText(cause)}); it goes on in AWS. ${followOrStopLines(executionArn, region)}`,
      { cause },
    );
    this.name = 'FollowingFailedError';
  }
}

/** The CLI's polls of a running execution failed for longer than its bound: the execution goes on in AWS. */
export class FollowingGaveUpError extends Error {
  constructor(
    readonly executionArn: string,
    /** The region of the Step Functions that stopped answering (the restore's hint names it). */
    readonly region: string,
    boundMs: number,
    cause: unknown,
  ) {
    super(
      `The CLI gave up following execution ${executionArn} after ${Math.round(boundMs / 60_000)} minutes in which every poll failed (the last: ${causeText(cause)}); it goes on in AWS. ` +
        followOrStopLines(executionArn, region),
      { cause },
    );
    this.name = 'FollowingGaveUpError';
  }
}
