import { type CfnElement, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { type IConstruct } from 'constructs';
import { loadLifeboatConfig } from '../../../config/load-config';
import { type LifeboatConfig } from '../../../config/lifeboat-config';
import { buildLifeboatApp } from '../../../lib/lifeboat-app';
import { type CfnTemplate, DeployedPolicies } from '../../support/deployed-policies';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';
import { principalOfRole, type SimulatedPrincipal, simulatedDecision } from '../../support/simulated-decision';
import { synthesizeApp } from './synth-app';

/**
 * Least privilege and tamper resistance of the vault writes (docs/SECURITY.md, "Immutable objects", "The DR vault in
 * another account", "Restored data", "Alerts"), evaluated with the IAM policy simulator on the synthesized policies: the
 * sample config (the DR vault in the same account), and the same with `drAccount` (the DR vault's bucket policy).
 * What a role may create it may not overwrite: a PutObject without If-None-Match: * is refused where the writer sends it.
 */
const ACCOUNT = '000000000000';
const PRIMARY = '111111111111';
const DR = '222222222222';
const sample = loadLifeboatConfig(SAMPLE_CONFIG_FILE);
const withoutMirrors = (env: LifeboatConfig['environments'][number]) => ({ ...env, plans: env.plans.map((p) => ({ ...p, sources: p.sources.map(({ mirror: _mirror, ...s }) => s) })) });
const logicalId = (construct: IConstruct) => Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnElement);

/** PutObject or CompleteMultipartUpload with If-None-Match: * (a create), without it (an overwrite), and a multipart part. */
const CREATE = { 's3:if-none-match': '*', 's3:ObjectCreationOperation': 'true' };
const OVERWRITE = { 's3:ObjectCreationOperation': 'true' };
const PART = { 's3:ObjectCreationOperation': 'false' };

