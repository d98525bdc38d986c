import { EFSClient } from '@aws-sdk/client-efs';
import { S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { applyBucketReplication, applyFileSystemReplication, type CustomResourceEvent } from '../mirror/source-replication-resource';

const eventSchema = z.object({
  RequestType: z.enum(['Create', 'Update', 'Delete']),
  ResponseURL: z.string().url(),
  StackId: z.string(),
  RequestId: z.string(),
  LogicalResourceId: z.string(),
  ResourceType: z.string(),
  PhysicalResourceId: z.string().optional(),
  ResourceProperties: z.record(z.string(), z.unknown()),
});

/**
 * The CloudFormation custom resources of the mirrors (lib/constructs/source-mirrors.ts): replication put
 * on a source bucket Lifeboat does not own, EFS replication of the file system. Not a lifeboatHandler:
 * CloudFormation calls it, and waits for the answer at ResponseURL, not for the return value.
 */
export const handler = async (raw: unknown): Promise<void> => {
  const event = eventSchema.parse(raw);
  const region = process.env.AWS_REGION;
  let physicalId = event.PhysicalResourceId ?? event.LogicalResourceId;
  let failure: string | undefined;
  try {
    const e: CustomResourceEvent = event;
    physicalId =
      event.ResourceType === 'Custom::LifeboatFileSystemReplication' ? await applyFileSystemReplication(e, new EFSClient({ region })) : await applyBucketReplication(e, new S3Client({ region }));
  } catch (err) {
    failure = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  }
  const body = JSON.stringify({
    Status: failure === undefined ? 'SUCCESS' : 'FAILED',
    Reason: failure ?? 'OK',
    PhysicalResourceId: physicalId,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
  });
  const response = await fetch(event.ResponseURL, { method: 'PUT', body, headers: { 'content-type': '', 'content-length': String(Buffer.byteLength(body)) } });
  if (!response.ok) throw new Error(`CloudFormation did not take the answer: HTTP ${response.status}`);
};
