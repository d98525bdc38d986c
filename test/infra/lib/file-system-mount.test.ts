import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { type CfnResource, type Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { type LifeboatConfig } from '../../../config/lifeboat-config';
import { loadLifeboatConfig, parseLifeboatConfig } from '../../../config/load-config';
import { NO_DR_RESTORE_FILE_SYSTEM_WARNING, NO_FILE_SYSTEM_WARNING, UNUSED_FILE_SYSTEM_WARNING } from '../../../lib/constructs/file-system-mount';
import { NETWORK_INTERFACE_ACTIONS } from '../../../lib/constructs/lifeboat-function';
import { buildLifeboatApp, type LifeboatStacks } from '../../../lib/lifeboat-app';
import { type CfnTemplate, type SynthesizedStack } from '../../../local/assembly/synthesized-stack';
import { localFunctions } from '../../../local/executor/local-functions';
import { stackResources } from '../../../local/executor/stack-resources';
import { allStates, invokedFunction, locateStateMachine } from '../../../local/executor/state-machine-definition';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';
import { synthesizeApp } from './synth-app';

/** File-system sources in AWS: the EFS mount of the functions that touch files, its network and IAM, under cdk-nag. */
const sample = loadLifeboatConfig(SAMPLE_CONFIG_FILE);
const EFS = {
  fileSystemId: 'fs-0123456789abcdef0',
  accessPointId: 'fsap-0123456789abcdef0',
  vpcId: 'vpc-0123456789abcdef0',
  subnetIds: ['subnet-0123456789abcdef0', 'subnet-0fedcba987654321f'],
  securityGroupId: 'sg-0123456789abcdef0',
};

/** The sample config with a change to its (only) environment, validated like a config file. */
function sampleWith(change: (env: Record<string, unknown> & { plans: { sources: unknown[] }[] }) => void): LifeboatConfig {
  const raw = JSON.parse(JSON.stringify(sample)) as { environments: (Record<string, unknown> & { plans: { sources: unknown[] }[] })[] };
  const env = raw.environments[0];
  if (!env) throw new Error('the sample config has an environment');
  change(env);
  return parseLifeboatConfig(raw, 'test config');
}

type Synthesized = { stacks: LifeboatStacks; template: Template; synthError: unknown; violations: () => string[]; assemblyDir: string };

/**
 * Builds and synthesizes the app. `full`: bundled functions and cdk-nag, as `cdk synth` does, with asset
 * metadata as the local executor's synthesis adds it. Otherwise no bundling and no nag (fast: only the template shape matters).
 */
function synth(config: LifeboatConfig, mode: 'full' | 'template' = 'template'): Synthesized {
  const full = mode === 'full';
  const s = synthesizeApp((app) => buildLifeboatApp(app, config).get('dev'), { nag: full, bundle: full, context: full ? { 'aws:cdk:enable-asset-metadata': true } : {} });
  const stacks = s.built;
  if (!stacks) throw new Error('no dev stacks');
  return { stacks, template: Template.fromStack(stacks.primary), synthError: s.synthError, violations: s.violations, assemblyDir: s.assemblyDir };
}

type Resource = { Type: string; Properties?: Record<string, unknown>; DependsOn?: string[] };
type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown };
const asArray = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);

