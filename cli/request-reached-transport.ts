import { StartExecutionCommand, type StartExecutionCommandInput } from '@aws-sdk/client-sfn';

/**
 * A StartExecution command that tells whether any attempt of its one send went past signing to the transport. The SDK
 * asks for credentials again for each of its own retries inside one send (SignatureV4 calls its credential provider per
 * attempt), so a send that fails on credentials may have sent an earlier attempt of its own: signed and sent,
 * unanswered, then a retry whose credentials could not be had (review r63W F1: the workflow runner called such a start
 * "not sent, so the workflow was not started", and running the command again would start it twice). The deserialize
 * step runs inside the retry and the signing of each attempt, right before the request handler: reaching it means the
 * request may have left.
 */
export function startReachingTransport(input: StartExecutionCommandInput): { command: StartExecutionCommand; reached: () => boolean } {
  let reached = false;
  const command = new StartExecutionCommand(input);
  command.middlewareStack.add(
    (next) => (args) => {
      reached = true;
      return next(args);
    },
    { step: 'deserialize', name: 'lifeboatReachedTransport', priority: 'low' },
  );
  return { command, reached: () => reached };
}
