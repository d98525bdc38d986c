import type { TransportTry } from './request-reached-transport';

/**
 * A try of the SDK's own, inside one StartExecution send, that reached the transport and was retried by the SDK: it
 * timed out, or was answered with a 5xx or a throttle. Step Functions may have started the workflow on it, whatever
 * the SDK's retry was then answered with: a proxy's 4xx page on the retry said "the workflow was not started, run the
 * command again", exit 1, while the execution ran (review r64S F1). The runner takes it as a start without answer.
 */
export class UnansweredStartTryError extends Error {
  /** `retryUnsent`: the words of the credentials the client's retry could not have, so that retry was not sent (review r65L F1). */
  constructor(tryNumber: number, outcome: TransportTry, retryUnsent?: string) {
    const how =
      'status' in outcome
        ? `was answered with HTTP ${outcome.status}`
        : outcome.failure instanceof Error
          ? `failed (${outcome.failure.name}: ${outcome.failure.message})`
          : 'had no answer';
    const then = retryUnsent !== undefined ? `, and the client's retry of it could not be sent: ${retryUnsent}` : ', and the client sent it again';
    super(`the client's try ${tryNumber} of it reached the network and ${how}${then}`);
    this.name = 'UnansweredStartTry';
  }
}

/** The SDK's last try before the last one, as a start without answer; undefined when the send reached the transport once. */
export function unansweredEarlierTry(tries: readonly TransportTry[]): UnansweredStartTryError | undefined {
  const earlier = tries.length - 2;
  const outcome = tries[earlier];
  return outcome === undefined ? undefined : new UnansweredStartTryError(earlier + 1, outcome);
}

/**
 * The SDK's last try that reached the transport, when its retry could not be sent for its credentials (`unsentWords`):
 * that try is the attempt's answer, not the credentials' failure, which no Step Functions answered (review r65L F1: a
 * 503 of Step Functions was said as the STS page of the retry, "was answered with a page"). Undefined when none reached it.
 */
export function triedThenUnsent(tries: readonly TransportTry[], unsentWords: string): UnansweredStartTryError | undefined {
  const last = tries.length - 1;
  const outcome = tries[last];
  return outcome === undefined ? undefined : new UnansweredStartTryError(last + 1, outcome, unsentWords);
}