function functionsByHandler(template: Template): Map<string, { logicalId: string; resource: Resource }> {
  const out = new Map<string, { logicalId: string; resource: Resource }>();
  for (const [logicalId, resource] of Object.entries(template.findResources('AWS::Lambda::Function') as Record<string, Resource>)) {
    const handler = (resource.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables?.LIFEBOAT_HANDLER;
    if (typeof handler === 'string') out.set(handler, { logicalId, resource });
  }
  return out;
}

function roleOf(fn: Resource): string {
  const role = (fn.Properties?.Role as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt']?.[0];
  if (!role) throw new Error('function without a role of the stack');
  return role;
}

/** Statements of a role: its inline policies (on the role) and every AWS::IAM::Policy attached to it. */
function statementsOfRole(template: Template, roleLogicalId: string): { inline: Statement[]; attached: Statement[] } {
  const role = (template.findResources('AWS::IAM::Role') as Record<string, Resource>)[roleLogicalId];
  const inline = ((role?.Properties?.Policies ?? []) as { PolicyDocument: { Statement: Statement[] } }[]).flatMap((p) => p.PolicyDocument.Statement);
  const attached = Object.values(template.findResources('AWS::IAM::Policy') as Record<string, Resource>)
    .filter((p) => JSON.stringify(p.Properties?.Roles).includes(`"${roleLogicalId}"`))
    .flatMap((p) => (p.Properties?.PolicyDocument as { Statement: Statement[] }).Statement);
  return { inline, attached };
}

const efsStatements = (statements: Statement[]) => statements.filter((s) => asArray(s.Action).some((a) => a.startsWith('elasticfilesystem:')));
const joinText = (value: unknown) => JSON.stringify(value);

/**
 * Which functions mount what: backup reads (plan lists, shards read); restore resolve only looks, plan/shard/verify write,
 * and abandon removes a failed restore's piece files (the restore runbook's and the primary drill's own set); the drill's
 * compare reads live files, its cleanup removes scratch directories.
 */
const MOUNTS: Record<string, 'read' | 'write'> = {
  'plan-backup': 'read',
  'snapshot-shard': 'read',
  'resolve-restore': 'read',
  'plan-restore': 'write',
  'restore-shard': 'write',
  'verify-restore': 'write',
  'abandon-restore': 'write',
  'drill-compare': 'read',
  'drill-cleanup': 'write',
};

describe('with fileSystem.efs configured', () => {
  const config = sampleWith((env) => {
    env.fileSystem = { efs: EFS };
  });
  const s = synth(config, 'full');
  const { template } = s;
  const functions = functionsByHandler(template);
  const [securityGroupId] = Object.keys(template.findResources('AWS::EC2::SecurityGroup'));
  const ownGroup = { 'Fn::GetAtt': [securityGroupId, 'GroupId'] };
  const accessPointArn = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:elasticfilesystem:us-east-1:000000000000:access-point/${EFS.accessPointId}`]] };
  const fileSystemArn = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:elasticfilesystem:us-east-1:000000000000:file-system/${EFS.fileSystemId}`]] };

  it('synthesizes with no unacknowledged cdk-nag finding', () => {
    expect(s.violations()).toEqual([]);
    expect(s.synthError).toBeUndefined();
  });

  it('puts exactly the functions that touch files in the VPC, with the access point mounted at /mnt/lifeboat', () => {
    const mounted = [...functions].filter(([, f]) => f.resource.Properties?.FileSystemConfigs !== undefined).map(([h]) => h);
    const inVpc = [...functions].filter(([, f]) => f.resource.Properties?.VpcConfig !== undefined).map(([h]) => h);
    expect(mounted.sort()).toEqual(Object.keys(MOUNTS).sort());
    expect(inVpc.sort()).toEqual(Object.keys(MOUNTS).sort());
    for (const handler of Object.keys(MOUNTS)) {
      const props = functions.get(handler)?.resource.Properties;
      expect(props?.VpcConfig).toEqual({ SubnetIds: EFS.subnetIds, SecurityGroupIds: [ownGroup] });
      expect(props?.FileSystemConfigs).toEqual([{ Arn: accessPointArn, LocalMountPath: '/mnt/lifeboat' }]);
    }
    for (const handler of ['backup-lock', 'commit-backup', 'record-backup-failure']) expect(functions.get(handler)?.resource.Properties?.VpcConfig).toBeUndefined();
  });

  it('grants ClientMount to readers and ClientMount + ClientWrite to writers, on the file system, through the access point only', () => {
    for (const [handler, access] of Object.entries(MOUNTS)) {
      const fn = functions.get(handler);
      if (!fn) throw new Error(`no ${handler} function`);
      const { attached } = statementsOfRole(template, roleOf(fn.resource));
      expect(efsStatements(attached)).toEqual([
        {
          Effect: 'Allow',
          Action: access === 'write' ? ['elasticfilesystem:ClientMount', 'elasticfilesystem:ClientWrite'] : 'elasticfilesystem:ClientMount',
          Resource: fileSystemArn,
          Condition: { StringEquals: { 'elasticfilesystem:AccessPointArn': accessPointArn } },
        },
      ]);
    }
    // Nobody else touches EFS, nobody gets root access, no EFS action on "*".
    const everyStatement = Object.values(template.findResources('AWS::IAM::Policy') as Record<string, Resource>).flatMap((p) => (p.Properties?.PolicyDocument as { Statement: Statement[] }).Statement);
    // One statement per mounted function (the five restore functions exist twice: the restore runbook's and the drill's).
    const mountedFunctions = Object.values(template.findResources('AWS::Lambda::Function') as Record<string, Resource>).filter((f) => f.Properties?.FileSystemConfigs !== undefined);
    expect(mountedFunctions.length).toBe(Object.keys(MOUNTS).length + 5);
    expect(efsStatements(everyStatement)).toHaveLength(mountedFunctions.length);
    expect(joinText(everyStatement)).not.toContain('ClientRootAccess');
    expect(efsStatements(everyStatement).every((st) => st.Resource !== '*')).toBe(true);
  });

  it('lets Lambda manage the network interfaces of exactly the VPC functions, with an inline policy of the five ec2 actions and no managed policy', () => {
    for (const [handler, fn] of functions) {
      const { inline, attached } = statementsOfRole(template, roleOf(fn.resource));
      if (handler in MOUNTS) {
        expect(inline).toEqual([{ Effect: 'Allow', Action: NETWORK_INTERFACE_ACTIONS, Resource: '*' }]);
      } else {
        expect(inline).toEqual([]);
      }
      expect(joinText(attached)).not.toContain('ec2:');
    }
    expect(NETWORK_INTERFACE_ACTIONS.sort()).toEqual(
      ['ec2:AssignPrivateIpAddresses', 'ec2:CreateNetworkInterface', 'ec2:DeleteNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:UnassignPrivateIpAddresses'].sort(),
    );
    for (const role of Object.values(template.findResources('AWS::IAM::Role') as Record<string, Resource>)) expect(role.Properties?.ManagedPolicyArns).toBeUndefined();
  });

  it('acknowledges the ENI Resource::* finding on each VPC function role with its own reason', () => {
    const backup = s.stacks.protection.backupWorkflow.functions;
    const restore = s.stacks.protection.restoreWorkflow.functions;
    const reasonOn = (construct: CfnResource | undefined): string | undefined => {
      const entry = construct?.node.metadata.find((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY);
      // aws-cdk-lib records the id as 'Annotation::<id>'.
      const data = Object.entries((entry?.data ?? {}) as Record<string, string>);
      return data.find(([id]) => id.replace(/^annotation::/i, '') === 'AwsSolutions-IAM5[Resource::*]')?.[1];
    };
    for (const fn of [backup.plan, backup.snapshot, restore.resolve, restore.plan, restore.shard, restore.verify]) {
      expect(reasonOn(fn.role?.node.defaultChild as CfnResource)).toMatch(/network interfaces.*DescribeNetworkInterfaces supports no resource-level permissions/);
    }
    for (const fn of [backup.lock, backup.commit, backup.recordFailure]) expect(reasonOn(fn.role?.node.defaultChild as CfnResource)).toBeUndefined();
  });

  it('gives the functions one security group: out only NFS to the mount targets and HTTPS; NFS into the mount targets from it', () => {
    template.resourceCountIs('AWS::EC2::SecurityGroup', 1);
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      VpcId: EFS.vpcId,
      SecurityGroupEgress: [{ CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 443, ToPort: 443, Description: Match.stringLikeRegexp('HTTPS') }],
    });
    template.resourceCountIs('AWS::EC2::SecurityGroupEgress', 1);
    template.hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
      GroupId: ownGroup,
      DestinationSecurityGroupId: EFS.securityGroupId,
      IpProtocol: 'tcp',
      FromPort: 2049,
      ToPort: 2049,
    });
    template.resourceCountIs('AWS::EC2::SecurityGroupIngress', 1);
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: EFS.securityGroupId,
      SourceSecurityGroupId: ownGroup,
      IpProtocol: 'tcp',
      FromPort: 2049,
      ToPort: 2049,
    });
    // The rules exist before any function tries to mount.
    const [ingressId] = Object.keys(template.findResources('AWS::EC2::SecurityGroupIngress'));
    for (const handler of Object.keys(MOUNTS)) expect(functions.get(handler)?.resource.DependsOn).toContain(ingressId);
  });

  it('imports everything by id: no VPC, subnet, file system or access point is created', () => {
    for (const type of ['AWS::EC2::VPC', 'AWS::EC2::Subnet', 'AWS::EFS::FileSystem', 'AWS::EFS::AccessPoint', 'AWS::EFS::MountTarget', 'AWS::EC2::VPCEndpoint']) template.resourceCountIs(type, 0);
  });

  it('warns, in the DR stack, that without fileSystem.efs.drRestore the DR region cannot restore the directory sources, and mounts nothing there', () => {
    const warnings = Annotations.fromStack(s.stacks.dr).findWarning('*', Match.stringLikeRegexp('file-system sources \\(demo-files\\) but no writable file system in the DR region.*Set fileSystem.drRestore'));
    expect(warnings).toHaveLength(1);
    expect(JSON.stringify(warnings[0]?.entry)).toContain(NO_DR_RESTORE_FILE_SYSTEM_WARNING);
    const dr = Template.fromStack(s.stacks.dr);
    for (const fn of Object.values(dr.findResources('AWS::Lambda::Function') as Record<string, Resource>)) expect(fn.Properties?.VpcConfig).toBeUndefined();
    dr.resourceCountIs('AWS::EC2::SecurityGroup', 0);
  });

  it('adds no warning: neither a file-system one nor those of the imported VPC and subnets (acknowledged: subnets are named by id)', () => {
    const warnings = Annotations.fromStack(s.stacks.primary).findWarning('*', Match.stringLikeRegexp('file-system|fileSystem|availabilityZones|routeTable'));
    expect(warnings).toEqual([]);
  });

  it('leaves the template runnable by the local executor: functions and both state machines resolve, VpcConfig and mounts are ignored', () => {
    const stack = synthesizedStack(s, s.stacks.primary);
    const resources = stackResources(stack);
    const local = localFunctions(resources);
    for (const machine of ['lifeboat-dev-backup', 'lifeboat-dev-restore']) {
      const { definition } = locateStateMachine(resources, machine);
      for (const [, state] of allStates(definition)) {
        const invoked = invokedFunction(state);
        if (invoked) expect(local.has(invoked.functionArn)).toBe(true);
      }
    }
    const snapshot = [...local.values()].find((f) => f.environment.LIFEBOAT_HANDLER === 'snapshot-shard');
    expect(snapshot?.environment.VAULT_BUCKET).toBe('lifeboat-dev-vault-000000000000-us-east-1');
    expect(JSON.stringify(snapshot?.environment)).not.toMatch(/sg-|subnet-|fsap-/);
  });
});

