import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { LOCAL_BUCKET_OWNER_HEADER } from './bucket-owners';

/**
 * Creates a bucket of the local cloud that another account owns (bucket-owners.ts): what a squatter
 * or a stranger's restore target looks like to our functions. Local cloud only; S3 has no such header.
 */
export async function createForeignBucket(s3: S3Client, bucket: string, ownerAccount: string): Promise<void> {
  const command = new CreateBucketCommand({ Bucket: bucket });
  command.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { headers?: Record<string, string> };
      if (request.headers) request.headers[LOCAL_BUCKET_OWNER_HEADER] = ownerAccount;
      return next(args);
    },
    { step: 'build', name: 'lifeboatLocalBucketOwner' },
  );
  await s3.send(command);
}
