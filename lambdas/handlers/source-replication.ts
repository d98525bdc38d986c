import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { EFSClient } from '@aws-sdk/client-efs';
import { S3Client } from '@aws-sdk/client-s3';
import { applyBucketReplication, applyFileSystemReplication } from '../mirror/source-replication-resource';
import { handlerLogger } from '../operations/handler-logger';
import { answerCustomResource } from '../runtime/custom-resource-protocol';

/**
 * The CloudFormation custom resources of the mirrors (lib/constructs/source-mirrors.ts): replication put
 * on a source bucket Lifeboat does not own, EFS replication of the file system. Not a lifeboatHandler:
 * CloudFormation calls it, and waits for the answer at ResponseURL, not for the return value.
 */
export const handler = async (raw: unknown): Promise<void> =>
  answerCustomResource(raw, async (event) => {
    const region = process.env.AWS_REGION;
    const physicalId =
      event.ResourceType === 'Custom::LifeboatFileSystemReplication'
        ? await applyFileSystemReplication(event, new EFSClient({ region }))
        : await applyBucketReplication(event, new S3Client({ region }), new CloudFormationClient({ region }), (message) => handlerLogger.warn(message));
    return { physicalId };
  });
