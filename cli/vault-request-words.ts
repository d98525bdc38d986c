import { type S3Client } from '@aws-sdk/client-s3';
import { answerMetadataOf, requestIdsSaid } from './answer-metadata';
import { stsTroubleInstead } from './credentials-sts-unanswered';
import { credentialsThrottledInstead } from './credentials-throttled-error';
import { EndpointThrottledError } from './endpoint-throttled-error';
import { faultAnswer, isServerFault } from './server-fault';
import { isThrottledRequest } from './throttled-request';
import { isUnreadAnswer, unreadPageOf } from './unread-answer';
import { VaultEndpointFaultError } from './vault-endpoint-fault-error';
import { VaultHeadFaultError } from './vault-head-fault-error';
import { VaultUnreadAnswerError } from './vault-unread-answer-error';

/** The way out of a vault's region at fault: its replicated copy. */
export const OTHER_REGION = "If that region is down, open the vault's copy in the DR region (its s3:// location) instead";

/** What a throttle's words say of the time to come: what to run then is the command's to say (review r64E F1). */
const THROTTLE_PASSES = 'S3 may take the request in a minute';

/**
 * Says in words why a request of `lifeboat vault` to its bucket failed, once the SDK's attempts are spent: a 5xx as S3's
 * fault, with the other region's way out, and a throttle as a throttle that may pass (review r63W F2: the reads after
 * the HeadBucket printed S3's bare "Service Unavailable" or "Please reduce your request rate."). A throttle's words do
 * not say to run the command again: a forget whose prune was throttled, or a restore that wrote part of its target, is
 * not run again as it was, and the command says what to do (review r64E F1). `s3` names S3 in the region a request was
 * signed for, as the messages do: `S3 in <region> (<endpoint>)`; that is the bucket's region after a redirect the client
 * followed, not the client's (review r64E F2). Any other error (a 4xx the vault store reads by its name or status,
 * silence) passes as it is; the words keep `$metadata` (status, request ids), and a throttle its name, for those who read them.
 */
export function sayVaultRequestFailures(client: S3Client, bucket: string, s3: (region: string) => string, words: VaultRequestWords = {}): S3Client {
  const failed = words.failed ?? `the vault bucket ${bucket} could not be used`;
  const instead = words.instead ?? OTHER_REGION;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      try {
        return await next(args);
      } catch (err) {
        if (words.saying !== undefined && !words.saying()) throw err;
        const operation = (context.commandName ?? 'the request').replace(/Command$/, '');
        const region = signedRegionOf(context) ?? (await client.config.region());
        throw vaultRequestFailure(err, failed, instead, s3(region), operation) ?? err;
      }
    },
    { name: 'lifeboatVaultRequestWords', step: 'initialize', override: true },
  );
  return client;
}

/**
 * Whose vault the words name and its way out when its region is down: `lifeboat vault`'s bucket and the DR copy's s3://
 * location by default; an environment's vault (environment-access.ts) names itself and --vault dr or --from dr, its
 * commands' own options. `saying`: whether to word a failure now (an environment's vault words the failures of its
 * opening itself, as `could not be opened`).
 */
export type VaultRequestWords = { readonly failed?: string; readonly instead?: string; readonly saying?: () => boolean };

/** The region the failed request was signed for: the SDK's signing region, or the one a followed redirect named. */
function signedRegionOf(context: object): string | undefined {
  const { signing_region: signing, __s3RegionRedirect: redirected } = context as { signing_region?: unknown; __s3RegionRedirect?: unknown };
  if (typeof signing === 'string' && signing !== '') return signing;
  return typeof redirected === 'string' && redirected !== '' ? redirected : undefined;
}

/** The error in words for a request `operation` of the vault bucket, or undefined when its own words are kept. */
function vaultRequestFailure(err: unknown, failed: string, instead: string, s3: string, operation: string): Error | undefined {
  if (!(err instanceof Error)) return undefined;
  const stsThrottled = credentialsThrottledInstead(err, failed, s3);
  if (stsThrottled !== undefined) return stsThrottled;
  const metadata = answerMetadataOf(err);
  const status = metadata.httpStatusCode;
  const ids = requestIdsSaid(metadata, 'S3');
  // S3's answer to a HEAD has no body: its bare 503 may be SlowDown as much as an outage, so both ways are given.
  const bareHead = status === 503 && /^Head/.test(operation) && stsTroubleInstead(err, s3) === undefined;
  if (bareHead) {
    return new VaultHeadFaultError(
      `${failed}: ${s3} answered ${operation} with HTTP 503 and no body, as S3 answers a HEAD it throttles (SlowDown) or cannot serve (${faultAnswer(err)}${ids}): ` +
        `${THROTTLE_PASSES}; ${instead.charAt(0).toLowerCase()}${instead.slice(1)}`,
      err,
    );
  }
  if (isThrottledRequest(err)) return new EndpointThrottledError(`${failed}: ${s3} throttled ${operation} (${faultAnswer(err)}${ids}); ${THROTTLE_PASSES}`, err);
  // A 501 is a store without that operation, not a region in trouble.
  if (!isServerFault(err) || status === 501) return undefined;
  // A page the SDK could not read as S3's (a proxy's or gateway's HTML 502 or 503): S3 may not have been asked. Not an answer
  // cut mid-body (a network code: unreadPageOf), nor one with S3's request id (x-amz-request-id): S3's own, which the
  // proxy's words miscalled (review r64N F2: S3's 503 SlowDown cut by ECONNRESET sent the operator to check a proxy).
  if (unreadPageOf(err) !== undefined && metadata.requestId === undefined) {
    return new VaultUnreadAnswerError(
      `${failed}: ${operation} to ${s3} was answered with an HTTP ${status} page that S3 does not give: something on the way answered (a proxy or gateway), ` +
        'so S3 may not have been asked; check the network path to S3 (HTTPS_PROXY, a VPC endpoint, a firewall)',
      err,
    );
  }
  const cut = cutAnswerCode(err);
  if (cut !== undefined) {
    return new VaultEndpointFaultError(
      `${failed}: ${s3} answered ${operation} with HTTP ${status}, the answer cut before its end (${cut}${ids}), as S3 answers a request it throttles (SlowDown) or cannot serve: ` +
        `${THROTTLE_PASSES}; ${instead.charAt(0).toLowerCase()}${instead.slice(1)}`,
      err,
    );
  }
  const fault = stsTroubleInstead(err, s3) ?? `${s3} answered ${operation} with a fault of its own (${faultAnswer(err)}${ids})`;
  return new VaultEndpointFaultError(`${failed}: ${fault}. ${instead}`, err);
}

/** The network code (ECONNRESET) of an answer the SDK began to read and lost mid-body, or undefined for any other failure. */
function cutAnswerCode(err: Error): string | undefined {
  if (!isUnreadAnswer(err)) return undefined;
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'string') return undefined;
  return /^[A-Z][A-Z0-9_]{0,39}$/.test(code) ? code : 'a network error';
}
