import { type CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { type IConstruct } from 'constructs';
import { type ProtectionPlanConfig } from '../../../config/lifeboat-config';
import { KEY_IN_OTHER_REGION, NAME_IN_OTHER_REGION } from '../../../config/names-in-other-region';
import { type LifeboatPlan, LifeboatProtection, LifeboatSource } from '../../../lib';
import { type DrillWorkflow } from '../../../lib/constructs/drill-workflow';
import { synthesizeApp } from './synth-app';
import { USER_APP_ENV } from './user-app-fixture';

/**
 * The drill's live comparison reads SSE-KMS source buckets (audit R28 F2): its compare function gets kms:Decrypt on
 * a source bucket's key wherever the key's ARN can be named in its stack — a literal ARN (an imported key) in the DR
 * stack too, a key of another stack of the same region through CDK's cross-stack reference — and a bucket whose key
 * is a token of another region's stack is left out of the comparison (KEY_IN_OTHER_REGION in the compare function's
 * plans, no grant on it), as an auto-named bucket is (NAME_IN_OTHER_REGION).
 */
const DR_REGION = 'us-west-2';
const IMPORTED_KEY_ARN = `arn:aws:kms:${USER_APP_ENV.region}:${USER_APP_ENV.account}:key/11111111-2222-3333-4444-555555555555`;

type Statement = { Action: string | string[]; Resource: unknown; Condition?: unknown };
type Resource = { Type: string; Properties: Record<string, unknown> };
const asArray = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);

const s = synthesizeApp(
  (app) => {
    // A key and bucket of another stack of the same account and region.
    const data = new Stack(app, 'Data', { env: USER_APP_ENV });
    const dataKey = new kms.Key(data, 'DataKey', { enableKeyRotation: true });
    const media = new s3.Bucket(data, 'Media', { bucketName: 'shop-media-kms', encryption: s3.BucketEncryption.KMS, encryptionKey: dataKey });
    const stack = new Stack(app, 'Shop', { env: USER_APP_ENV });
    const assetsKey = new kms.Key(stack, 'AssetsKey', { enableKeyRotation: true });
    const assets = new s3.Bucket(stack, 'Assets', { bucketName: 'shop-assets-kms', encryption: s3.BucketEncryption.KMS, encryptionKey: assetsKey });
    const imported = s3.Bucket.fromBucketAttributes(stack, 'Imported', { bucketName: 'shop-imported-kms', encryptionKey: kms.Key.fromKeyArn(stack, 'ImportedKey', IMPORTED_KEY_ARN) });
    // Auto-named, and under a key of the primary stack too: in the DR stack its name is what cannot be given first.
    const autoNamed = new s3.Bucket(stack, 'AutoNamed', { encryption: s3.BucketEncryption.KMS, encryptionKey: assetsKey });
    const plan: LifeboatPlan = {
      name: 'daily',
      schedule: 'rate(1 day)',
      strategy: 'incremental',
      retention: { keepLast: 7 },
      objectives: { rpoMinutes: 1440, rtoMinutes: 60 },
      sources: [
        LifeboatSource.s3Bucket('assets', assets),
        LifeboatSource.s3Bucket('imported', imported),
        LifeboatSource.s3Bucket('media', media),
        LifeboatSource.s3Bucket('generated', autoNamed),
      ],
    };
    const protection = new LifeboatProtection(stack, 'Lifeboat', { prefix: 'shop', drRegion: DR_REGION, plans: [plan] });
    return { stack, protection, assetsKey, dataKey };
  },
  // No cdk-nag: its IAM5 acknowledgements do not match a source bucket of another stack (an Fn::ImportValue name) yet.
);
if (s.synthError) throw s.synthError;
const { stack, protection } = s.built;
const primary = Template.fromStack(stack).toJSON() as { Resources: Record<string, Resource> };
const dr = Template.fromStack(protection.drStack).toJSON() as { Resources: Record<string, Resource> };
const logicalId = (construct: IConstruct) => Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnElement);

