import { type CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CreateReplicationConfigurationCommand, DeleteReplicationConfigurationCommand, DescribeFileSystemsCommand, DescribeReplicationConfigurationsCommand, type EFSClient, ReplicationNotFound } from '@aws-sdk/client-efs';
import { DeleteBucketReplicationCommand, GetBucketReplicationCommand, PutBucketReplicationCommand, type ReplicationConfiguration, type S3Client } from '@aws-sdk/client-s3';
import { applyBucketReplication, applyFileSystemReplication, ForeignReplicationRulesError, OtherEnvironmentMirrorError, RenamedSourceMirrorError, ReplicaSettingsChangedError } from '../../../../lambdas/mirror/source-replication-resource';
import { type CustomResourceEvent, type StackCustomResourceEvent } from '../../../../lambdas/runtime/custom-resource-protocol';

const OLD_KEY = 'arn:aws:kms:us-west-2:111122223333:key/1111aaaa-0000-0000-0000-000000000000';
const NEW_KEY = 'arn:aws:kms:us-west-2:111122223333:key/2222bbbb-0000-0000-0000-000000000000';

/** EFS as the source region and the DR region answer it: `replica` is the file system's existing replication, null for none. */
function efs(replica: { region: string; fileSystemId: string; key: string } | null): { source: Pick<EFSClient, 'send'>; inRegion: (region: string) => Pick<EFSClient, 'send'>; calls: string[] } {
  const calls: string[] = [];
  const source = {
    send: (command: unknown) => {
      if (command instanceof DescribeReplicationConfigurationsCommand) {
        calls.push(`describe replication ${command.input.FileSystemId}`);
        if (!replica) return Promise.reject(new ReplicationNotFound({ message: 'no replication', $metadata: {} }));
        return Promise.resolve({ Replications: [{ SourceFileSystemId: command.input.FileSystemId, Destinations: [{ Region: replica.region, FileSystemId: replica.fileSystemId, Status: 'ENABLED' }] }] });
      }
      if (command instanceof CreateReplicationConfigurationCommand) {
        calls.push(`create ${command.input.SourceFileSystemId} -> ${command.input.Destinations?.[0]?.Region} ${command.input.Destinations?.[0]?.KmsKeyId}`);
        return Promise.resolve({});
      }
      if (command instanceof DeleteReplicationConfigurationCommand) {
        calls.push(`delete ${command.input.SourceFileSystemId}`);
        return Promise.resolve({});
      }
      return Promise.reject(new Error(`unexpected command ${String(command)}`));
    },
  } as unknown as Pick<EFSClient, 'send'>;
  const inRegion = (region: string): Pick<EFSClient, 'send'> =>
    ({
      send: (command: unknown) => {
        if (!(command instanceof DescribeFileSystemsCommand)) return Promise.reject(new Error('unexpected command'));
        calls.push(`describe file system ${command.input.FileSystemId} in ${region}`);
        return Promise.resolve({ FileSystems: replica && command.input.FileSystemId === replica.fileSystemId ? [{ FileSystemId: replica.fileSystemId, Encrypted: true, KmsKeyId: replica.key }] : [] });
      },
    }) as unknown as Pick<EFSClient, 'send'>;
  return { source, inRegion, calls };
}

function event(requestType: CustomResourceEvent['RequestType'], props: { FileSystemId?: string; DestinationRegion?: string; KmsKeyId?: string } = {}): CustomResourceEvent {
  return {
    RequestType: requestType,
    ResourceType: 'Custom::LifeboatFileSystemReplication',
    ...(requestType === 'Create' ? {} : { PhysicalResourceId: 'fs-0src' }),
    ResourceProperties: { ServiceToken: 'arn:aws:lambda:us-east-1:111122223333:function:x', FileSystemId: 'fs-0src', DestinationRegion: 'us-west-2', KmsKeyId: OLD_KEY, ...props },
  };
}

const EXISTING = { region: 'us-west-2', fileSystemId: 'fs-0replica', key: OLD_KEY };

