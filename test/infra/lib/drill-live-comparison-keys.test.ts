import { CfnParameter, type CfnElement, Stack, Token } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { type IConstruct } from 'constructs';
import { type ProtectionPlanConfig } from '../../../config/lifeboat-config';
import { KEY_IN_OTHER_REGION, NAME_IN_OTHER_REGION } from '../../../config/names-in-other-region';
import { type LifeboatPlan, LifeboatProtection, LifeboatSource } from '../../../lib';
import { type DrillWorkflow } from '../../../lib/constructs/drill-workflow';
import { type CfnTemplate, DeployedPolicies } from '../../support/deployed-policies';
import { principalOfRole, type SimulatedPrincipal, simulatedDecision } from '../../support/simulated-decision';
import { synthesizeApp } from './synth-app';
import { USER_APP_ENV } from './user-app-fixture';

/**
 * The drill's live comparison reads SSE-KMS source buckets (audit R28 F2): its compare function gets kms:Decrypt on
 * a source bucket's key by its ARN wherever that ARN can be named in its stack — a literal ARN (an imported key) in the
 * DR stack too, a key of another stack of the same region through CDK's cross-stack reference. A key created in a stack
 * of another region of the same account (the primary stack's `new kms.Key`, seen from the DR stack) is granted without
 * its ARN: any key of that account and region, only through S3 of that region and only with the encryption context of
 * the compared buckets and prefixes (proven with the IAM policy simulator below). A bucket whose key's account or
 * region the stack cannot know (an ARN from a parameter) is left out of the comparison (KEY_IN_OTHER_REGION in the
 * compare function's plans, no grant on it), as an auto-named bucket is (NAME_IN_OTHER_REGION).
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
    // A key whose ARN is a parameter: its account (and key policy) are known only at deploy.
    const partnerKey = kms.Key.fromKeyArn(stack, 'PartnerKey', new CfnParameter(stack, 'PartnerKeyArn', { type: 'String' }).valueAsString);
    const partner = s3.Bucket.fromBucketAttributes(stack, 'Partner', { bucketName: 'shop-partner-kms', encryptionKey: partnerKey });
    const plan: LifeboatPlan = {
      name: 'daily',
      schedule: 'rate(1 day)',
      strategy: 'incremental',
      retention: { keepLast: 7 },
      objectives: { rpoMinutes: 1440, rtoMinutes: 60 },
      sources: [
        LifeboatSource.s3Bucket('assets', assets),
        LifeboatSource.s3Bucket('imported', imported),
        LifeboatSource.s3Bucket('media', media, { prefix: 'public/' }),
        LifeboatSource.s3Bucket('generated', autoNamed),
        LifeboatSource.s3Bucket('partner', partner),
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

/** A statement of the keys a stack cannot name: any key of an account and region, for a compared bucket's encryption context only. */
const byEncryptionContext = (st: { Condition?: unknown }): boolean => JSON.stringify(st.Condition ?? {}).includes('kms:EncryptionContext:aws:s3:arn');

