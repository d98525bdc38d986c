/**
 * StartExecution answered with success and no execution ARN: an empty body, or one rewritten between the CLI and AWS
 * (Step Functions' own answer always names the execution). AWS may have started it all the same, so the runner counts
 * it as an attempt without a readable answer, tries again under the same name and then looks it up: it ended the
 * command with exit 1 and a plain Error, and a rerun (a new name) started a second execution (review r64I F3).
 */
export class StartAnswerWithoutArnError extends Error {
  constructor(readonly status: number | undefined) {
    super(`answered${status !== undefined ? ` (HTTP ${status})` : ''} with no execution ARN in its body`);
    this.name = 'StartAnswerWithoutArnError';
  }
}
