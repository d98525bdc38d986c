import { StartExecutionCommand, type StartExecutionCommandInput } from '@aws-sdk/client-sfn';

/** How one try of the SDK's went at the transport: the status it was answered with, or the failure it had (a timeout). */
export type TransportTry = { status: number } | { failure: unknown };

/**
 * A StartExecution command that tells which attempts of its one send went past signing to the transport. The SDK
 * asks for credentials again for each of its own retries inside one send (SignatureV4 calls its credential provider per
 * attempt), so a send that fails on credentials may have sent an earlier attempt of its own: signed and sent,
 * unanswered, then a retry whose credentials could not be had (review r63W F1: the workflow runner called such a start
 * "not sent, so the workflow was not started", and running the command again would start it twice). Likewise a send
 * whose last try was refused by a proxy may have had a first try that reached Step Functions and timed out or got a 5xx
 * page (review r64S F1): `tries` says how each went. The middleware runs inside the retry and the signing of each
 * attempt, right before the request handler (after the SDK's deserializer): reaching it means the request may have left.
 */
export function startReachingTransport(input: StartExecutionCommandInput): { command: StartExecutionCommand; reached: () => boolean; tries: () => readonly TransportTry[] } {
  const tries: TransportTry[] = [];
  const command = new StartExecutionCommand(input);
  command.middlewareStack.add(
    (next) => async (args) => {
      // Pushed before the send, so that a try whose answer never comes (the SDK's timeout) counts as reached.
      const index = tries.push({ failure: undefined }) - 1;
      try {
        const result = await next(args);
        const status = (result.response as { statusCode?: unknown } | undefined)?.statusCode;
        tries[index] = typeof status === 'number' ? { status } : { failure: undefined };
        return result;
      } catch (err) {
        tries[index] = { failure: err };
        throw err;
      }
    },
    { step: 'deserialize', name: 'lifeboatReachedTransport', priority: 'low' },
  );
  return { command, reached: () => tries.length > 0, tries: () => tries };
}
