import { faultAnswer, isServerFault } from './server-fault';
import { isUnanswered } from './unanswered-endpoint';

/**
 * What a role's STS did while a client's credentials were asked for (run-credentials.ts): not answer, or answer with a
 * fault of its own (a 5xx), in `region` (undefined: the region the SDK chose, `--stack` without --stack-region).
 */
type StsTrouble = { region: string | undefined; answered: boolean };

/**
 * The errors of a role's STS that did not answer, or answered with a fault, while a client's credentials were asked
 * for, by the region of the STS asked. They stay STS's own error (TimeoutError, a network code, a 5xx with its `$fault`
 * and `$metadata`: review r62Q F1, the commands read them as the region's trouble and fall back to the DR region), so
 * what a message names as not answering is told here: verify said `DynamoDB in <region> did not answer` when only STS
 * had been asked (review r62T F3), and `DynamoDB … answered with a fault of its own` for STS's 503 (review r63H F2).
 * Weak: a mark lives as long as its error, and a remembered silence (unanswered-credentials-memory.ts) keeps its mark.
 */
const stsTroubleOf = new WeakMap<Error, StsTrouble>();

/**
 * Marks `err`, if STS did not answer (isUnanswered) or answered with a fault (isServerFault), as STS's in `region`. A
 * CredentialsProviderError is not STS's: the SDK so wraps the failures of the other providers (an SSO portal's 5xx).
 */
export function markIfStsTrouble(err: unknown, region: string | undefined): void {
  if (!(err instanceof Error) || err.name === 'CredentialsProviderError' || stsTroubleOf.has(err)) return;
  if (isUnanswered(err)) stsTroubleOf.set(err, { region, answered: false });
  else if (isServerFault(err)) stsTroubleOf.set(err, { region, answered: true });
}

/** The region of the STS whose trouble `err` is, asked for the credentials (markIfStsTrouble); else undefined. */
export function credentialsStsRegion(err: Error): string | undefined {
  return stsTroubleOf.get(err)?.region;
}

/**
 * What STS did, when `err` is its trouble asked for the credentials' role (markIfStsTrouble), as a clause: `STS in
 * <region> did not answer the request for the credentials' role (<its error>)` or `… answered the request for the
 * credentials' role with a fault of its own (<its answer>)`; undefined for any other error. `detail` false: without the
 * error's own words, for a line that names none.
 */
export function stsTroubleWords(err: Error, detail = true): string | undefined {
  const trouble = stsTroubleOf.get(err);
  if (trouble === undefined) return undefined;
  const sts = trouble.region !== undefined ? `STS in ${trouble.region}` : 'STS';
  if (trouble.answered) return `${sts} answered the request for the credentials' role with a fault of its own${detail ? ` (${faultAnswer(err)})` : ''}`;
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
