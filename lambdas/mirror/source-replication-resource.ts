import {
  CreateReplicationConfigurationCommand,
  DeleteReplicationConfigurationCommand,
  DescribeFileSystemsCommand,
  DescribeReplicationConfigurationsCommand,
  type Destination,
  EFSClient,
  ReplicationNotFound,
} from '@aws-sdk/client-efs';
import { DeleteBucketReplicationCommand, GetBucketReplicationCommand, PutBucketReplicationCommand, type ReplicationConfiguration, type S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { type CustomResourceEvent } from '../runtime/custom-resource-protocol';

/** Lifeboat's rules on a source bucket start with this id (lib/constructs/source-mirrors.ts, MIRROR_RULE_ID). */
const RULE_ID_PREFIX = 'lifeboat-';

/** A bucket has replication rules that are not Lifeboat's: putting ours would replace them (S3 keeps one configuration per bucket). */
export class ForeignReplicationRulesError extends Error {
  override readonly name = 'ForeignReplicationRulesError';
}

/** An Update asks for a replica in another region or under another key than the file system's existing replica has: EFS cannot change either. */
export class ReplicaSettingsChangedError extends Error {
  override readonly name = 'ReplicaSettingsChangedError';
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
    // Only this resource's own rules go. A bucket the user has since given rules of their own keeps them,
    // and so does one whose Lifeboat rule now replicates elsewhere: a renamed mirror's new resource is
    // created (and puts its rule) before CloudFormation deletes the old one, whose Delete must not remove it.
    const rules = current?.Rules ?? [];
    const remaining = rules.filter((r) => !isRuleOf(configuration, r));
    if (rules.length > 0 && remaining.length === 0) await s3.send(new DeleteBucketReplicationCommand({ Bucket: bucket }));
    else if (current && remaining.length < rules.length) await s3.send(new PutBucketReplicationCommand({ Bucket: bucket, ReplicationConfiguration: { ...current, Rules: remaining } }));
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

/** Whether a rule on the bucket is one this resource put: one of its rule ids, replicating to the same bucket. */
function isRuleOf(configuration: ReplicationConfiguration, rule: NonNullable<ReplicationConfiguration['Rules']>[number]): boolean {
  return (configuration.Rules ?? []).some((own) => own.ID === rule.ID && own.Destination?.Bucket === rule.Destination?.Bucket);
}

/** An EFS client of one region: the replica's (the DR region's) is asked for the replica's key. */
export type EfsClientIn = (region: string) => Pick<EFSClient, 'send'>;

/**
 * `Custom::LifeboatFileSystemReplication`: EFS replication of the file system into a new read-only file
 * system in the DR region (Create), removed on Delete (the destination then becomes writable and stays).
 *
 * Update compares what is asked with what EFS has, not the old properties with the new: CloudFormation
 * rolls a failed update back by sending another Update with the old properties, and a check of the
 * difference would refuse that one too (UPDATE_ROLLBACK_FAILED); compared with EFS, the rollback asks
 * for what is there and passes. A replica in the asked region under the asked key: nothing to do. None:
 * it is created (after a replication deleted by hand, or for another file system). Another region or
 * key: refused, because EFS cannot change a replica's region or key, and the replacement is not done
 * here: it would be a second full copy of the file system in a new replica while the old one, then
 * writable, stays behind and is billed, and the Delete CloudFormation sends for a replaced resource
 * carries the same file system id, so it would remove the new replication. The user deletes the old
 * replication (and the replica, when it is no longer wanted) and deploys again.
 */
export async function applyFileSystemReplication(event: CustomResourceEvent, efs: Pick<EFSClient, 'send'>, efsIn: EfsClientIn = (region) => new EFSClient({ region })): Promise<string> {
  const props = fileSystemReplicationPropertiesSchema.parse(event.ResourceProperties);
  if (event.RequestType === 'Delete') {
    await efs.send(new DeleteReplicationConfigurationCommand({ SourceFileSystemId: props.FileSystemId })).catch((err: unknown) => {
      if (!isReplicationNotFound(err)) throw err;
    });
    return props.FileSystemId;
  }
  if (event.RequestType === 'Update') {
    const replica = await replicaOf(efs, props.FileSystemId);
    if (replica) {
      await refuseOtherReplica(props, replica, efsIn);
      return props.FileSystemId;
    }
  }
  await efs.send(new CreateReplicationConfigurationCommand({ SourceFileSystemId: props.FileSystemId, Destinations: [{ Region: props.DestinationRegion, KmsKeyId: props.KmsKeyId }] }));
  return props.FileSystemId;
}

function isReplicationNotFound(err: unknown): boolean {
  return err instanceof ReplicationNotFound || (err as Error).name === 'ReplicationNotFound';
}

/** The destination of the file system's replication (EFS allows one), or null when it has none. */
async function replicaOf(efs: Pick<EFSClient, 'send'>, fileSystemId: string): Promise<Destination | null> {
  try {
    const { Replications } = await efs.send(new DescribeReplicationConfigurationsCommand({ FileSystemId: fileSystemId }));
    return Replications?.[0]?.Destinations?.[0] ?? null;
  } catch (err) {
    if (isReplicationNotFound(err)) return null;
    throw err;
  }
}

async function refuseOtherReplica(props: z.infer<typeof fileSystemReplicationPropertiesSchema>, replica: Destination, efsIn: EfsClientIn): Promise<void> {
  const what = `File system ${props.FileSystemId} already replicates into ${replica.Region ?? '(unknown region)'} (replica ${replica.FileSystemId ?? '(unknown)'})`;
  const todo = `EFS cannot change an existing replica's region or key: delete the replication configuration (aws efs delete-replication-configuration --source-file-system-id ${props.FileSystemId} --region <source region>), delete the replica file system if you no longer want it, then deploy again to create the replica as asked`;
  if (replica.Region !== props.DestinationRegion) throw new ReplicaSettingsChangedError(`${what}, but the stack asks for ${props.DestinationRegion}. ${todo}`);
  if (!replica.FileSystemId) throw new ReplicaSettingsChangedError(`${what}, and EFS names no replica file system whose key could be compared with ${props.KmsKeyId}. ${todo}`);
  const { FileSystems } = await efsIn(replica.Region).send(new DescribeFileSystemsCommand({ FileSystemId: replica.FileSystemId }));
  const key = FileSystems?.[0]?.KmsKeyId;
  if (key === undefined || !sameKey(key, props.KmsKeyId)) throw new ReplicaSettingsChangedError(`${what} under ${key === undefined ? 'no KMS key of its own' : `KMS key ${key}`}, but the stack asks for ${props.KmsKeyId}. ${todo}`);
}

/** EFS reports a key by its ARN; a key may be asked for by its ARN or its id. */
function sameKey(reported: string, asked: string): boolean {
  return reported === asked || reported.endsWith(`:key/${asked}`) || asked.endsWith(`:key/${reported}`);
}