describe('the DR drill (another region than the sources)', () => {
  const drill = protection.drDrillWorkflow;
  const compare = statementsOf(dr, drill, 'compare');
  const partition = (rest: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, rest]] });

  it('may decrypt by ARN with the imported key (a literal ARN), and with no key of a stack of another region', () => {
    const vaultKey = JSON.stringify({ 'Fn::GetAtt': [logicalId(protection.drVault.key), 'Arn'] });
    // And the catalog's key: the backup's record says what it left out (review r58I F1).
    const catalogKey = JSON.stringify({ 'Fn::GetAtt': [logicalId(protection.drCatalogKey), 'Arn'] });
    const byArn = compare.filter((st) => asArray(st.Action).includes('kms:Decrypt') && !byEncryptionContext(st));
    expect(byArn.flatMap((st) => asArray(st.Resource).map((r) => JSON.stringify(r))).sort()).toEqual([JSON.stringify(IMPORTED_KEY_ARN), vaultKey, catalogKey].sort());
    // The source's key through S3 of its region only (audit a59B F6), as the keys it cannot name.
    expect(byArn.filter((st) => JSON.stringify(st.Resource) === JSON.stringify(IMPORTED_KEY_ARN)).map((st) => st.Condition)).toEqual([{ StringEquals: { 'kms:ViaService': `s3.${USER_APP_ENV.region}.amazonaws.com` } }]);
  });

  it('may decrypt with the keys of the sources\' account and region only through S3 there, and only for the compared buckets and prefixes', () => {
    const throughS3 = compare.filter((st) => asArray(st.Action).includes('kms:Decrypt') && byEncryptionContext(st));
    expect(throughS3).toEqual([
      {
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: partition(`:kms:${USER_APP_ENV.region}:${USER_APP_ENV.account}:key/*`),
        Condition: {
          StringEquals: { 'kms:ViaService': `s3.${USER_APP_ENV.region}.amazonaws.com` },
          // The bucket (S3 Bucket Keys) and its objects under the source's prefix; the assets bucket and the media bucket (another stack of that region).
          StringLike: { 'kms:EncryptionContext:aws:s3:arn': [partition(':s3:::shop-assets-kms'), partition(':s3:::shop-assets-kms/*'), partition(':s3:::shop-media-kms'), partition(':s3:::shop-media-kms/public/*')] },
        },
      },
    ]);
  });

  it('leaves out only the bucket whose key\'s account it cannot know, and the auto-named one, with what stands for them in its plans; the others keep their names', () => {
    expect(bucketsIn(dr, drill, 'compare')).toEqual({ assets: 'shop-assets-kms', imported: 'shop-imported-kms', media: 'shop-media-kms', generated: NAME_IN_OTHER_REGION, partner: KEY_IN_OTHER_REGION });
    // Only the compare function: the start function's plans keep the names, which its scratch-target checks compare with.
    expect(bucketsIn(dr, drill, 'start')).toEqual({ assets: 'shop-assets-kms', imported: 'shop-imported-kms', media: 'shop-media-kms', generated: NAME_IN_OTHER_REGION, partner: 'shop-partner-kms' });
  });

  it('reads only the buckets it compares', () => {
    const read = resourcesOf(compare, 's3:GetObject').filter((r) => r.includes('shop-') && !r.includes('shop-drill-'));
    expect(read.sort()).toEqual([':s3:::shop-assets-kms/*', ':s3:::shop-imported-kms/*', ':s3:::shop-media-kms/public/*'].map((rest) => JSON.stringify(partition(rest))));
  });

  describe('evaluated with the IAM policy simulator, the key policy CDK gives a new kms.Key (its account\'s IAM decides)', () => {
    const ACCOUNT = USER_APP_ENV.account;
    const REGION = USER_APP_ENV.region;
    const drPolicies = new DeployedPolicies(dr as unknown as CfnTemplate, { account: ACCOUNT, region: DR_REGION });
    const assetsKeyId = logicalId(s.built.assetsKey);
    const keyPolicy = new DeployedPolicies(primary as unknown as CfnTemplate, USER_APP_ENV).keyPolicy(assetsKeyId);
    const assetsKey = { arn: `arn:aws:kms:${REGION}:${ACCOUNT}:key/${assetsKeyId}`, account: ACCOUNT, policy: keyPolicy };
    /**
     * The simulator drops `kms:EncryptionContext:<key>` from a request (it matches a key with a variable only after a
     * '/'), so a condition on it could never be met. Here that one key is renamed, in the role's policies and in the
     * request alike, to a variable key the simulator evaluates with the same operator: `aws:ResourceTag/<…>`, which no
     * policy of these roles uses.
     */
    const S3_ARN_CONTEXT = 'kms:EncryptionContext:aws:s3:arn';
    const STAND_IN = 'aws:ResourceTag/lifeboat-test-encryption-context-aws-s3-arn';
    const evaluable = (principal: SimulatedPrincipal): SimulatedPrincipal => {
      expect(JSON.stringify(principal.identityPolicies)).not.toContain(STAND_IN);
      return { ...principal, identityPolicies: JSON.parse(JSON.stringify(principal.identityPolicies).replaceAll(S3_ARN_CONTEXT, STAND_IN)) as SimulatedPrincipal['identityPolicies'] };
    };
    const roleOf = (fn: { role?: IConstruct }) => {
      if (!fn.role) throw new Error('the function has no role');
      return evaluable(principalOfRole(drPolicies, logicalId(fn.role)));
    };
    const decrypt = (principal: SimulatedPrincipal, key: { arn: string; account: string; policy?: unknown }, context: { via?: string; s3Arn?: string }) =>
      simulatedDecision(principal, 'kms:Decrypt', key, { ...(context.via !== undefined ? { 'kms:ViaService': context.via } : {}), ...(context.s3Arn !== undefined ? { [STAND_IN]: context.s3Arn } : {}) });
    const viaS3 = `s3.${REGION}.amazonaws.com`;

    it('the compare function may have S3 decrypt the compared objects with the primary stack\'s key, with or without an S3 Bucket Key', async () => {
      const role = roleOf(drill.functions.compare);
      for (const s3Arn of ['arn:aws:s3:::shop-assets-kms/photos/a.jpg', 'arn:aws:s3:::shop-assets-kms', 'arn:aws:s3:::shop-media-kms/public/b.png', 'arn:aws:s3:::shop-media-kms']) {
        expect([s3Arn, await decrypt(role, assetsKey, { via: viaS3, s3Arn })]).toEqual([s3Arn, 'Allowed']);
      }
    });

    it('and nothing else with it: not by calling KMS itself, not through another service or region, not for another bucket or prefix, not a key of another account or region', async () => {
      const role = roleOf(drill.functions.compare);
      const object = 'arn:aws:s3:::shop-assets-kms/photos/a.jpg';
      const refused: [string, { arn: string; account: string; policy?: unknown }, { via?: string; s3Arn?: string }][] = [
        ['a direct call, with the context given', assetsKey, { s3Arn: object }],
        ['through S3 of the DR region', assetsKey, { via: `s3.${DR_REGION}.amazonaws.com`, s3Arn: object }],
        ['through DynamoDB', assetsKey, { via: `dynamodb.${REGION}.amazonaws.com`, s3Arn: object }],
        ['through S3 without an S3 context', assetsKey, { via: viaS3 }],
        ['for another bucket', assetsKey, { via: viaS3, s3Arn: 'arn:aws:s3:::shop-payroll/2026/01.csv' }],
        ['for a bucket named like a compared one', assetsKey, { via: viaS3, s3Arn: 'arn:aws:s3:::shop-assets-kms-archive/a.jpg' }],
        ['for the media bucket outside its source prefix', assetsKey, { via: viaS3, s3Arn: 'arn:aws:s3:::shop-media-kms/private/c.png' }],
        ['for the partner bucket (left out)', assetsKey, { via: viaS3, s3Arn: 'arn:aws:s3:::shop-partner-kms/d.txt' }],
        ['a key of another region of the account', { ...assetsKey, arn: `arn:aws:kms:us-east-1:${ACCOUNT}:key/${assetsKeyId}` }, { via: 's3.us-east-1.amazonaws.com', s3Arn: object }],
        ['a key of another account', { arn: `arn:aws:kms:${REGION}:222222222222:key/${assetsKeyId}`, account: '222222222222', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: role.arn }, Action: 'kms:*', Resource: '*' }] } }, { via: viaS3, s3Arn: object }],
      ];
      for (const [why, key, context] of refused) expect([why, await decrypt(role, key, context)]).toEqual([why, 'ImplicitlyDenied']);
      for (const action of ['kms:Encrypt', 'kms:GenerateDataKey', 'kms:ReEncryptFrom', 'kms:CreateGrant']) {
        expect([action, await simulatedDecision(role, action, assetsKey, { 'kms:ViaService': viaS3, [STAND_IN]: object })]).toEqual([action, 'ImplicitlyDenied']);
      }
    });

    it('no other role of the DR stack may have S3 decrypt a source object with it', async () => {
      const compareRole = drill.functions.compare.role;
      const others = drPolicies.idsOf('AWS::IAM::Role').filter((id) => compareRole === undefined || id !== logicalId(compareRole));
      expect(others.length).toBeGreaterThan(20);
      for (const id of others) {
        const role = evaluable(principalOfRole(drPolicies, id));
        expect([id, await decrypt(role, assetsKey, { via: viaS3, s3Arn: 'arn:aws:s3:::shop-assets-kms/photos/a.jpg' })]).toEqual([id, 'ImplicitlyDenied']);
      }
    });
  });
});

