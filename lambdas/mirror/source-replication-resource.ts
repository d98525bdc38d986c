import { CreateReplicationConfigurationCommand, DeleteReplicationConfigurationCommand, type EFSClient, ReplicationNotFound } from '@aws-sdk/client-efs';
import { DeleteBucketReplicationCommand, GetBucketReplicationCommand, PutBucketReplicationCommand, type ReplicationConfiguration, type S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { type CustomResourceEvent } from '../runtime/custom-resource-protocol';

/** Lifeboat's rules on a source bucket start with this id (lib/constructs/source-mirrors.ts, MIRROR_RULE_ID). */
const RULE_ID_PREFIX = 'lifeboat-';

/** A bucket has replication rules that are not Lifeboat's: putting ours would replace them (S3 keeps one configuration per bucket). */
export class ForeignReplicationRulesError extends Error {
  override readonly name = 'ForeignReplicationRulesError';
}

// CloudFormation passes every property value of a custom resource as a string.
const int = z.union([z.number(), z.string().regex(/^\d+$/).transform(Number)]);
const status = z.enum(['Enabled', 'Disabled']);
const ruleSchema = z.object({
  Id: z.string(),
  Status: status,
  Priority: int,
  Filter: z.object({ Prefix: z.string().default('') }),
  DeleteMarkerReplication: z.object({ Status: status }),
  SourceSelectionCriteria: z.object({ SseKmsEncryptedObjects: z.object({ Status: status }) }).optional(),
  Destination: z.object({
    Bucket: z.string(),
    EncryptionConfiguration: z.object({ ReplicaKmsKeyID: z.string() }).optional(),
    ReplicationTime: z.object({ Status: status, Time: z.object({ Minutes: int }) }).optional(),
    Metrics: z.object({ Status: status, EventThreshold: z.object({ Minutes: int }) }).optional(),
  }),
});
export const bucketReplicationPropertiesSchema = z.object({ Bucket: z.string().min(3), ReplicationConfiguration: z.object({ Role: z.string().min(1), Rules: z.array(ruleSchema).min(1) }) });
const fileSystemReplicationPropertiesSchema = z.object({ FileSystemId: z.string().min(1), DestinationRegion: z.string().min(1), KmsKeyId: z.string().min(1) });

/** The replication configuration as the SDK takes it, from CloudFormation's shape (a custom resource's properties, or a bucket's `Bucket` and `ReplicationConfiguration`). */
export function replicationConfigurationOf(properties: unknown): { bucket: string; configuration: ReplicationConfiguration } {
  const { Bucket, ReplicationConfiguration: c } = bucketReplicationPropertiesSchema.parse(properties);
  // CloudFormation spells the rule id `Id`, the S3 API `ID`.
  return { bucket: Bucket, configuration: { Role: c.Role, Rules: c.Rules.map(({ Id, ...rule }) => ({ ID: Id, ...rule })) } };
}

function isNotFound(err: unknown): boolean {
  const name = (err as { name?: string }).name;
  return name === 'ReplicationConfigurationNotFoundError' || name === 'NoSuchBucket' || name === 'NoSuchReplicationConfiguration';
}

/**
 * `Custom::LifeboatBucketReplication`: puts Lifeboat's replication rule on a source bucket it does not own
 * (Create/Update) and removes it (Delete). Refuses a bucket whose configuration has rules that are not
 * Lifeboat's, since PutBucketReplication replaces the whole configuration. Returns the physical id (the bucket).
 */
export async function applyBucketReplication(event: CustomResourceEvent, s3: S3Client): Promise<string> {
  const { bucket, configuration } = replicationConfigurationOf(event.ResourceProperties);
  const current = await s3.send(new GetBucketReplicationCommand({ Bucket: bucket })).then(
    (r) => r.ReplicationConfiguration,
    (err: unknown) => {
      if (isNotFound(err)) return undefined;
      throw err;
    },
  );
  const foreign = (current?.Rules ?? []).filter((r) => !(r.ID ?? '').startsWith(RULE_ID_PREFIX));
  if (event.RequestType === 'Delete') {
    // Only our own configuration goes; a bucket the user has since given rules of their own keeps them.
    if (current && foreign.length === 0) await s3.send(new DeleteBucketReplicationCommand({ Bucket: bucket }));
    return bucket;
  }
  if (foreign.length > 0) {
    throw new ForeignReplicationRulesError(
      `Bucket ${bucket} has replication rules that are not Lifeboat's (${foreign.map((r) => r.ID ?? '(no id)').join(', ')}); S3 keeps one replication configuration per bucket and Lifeboat's would replace them: drop mirror for this source, or move your rules elsewhere`,
    );
  }
  await s3.send(new PutBucketReplicationCommand({ Bucket: bucket, ReplicationConfiguration: configuration }));
  return bucket;
}

/**
 * `Custom::LifeboatFileSystemReplication`: EFS replication of the file system into a new read-only file
 * system in the DR region (Create), removed on Delete (the destination then becomes writable and stays).
 */
export async function applyFileSystemReplication(event: CustomResourceEvent, efs: EFSClient): Promise<string> {
  const props = fileSystemReplicationPropertiesSchema.parse(event.ResourceProperties);
  if (event.RequestType === 'Delete') {
    await efs.send(new DeleteReplicationConfigurationCommand({ SourceFileSystemId: props.FileSystemId })).catch((err: unknown) => {
      if (!(err instanceof ReplicationNotFound) && (err as Error).name !== 'ReplicationNotFound') throw err;
    });
    return props.FileSystemId;
  }
  if (event.RequestType === 'Create') {
    await efs.send(new CreateReplicationConfigurationCommand({ SourceFileSystemId: props.FileSystemId, Destinations: [{ Region: props.DestinationRegion, KmsKeyId: props.KmsKeyId }] }));
  }
  return props.FileSystemId;
}