/** The statements of the role of one of the drill's functions, as synthesized. */
function statementsOf(template: { Resources: Record<string, Resource> }, drill: DrillWorkflow, fn: 'compare' | 'start'): Statement[] {
  const role = drill.functions[fn].role;
  if (!role) throw new Error(`the drill's ${fn} function has no role`);
  const roleId = logicalId(role);
  return Object.values(template.Resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles) === JSON.stringify([{ Ref: roleId }]))
    .flatMap((r) => (r.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}

/** The resources `action` is allowed on, each as its JSON. */
function resourcesOf(statements: Statement[], action: string): string[] {
  return statements.filter((st) => asArray(st.Action).includes(action)).flatMap((st) => asArray(st.Resource).map((r) => JSON.stringify(r)));
}

/** Each source's bucket as a drill function's LIFEBOAT_PLANS gives it: a name CloudFormation resolves shows as "(a token)". */
function bucketsIn(template: { Resources: Record<string, Resource> }, drill: DrillWorkflow, fn: 'compare' | 'start'): Record<string, string> {
  const variables = (template.Resources[logicalId(drill.functions[fn])]?.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
  const plans = variables.LIFEBOAT_PLANS as string | { 'Fn::Join': [string, unknown[]] };
  // Stack.toJsonString puts each token inside its JSON string, between literal parts.
  const text = typeof plans === 'string' ? plans : plans['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : '(a token)')).join('');
  const sources = (JSON.parse(text) as ProtectionPlanConfig[]).flatMap((p) => p.sources);
  return Object.fromEntries(sources.map((source) => [source.name, source.type === 's3' ? source.bucket : '']));
}

describe('the DR drill (another region than the sources)', () => {
  const drill = protection.drDrillWorkflow;
  const compare = statementsOf(dr, drill, 'compare');

  it('may decrypt with the imported key (a literal ARN), and with no key of a stack of another region', () => {
    const vaultKey = JSON.stringify({ 'Fn::GetAtt': [logicalId(protection.drVault.key), 'Arn'] });
    expect(resourcesOf(compare, 'kms:Decrypt').sort()).toEqual([JSON.stringify(IMPORTED_KEY_ARN), vaultKey].sort());
  });

  it('leaves out the buckets whose key it cannot name, and the auto-named one, with what stands for them in its plans; the others keep their names', () => {
    expect(bucketsIn(dr, drill, 'compare')).toEqual({ assets: KEY_IN_OTHER_REGION, imported: 'shop-imported-kms', media: KEY_IN_OTHER_REGION, generated: NAME_IN_OTHER_REGION });
    // Only the compare function: the start function's plans keep the names, which its scratch-target checks compare with.
    expect(bucketsIn(dr, drill, 'start')).toEqual({ assets: 'shop-assets-kms', imported: 'shop-imported-kms', media: 'shop-media-kms', generated: NAME_IN_OTHER_REGION });
  });

  it('reads only the buckets it compares', () => {
    const read = resourcesOf(compare, 's3:GetObject').filter((r) => r.includes('shop-') && !r.includes('shop-drill-'));
    expect(read).toEqual([JSON.stringify({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::shop-imported-kms/*']] })]);
  });
});

describe('the primary drill (the sources\' region)', () => {
  const drill = protection.drillWorkflow;
  const compare = statementsOf(primary, drill, 'compare');

  it('compares every source, and may decrypt with the key of its stack, the imported key and the key of another stack of its region (imported from that stack\'s export)', () => {
    const decrypt = resourcesOf(compare, 'kms:Decrypt');
    expect(decrypt).toEqual(
      expect.arrayContaining([
        JSON.stringify({ 'Fn::GetAtt': [logicalId(s.built.assetsKey), 'Arn'] }),
        JSON.stringify(IMPORTED_KEY_ARN),
        expect.stringMatching(/^\{"Fn::ImportValue":"Data:ExportsOutputFnGetAttDataKey[0-9A-F]+Arn[0-9A-F]+"\}$/),
      ]),
    );
    expect(decrypt).toHaveLength(4); // and its vault's key
    // No source left out: each bucket by its name, or the reference CloudFormation resolves to it.
    expect(bucketsIn(primary, drill, 'compare')).toEqual({ assets: '(a token)', imported: 'shop-imported-kms', media: '(a token)', generated: '(a token)' });
  });
});