describe('the primary drill (the sources\' region)', () => {
  const drill = protection.drillWorkflow;
  const compare = statementsOf(primary, drill, 'compare');

  it('compares every source, and may decrypt by ARN with the key of its stack, the imported keys and the key of another stack of its region (imported from that stack\'s export), with no key through S3', () => {
    const decrypt = resourcesOf(compare, 'kms:Decrypt');
    expect(decrypt).toEqual(
      expect.arrayContaining([
        JSON.stringify({ 'Fn::GetAtt': [logicalId(s.built.assetsKey), 'Arn'] }),
        JSON.stringify(IMPORTED_KEY_ARN),
        expect.stringMatching(/^\{"Fn::ImportValue":"Data:ExportsOutputFnGetAttDataKey[0-9A-F]+Arn[0-9A-F]+"\}$/),
        JSON.stringify({ Ref: 'PartnerKeyArn' }),
      ]),
    );
    expect(decrypt).toHaveLength(6); // and its vault's key, and its catalog's (the backup's record: review r58I F1)
    expect(compare.filter((st) => asArray(st.Action).includes('kms:Decrypt') && byEncryptionContext(st))).toEqual([]);
    // The source keys by ARN, through S3 of the region only (audit a59B F6); the vault's and catalog's have their own key policies.
    const sourceKeys = compare.filter((st) => asArray(st.Action).includes('kms:Decrypt') && JSON.stringify(st.Resource).includes(JSON.stringify(IMPORTED_KEY_ARN)));
    expect(sourceKeys.map((st) => st.Condition)).toEqual([{ StringEquals: { 'kms:ViaService': `s3.${USER_APP_ENV.region}.amazonaws.com` } }]);
    // No source left out: each bucket by its name, or the reference CloudFormation resolves to it.
    expect(bucketsIn(primary, drill, 'compare')).toEqual({ assets: '(a token)', imported: 'shop-imported-kms', media: '(a token)', generated: '(a token)', partner: 'shop-partner-kms' });
  });
});