describe('applyFileSystemReplication', () => {
  it('creates the replication on Create and removes it on Delete', async () => {
    const { source, inRegion, calls } = efs(null);
    expect(await applyFileSystemReplication(event('Create'), source, inRegion)).toBe('fs-0src');
    expect(await applyFileSystemReplication(event('Delete'), source, inRegion)).toBe('fs-0src');
    expect(calls).toEqual([`create fs-0src -> us-west-2 ${OLD_KEY}`, 'delete fs-0src']);
  });

  it('refuses an Update that changes the replica’s key, saying what to do, and changes nothing', async () => {
    const { source, inRegion, calls } = efs(EXISTING);
    const update = applyFileSystemReplication(event('Update', { KmsKeyId: NEW_KEY }), source, inRegion);
    await expect(update).rejects.toThrow(ReplicaSettingsChangedError);
    await expect(update).rejects.toThrow(
      `File system fs-0src already replicates into us-west-2 (replica fs-0replica) under KMS key ${OLD_KEY}, but the stack asks for ${NEW_KEY}. EFS cannot change an existing replica's region or key: delete the replication configuration`,
    );
    expect(calls.filter((c) => c.startsWith('create') || c.startsWith('delete'))).toEqual([]);
  });

  it('refuses an Update that changes the replica’s region', async () => {
    const { source, inRegion } = efs(EXISTING);
    await expect(applyFileSystemReplication(event('Update', { DestinationRegion: 'eu-west-1' }), source, inRegion)).rejects.toThrow(
      'File system fs-0src already replicates into us-west-2 (replica fs-0replica), but the stack asks for eu-west-1.',
    );
  });

  it('passes the rollback of a refused Update (CloudFormation sends the old properties again): they are what EFS has', async () => {
    const { source, inRegion, calls } = efs(EXISTING);
    expect(await applyFileSystemReplication(event('Update', { KmsKeyId: OLD_KEY }), source, inRegion)).toBe('fs-0src');
    // A key given by its id is the same key as its ARN.
    expect(await applyFileSystemReplication(event('Update', { KmsKeyId: '1111aaaa-0000-0000-0000-000000000000' }), source, inRegion)).toBe('fs-0src');
    expect(calls.filter((c) => c.startsWith('create') || c.startsWith('delete'))).toEqual([]);
  });

  it('creates the replica under the new key on an Update once the old replication was deleted, as the refusal asks', async () => {
    const { source, inRegion, calls } = efs(null);
    expect(await applyFileSystemReplication(event('Update', { KmsKeyId: NEW_KEY }), source, inRegion)).toBe('fs-0src');
    expect(calls).toEqual(['describe replication fs-0src', `create fs-0src -> us-west-2 ${NEW_KEY}`]);
  });
});

