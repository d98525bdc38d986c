import { type S3Client } from '@aws-sdk/client-s3';
import { stsTroubleInstead } from './credentials-sts-unanswered';
import { credentialsThrottledInstead } from './credentials-throttled-error';
import { EndpointThrottledError } from './endpoint-throttled-error';
import { faultAnswer, isServerFault } from './server-fault';
import { isThrottledRequest } from './throttled-request';
import { VaultEndpointFaultError } from './vault-endpoint-fault-error';

/** The way out of a vault's region at fault: its replicated copy. */
export const OTHER_REGION = "If that region is down, open the vault's copy in the DR region (its s3:// location) instead";

/** What a throttle's words say of the time to come: what to run then is the command's to say (review r64E F1). */
const THROTTLE_PASSES = 'S3 may take the request in a minute';

/**
 * Says in words why a request of `lifeboat vault` to its bucket failed, once the SDK's attempts are spent: a 5xx as S3's
 * fault, with the other region's way out, and a throttle as a throttle that may pass (review r63W F2: the reads after
 * the HeadBucket printed S3's bare "Service Unavailable" or "Please reduce your request rate."). A throttle's words do
 * not say to run the command again: a forget whose prune was throttled, or a restore that wrote part of its target, is
 * not run again as it was, and the command says what to do (review r64E F1). `s3` names S3 as the messages do:
 * `S3 in <region> (<endpoint>)`. Any other error (a 4xx the vault store reads by its name or status, silence) passes as
 * it is; the words keep `$metadata`, and a throttle its name, for those who read them.
 */
export function sayVaultRequestFailures(client: S3Client, bucket: string, s3: string): S3Client {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      try {
        return await next(args);
      } catch (err) {
        throw vaultRequestFailure(err, bucket, s3, (context.commandName ?? 'the request').replace(/Command$/, '')) ?? err;
      }
    },
    { name: 'lifeboatVaultRequestWords', step: 'initialize', override: true },
  );
  return client;
}

/** The error in words for a request `operation` of the vault bucket, or undefined when its own words are kept. */
function vaultRequestFailure(err: unknown, bucket: string, s3: string, operation: string): Error | undefined {
  if (!(err instanceof Error)) return undefined;
  const failed = `the vault bucket ${bucket} could not be used`;
  const stsThrottled = credentialsThrottledInstead(err, failed, s3);
  if (stsThrottled !== undefined) return stsThrottled;
  const status = (err as { $metadata?: { httpStatusCode?: unknown } }).$metadata?.httpStatusCode;
  // S3's answer to a HEAD has no body: its bare 503 may be SlowDown as much as an outage, so both ways are given.
  const bareHead = status === 503 && /^Head/.test(operation) && stsTroubleInstead(err, s3) === undefined;
  if (bareHead) {
    return new EndpointThrottledError(
      `${failed}: ${s3} answered ${operation} with HTTP 503 and no body, as S3 answers a HEAD it throttles (SlowDown) or cannot serve (${faultAnswer(err)}): ` +
        `${THROTTLE_PASSES}; if that region is down, open the vault's copy in the DR region (its s3:// location) instead`,
      err,
    );
  }
  if (isThrottledRequest(err)) {
    return new EndpointThrottledError(`${failed}: ${s3} throttled ${operation} (${faultAnswer(err)}); ${THROTTLE_PASSES}`, err);
  }
  // A 501 is a store without that operation, not a region in trouble.
  if (!isServerFault(err) || status === 501) return undefined;
  const fault = stsTroubleInstead(err, s3) ?? `${s3} answered ${operation} with a fault of its own (${faultAnswer(err)})`;
  return new VaultEndpointFaultError(`${failed}: ${fault}. ${OTHER_REGION}`, err);
}
