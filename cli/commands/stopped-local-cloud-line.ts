import { localCommandLine, type LocalCommandTarget } from '../local-command-line';

/**
 * After a local failover or drill refused by records it cannot read, when the run started the local cloud itself (none
 * ran in its data dir): that cloud stopped with the command, so the `--endpoint-url http://127.0.0.1:<port>` its deletes
 * name refuses connections, and a cloud started again listens on other free ports (review r62L F2). The line names the
 * commands that bring the cloud back and show the endpoint to use instead.
 */
export function stoppedLocalCloudLine(target: LocalCommandTarget): string {
  return (
    `The local cloud this run started has stopped, so the --endpoint-url http://127.0.0.1:<port> in those deletes answers no more: ` +
    `start it with \`${localCommandLine('up', target)}\` and, in place of that URL, use the DynamoDB endpoint of the delete's --region that \`${localCommandLine('status', target)}\` shows.`
  );
}
