import { HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { awsTransferSettings } from './aws-client-settings';
import { CLI_CLIENT_TIMEOUTS, type ClientTimeouts, transferClientSettings } from './client-timeouts';
import { isUnanswered, VaultEndpointUnansweredError } from './unanswered-endpoint';
import { CredentialsUnansweredError } from './credentials-unanswered';
import { stsTroubleInstead } from './credentials-sts-unanswered';
import { credentialsThrottledInstead } from './credentials-throttled-error';
import { faultAnswer, isServerFault } from './server-fault';
import { VaultEndpointFaultError } from './vault-endpoint-fault-error';
import { OTHER_REGION, sayVaultRequestFailures } from './vault-request-words';
import { BUCKET_REGION_HEADER } from '../lambdas/runtime/bucket-region-redirect';
import { errorHeaderOf } from '../lambdas/runtime/sdk-error-header';

/** Where S3 sends a request when nothing names a region (the AWS CLI's default too). */
const FALLBACK_REGION = 'us-east-1';

/**
 * The S3 client of an `s3://` vault (`lifeboat vault …`). The configured region is the AWS CLI's:
 * AWS_REGION, AWS_DEFAULT_REGION (which the SDK itself does not read), else the SDK's own choice (the
 * active profile's `region` in ~/.aws/config, then the instance's), else us-east-1. The bucket may be in
 * another region: one HeadBucket asks S3 where it is (`x-amz-bucket-region`), and the client returned
 * is the bucket region's, so the vault's many requests go there directly. Why: the SDK does not remember
 * a redirect, so with followRegionRedirects alone every request would be sent twice (and it follows a
 * 400 AuthorizationHeaderMalformed only for HeadBucket). followRegionRedirects stays on as the fallback
 * when HeadBucket is not allowed. Its clients give up on an endpoint that does not answer (client-timeouts.ts),
 * and an S3 that does not answer the HeadBucket fails the command then, naming its region and endpoint
 * (VaultEndpointUnansweredError), instead of going on to the vault's own first read and waiting for it as long again.
 * Its credentials are the run's (run-credentials.ts), whose SSO and STS requests have the same timeouts: with the SDK's
 * own chain a silent SSO portal held the command for minutes (review f62R); credentials whose provider did not answer
 * fail the command at the HeadBucket, in their own words, not as S3's silence nor by a second wait at the vault's read.
 */
export async function vaultS3Client(env: NodeJS.ProcessEnv, bucket?: string, timeouts: ClientTimeouts = CLI_CLIENT_TIMEOUTS): Promise<S3Client> {
  const configured = await clientInConfiguredRegion(env, timeouts);
  if (bucket === undefined) return configured;
  const region = (await bucketRegion(configured, bucket, env))?.trim();
  // An S3-compatible store may answer an empty header (review 42d): no region is named then.
  if (!region || region === (await configured.config.region())) return sayVaultRequestFailures(configured, bucket, (signed) => s3In(signed, env));
  configured.destroy();
  const regional = new S3Client({ ...awsTransferSettings(region, timeouts), followRegionRedirects: true });
  return sayVaultRequestFailures(regional, bucket, (signed) => s3In(signed, env));
}

/** S3 as the messages name it: `S3 in <region>`, and the endpoint when one is configured (a test's, a store's). */
function s3In(region: string, env: NodeJS.ProcessEnv): string {
  const endpoint = env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL;
  return `S3 in ${region}${endpoint ? ` (${endpoint})` : ''}`;
}

async function s3Named(client: S3Client, env: NodeJS.ProcessEnv): Promise<string> {
  return s3In(await client.config.region(), env);
}

async function clientInConfiguredRegion(env: NodeJS.ProcessEnv, timeouts: ClientTimeouts): Promise<S3Client> {
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION || (await sdkRegionChoice(timeouts));
  return new S3Client({ ...awsTransferSettings(region, timeouts), followRegionRedirects: true });
}

/**
 * The SDK's own choice of region, asked of a client that sends nothing: the run's credentials are its region's
 * (run-credentials.ts), so the region is known before the client that takes them is built.
 */
async function sdkRegionChoice(timeouts: ClientTimeouts): Promise<string> {
  const asked = new S3Client(transferClientSettings(timeouts));
  try {
    return await asked.config.region();
  } catch {
    // "Region is missing": none is configured anywhere the SDK looks.
    return FALLBACK_REGION;
  } finally {
    asked.destroy();
  }
}

/** The bucket's region as S3 says it (a 403 or 404 carries the header too), or undefined when S3 does not say. */
async function bucketRegion(client: S3Client, bucket: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  try {
    return (await client.send(new HeadBucketCommand({ Bucket: bucket }))).BucketRegion;
  } catch (err) {
    if (err instanceof CredentialsUnansweredError) {
      client.destroy();
      throw err;
    }
    const s3 = await s3Named(client, env);
    // The vault's own first read would ask STS again, and print its bare `Throttling: Rate exceeded` (review r63O F2).
    const throttled = credentialsThrottledInstead(err, `the vault bucket ${bucket} could not be reached`, s3);
    if (throttled !== undefined) {
      client.destroy();
      throw throttled;
    }
    if (isUnanswered(err)) {
      client.destroy();
      // A role's STS of that region, asked for the credentials, may be what did not answer: S3 was not asked (review r63C F2).
      const unanswered = stsTroubleInstead(err, s3) ?? `${s3} did not answer (${err.message})`;
      throw new VaultEndpointUnansweredError(
        `the vault bucket ${bucket} could not be reached: ${unanswered}. ` +
          "Check the network and the region (AWS_REGION); if that region is down, open the vault's copy in the DR region (its s3:// location) instead",
        { cause: err },
      );
    }
    // A 5xx, of S3 or of the STS asked for the credentials' role, was swallowed here, and the vault's first read then
    // failed with its bare "Service Unavailable" (review r63O F3). Not a 501: a store without HeadBucket may serve the reads.
    const sts = isServerFault(err) ? stsTroubleInstead(err, s3) : undefined;
    if (isServerFault(err) && !unsaidHeadAnswer(err, sts)) {
      client.destroy();
      const fault = sts ?? `${s3} answered with a fault of its own (${faultAnswer(err)})`;
      throw new VaultEndpointFaultError(`the vault bucket ${bucket} could not be reached: ${fault}. ${OTHER_REGION}`, err);
    }
    // The vault's own requests then say what is wrong (no such bucket, access denied) in its words.
    return errorHeaderOf(err, BUCKET_REGION_HEADER);
  }
}

/**
 * Whether S3's failed HeadBucket does not say enough to fail the command on: a 501 (a store without HeadBucket may
 * serve the reads), or S3's own 503. An answer to HEAD has no body, so its 503 does not tell `SlowDown` (S3 is up and
 * asks for fewer requests) from `ServiceUnavailable`, and the SDK's attempts, which wait out a throttle, are spent.
 * Until review r63W F2 a throttled HeadBucket failed `lifeboat vault` with "if that region is down": the vault's reads
 * go on instead, as before review r63O F3, and their answers, which have a body, name which of the two it is. STS's
 * 503 for the credentials' role (`sts`, its words) has a body and is said as it is.
 */
function unsaidHeadAnswer(err: Error, sts: string | undefined): boolean {
  const status = (err as { $metadata?: { httpStatusCode?: unknown } }).$metadata?.httpStatusCode;
  return status === 501 || (status === 503 && sts === undefined);
}
