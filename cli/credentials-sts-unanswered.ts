import { faultAnswer, isServerFault } from './server-fault';
import { isThrottledRequest } from './throttled-request';
import { isUnanswered } from './unanswered-endpoint';
import { notAwsAnswerPageOf } from './not-aws-answer';
import { isRefusalInBetween, type UnreadPage, unreadPageOf, unreadPageWords } from './unread-answer';

/**
 * What a role's STS did while a client's credentials were asked for (run-credentials.ts): not answer, answer with a
 * fault of its own (a 5xx), throttle the ask (isThrottledRequest), or answer that STS is not activated in its region for
 * the account (RegionDisabledException, HTTP 403), in `region` (undefined: the region the SDK chose, `--stack` without
 * --stack-region).
 */
type StsTrouble = { region: string | undefined; kind: 'silent' | 'fault' | 'throttled' | 'disabled' | 'page'; page?: UnreadPage };

/** What a role's STS did that left a request unsent, and that may pass: all but not being activated. */
export type CredentialsStsTroubleKind = 'silent' | 'fault' | 'throttled' | 'page';

/**
 * The errors of a role's STS that did not answer, answered with a fault, or said it is not activated, while a client's
 * credentials were asked for, by the region of the STS asked. They stay STS's own error (TimeoutError, a network code,
 * a 5xx with its `$fault` and `$metadata`: review r62Q F1, the commands read them as the region's trouble and fall
 * back to the DR region), so what a message names as not answering is told here: verify said `DynamoDB in <region>
 * did not answer` when only STS had been asked (review r62T F3), and `DynamoDB … answered with a fault of its own` for
 * STS's 503 (review r63H F2).
 * Weak: a mark lives as long as its error, and a remembered silence (unanswered-credentials-memory.ts) keeps its mark.
 */
const stsTroubleOf = new WeakMap<Error, StsTrouble>();

/**
 * Marks `err`, if STS did not answer (isUnanswered), answered with a fault (isServerFault), throttled the ask
 * (isThrottledRequest: unmarked, the runner took it for a start without answer and the catalog and vault lines printed
 * a bare `Throttling: Rate exceeded` as their own service's, review r63O F2) or is not activated in its region
 * (RegionDisabledException), as STS's in `region`. A CredentialsProviderError is not STS's: the SDK so wraps the
 * failures of the other providers (an SSO portal's 5xx). STS not activated is marked for the doctor (review r63N F1):
 * with a role profile every client of that region gets STS's 403, which its check read as its own service's refusal.
 */
export function markIfStsTrouble(err: unknown, region: string | undefined): void {
  if (!(err instanceof Error) || err.name === 'CredentialsProviderError' || stsTroubleOf.has(err)) return;
  const { name } = err;
  if (isUnanswered(err)) stsTroubleOf.set(err, { region, kind: 'silent' });
  else if (isThrottledRequest(err)) stsTroubleOf.set(err, { region, kind: 'throttled' });
  else if (isServerFault(err)) stsTroubleOf.set(err, { region, kind: 'fault' });
  else if (name === 'RegionDisabledException') stsTroubleOf.set(err, { region, kind: 'disabled' });
  else {
    // A proxy's or firewall's 4xx page on the way to STS (no request ID): the runner took it for Step Functions' page
    // and said the start "most likely" not started, though nothing had been sent to Step Functions (review r65F F1).
    const page = unreadPageOf(err) ?? notAwsAnswerPageOf(err);
    if (page !== undefined && isRefusalInBetween(page)) stsTroubleOf.set(err, { region, kind: 'page', page });
  }
}

/**
 * What the role's STS did when `err` is its silence, fault or throttle asked for the credentials (markIfStsTrouble);
 * undefined for any other error, STS not activated included. A silence is remembered for a minute
 * (unanswered-credentials-memory.ts), a fault or throttle is not: the next ask of the credentials asks STS again.
 */
export function credentialsStsTroubleKind(err: Error): CredentialsStsTroubleKind | undefined {
  const trouble = stsTroubleOf.get(err);
  return trouble !== undefined && trouble.kind !== 'disabled' ? trouble.kind : undefined;
}

/** The region of the STS whose silence, fault or throttle `err` is, asked for the credentials (markIfStsTrouble); else undefined. */
export function credentialsStsRegion(err: Error): string | undefined {
  const trouble = stsTroubleOf.get(err);
  return trouble !== undefined && trouble.kind !== 'disabled' ? trouble.region : undefined;
}

/**
 * When `err` is STS's answer that it is not activated in its region, asked for the credentials' role
 * (markIfStsTrouble): that STS's region (undefined when the SDK chose it). Undefined for any other error.
 */
export function stsNotActivatedFor(err: unknown): { region: string | undefined } | undefined {
  if (!(err instanceof Error)) return undefined;
  const trouble = stsTroubleOf.get(err);
  return trouble?.kind === 'disabled' ? { region: trouble.region } : undefined;
}

/**
 * What STS did, when `err` is its silence, fault or throttle asked for the credentials' role (markIfStsTrouble), as a
 * clause: `STS in <region> did not answer the request for the credentials' role (<its error>)`, `… answered the request
 * for the credentials' role with a fault of its own (<its answer>)` or `… throttled the request for the credentials'
 * role (<its answer>)`; undefined for any other error, STS not activated
 * included (an answer that stays, which these lines' callers do not read as a region's passing trouble: the doctor
 * words it with stsNotActivatedFor). `detail` false: without the error's own words, for a line that names none.
 */
export function stsTroubleWords(err: Error, detail = true): string | undefined {
  const trouble = stsTroubleOf.get(err);
  if (trouble === undefined || trouble.kind === 'disabled') return undefined;
  const sts = trouble.region !== undefined ? `STS in ${trouble.region}` : 'STS';
  if (trouble.kind === 'fault') return `${sts} answered the request for the credentials' role with a fault of its own${detail ? ` (${faultAnswer(err)})` : ''}`;
  if (trouble.kind === 'throttled') return `${sts} throttled the request for the credentials' role${detail ? ` (${err.name}: ${err.message})` : ''}`;
  if (trouble.kind === 'page' && trouble.page !== undefined) {
    return `the request for the credentials' role to ${sts} was answered with ${unreadPageWords(trouble.page)}, not STS's: a proxy or firewall in between refuses it`;
  }
  return `${sts} did not answer the request for the credentials' role${detail ? ` (${err.message})` : ''}`;
}

/**
 * What a line says in place of `<asked> did not answer` (or `answered with a fault`) when `err` is STS's trouble, asked
 * for the credentials' role: the request never left, `asked` (`DynamoDB in us-east-1`) was not asked. `purpose`: what
 * it would have been asked for (` to unwrap its key with …`). Undefined for any other error: the line says its own.
 */
export function stsTroubleInstead(err: Error, asked: string, options: { purpose?: string; detail?: boolean } = {}): string | undefined {
  const words = stsTroubleWords(err, options.detail);
  return words === undefined ? undefined : `${words}, so ${asked} was not asked${options.purpose ?? ''}`;
}