/**
 * The DR region's own writable file system (fileSystem.efs.drRestore): mounted into the DR functions that touch files, the
 * same set as in the primary region. The DR restore runbook's five restore functions, the failover's five and its
 * Validate failover (it looks whether a directory target is empty), the DR drill's five, its compare and its cleanup.
 */
const DR_MOUNTS: [string, 'read' | 'write'][] = [
  ...(['', 'Failover', 'Drill'] as const).flatMap((set): [string, 'read' | 'write'][] => [
    [`${set}ResolveRestore`, 'read'],
    [`${set}PlanRestore`, 'write'],
    [`${set}RestoreShard`, 'write'],
    [`${set}VerifyRestore`, 'write'],
    [`${set}AbandonRestore`, 'write'],
  ]),
  ['ValidateFailover', 'read'],
  ['CompareDrill', 'read'],
  ['CleanUpDrill', 'write'],
];

describe('with fileSystem.efs.drRestore (a writable file system of the DR region)', () => {
  const DR_EFS = {
    fileSystemId: 'fs-0fedcba9876543210',
    accessPointId: 'fsap-0fedcba9876543210',
    vpcId: 'vpc-0fedcba9876543210',
    subnetIds: ['subnet-0fedcba9876543210'],
    securityGroupId: 'sg-0fedcba9876543210',
    mountPath: '/mnt/lifeboat-dr',
  };
  const config = sampleWith((env) => {
    env.fileSystem = { efs: { ...EFS, drRestore: DR_EFS } };
  });
  // cdk-nag over both stacks; no bundling (only the templates matter).
  const s = synthesizeApp((app) => buildLifeboatApp(app, config).get('dev'), { nag: true });
  const stacks = s.built;
  if (!stacks) throw new Error('no dev stacks');
  const dr = Template.fromStack(stacks.dr);
  const drFunctions = Object.entries(dr.findResources('AWS::Lambda::Function') as Record<string, Resource>);
  /** The DR function whose logical id is the construct id of a function of the DR restore runbook, the failover or the drill. */
  const drFunction = (constructId: string): [string, Resource] => {
    const found = drFunctions.filter(([logicalId]) => new RegExp(`^(Restore|Failover|Drill)${constructId}[0-9A-F]{8}$`).test(logicalId));
    if (found.length !== 1) throw new Error(`${found.length} DR functions named ${constructId}`);
    return found[0] as [string, Resource];
  };
  const [drGroupId] = Object.keys(dr.findResources('AWS::EC2::SecurityGroup'));
  const drArn = (resource: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:elasticfilesystem:us-west-2:000000000000:${resource}`]] });

  it('synthesizes both stacks with no unacknowledged cdk-nag finding', () => {
    expect(s.violations()).toEqual([]);
    expect(s.synthError).toBeUndefined();
  });

  it('puts exactly the DR functions that touch files in the DR VPC, with the DR access point mounted at its mount path; the others stay outside', () => {
    const mounted = drFunctions.filter(([, f]) => f.Properties?.FileSystemConfigs !== undefined).map(([id]) => id);
    const inVpc = drFunctions.filter(([, f]) => f.Properties?.VpcConfig !== undefined).map(([id]) => id);
    const expected = DR_MOUNTS.map(([constructId]) => drFunction(constructId)[0]).sort();
    expect(mounted.sort()).toEqual(expected);
    expect(inVpc.sort()).toEqual(expected);
    for (const [constructId] of DR_MOUNTS) {
      const props = drFunction(constructId)[1].Properties;
      expect(props?.VpcConfig).toEqual({ SubnetIds: DR_EFS.subnetIds, SecurityGroupIds: [{ 'Fn::GetAtt': [drGroupId, 'GroupId'] }] });
      expect(props?.FileSystemConfigs).toEqual([{ Arn: drArn(`access-point/${DR_EFS.accessPointId}`), LocalMountPath: DR_EFS.mountPath }]);
      // Directory targets are checked against the DR mount (and a failover's derived from it), not the primary's.
      expect((props?.Environment as { Variables: Record<string, unknown> }).Variables.LIFEBOAT_MOUNT_PATH).toBe(DR_EFS.mountPath);
    }
  });

  it('grants ClientMount to readers and ClientMount + ClientWrite to writers, on the DR file system only, through its access point only', () => {
    for (const [constructId, access] of DR_MOUNTS) {
      const { attached } = statementsOfRole(dr, roleOf(drFunction(constructId)[1]));
      expect(efsStatements(attached)).toEqual([
        {
          Effect: 'Allow',
          Action: access === 'write' ? ['elasticfilesystem:ClientMount', 'elasticfilesystem:ClientWrite'] : 'elasticfilesystem:ClientMount',
          Resource: drArn(`file-system/${DR_EFS.fileSystemId}`),
          Condition: { StringEquals: { 'elasticfilesystem:AccessPointArn': drArn(`access-point/${DR_EFS.accessPointId}`) } },
        },
      ]);
    }
    const everyStatement = Object.values(dr.findResources('AWS::IAM::Policy') as Record<string, Resource>).flatMap((p) => (p.Properties?.PolicyDocument as { Statement: Statement[] }).Statement);
    expect(efsStatements(everyStatement)).toHaveLength(DR_MOUNTS.length);
    expect(joinText(dr.toJSON())).not.toContain(EFS.fileSystemId);
    expect(joinText(everyStatement)).not.toContain('ClientRootAccess');
  });

  it('gives the DR functions a security group of the DR VPC: out only NFS to the DR mount targets and HTTPS; NFS into those from it', () => {
    dr.resourceCountIs('AWS::EC2::SecurityGroup', 1);
    dr.hasResourceProperties('AWS::EC2::SecurityGroup', { VpcId: DR_EFS.vpcId, SecurityGroupEgress: [Match.objectLike({ CidrIp: '0.0.0.0/0', FromPort: 443, ToPort: 443 })] });
    const own = { 'Fn::GetAtt': [drGroupId, 'GroupId'] };
    dr.hasResourceProperties('AWS::EC2::SecurityGroupEgress', { GroupId: own, DestinationSecurityGroupId: DR_EFS.securityGroupId, IpProtocol: 'tcp', FromPort: 2049, ToPort: 2049 });
    dr.hasResourceProperties('AWS::EC2::SecurityGroupIngress', { GroupId: DR_EFS.securityGroupId, SourceSecurityGroupId: own, IpProtocol: 'tcp', FromPort: 2049, ToPort: 2049 });
    for (const type of ['AWS::EFS::FileSystem', 'AWS::EFS::AccessPoint', 'AWS::EFS::MountTarget', 'AWS::EC2::VPC', 'AWS::EC2::Subnet']) dr.resourceCountIs(type, 0);
  });

  it('leaves the primary stack as it is without drRestore, and warns nowhere about the DR region', () => {
    const primary = Template.fromStack(stacks.primary);
    const mounted = Object.values(primary.findResources('AWS::Lambda::Function') as Record<string, Resource>).filter((f) => f.Properties?.FileSystemConfigs !== undefined);
    expect(mounted).toHaveLength(Object.keys(MOUNTS).length + 5);
    // The environment output `lifeboat … --stack` reads (1381484b) carries the whole config, drRestore too: nothing else may.
    const { Outputs: outputs = {}, ...resources } = primary.toJSON() as { Outputs?: Record<string, unknown> };
    expect(joinText(resources)).not.toContain(DR_EFS.fileSystemId);
    expect(Object.keys(outputs).filter((k) => joinText(outputs[k]).includes(DR_EFS.fileSystemId))).toEqual(['LifeboatEnvironmentLifeboatDev']);
    for (const stack of [stacks.primary, stacks.dr]) expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('file-system|fileSystem|availabilityZones|routeTable'))).toEqual([]);
  });
});

describe('mountPath', () => {
  it('mounts the access point where the config says', () => {
    const s = synth(
      sampleWith((env) => {
        env.fileSystem = { efs: { ...EFS, subnetIds: [EFS.subnetIds[0]], mountPath: '/mnt/data' } };
        env.plans[0]?.sources.splice(2, 1, { type: 'filesystem', name: 'demo-files', path: '/mnt/data/files' });
      }),
    );
    const fn = functionsByHandler(s.template).get('snapshot-shard');
    expect(fn?.resource.Properties?.FileSystemConfigs).toEqual([expect.objectContaining({ LocalMountPath: '/mnt/data' })]);
    expect(fn?.resource.Properties?.VpcConfig).toEqual(expect.objectContaining({ SubnetIds: [EFS.subnetIds[0]] }));
  });
});

describe('without fileSystem', () => {
  it('warns once that the file-system sources can only be backed up locally, and keeps every function out of a VPC', () => {
    const s = synth(sample);
    const warnings = Annotations.fromStack(s.stacks.primary).findWarning('*', Match.stringLikeRegexp('file-system sources \\(demo-files\\).*only the local cloud'));
    expect(warnings).toHaveLength(1);
    expect(JSON.stringify(warnings[0]?.entry)).toContain(NO_FILE_SYSTEM_WARNING);
    for (const [, fn] of functionsByHandler(s.template)) {
      expect(fn.resource.Properties?.VpcConfig).toBeUndefined();
      expect(fn.resource.Properties?.FileSystemConfigs).toBeUndefined();
    }
    s.template.resourceCountIs('AWS::EC2::SecurityGroup', 0);
    // Nor can the DR region restore them: the DR stack says so too.
    expect(JSON.stringify(Annotations.fromStack(s.stacks.dr).findWarning('*', Match.anyValue()))).toContain(NO_DR_RESTORE_FILE_SYSTEM_WARNING);
  });

  it('adds no warning when the environment has no file-system source', () => {
    const s = synth(
      sampleWith((env) => {
        env.plans[0]?.sources.splice(2, 1);
      }),
    );
    for (const stack of [s.stacks.primary, s.stacks.dr]) expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('file-system|fileSystem'))).toEqual([]);
  });
});

it('mounts nothing, with a warning, when fileSystem is configured but no plan has a file-system source', () => {
  const s = synth(
    sampleWith((env) => {
      env.fileSystem = { efs: EFS };
      env.plans[0]?.sources.splice(2, 1);
    }),
  );
  const warnings = Annotations.fromStack(s.stacks.primary).findWarning('*', Match.stringLikeRegexp('no plan has a file-system source'));
  expect(warnings).toHaveLength(1);
  expect(JSON.stringify(warnings[0]?.entry)).toContain(UNUSED_FILE_SYSTEM_WARNING);
  s.template.resourceCountIs('AWS::EC2::SecurityGroup', 0);
  for (const [, fn] of functionsByHandler(s.template)) expect(fn.resource.Properties?.VpcConfig).toBeUndefined();
});

/** The stack as local/assembly/synthesize.ts hands it to the local executor. */
function synthesizedStack(s: Synthesized, stack: Stack): SynthesizedStack {
  return {
    stackName: stack.stackName,
    role: 'primary',
    account: stack.account,
    region: stack.region,
    template: JSON.parse(readFileSync(path.join(s.assemblyDir, stack.templateFile), 'utf8')) as CfnTemplate,
    assemblyDir: path.resolve(s.assemblyDir),
  };
}