describe('the DR vault in the same account (the sample config)', () => {
  const synthesized = synthesizeApp((app) => buildLifeboatApp(app, sample));
  const dev = synthesized.built.get('dev');
  if (!dev) throw new Error('the sample config defines the dev environment');
  const sides = {
    primary: new DeployedPolicies(Template.fromStack(dev.primary).toJSON() as CfnTemplate, { account: ACCOUNT, region: 'us-east-1' }),
    dr: new DeployedPolicies(Template.fromStack(dev.dr).toJSON() as CfnTemplate, { account: ACCOUNT, region: 'us-west-2' }),
  };
  const role = (fn: { role?: IConstruct }, side: keyof typeof sides = 'primary'): SimulatedPrincipal => {
    if (!fn.role) throw new Error('the function has no role');
    return principalOfRole(sides[side], logicalId(fn.role));
  };
  const primaryObject = (key: string) => ({ arn: `arn:aws:s3:::${dev.protection.names.primaryVault}/${key}`, account: ACCOUNT, policy: sides.primary.bucketPolicy(logicalId(dev.protection.vault.bucket)) });
  const drObject = (key: string) => ({ arn: `arn:aws:s3:::${dev.protection.names.drVault}/${key}`, account: ACCOUNT, policy: sides.dr.bucketPolicy(logicalId(dev.protection.drVault.bucket)) });
  const decision = (principal: SimulatedPrincipal, action: string, resource: { arn: string; account: string; policy?: unknown }, context: Record<string, string> = {}) => simulatedDecision(principal, action, resource, context);

  it('the plan step may create the vault\'s config and key objects, never overwrite them (item 2)', async () => {
    const plan = role(dev.protection.backupWorkflow.functions.plan);
    for (const key of ['config', 'keys/abc']) {
      expect([key, await decision(plan, 's3:PutObject', primaryObject(key), CREATE)]).toEqual([key, 'Allowed']);
      expect([key, await decision(plan, 's3:PutObject', primaryObject(key), OVERWRITE)]).toEqual([key, 'ImplicitlyDenied']);
    }
    // The plan document is rewritten as planning goes on.
    expect(await decision(plan, 's3:PutObject', primaryObject('plans/b1.json'), OVERWRITE)).toBe('Allowed');
  });

  it('commit deletes and writes under parts/ only its records of committed sources, and creates snapshots without replacing one (item 1)', async () => {
    const commit = role(dev.protection.backupWorkflow.functions.commit);
    for (const action of ['s3:DeleteObject', 's3:PutObject']) {
      expect([action, await decision(commit, action, primaryObject('parts/b1/committed/orders.json'), OVERWRITE)]).toEqual([action, 'Allowed']);
      for (const key of ['parts/b1/00000.json', 'parts/b1/00000/cursor.json', 'parts/map-runs/x/manifest.json']) expect([action, key, await decision(commit, action, primaryObject(key), OVERWRITE)]).toEqual([action, key, 'ImplicitlyDenied']);
    }
    for (const key of ['snapshots/abc', 'manifest/abc']) {
      expect([key, await decision(commit, 's3:PutObject', primaryObject(key), CREATE)]).toEqual([key, 'Allowed']);
      expect([key, await decision(commit, 's3:PutObject', primaryObject(key), OVERWRITE)]).toEqual([key, 'ImplicitlyDenied']);
    }
    // Its own failed run's snapshot objects: named by their hash like every other snapshot, so the delete stays on snapshots/*.
    expect(await decision(commit, 's3:DeleteObject', primaryObject('snapshots/abc'))).toBe('Allowed');
    expect(await decision(commit, 's3:DeleteObject', primaryObject('manifest/abc'))).toBe('ImplicitlyDenied');
  });

  it('the snapshot step creates packs (also in parts), indexes and manifest pages, and overwrites none', async () => {
    const snapshot = role(dev.protection.backupWorkflow.functions.snapshot);
    for (const key of ['data/ab/abcd', 'index/abc', 'manifest/abc']) {
      expect([key, await decision(snapshot, 's3:PutObject', primaryObject(key), CREATE)]).toEqual([key, 'Allowed']);
      expect([key, await decision(snapshot, 's3:PutObject', primaryObject(key), OVERWRITE)]).toEqual([key, 'ImplicitlyDenied']);
    }
    expect(await decision(snapshot, 's3:PutObject', primaryObject('data/ab/abcd'), PART)).toBe('Allowed');
  });

  it('replication creates objects in the DR vault and overwrites none, config and key objects included (item 6)', async () => {
    const replicate = role(dev.protection.backupWorkflow.functions.replicate);
    for (const key of ['config', 'keys/abc', 'data/ab/abcd', 'index/abc', 'manifest/abc', 'snapshots/abc']) {
      expect([key, await decision(replicate, 's3:PutObject', drObject(key), CREATE)]).toEqual([key, 'Allowed']);
      expect([key, await decision(replicate, 's3:PutObject', drObject(key), OVERWRITE)]).toEqual([key, 'ImplicitlyDenied']);
    }
    expect(await decision(replicate, 's3:PutObject', drObject('data/ab/abcd'), PART)).toBe('Allowed');
  });

  it('a drill\'s report is created once: the record step cannot replace an earlier drill\'s evidence', async () => {
    const record = role(dev.protection.drillWorkflow.functions.record);
    expect(await decision(record, 's3:PutObject', primaryObject('drills/d1.json'), CREATE)).toBe('Allowed');
    expect(await decision(record, 's3:PutObject', primaryObject('drills/d1.json'), OVERWRITE)).toBe('ImplicitlyDenied');
  });

  it('the scrub repairs exactly the scrubbed keys in both vaults (a damaged copy is overwritten), never key objects or working objects (item 3)', async () => {
    const scrub = role(dev.protection.scrubWorkflow.function);
    for (const object of [primaryObject, drObject]) {
      for (const key of ['config', 'data/ab/abcd', 'index/abc', 'manifest/abc', 'snapshots/abc']) expect([key, await decision(scrub, 's3:PutObject', object(key), OVERWRITE)]).toEqual([key, 'Allowed']);
      for (const key of ['keys/abc', 'plans/b1.json', 'parts/b1/00000.json', 'prune/policy', 'drills/d1.json']) expect([key, await decision(scrub, 's3:PutObject', object(key), CREATE)]).toEqual([key, 'ImplicitlyDenied']);
    }
  });

  it('the failover may create, and set Block Public Access on, its S3 sources\' target buckets only, not every restore bucket (item 4)', async () => {
    const start = role(dev.protection.failoverWorkflow.functions.start, 'dr');
    const prefix = dev.protection.names.restoreTargetPrefix;
    const bucket = (name: string) => ({ arn: `arn:aws:s3:::${name}`, account: ACCOUNT });
    const owned = { 's3:ResourceAccount': ACCOUNT };
    const s3Sources = sample.environments[0]?.plans.flatMap((p) => p.sources).filter((s) => s.type === 's3') ?? [];
    expect(s3Sources.length).toBeGreaterThan(0);
    for (const source of s3Sources) {
      // And its lifecycle rule, which aborts the uploads of a child restore that timed out (audit aT1-2), put only where the
      // configuration, read first, is none or that rule alone (review rF F1).
      for (const action of ['s3:CreateBucket', 's3:PutBucketPublicAccessBlock', 's3:PutEncryptionConfiguration', 's3:GetLifecycleConfiguration', 's3:PutLifecycleConfiguration']) {
        expect([action, await decision(start, action, bucket(`${prefix}${source.name}-failover1`), owned)]).toEqual([action, 'Allowed']);
      }
    }
    // A bucket a restore into a new target made (docs/RUNBOOKS.md): within the restore prefix, not a failover target's name.
    for (const action of ['s3:PutBucketPublicAccessBlock', 's3:PutEncryptionConfiguration', 's3:CreateBucket', 's3:PutLifecycleConfiguration']) {
      expect([action, await decision(start, action, bucket(`${prefix}orders-copy`), owned)]).toEqual([action, 'ImplicitlyDenied']);
    }
    // Nor a bucket of such a name in another account.
    expect(await decision(start, 's3:PutLifecycleConfiguration', { arn: bucket(`${prefix}${s3Sources[0]?.name ?? ''}-failover1`).arn, account: '999999999999' }, { 's3:ResourceAccount': '999999999999' })).toBe('ImplicitlyDenied');
    // Every target is still checked before anything is written.
    expect(await decision(start, 's3:GetBucketPublicAccessBlock', bucket(`${prefix}orders-copy`), owned)).toBe('Allowed');
  });

  it('the drill may create its scratch buckets, with their lifecycle rule, and no other restore bucket (audit aT1-2)', async () => {
    const start = role(dev.protection.drillWorkflow.functions.start);
    const owned = { 's3:ResourceAccount': ACCOUNT };
    const bucket = (name: string) => ({ arn: `arn:aws:s3:::${name}`, account: ACCOUNT });
    for (const action of ['s3:CreateBucket', 's3:PutBucketPublicAccessBlock', 's3:PutEncryptionConfiguration', 's3:GetLifecycleConfiguration', 's3:PutLifecycleConfiguration']) {
      expect([action, await decision(start, action, bucket(`${dev.protection.names.drillTargetPrefix}x-orders`), owned)]).toEqual([action, 'Allowed']);
      expect([action, await decision(start, action, bucket(`${dev.protection.names.restoreTargetPrefix}orders-copy`), owned)]).toEqual([action, 'ImplicitlyDenied']);
    }
  });

  it('the alerts topic takes EventBridge\'s messages of its own rule only, and its key serves the topic only (item 5)', async () => {
    for (const [stack, alerts] of [
      [dev.primary, dev.protection.alerts],
      [dev.dr, dev.protection.drAlerts],
    ] as const) {
      const template = Template.fromStack(stack);
      const ruleId = logicalId(alerts.node.findChild('ExecutionStatusRule'));
      const topicId = logicalId(alerts.topic);
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        Topics: [{ Ref: topicId }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sns:Publish', Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [ruleId, 'Arn'] } }, StringEquals: { 'aws:SourceAccount': ACCOUNT } } }),
          ]),
        },
      });
      // The stack's alarms may publish: the topic's own policy replaces SNS's default one that let them.
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        Topics: [{ Ref: topicId }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Allow',
              Principal: { Service: 'cloudwatch.amazonaws.com' },
              Action: 'sns:Publish',
              Condition: {
                ArnLike: { 'aws:SourceArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:cloudwatch:${stack.region}:${ACCOUNT}:alarm:*`]] } },
                StringEquals: { 'aws:SourceAccount': ACCOUNT },
              },
            }),
          ]),
        },
      });
      // No statement lets a service publish without naming the source.
      const policies = Object.values(template.findResources('AWS::SNS::TopicPolicy'));
      const unconditioned = policies.flatMap((p) => (p.Properties.PolicyDocument.Statement as { Effect: string; Principal?: { Service?: string }; Condition?: unknown }[]).filter((st) => st.Effect === 'Allow' && st.Principal?.Service !== undefined && st.Condition === undefined));
      expect(unconditioned).toEqual([]);

      const region = stack.region;
      const topicArn = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:sns:${region}:${ACCOUNT}:${dev.protection.names.alarmTopic}`]] };
      const keyStatements = (template.toJSON().Resources[logicalId(alerts.topicKey)].Properties.KeyPolicy.Statement as { Principal?: { Service?: string }; Condition?: Record<string, Record<string, unknown>> }[]).filter((st) => st.Principal?.Service !== undefined);
      expect(keyStatements.map((st) => st.Principal?.Service).sort()).toEqual(['cloudwatch.amazonaws.com', 'events.amazonaws.com']);
      for (const st of keyStatements) expect(st.Condition?.StringEquals?.['kms:EncryptionContext:aws:sns:topicArn']).toEqual(topicArn);
      expect(keyStatements.find((st) => st.Principal?.Service === 'cloudwatch.amazonaws.com')?.Condition?.StringEquals?.['aws:SourceAccount']).toBe(ACCOUNT);
    }
  });
});

describe('the DR vault in another account: its bucket policy lets the primary account create, never overwrite (item 6)', () => {
  const config = { environments: sample.environments.map((e) => ({ ...withoutMirrors(e), account: PRIMARY, drAccount: DR })) } as LifeboatConfig;
  const synthesized = synthesizeApp((app) => buildLifeboatApp(app, config));
  const dev = synthesized.built.get('dev');
  if (!dev) throw new Error('the sample config defines the dev environment');
  const primary = new DeployedPolicies(Template.fromStack(dev.primary).toJSON() as CfnTemplate, { account: PRIMARY, region: 'us-east-1' });
  const dr = new DeployedPolicies(Template.fromStack(dev.dr).toJSON() as CfnTemplate, { account: DR, region: 'us-west-2' });
  const drPolicy = dr.bucketPolicy(logicalId(dev.protection.drVault.bucket));
  const drObject = (key: string) => ({ arn: `arn:aws:s3:::${dev.protection.names.drVault}/${key}`, account: DR, policy: drPolicy });
  const replicate = principalOfRole(primary, logicalId(dev.protection.backupWorkflow.functions.replicate.role as IConstruct));
  /** A role of the primary account that allows itself every S3 write and carries the protection's tag: what the bucket policy alone allows. */
  const everything = [{ name: 'S3Everything', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] } }];
  const taggedPrimaryRole = { ...replicate, arn: `arn:aws:iam::${PRIMARY}:role/tagged-by-an-admin`, identityPolicies: everything };

  it('replicate creates every kind of object there, and parts of multipart uploads', async () => {
    for (const key of ['config', 'keys/abc', 'data/ab/abcd', 'index/abc', 'manifest/abc', 'snapshots/abc']) expect([key, await simulatedDecision(replicate, 's3:PutObject', drObject(key), CREATE)]).toEqual([key, 'Allowed']);
    expect(await simulatedDecision(replicate, 's3:PutObject', drObject('data/ab/abcd'), PART)).toBe('Allowed');
  });

  it('no principal of the primary account, tagged or not and whatever its own policies allow, overwrites an object there', async () => {
    for (const principal of [replicate, taggedPrimaryRole]) {
      for (const key of ['config', 'keys/abc', 'data/ab/abcd', 'snapshots/abc']) expect([principal.arn, key, await simulatedDecision(principal, 's3:PutObject', drObject(key), OVERWRITE)]).toEqual([principal.arn, key, 'ExplicitlyDenied']);
    }
    // The DR account's own roles are not the primary account: the Deny names that account only.
    const drPrincipal = { arn: `arn:aws:iam::${DR}:role/dr-operator`, account: DR, identityPolicies: everything, tags: {} };
    expect(await simulatedDecision(drPrincipal, 's3:PutObject', drObject('data/ab/abcd'), OVERWRITE)).toBe('Allowed');
  });
});
