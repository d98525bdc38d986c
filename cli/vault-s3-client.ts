import { S3Client } from '@aws-sdk/client-s3';

/** Where S3 sends a request when nothing names a region (the AWS CLI's default too). */
const FALLBACK_REGION = 'us-east-1';

/**
 * The S3 client of an `s3://` vault (`lifeboat vault …`). Its region is the AWS CLI's: AWS_REGION,
 * AWS_DEFAULT_REGION (which the SDK itself does not read), else the SDK's own choice (the active
 * profile's `region` in ~/.aws/config, then the instance's), else us-east-1. The bucket may be in
 * another region than that: S3 answers such a request with a redirect (301, or 400
 * AuthorizationHeaderMalformed), which the SDK follows only with followRegionRedirects, at one extra
 * round trip on first use.
 */
export async function vaultS3Client(env: NodeJS.ProcessEnv): Promise<S3Client> {
  const named = env.AWS_REGION || env.AWS_DEFAULT_REGION;
  if (named) return new S3Client({ region: named, followRegionRedirects: true });
  const sdkChoice = new S3Client({ followRegionRedirects: true });
  try {
    await sdkChoice.config.region();
    return sdkChoice;
  } catch {
    // "Region is missing": none is configured anywhere the SDK looks.
    sdkChoice.destroy();
    return new S3Client({ region: FALLBACK_REGION, followRegionRedirects: true });
  }
}
