import {
  CreateReplicationConfigurationCommand,
  DeleteReplicationConfigurationCommand,
  DescribeFileSystemsCommand,
  DescribeReplicationConfigurationsCommand,
  type Destination,
  EFSClient,
  ReplicationNotFound,
} from '@aws-sdk/client-efs';
import { type CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DeleteBucketReplicationCommand, GetBucketReplicationCommand, PutBucketReplicationCommand, type ReplicationConfiguration, type S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { type CustomResourceEvent, type StackCustomResourceEvent } from '../runtime/custom-resource-protocol';
import { errorAsText } from '../runtime/error-as-text';

/** Lifeboat's rules on a source bucket start with this id (lib/constructs/source-mirrors.ts, mirrorRuleId). */
const RULE_ID_PREFIX = 'lifeboat-';
/** The one id an earlier Lifeboat gave every environment's rule (source-mirrors.ts, LEGACY_MIRROR_RULE_ID). */
const LEGACY_RULE_ID = 'lifeboat-mirror';
/** `lifeboat-mirror.<prefix>.<source>`: neither part may hold a dot. */
const RULE_ID = /^lifeboat-mirror\.([^.]+)\.([^.]+)$/;

/** A bucket has replication rules that are not Lifeboat's, under another role than Lifeboat's rule needs: S3 keeps one configuration, with one role, per bucket. */
export class ForeignReplicationRulesError extends Error {
  override readonly name = 'ForeignReplicationRulesError';
}

/** A bucket holds another Lifeboat environment's mirror rule: putting this one would replace it (one configuration, one role, per bucket). */
export class OtherEnvironmentMirrorError extends Error {
  override readonly name = 'OtherEnvironmentMirrorError';
}

/** On Create, the bucket holds this environment's rule for another source (a source renamed): putting this one would replace it, and a rollback would then leave none. */
export class RenamedSourceMirrorError extends Error {
  override readonly name = 'RenamedSourceMirrorError';
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

type Rule = NonNullable<ReplicationConfiguration['Rules']>[number];

/**
 * `Custom::LifeboatBucketReplication`: puts Lifeboat's replication rule on a source bucket it does not own
 * (Create/Update) and removes it (Delete). Returns the physical id (the bucket).
 *
 * PutBucketReplication replaces the bucket's whole configuration, which has one role for all its rules. So
 * Create/Update compare what is asked with what the bucket holds, as the EFS resource below does: the rule
 * there already, under the role asked, is left alone (a rollback, which sends the old properties again, then
 * passes: UPDATE_ROLLBACK_FAILED otherwise). Else this resource's rule replaces its own (its rule ids, and on
 * Update its old rules: an earlier Lifeboat's `lifeboat-mirror` is replaced by the new id; a `lifeboat-mirror`
 * counts as its own only when it replicates into its mirror, as every environment's had that id) and, on
 * Update, a rule this environment left for another source; the owner's rules are kept when they use the same
 * role (below them in priority), else the bucket is refused (ForeignReplicationRulesError) rather than stripped
 * of them; another environment's Lifeboat rule is refused (OtherEnvironmentMirrorError), never replaced, and so,
 * on Create, is the rule of a source of this environment since renamed (RenamedSourceMirrorError). Refusals
 * change nothing. An Update that would be refused while the bucket holds neither its asked rule nor its old one
 * may be the rollback of a refused Update (whose rule is gone already), which must pass, or UPDATE_ROLLBACK_FAILED;
 * the event's properties cannot tell the two apart (a rollback is an Update with the properties swapped), so the
 * stack's status does (stackRollingBack): the Update passes, changing nothing, only while the stack rolls back and
 * only for the same bucket as before (a source moved to another bucket is never passed: CloudFormation would then
 * delete the old bucket's rule). A forward Update is refused; so is the upgrade from an earlier Lifeboat's
 * `lifeboat-mirror` without asking (its rollback asks for `lifeboat-mirror`, which only a rollback does).
 */
export async function applyBucketReplication(event: StackCustomResourceEvent, s3: S3Client, cloudFormation: Pick<CloudFormationClient, 'send'>, warn: (message: string) => void): Promise<string> {
  const { bucket, configuration } = replicationConfigurationOf(event.ResourceProperties);
  const current = await s3.send(new GetBucketReplicationCommand({ Bucket: bucket })).then(
    (r) => r.ReplicationConfiguration,
    (err: unknown) => {
      if (isNotFound(err)) return undefined;
      throw err;
    },
  );
  const rules = current?.Rules ?? [];
  if (event.RequestType === 'Delete') {
    // Only this resource's own rules go. A bucket the user has since given rules of their own keeps them,
    // and so does one whose Lifeboat rule now replicates elsewhere (another environment's `lifeboat-mirror`).
    const remaining = rules.filter((r) => !isRuleOf(configuration, r));
    if (rules.length > 0 && remaining.length === 0) await s3.send(new DeleteBucketReplicationCommand({ Bucket: bucket }));
    else if (current && remaining.length < rules.length) await s3.send(new PutBucketReplicationCommand({ Bucket: bucket, ReplicationConfiguration: { ...current, Rules: remaining } }));
    return bucket;
  }
  const asked = configuration.Rules ?? [];
  const old = oldConfigurationOf(event, bucket);
  // Its rules by their exact ids; a `lifeboat-mirror` (every environment's id once) also by its mirror, and the old ones by both.
  const isOwn = (r: Rule): boolean => asked.some((a) => a.ID === r.ID && (r.ID !== LEGACY_RULE_ID || sameDestination(a, r))) || (old !== undefined && isRuleOf(old, r));
  const own = rules.filter(isOwn);
  // A role the user put in place of Lifeboat's (to add rules of their own) stands while the stack does not change
  // its role: else a refused Update's rollback, asking for the rule that is there, would be refused as well.
  const roleStands = current?.Role === configuration.Role || old?.Role === configuration.Role;
  if (roleStands && own.length === asked.length && asked.every((a) => own.some((r) => sameRule(a, r)))) return bucket;

  const lifeboat = rules.filter((r) => !isOwn(r) && (r.ID ?? '').startsWith(RULE_ID_PREFIX));
  const environment = environmentOf(asked);
  const otherEnvironments = lifeboat.filter((r) => environment === undefined || !isOfEnvironment(r, environment));
  const otherSources = lifeboat.filter((r) => !otherEnvironments.includes(r));
  const foreign = rules.filter((r) => !(r.ID ?? '').startsWith(RULE_ID_PREFIX));
  const refusal = refusalOf(bucket, configuration, current, { otherEnvironments, otherSources: event.RequestType === 'Create' ? otherSources : [], foreign });
  if (refusal) {
    // `old` is undefined when the source moved to another bucket: never passed, as CloudFormation then deletes the old bucket's rule.
    const upgrade = (old?.Rules ?? []).some((r) => r.ID === LEGACY_RULE_ID) && !asked.some((r) => r.ID === LEGACY_RULE_ID);
    if (event.RequestType === 'Update' && own.length === 0 && old !== undefined && !upgrade && (await stackRollingBack(cloudFormation, event.StackId, refusal, warn))) return bucket;
    throw refusal;
  }
  // S3 wants the priorities of a configuration's rules distinct (it picks the highest where rules overlap): the owner's keep theirs, Lifeboat's takes the next one up.
  const after = Math.max(-1, ...foreign.map((r) => r.Priority ?? 0)) + 1;
  const lifeboatRules = foreign.length === 0 ? asked : asked.map((r, i) => ({ ...r, Priority: after + i }));
  await s3.send(new PutBucketReplicationCommand({ Bucket: bucket, ReplicationConfiguration: { Role: configuration.Role, Rules: [...foreign, ...lifeboatRules] } }));
  return bucket;
}

/**
 * The stack statuses in which CloudFormation rolls a resource back with an Update of its old properties. A
 * nested stack has them too while its parent's failed update rolls it back. In the cleanup that follows,
 * CloudFormation only deletes, but an Update then would be a rollback's as well.
 */
const ROLLING_BACK = new Set<string>(['UPDATE_ROLLBACK_IN_PROGRESS', 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS']);

/**
 * Whether the resource's stack is rolling back, so that an Update that would be refused is the rollback of a
 * refused one. When CloudFormation cannot say (throttled, denied, no such stack), it counts as a rollback, with a
 * warning: a refused rollback leaves the stack UPDATE_ROLLBACK_FAILED, a passed forward Update only a bucket
 * without its rule, which the mirror check reports.
 */
async function stackRollingBack(cloudFormation: Pick<CloudFormationClient, 'send'>, stackId: string, refusal: Error, warn: (message: string) => void): Promise<boolean> {
  let status: string | undefined;
  let unknown = 'CloudFormation returned no status for it';
  try {
    const { Stacks } = await cloudFormation.send(new DescribeStacksCommand({ StackName: stackId }));
    status = Stacks?.[0]?.StackStatus;
  } catch (err) {
    unknown = `reading it failed: ${errorAsText(err)}`;
  }
  if (status !== undefined) return ROLLING_BACK.has(status);
  warn(
    `Could not tell whether stack ${stackId} is rolling back (${unknown}), so an Update that would be refused passed as a rollback's, changing nothing: ${refusal.name}: ${refusal.message}. If the stack was not rolling back, the bucket has no Lifeboat mirror rule: fix the cause above and deploy again`,
  );
  return true;
}

/** Why the asked configuration may not be put on the bucket, when it may not: a put would replace the rules named. */
function refusalOf(
  bucket: string,
  configuration: ReplicationConfiguration,
  current: ReplicationConfiguration | undefined,
  held: { otherEnvironments: Rule[]; otherSources: Rule[]; foreign: Rule[] },
): Error | undefined {
  const oneConfiguration = 'S3 keeps one replication configuration, with one role for all its rules, per bucket';
  if (held.otherEnvironments.length > 0) {
    return new OtherEnvironmentMirrorError(
      `Bucket ${bucket} is mirrored already by another Lifeboat environment (${held.otherEnvironments.map(describe).join(', ')}); ${oneConfiguration}, so two environments cannot both mirror it and this one's rule would replace that one: drop mirror from this source here (or from the other environment's, and deploy that first). Nothing was changed`,
    );
  }
  if (held.otherSources.length > 0) {
    // Each source has its own role, so the two rules cannot share the configuration; and replacing the old source's
    // rule here would leave the bucket with none when a failed deploy rolls back (it deletes this resource only).
    return new RenamedSourceMirrorError(
      `Bucket ${bucket} is mirrored already by this Lifeboat environment for another source (${held.otherSources.map(describe).join(', ')}); ${oneConfiguration}, and each source has its own role. Nothing was changed. Rename in two deploys: drop the mirror of the old source, deploy, then add it`,
    );
  }
  if (held.foreign.length > 0 && current?.Role !== configuration.Role) {
    const asked = (configuration.Rules ?? []).map((r) => r.ID ?? '(no id)').join(', ');
    return new ForeignReplicationRulesError(
      `Bucket ${bucket} has replication rules that are not Lifeboat's (${held.foreign.map(describe).join(', ')}) under role ${current?.Role ?? '(none)'}; ${oneConfiguration}, and Lifeboat's rule needs role ${configuration.Role ?? '(none)'}, so putting it would replace yours. Nothing was changed. Either move your rules off this bucket and deploy again, or drop mirror for this source. (Once Lifeboat's rule ${asked} is on the bucket, you may put your rules back next to it, unchanged, under your own role, if that role may also replicate into Lifeboat's mirror: Lifeboat then leaves the configuration alone while it does not change its rule. Do not put your rules under Lifeboat's role: it may only write into its mirror, and the stack deletes it on teardown)`,
    );
  }
  return undefined;
}

/** The configuration this resource asked for before an Update (CloudFormation's OldResourceProperties), when it was of the same bucket. */
function oldConfigurationOf(event: CustomResourceEvent, bucket: string): ReplicationConfiguration | undefined {
  if (event.RequestType !== 'Update' || event.OldResourceProperties === undefined) return undefined;
  const parsed = bucketReplicationPropertiesSchema.safeParse(event.OldResourceProperties);
  if (!parsed.success || parsed.data.Bucket !== bucket) return undefined;
  return replicationConfigurationOf(parsed.data).configuration;
}

/** The environment's prefix the asked rule ids name (`lifeboat-mirror.<prefix>.<source>`), when they do. */
function environmentOf(asked: Rule[]): string | undefined {
  const prefixes = new Set(asked.map((r) => RULE_ID.exec(r.ID ?? '')?.[1]));
  const [prefix] = prefixes;
  return prefixes.size === 1 ? prefix : undefined;
}

/**
 * Whether a Lifeboat rule not this resource's is this environment's, for another source (one since renamed):
 * its id names the prefix, or, an earlier Lifeboat's `lifeboat-mirror`, it
 * replicates into one of the environment's mirror buckets (`<prefix>-mirror-…`, lib/lifeboat-names.ts).
 */
function isOfEnvironment(rule: Rule, prefix: string): boolean {
  if (rule.ID === LEGACY_RULE_ID) return (rule.Destination?.Bucket ?? '').replace(/^arn:[^:]*:s3:::/, '').startsWith(`${prefix}-mirror-`);
  return RULE_ID.exec(rule.ID ?? '')?.[1] === prefix;
}

function describe(rule: Rule): string {
  return `rule ${rule.ID ?? '(no id)'} replicating into ${rule.Destination?.Bucket ?? '(no destination)'}`;
}

/** Whether the bucket's rule is the asked one, in every field Lifeboat sets but its priority, which the put gives it (above the owner's rules); S3 answers in its own shape: defaults filled, numbers as numbers. */
function sameRule(asked: Rule, held: Rule): boolean {
  const fields = (r: Rule) =>
    JSON.stringify([
      r.ID,
      r.Status,
      r.Filter?.Prefix ?? '',
      r.DeleteMarkerReplication?.Status,
      r.SourceSelectionCriteria?.SseKmsEncryptedObjects?.Status,
      r.Destination?.Bucket,
      r.Destination?.EncryptionConfiguration?.ReplicaKmsKeyID,
      r.Destination?.ReplicationTime?.Status,
      r.Destination?.ReplicationTime?.Time?.Minutes,
      r.Destination?.Metrics?.Status,
      r.Destination?.Metrics?.EventThreshold?.Minutes,
    ]);
  return fields(asked) === fields(held);
}

/** Whether a rule on the bucket is one this resource put: one of its rule ids, replicating to the same bucket. */
function isRuleOf(configuration: ReplicationConfiguration, rule: Rule): boolean {
  return (configuration.Rules ?? []).some((own) => own.ID === rule.ID && sameDestination(own, rule));
}

function sameDestination(a: Rule, b: Rule): boolean {
  return a.Destination?.Bucket === b.Destination?.Bucket;
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
