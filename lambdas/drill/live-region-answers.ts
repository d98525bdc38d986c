import { type S3Client } from '@aws-sdk/client-s3';

/**
 * Whether the live region has answered any request of one comparison: any HTTP response, an error's too (a 503, a
 * HEAD's 403). Counted per attempt, under the SDK's retries: a request that got 503 twice, then timed out, throws an
 * error with no status, yet the region answered it (review r60J F2). Once it has answered, a later request that gets no
 * response is that request's failure, not the region's silence (live-sample.ts: silentBy).
 */
export type LiveAnswers = {
  readonly heard: boolean;
  /** A response seen by other means than the client's own (kept for clients built without the counting middleware). */
  markHeard(): void;
};

/** The responses each live client has received since it was first asked about, counted by a middleware added once per client. */
const responseCounts = new WeakMap<S3Client, { count: number }>();

function responsesTo(client: S3Client): { count: number } {
  const known = responseCounts.get(client);
  if (known !== undefined) return known;
  const responses = { count: 0 };
  // The deserialize step's innermost middleware: `next` is the HTTP handler, which resolves for any response (a 5xx
  // too) and rejects only when none came. The retry middleware (finalizeRequest) passes each attempt through it.
  client.middlewareStack.add(
    (next) => async (args) => {
      const out = await next(args);
      responses.count++;
      return out;
    },
    { step: 'deserialize', priority: 'low', name: 'lifeboatLiveRegionResponses' },
  );
  responseCounts.set(client, responses);
  return responses;
}

/** A record of the live region's answers from now on (responses before this call are not counted). */
export function liveAnswersOf(client: S3Client): LiveAnswers {
  const responses = responsesTo(client);
  const before = responses.count;
  let marked = false;
  return {
    get heard() {
      return marked || responses.count > before;
    },
    markHeard() {
      marked = true;
    },
  };
}