/**
 * A protection whose stack or DR stack alone has an account (review r2 F1): CDK knows the other's only as a token, but
 * the protection's rules (DrAccountMatches on an agnostic protection stack, AccountMatches on an agnostic DR stack) let
 * neither deploy into another account than the literal one. A key created in the protection's stack is of that account,
 * so the DR drill compares its bucket as in the example above. A key of a third, environment-agnostic stack is not:
 * nothing ties that stack's account to the known one, so its bucket stays out of the comparison, in the primary drill
 * of a stack with an account too.
 */
describe('a protection whose stack or DR stack alone has an account (the other environment-agnostic)', () => {
  const kmsBucket = (scope: Stack, id: string, bucketName: string) => new s3.Bucket(scope, id, { bucketName, encryption: s3.BucketEncryption.KMS, encryptionKey: new kms.Key(scope, `${id}Key`, { enableKeyRotation: true }) });
  const plan = (sources: LifeboatSource[]): LifeboatPlan => ({ name: 'daily', schedule: 'rate(1 day)', strategy: 'incremental', retention: { keepLast: 7 }, objectives: { rpoMinutes: 1440, rtoMinutes: 60 }, sources });
  const pinned = synthesizeApp((app) => {
    const loose = kmsBucket(new Stack(app, 'Loose', { env: { region: USER_APP_ENV.region } }), 'Loose', 'shop-loose-kms');
    const accountOnPrimary = new Stack(app, 'Known', { env: USER_APP_ENV });
    const knownProtection = new LifeboatProtection(accountOnPrimary, 'Lifeboat', {
      prefix: 'known',
      drRegion: DR_REGION,
      drStack: new Stack(app, 'KnownDr', { env: { region: DR_REGION } }),
      plans: [plan([LifeboatSource.s3Bucket('assets', kmsBucket(accountOnPrimary, 'Assets', 'known-assets-kms')), LifeboatSource.s3Bucket('loose', loose)])],
    });
    const agnostic = new Stack(app, 'Agnostic', { env: { region: USER_APP_ENV.region } });
    const agnosticProtection = new LifeboatProtection(agnostic, 'Lifeboat', {
      prefix: 'agnostic',
      drRegion: DR_REGION,
      drStack: new Stack(app, 'AgnosticDr', { env: { account: USER_APP_ENV.account, region: DR_REGION } }),
      plans: [plan([LifeboatSource.s3Bucket('assets', kmsBucket(agnostic, 'Assets', 'agnostic-assets-kms')), LifeboatSource.s3Bucket('loose', loose)])],
    });
    return { knownProtection, agnosticProtection };
  });
  if (pinned.synthError) throw pinned.synthError;
  const { knownProtection, agnosticProtection } = pinned.built;
  const templateOf = (scope: IConstruct) => Template.fromStack(Stack.of(scope)).toJSON() as { Resources: Record<string, Resource>; Rules?: Record<string, unknown> };
  const join = (...parts: unknown[]) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ...parts]] });

  it.each([
    ['the stack with an account, its DR stack without', () => knownProtection, 'known', /^LifeboatAccountMatches[0-9A-F]{8}$/, join(`:kms:${USER_APP_ENV.region}:`, { Ref: 'AWS::AccountId' }, ':key/*')],
    ['the stack without an account, its DR stack with one', () => agnosticProtection, 'agnostic', /^LifeboatDrAccountMatches[0-9A-F]{8}$/, join(`:kms:${USER_APP_ENV.region}:${USER_APP_ENV.account}:key/*`)],
  ])('%s: the DR drill compares the bucket of the protection stack\'s key, which it may have S3 decrypt, and leaves out the third stack\'s', (_, protectionOf, prefix, rule, keys) => {
    const protection = protectionOf();
    // What guarantees the one account: the rule in the stack without one.
    const agnosticSide = Token.isUnresolved(protection.drStack.account) ? protection.drStack : Stack.of(protection);
    expect(Object.keys(templateOf(agnosticSide).Rules ?? {}).filter((id) => rule.test(id))).toHaveLength(1);
    const drTemplate = templateOf(protection.drStack);
    expect(bucketsIn(drTemplate, protection.drDrillWorkflow, 'compare')).toEqual({ assets: `${prefix}-assets-kms`, loose: KEY_IN_OTHER_REGION });
    const throughS3 = statementsOf(drTemplate, protection.drDrillWorkflow, 'compare').filter((st) => asArray(st.Action).includes('kms:Decrypt') && byEncryptionContext(st));
    expect(throughS3).toEqual([
      {
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        // Any key of the account and region, the DR stack's: AWS::AccountId where it has no account, which its rule holds to the known one.
        Resource: keys,
        Condition: {
          StringEquals: { 'kms:ViaService': `s3.${USER_APP_ENV.region}.amazonaws.com` },
          StringLike: { 'kms:EncryptionContext:aws:s3:arn': [join(`:s3:::${prefix}-assets-kms`), join(`:s3:::${prefix}-assets-kms/*`)] },
        },
      },
    ]);
  });

  it('the primary drill of the stack with an account leaves out the bucket of the environment-agnostic stack\'s key too', () => {
    const drill = knownProtection.drillWorkflow;
    expect(bucketsIn(templateOf(drill), drill, 'compare')).toEqual({ assets: '(a token)', loose: KEY_IN_OTHER_REGION });
  });
});
