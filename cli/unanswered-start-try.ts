import type { TransportTry } from './request-reached-transport';

/**
 * A try of the SDK's own, inside one StartExecution send, that reached the transport and was retried by the SDK: it
 * timed out, or was answered with a 5xx or a throttle. Step Functions may have started the workflow on it, whatever
 * the SDK's retry was then answered with: a proxy's 4xx page on the retry said "the workflow was not started, run the
 * command again", exit 1, while the execution ran (review r64S F1). The runner takes it as a start without answer.
 */
export class UnansweredStartTryError extends Error {
  constructor(tryNumber: number, outcome: TransportTry) {
    const how =
      'status' in outcome
        ? `was answered with HTTP ${outcome.status}`
        : outcome.failure instanceof Error
          ? `failed (${outcome.failure.name}: ${outcome.failure.message})`
          : 'had no answer';
    super(`the client's try ${tryNumber} of it reached the network and ${how}, and the client sent it again`);
    this.name = 'UnansweredStartTry';
  }
}

/** The SDK's last try before the last one, as a start without answer; undefined when the send reached the transport once. */
export function unansweredEarlierTry(tries: readonly TransportTry[]): UnansweredStartTryError | undefined {
  const earlier = tries.length - 2;
  const outcome = tries[earlier];
  return outcome === undefined ? undefined : new UnansweredStartTryError(earlier + 1, outcome);
}
