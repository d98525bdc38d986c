import { shownCatalogName } from '../../lambdas/catalog/shown-catalog-name';
import { localCommandLine, type LocalCommandTarget } from '../local-command-line';

/**
 * After a local failover or drill refused by records it cannot read, when the run started the local cloud itself (none
 * ran in its data dir): that cloud stopped with the command, so the `--endpoint-url http://127.0.0.1:<port>` its deletes
 * name refuses connections, and a cloud started again listens on other free ports (review r62L F2). The line names the
 * commands that bring the cloud back and show the endpoint to use instead.
 */
export function stoppedLocalCloudLine(target: LocalCommandTarget): string {
  return `The local cloud this run started has stopped, so the --endpoint-url http://127.0.0.1:<port> in those deletes answers no more: ${localCloudAgain(target)}`;
}

/**
 * Under a recorded error (`lifeboat drills show` of the local cloud) that names a delete against the local cloud: the
 * port is the one of the cloud the drill ran against, which may listen on other ports now (review r62S F3). The command
 * read the record from the cloud that runs now (it reads no stopped one), so it names that cloud's endpoint of the
 * delete's region rather than the commands that would start one (review r63D F3).
 */
export function recordedLocalDeletesLine(live: LocalDeletesEndpoint): string {
  const lead = "The --endpoint-url http://127.0.0.1:<port> in those deletes is the local cloud's of when the drill ran: ";
  // The record's region is its text, which the cloud may not serve (a damaged record, a cloud started with other
  // regions): said rather than left without a line, escaped as it may hold a newline or ESC (review r63M F2).
  if (live.dynamoDb === undefined) return `${lead}the local cloud serves no region ${shownCatalogName(live.region)}: the printed port may be stale.`;
  return `${lead}the local cloud's DynamoDB endpoint of ${live.region} is now ${live.dynamoDb}: use it in place of the printed one.`;
}

/** The drill's region and the local cloud's DynamoDB endpoint of it now; undefined when the cloud serves no such region. */
export type LocalDeletesEndpoint = { region: string; dynamoDb: string | undefined };

/** How to bring the local cloud back and find the endpoint to use in place of the dead one. */
function localCloudAgain(target: LocalCommandTarget): string {
  return `start it with \`${localCommandLine('up', target)}\` and, in place of that URL, use the DynamoDB endpoint of the delete's --region that \`${localCommandLine('status', target)}\` shows.`;
}