describe('applyBucketReplication', () => {
  /** A bucket's one replication configuration, as S3 keeps it; `calls` names each request. */
  function bucket(initial?: ReplicationConfiguration): { s3: S3Client; current: () => ReplicationConfiguration | undefined; calls: string[] } {
    let config = initial;
    const calls: string[] = [];
    const send = async (command: unknown): Promise<unknown> => {
      calls.push((command as object).constructor.name.replace(/Command$/, ''));
      if (command instanceof GetBucketReplicationCommand) {
        if (!config) throw Object.assign(new Error('The replication configuration was not found'), { name: 'ReplicationConfigurationNotFoundError' });
        return { ReplicationConfiguration: config };
      }
      if (command instanceof PutBucketReplicationCommand) config = command.input.ReplicationConfiguration;
      else if (command instanceof DeleteBucketReplicationCommand) config = undefined;
      return {};
    };
    return { s3: { send } as unknown as S3Client, current: () => config, calls };
  }
  const STACK_ID = 'arn:aws:cloudformation:us-east-1:111111111111:stack/Shop/0a1b2c3d';
  /** CloudFormation answering DescribeStacks of the resource's stack with `status` (or failing with it); `asked` names the stacks asked for. */
  function stack(status: string | Error): { cloudFormation: Pick<CloudFormationClient, 'send'>; asked: (string | undefined)[] } {
    const asked: (string | undefined)[] = [];
    const send = async (command: unknown): Promise<unknown> => {
      if (!(command instanceof DescribeStacksCommand)) throw new Error(`unexpected command ${String(command)}`);
      asked.push(command.input.StackName);
      if (status instanceof Error) throw status;
      return { Stacks: [{ StackName: 'Shop', StackId: STACK_ID, StackStatus: status, CreationTime: new Date(0) }] };
    };
    return { cloudFormation: { send } as unknown as Pick<CloudFormationClient, 'send'>, asked };
  }
  const noWarning = (message: string): void => {
    throw new Error(`unexpected warning: ${message}`);
  };
  /** The resource's logic in a stack being updated forward, unless `cloudFormation` says otherwise. */
  const apply = (event: StackCustomResourceEvent, s3: S3Client, cloudFormation = stack('UPDATE_IN_PROGRESS').cloudFormation, warn = noWarning): Promise<string> =>
    applyBucketReplication(event, s3, cloudFormation, warn);
  const rule = (id: string, mirror: string, deleteMarkers = 'Enabled') => ({ Id: id, Status: 'Enabled', Priority: '1', Filter: { Prefix: '' }, DeleteMarkerReplication: { Status: deleteMarkers }, Destination: { Bucket: `arn:aws:s3:::${mirror}` } });
  /** The resource of environment `prefix` for source `source`: its rule `lifeboat-mirror.<prefix>.<source>` into `<prefix>-mirror-<source>`, under the source's role. */
  const envEvent = (
    requestType: CustomResourceEvent['RequestType'],
    prefix: string,
    source: string,
    options: { deleteMarkers?: string; id?: string; old?: { deleteMarkers?: string; id?: string } } = {},
  ): StackCustomResourceEvent => {
    const props = (o: { deleteMarkers?: string; id?: string }) => ({
      Bucket: 'shop-assets',
      ReplicationConfiguration: { Role: `arn:aws:iam::111111111111:role/${prefix}-ReplicationRole-${source}`, Rules: [rule(o.id ?? `lifeboat-mirror.${prefix}.${source}`, `${prefix}-mirror-${source}`, o.deleteMarkers)] },
    });
    return {
      RequestType: requestType,
      ResourceType: 'Custom::LifeboatBucketReplication',
      StackId: STACK_ID,
      ...(requestType === 'Create' ? {} : { PhysicalResourceId: 'shop-assets' }),
      ResourceProperties: props(options),
      ...(options.old ? { OldResourceProperties: props(options.old) } : {}),
    };
  };
  const mirrorEvent = (requestType: CustomResourceEvent['RequestType'], mirror: string): StackCustomResourceEvent => ({
    RequestType: requestType,
    StackId: STACK_ID,
    ResourceType: 'Custom::LifeboatBucketReplication',
    PhysicalResourceId: 'shop-assets',
    ResourceProperties: { Bucket: 'shop-assets', ReplicationConfiguration: { Role: `arn:aws:iam::111111111111:role/${mirror}`, Rules: [rule('lifeboat-mirror', mirror)] } },
  });
  const destinations = (config: ReplicationConfiguration | undefined) => config?.Rules?.map((r) => r.Destination?.Bucket);
  const userRule = { ID: 'user-backup', Status: 'Enabled' as const, Priority: 2, Filter: { Prefix: 'logs/' }, DeleteMarkerReplication: { Status: 'Disabled' as const }, Destination: { Bucket: 'arn:aws:s3:::user-logs' } };

  it('puts the rule on Create and removes the whole configuration on Delete when only its rule is there', async () => {
    const { s3, current } = bucket();
    await apply(mirrorEvent('Create', 'shop-mirror-assets'), s3);
    expect(destinations(current())).toEqual(['arn:aws:s3:::shop-mirror-assets']);
    await apply(mirrorEvent('Delete', 'shop-mirror-assets'), s3);
    expect(current()).toBeUndefined();
  });

  // Review 42a F1: a Delete leaves a rule of the same id that replicates elsewhere (an earlier Lifeboat gave every mirror `lifeboat-mirror`).
  it('a Delete leaves in place a `lifeboat-mirror` rule that replicates into another mirror', async () => {
    const { s3, current, calls } = bucket();
    await apply(mirrorEvent('Create', 'shop-mirror-pics'), s3);
    calls.length = 0;
    await apply(mirrorEvent('Delete', 'shop-mirror-assets'), s3);
    expect(destinations(current())).toEqual(['arn:aws:s3:::shop-mirror-pics']);
    expect(calls).toEqual(['GetBucketReplication']);
  });

  it('on Delete keeps the rules the user added since, removing only its own', async () => {
    const own = { ID: 'lifeboat-mirror', Status: 'Enabled' as const, Priority: 1, Filter: { Prefix: '' }, DeleteMarkerReplication: { Status: 'Enabled' as const }, Destination: { Bucket: 'arn:aws:s3:::shop-mirror-assets' } };
    const { s3, current } = bucket({ Role: 'arn:aws:iam::111111111111:role/shop-mirror-assets', Rules: [own, userRule] });
    await apply(mirrorEvent('Delete', 'shop-mirror-assets'), s3);
    expect(current()?.Rules).toEqual([userRule]);
  });

  // Audit g10-1: every environment's rule was `lifeboat-mirror`, so a second environment's Create replaced the first's rule and its Delete removed it.
  it('refuses a second environment\'s mirror of the bucket, naming the first, and the failed Create\'s Delete leaves the first in place', async () => {
    const { s3, current } = bucket();
    await apply(envEvent('Create', 'shop-prod', 'assets'), s3);
    const before = current();
    const create = apply(envEvent('Create', 'shop-dev', 'assets'), s3);
    await expect(create).rejects.toThrow(OtherEnvironmentMirrorError);
    await expect(create).rejects.toThrow('Bucket shop-assets is mirrored already by another Lifeboat environment (rule lifeboat-mirror.shop-prod.assets replicating into arn:aws:s3:::shop-prod-mirror-assets)');
    await apply(envEvent('Delete', 'shop-dev', 'assets'), s3);
    expect(current()).toEqual(before);
    // An earlier Lifeboat's rule of another environment is refused too, not replaced.
    const legacy = bucket({ Role: 'arn:aws:iam::111111111111:role/shop-prod-ReplicationRole-assets', Rules: [{ ...userRule, ID: 'lifeboat-mirror', Destination: { Bucket: 'arn:aws:s3:::shop-prod-mirror-assets' } }] });
    await expect(apply(envEvent('Update', 'shop-dev', 'assets', { old: { id: 'lifeboat-mirror' } }), legacy.s3)).rejects.toThrow(OtherEnvironmentMirrorError);
    expect(legacy.calls).toEqual(['GetBucketReplication']);
  });

  it('an existing deployment\'s Update replaces its rule `lifeboat-mirror` with the new id, keeping rules under its role; the rollback puts the old one back', async () => {
    const legacyRule = { ID: 'lifeboat-mirror', Status: 'Enabled' as const, Priority: 1, Filter: { Prefix: '' }, DeleteMarkerReplication: { Status: 'Enabled' as const }, Destination: { Bucket: 'arn:aws:s3:::shop-prod-mirror-assets' } };
    const { s3, current } = bucket({ Role: 'arn:aws:iam::111111111111:role/shop-prod-ReplicationRole-assets', Rules: [legacyRule, userRule] });
    await apply(envEvent('Update', 'shop-prod', 'assets', { old: { id: 'lifeboat-mirror' } }), s3);
    expect(current()?.Rules?.map((r) => r.ID)).toEqual(['user-backup', 'lifeboat-mirror.shop-prod.assets']);
    await apply(envEvent('Update', 'shop-prod', 'assets', { id: 'lifeboat-mirror', old: {} }), s3);
    expect(current()?.Rules?.map((r) => r.ID)).toEqual(['user-backup', 'lifeboat-mirror']);
  });

  // Review r12-2: the Create replaced the old source's rule, and a failed deploy's rollback (the new resource's Delete) then left the bucket with none.
  it('refuses a source renamed in the same environment on Create, saying to rename in two deploys, and the rollback\'s Delete leaves the old rule', async () => {
    const { s3, current } = bucket();
    await apply(envEvent('Create', 'shop-prod', 'assets'), s3);
    const before = current();
    const create = apply(envEvent('Create', 'shop-prod', 'pics'), s3);
    await expect(create).rejects.toThrow(RenamedSourceMirrorError);
    await expect(create).rejects.toThrow('Nothing was changed. Rename in two deploys: drop the mirror of the old source, deploy, then add it');
    await apply(envEvent('Delete', 'shop-prod', 'pics'), s3);
    expect(current()).toEqual(before);
  });

  // Review r12-1: a `lifeboat-mirror` rule was taken for the asked one by its id alone, so the rollback of a refused upgrade replaced another environment's.
  it('the rollback of an upgrade refused for another environment\'s `lifeboat-mirror` passes and leaves that rule and role', async () => {
    const legacyOf = (prefix: string) => ({ ID: 'lifeboat-mirror', Status: 'Enabled' as const, Priority: 0, Filter: { Prefix: '' }, DeleteMarkerReplication: { Status: 'Enabled' as const }, Destination: { Bucket: `arn:aws:s3:::${prefix}-mirror-assets` } });
    const { s3, current, calls } = bucket({ Role: 'arn:aws:iam::111111111111:role/shop-dev-ReplicationRole-assets', Rules: [legacyOf('shop-dev')] });
    const before = structuredClone(current());
    await expect(apply(envEvent('Update', 'shop-prod', 'assets', { old: { id: 'lifeboat-mirror' } }), s3)).rejects.toThrow(OtherEnvironmentMirrorError);
    // The rollback: the old properties (shop-prod's `lifeboat-mirror`) asked again, the refused ones as the old.
    expect(await apply(envEvent('Update', 'shop-prod', 'assets', { id: 'lifeboat-mirror', old: {} }), s3, stack('UPDATE_ROLLBACK_IN_PROGRESS').cloudFormation)).toBe('shop-assets');
    expect(current()).toEqual(before);
    expect(calls).toEqual(['GetBucketReplication', 'GetBucketReplication']);
  });

  // Review r12-3: merged with the owner's rules, Lifeboat's rule kept its priority, which one of theirs could have.
  it('gives its rule a priority above the owner\'s rules it keeps, and an unchanged rule at another priority is left alone', async () => {
    const { s3, current } = bucket();
    await apply(envEvent('Create', 'shop-prod', 'assets'), s3);
    const [lifeboatRule] = current()?.Rules ?? [];
    const withUsers = bucket({ Role: current()?.Role, Rules: [{ ...userRule, Priority: 1 }, { ...userRule, ID: 'user-other', Priority: 4 }, lifeboatRule!] });
    await apply(envEvent('Update', 'shop-prod', 'assets', { deleteMarkers: 'Disabled', old: {} }), withUsers.s3);
    expect(withUsers.current()?.Rules?.map((r) => [r.ID, r.Priority])).toEqual([['user-backup', 1], ['user-other', 4], ['lifeboat-mirror.shop-prod.assets', 5]]);
    withUsers.calls.length = 0;
    await apply(envEvent('Update', 'shop-prod', 'assets', { deleteMarkers: 'Disabled', old: {} }), withUsers.s3);
    expect(withUsers.calls).toEqual(['GetBucketReplication']);
  });

  // Audit g10-2: a rule the user added made every Update, and its rollback, fail (UPDATE_ROLLBACK_FAILED).
  it('on Update merges its changed rule with the user\'s rules under the same role, and passes the rollback', async () => {
    const { s3, current } = bucket();
    await apply(envEvent('Create', 'shop-prod', 'assets'), s3);
    const role = current()?.Role;
    const [lifeboatRule] = current()?.Rules ?? [];
    const withUsers = bucket({ Role: role, Rules: [lifeboatRule!, userRule] });
    await apply(envEvent('Update', 'shop-prod', 'assets', { deleteMarkers: 'Disabled', old: {} }), withUsers.s3);
    expect(withUsers.current()?.Rules?.map((r) => [r.ID, r.DeleteMarkerReplication?.Status])).toEqual([['user-backup', 'Disabled'], ['lifeboat-mirror.shop-prod.assets', 'Disabled']]);
    await apply(envEvent('Update', 'shop-prod', 'assets', { old: { deleteMarkers: 'Disabled' } }), withUsers.s3);
    expect(withUsers.current()?.Rules?.map((r) => [r.ID, r.DeleteMarkerReplication?.Status])).toEqual([['user-backup', 'Disabled'], ['lifeboat-mirror.shop-prod.assets', 'Enabled']]);
  });

  it('refuses an Update it cannot merge (the user\'s rules under another role), changing nothing, and its rollback passes without a put', async () => {
    const { s3, current } = bucket();
    await apply(envEvent('Create', 'shop-prod', 'assets'), s3);
    const [lifeboatRule] = current()?.Rules ?? [];
    // The user put their rule and their own role: the whole configuration has one role.
    const userRole = bucket({ Role: 'arn:aws:iam::111111111111:role/user-role', Rules: [lifeboatRule!, userRule] });
    const update = apply(envEvent('Update', 'shop-prod', 'assets', { deleteMarkers: 'Disabled', old: {} }), userRole.s3);
    await expect(update).rejects.toThrow(ForeignReplicationRulesError);
    await expect(update).rejects.toThrow('Nothing was changed. Either move your rules off this bucket and deploy again, or drop mirror for this source. (Once Lifeboat\'s rule lifeboat-mirror.shop-prod.assets is on the bucket, you may put your rules back next to it, unchanged, under your own role');
    await expect(update).rejects.not.toThrow('under Lifeboat\'s role next to its rule');
    // The rollback asks for the rule that is there, and the same role as the refused Update: the user's role stands, nothing to do.
    await apply(envEvent('Update', 'shop-prod', 'assets', { old: { deleteMarkers: 'Disabled' } }), userRole.s3);
    expect(userRole.calls).toEqual(['GetBucketReplication', 'GetBucketReplication']);
    expect(userRole.current()?.Role).toBe('arn:aws:iam::111111111111:role/user-role');
  });

  // Review r16-F1: an Update that would be refused on a bucket without this resource's rule passed as if it were a rollback, so a forward
  // Update went UPDATE_COMPLETE with nothing replicating. Only the stack's status tells a rollback (the properties swapped) from it.
  const ownersOnly = (): ReplicationConfiguration => ({ Role: 'arn:aws:iam::111111111111:role/user-role', Rules: [userRule] });
  const otherEnvironment = (): ReplicationConfiguration => ({
    Role: 'arn:aws:iam::111111111111:role/shop-dev-ReplicationRole-assets',
    Rules: [{ ...userRule, ID: 'lifeboat-mirror.shop-dev.assets', Filter: { Prefix: '' }, Destination: { Bucket: 'arn:aws:s3:::shop-dev-mirror-assets' } }],
  });
  it.each([
    ['the owner replaced the configuration with their rules and role', ownersOnly, ForeignReplicationRulesError, 'Bucket shop-assets has replication rules that are not Lifeboat\'s (rule user-backup replicating into arn:aws:s3:::user-logs) under role arn:aws:iam::111111111111:role/user-role'],
    ['another environment\'s rule holds the bucket', otherEnvironment, OtherEnvironmentMirrorError, 'Bucket shop-assets is mirrored already by another Lifeboat environment (rule lifeboat-mirror.shop-dev.assets'],
  ])('refuses a forward Update whose rule is gone (%s), naming why, and passes the same Update while the stack rolls back', async (_state, initial, error, reason) => {
    const forward = bucket(initial());
    const updating = stack('UPDATE_IN_PROGRESS');
    const update = apply(envEvent('Update', 'shop-prod', 'assets', { deleteMarkers: 'Disabled', old: {} }), forward.s3, updating.cloudFormation);
    await expect(update).rejects.toThrow(error);
    await expect(update).rejects.toThrow(reason);
    expect(updating.asked).toEqual([STACK_ID]);
    expect(forward.calls).toEqual(['GetBucketReplication']);
    expect(forward.current()).toEqual(initial());
    const rollback = bucket(initial());
    const rollingBack = stack('UPDATE_ROLLBACK_IN_PROGRESS');
    expect(await apply(envEvent('Update', 'shop-prod', 'assets', { old: { deleteMarkers: 'Disabled' } }), rollback.s3, rollingBack.cloudFormation)).toBe('shop-assets');
    expect(rollingBack.asked).toEqual([STACK_ID]);
    expect(rollback.calls).toEqual(['GetBucketReplication']);
    expect(rollback.current()).toEqual(initial());
  });

  it('passes such an Update, changing nothing, with a warning naming the refusal when CloudFormation cannot say whether the stack rolls back', async () => {
    const { s3, current, calls } = bucket(ownersOnly());
    const warnings: string[] = [];
    const throttled = stack(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    expect(await apply(envEvent('Update', 'shop-prod', 'assets', { old: { deleteMarkers: 'Disabled' } }), s3, throttled.cloudFormation, (m) => warnings.push(m))).toBe('shop-assets');
    expect(calls).toEqual(['GetBucketReplication']);
    expect(current()).toEqual(ownersOnly());
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`Could not tell whether stack ${STACK_ID} is rolling back (reading it failed: ThrottlingException: Rate exceeded)`);
    expect(warnings[0]).toContain('ForeignReplicationRulesError: Bucket shop-assets has replication rules that are not Lifeboat\'s');
  });

  // Review r16-F2: a source moved to a bucket holding the owner's rules went UPDATE_COMPLETE, and CloudFormation then deleted the old bucket's rule.
  it('refuses a source moved to another bucket that it may not take, even while the stack rolls back or when CloudFormation cannot say', async () => {
    const moved = { ...envEvent('Update', 'shop-prod', 'assets', { old: {} }), ResourceProperties: { ...envEvent('Create', 'shop-prod', 'assets').ResourceProperties, Bucket: 'shop-assets-v2' } };
    for (const status of ['UPDATE_ROLLBACK_IN_PROGRESS', new Error('denied')]) {
      const { s3, calls } = bucket(ownersOnly());
      const cloudFormation = stack(status);
      await expect(apply(moved, s3, cloudFormation.cloudFormation)).rejects.toThrow('Bucket shop-assets-v2 has replication rules that are not Lifeboat\'s');
      expect(calls).toEqual(['GetBucketReplication']);
      expect(cloudFormation.asked).toEqual([]);
    }
  });
});
