import { Annotations, Aws, CfnParameter, CliCredentialsStackSynthesizer, DefaultStackSynthesizer, type IStackSynthesizer, Lazy, LegacyStackSynthesizer, NestedStack, PermissionsBoundary, Stack, Stage, Tags } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { type Construct } from 'constructs';
import { LifeboatProtection, LifeboatSource } from '../../../lib';
import { synthesizeApp } from './synth-app';

/**
 * Audit a59B F5: the default DR stack was built with its name, env and description only, so a user's stack deployed with
 * its own bootstrap qualifier, a permissions boundary, termination protection and tags got a DR stack with none of them
 * (in the audit 40 of 40 roles bounded in the user's stack, 0 of 35 in the DR stack; the DR stack looked for the default
 * bootstrap). It now takes them over.
 */
type Resource = { Type: string; Properties?: Record<string, unknown> };
type Template = { Parameters?: Record<string, { Default?: string }>; Resources: Record<string, Resource> };

const plan = (bucket: s3.IBucket) => ({
  name: 'daily',
  schedule: 'rate(1 day)',
  strategy: 'incremental' as const,
  retention: { keepLast: 7 },
  objectives: { rpoMinutes: 1500, rtoMinutes: 60 },
  sources: [LifeboatSource.s3Bucket('assets', bucket)],
});

function synthShop(options: { stage?: boolean } = {}) {
  return synthesizeApp((app) => {
    const scope = options.stage ? new Stage(app, 'Prod', { permissionsBoundary: PermissionsBoundary.fromName('stage-boundary') }) : app;
    const shop = new Stack(scope, 'Shop', {
      env: { account: '123456789012', region: 'eu-west-1' },
      synthesizer: new DefaultStackSynthesizer({ qualifier: 'acme1' }),
      ...(options.stage ? {} : { permissionsBoundary: PermissionsBoundary.fromName('org-boundary') }),
      terminationProtection: true,
      tags: { costcenter: 'cc-42' },
    });
    Tags.of(shop).add('team', 'storage');
    const protection = new LifeboatProtection(shop, 'Lifeboat', { prefix: 'shop', drRegion: 'us-west-2', notifications: { emails: ['a@example.com'] }, plans: [plan(new s3.Bucket(shop, 'B'))] });
    return { shop, dr: protection.drStack };
  });
}

function stackArtifact(synth: ReturnType<typeof synthShop>, stack: Stack) {
  const assembly = synth.app.synth();
  const stageAssembly = Stage.of(stack) === synth.app ? assembly : assembly.getNestedAssembly(Stage.of(stack)!.artifactId);
  return stageAssembly.getStackArtifact(stack.artifactId);
}

const roles = (template: Template) => Object.values(template.Resources).filter((r) => r.Type === 'AWS::IAM::Role');
const unbounded = (template: Template) => roles(template).filter((r) => r.Properties?.PermissionsBoundary === undefined).length;

it('gives the default DR stack the user\'s stack\'s bootstrap qualifier, permissions boundary, termination protection and tags', () => {
  const synth = synthShop();
  expect(synth.synthError).toBeUndefined();
  const { shop, dr } = synth.built;
  const drArtifact = stackArtifact(synth, dr);
  const drTemplate = drArtifact.template as Template;
  expect(drTemplate.Parameters?.BootstrapVersion?.Default).toBe('/cdk-bootstrap/acme1/version');
  expect(drArtifact.assumeRoleArn).toContain('cdk-acme1-deploy-role');
  expect(roles(drTemplate).length).toBeGreaterThan(0);
  expect(unbounded(drTemplate)).toBe(0);
  expect(JSON.stringify(roles(drTemplate)[0]?.Properties?.PermissionsBoundary)).toContain(':policy/org-boundary');
  expect(drArtifact.terminationProtection).toBe(true);
  expect(drArtifact.tags).toEqual(expect.objectContaining({ costcenter: 'cc-42', team: 'storage' }));
  const vault = Object.values(drTemplate.Resources).find((r) => r.Type === 'AWS::S3::Bucket');
  expect(vault?.Properties?.Tags).toEqual(expect.arrayContaining([{ Key: 'costcenter', Value: 'cc-42' }, { Key: 'team', Value: 'storage' }]));
  // The user's stack itself is as it was.
  expect(unbounded(stackArtifact(synth, shop).template as Template)).toBe(0);
});

it('gives it the boundary of the user\'s Stage', () => {
  const synth = synthShop({ stage: true });
  expect(synth.synthError).toBeUndefined();
  const drTemplate = stackArtifact(synth, synth.built.dr).template as Template;
  expect(roles(drTemplate).length).toBeGreaterThan(0);
  expect(unbounded(drTemplate)).toBe(0);
  expect(JSON.stringify(roles(drTemplate)[0]?.Properties?.PermissionsBoundary)).toContain(':policy/stage-boundary');
});

/** A DefaultStackSynthesizer of an organization's own bootstrap: its deploy role, assets bucket and no bootstrap version rule. */
const acmeSynthesizer = () =>
  new DefaultStackSynthesizer({
    qualifier: 'acme1',
    deployRoleArn: 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/acme-deploy-${AWS::Region}',
    fileAssetsBucketName: 'acme-assets-${AWS::AccountId}-${AWS::Region}',
    generateBootstrapVersionRule: false,
  });

function synthProtected(
  build: (scope: Construct) => Stack,
  options: { defaultStackSynthesizer?: DefaultStackSynthesizer; drAccount?: string; drStack?: (scope: Construct) => Stack } = {},
) {
  return synthesizeApp(
    (app) => {
      const shop = build(app);
      const protection = new LifeboatProtection(shop, 'Lifeboat', {
        prefix: 'shop',
        drRegion: 'us-west-2',
        ...(options.drStack ? { drStack: options.drStack(app) } : {}),
        ...(options.drAccount !== undefined ? { drAccount: options.drAccount } : {}),
        notifications: { emails: ['a@example.com'] },
        plans: [plan(new s3.Bucket(shop, 'B'))],
      });
      return { shop, dr: protection.drStack };
    },
    options.defaultStackSynthesizer ? { defaultStackSynthesizer: options.defaultStackSynthesizer } : {},
  );
}

const warningsOf = (id: string) => (synth: ReturnType<typeof synthShop>) =>
  stackArtifact(synth, synth.built.shop).messages.filter((m) => String(m.entry.data).includes(id));
const synthesizerWarnings = warningsOf('lifeboat:dr-synthesizer-not-carried');

it('leaves the DR stack the App\'s defaultStackSynthesizer, all its settings, when the user\'s stack has it too (review r60D F1)', () => {
  // Before, the DR stack got a DefaultStackSynthesizer of the qualifier alone: the default role names and bucket of
  // qualifier acme1, which this organization's bootstrap does not have, and a bootstrap version rule.
  const synth = synthProtected((app) => new Stack(app, 'Shop', { env: { account: '123456789012', region: 'eu-west-1' } }), { defaultStackSynthesizer: acmeSynthesizer() });
  expect(synth.synthError).toBeUndefined();
  const drArtifact = stackArtifact(synth, synth.built.dr);
  expect(drArtifact.assumeRoleArn).toContain(':role/acme-deploy-us-west-2');
  expect((drArtifact.template as { Rules?: Record<string, unknown> }).Rules?.CheckBootstrapVersion).toBeUndefined();
  expect(drArtifact.assumeRoleArn).toBe(stackArtifact(synth, synth.built.shop).assumeRoleArn?.replace('eu-west-1', 'us-west-2'));
});

it('gives the DR stack a copy of a stack\'s own DefaultStackSynthesizer, all its settings (review r60H F1)', () => {
  // Before, a synthesizer setting more than its qualifier was not copied and the DR stack silently got CDK's default
  // (qualifier hnb659fds), whose deploy 'is not bootstrapped' in an organization of its own bootstrap.
  const synth = synthProtected((app) => new Stack(app, 'Shop', { env: { account: '123456789012', region: 'eu-west-1' }, synthesizer: acmeSynthesizer() }));
  expect(synth.synthError).toBeUndefined();
  const drArtifact = stackArtifact(synth, synth.built.dr);
  expect(drArtifact.assumeRoleArn).toBe('arn:${AWS::Partition}:iam::123456789012:role/acme-deploy-us-west-2');
  expect((drArtifact.template as { Rules?: Record<string, unknown> }).Rules?.CheckBootstrapVersion).toBeUndefined();
  expect(synthesizerWarnings(synth)).toEqual([]);
});

it('gives the DR stack a copy of a qualifier with generateBootstrapVersionRule false, and of a CliCredentialsStackSynthesizer (review r60H F1)', () => {
  const env = { account: '123456789012', region: 'eu-west-1' };
  const plain = synthProtected((app) => new Stack(app, 'Shop', { env, synthesizer: new DefaultStackSynthesizer({ qualifier: 'acme1', generateBootstrapVersionRule: false }) }));
  expect(plain.synthError).toBeUndefined();
  const drArtifact = stackArtifact(plain, plain.built.dr);
  expect(drArtifact.assumeRoleArn).toContain('cdk-acme1-deploy-role-123456789012-us-west-2');
  expect((drArtifact.template as { Rules?: Record<string, unknown> }).Rules?.CheckBootstrapVersion).toBeUndefined();
  const cli = synthProtected((app) => new Stack(app, 'Shop', { env, synthesizer: new CliCredentialsStackSynthesizer({ qualifier: 'acme1' }) }));
  expect(cli.synthError).toBeUndefined();
  expect(cli.built.dr.synthesizer).toBeInstanceOf(CliCredentialsStackSynthesizer);
  expect(cli.built.dr.synthesizer.bootstrapQualifier).toBe('acme1');
  expect(synthesizerWarnings(plain)).toEqual([]);
  expect(synthesizerWarnings(cli)).toEqual([]);
});

class AcmeSynthesizer extends DefaultStackSynthesizer {}

it.each([
  ['a subclass', () => new AcmeSynthesizer({ qualifier: 'acme1' }), 'AcmeSynthesizer is not a plain DefaultStackSynthesizer', undefined],
  ['a LegacyStackSynthesizer', () => new LegacyStackSynthesizer(), 'LegacyStackSynthesizer is not a plain DefaultStackSynthesizer', undefined],
  [
    'settings naming the user\'s region',
    () => new DefaultStackSynthesizer({ qualifier: 'acme1', deployRoleArn: 'arn:aws:iam::123456789012:role/acme-deploy-eu-west-1' }),
    'name the region eu-west-1 literally',
    undefined,
  ],
  [
    // Review r60L F2: copied without a word, the DR stack's Lambdas named the code bucket of the user's region.
    'a fileAssetsBucketName without ${AWS::Region}',
    () => new DefaultStackSynthesizer({ qualifier: 'acme1', fileAssetsBucketName: 'acme-assets-${AWS::AccountId}' }),
    "fileAssetsBucketName acme-assets-${AWS::AccountId} has no ${AWS::Region}: an S3 bucket name is global",
    undefined,
  ],
  [
    'settings CDK stores where they are not read',
    () => new DefaultStackSynthesizer({ qualifier: 'acme1' }),
    'cannot be read from this version of aws-cdk-lib',
    // Hidden from the protection alone, as a CDK keeping them elsewhere would have them: CDK itself still reads them.
    (shop: Stack) => {
      const given = Object.getPrototypeOf(shop.synthesizer) as { props: unknown };
      const props = given.props;
      Object.defineProperty(given, 'props', { get: () => (new Error().stack?.includes('drStackSynthesizerLike') ? undefined : props) });
    },
  ],
])('warns at synth when the DR stack cannot take the stack\'s synthesizer: %s (review r60H F1)', (_case, synthesizer: () => IStackSynthesizer, reason, afterBind: ((shop: Stack) => void) | undefined) => {
  // Before, the DR stack silently got CDK's default synthesizer of qualifier hnb659fds.
  const synth = synthProtected((app) => {
    const shop = new Stack(app, 'Shop', { env: { account: '123456789012', region: 'eu-west-1' }, synthesizer: synthesizer() });
    afterBind?.(shop);
    return shop;
  });
  expect(synth.synthError).toBeUndefined();
  expect(stackArtifact(synth, synth.built.dr).assumeRoleArn).toContain('cdk-hnb659fds-deploy-role');
  const [warning, ...more] = synthesizerWarnings(synth);
  expect(more).toEqual([]);
  const text = String(warning?.entry.data);
  expect(text).toContain(reason);
  expect(text).toContain('the DR stack Shop-LifeboatDR');
  expect(text).toContain('bootstrap qualifier hnb659fds');
  expect(text).toContain('pass it as drStack');
});

it.each([
  ['the user\'s stack has it too', undefined],
  ['the user\'s own synthesizer is not carried', () => new LegacyStackSynthesizer()],
])('warns at synth when the DR stack inherits an App default whose fileAssetsBucketName has no ${AWS::Region}: %s (review r60N F1)', (_case, own: (() => IStackSynthesizer) | undefined) => {
  // Before, the DR stack took it without a word and its Lambdas named the code bucket of the primary region.
  const synth = synthProtected(
    (app) => new Stack(app, 'Shop', { env: { account: '123456789012', region: 'eu-west-1' }, ...(own ? { synthesizer: own() } : {}) }),
    { defaultStackSynthesizer: new DefaultStackSynthesizer({ qualifier: 'acme1', fileAssetsBucketName: 'acme-assets-${AWS::AccountId}' }) },
  );
  expect(synth.synthError).toBeUndefined();
  const [warning, ...more] = warningsOf('lifeboat:dr-synthesizer-regionless-bucket')(synth);
  expect(more).toEqual([]);
  const text = String(warning?.entry.data);
  expect(text).toContain("the DR stack Shop-LifeboatDR (Shop-LifeboatDR) inherits the App's defaultStackSynthesizer");
  expect(text).toContain('fileAssetsBucketName acme-assets-${AWS::AccountId} has no ${AWS::Region}');
  expect(text).toContain('pass it as drStack');
});

it('does not warn of the App default\'s bucket when its fileAssetsBucketName has ${AWS::Region} (review r60N F1)', () => {
  const synth = synthProtected((app) => new Stack(app, 'Shop', { env: { account: '123456789012', region: 'eu-west-1' } }), { defaultStackSynthesizer: acmeSynthesizer() });
  expect(warningsOf('lifeboat:dr-synthesizer-regionless-bucket')(synth)).toEqual([]);
});

describe('a drStack of the user\'s whose code bucket is the primary region\'s (review r60O F3)', () => {
  const env = { account: '123456789012', region: 'eu-west-1' };
  const drEnv = { account: '123456789012', region: 'us-west-2' };
  const regionless = () => new DefaultStackSynthesizer({ qualifier: 'acme1', fileAssetsBucketName: 'acme-assets-${AWS::AccountId}' });
  const regionlessWarnings = warningsOf('lifeboat:dr-synthesizer-regionless-bucket');

  it('warns at synth when it inherits an App default whose fileAssetsBucketName has no ${AWS::Region}', () => {
    // Before, only the DR stack Lifeboat makes was looked at: this one's Lambdas named the primary region's code bucket without a word.
    const synth = synthProtected((app) => new Stack(app, 'Shop', { env }), {
      defaultStackSynthesizer: regionless(),
      drStack: (app) => new Stack(app, 'ShopDr', { env: drEnv }),
    });
    expect(synth.synthError).toBeUndefined();
    const [warning, ...more] = regionlessWarnings(synth);
    expect(more).toEqual([]);
    const text = String(warning?.entry.data);
    expect(text).toContain("the drStack ShopDr (ShopDr) has no synthesizer of its own and inherits the App's defaultStackSynthesizer");
    expect(text).toContain('fileAssetsBucketName acme-assets-${AWS::AccountId} has no ${AWS::Region}: an S3 bucket name is global');
    expect(text).toContain('Give the drStack a synthesizer whose fileAssetsBucketName names us-west-2 (or ${AWS::Region})');
  });

  it('warns at synth when its own synthesizer has the primary stack\'s fileAssetsBucketName without ${AWS::Region}', () => {
    const synth = synthProtected((app) => new Stack(app, 'Shop', { env, synthesizer: regionless() }), {
      drStack: (app) => new Stack(app, 'ShopDr', { env: drEnv, synthesizer: regionless() }),
    });
    expect(synth.synthError).toBeUndefined();
    const [warning, ...more] = regionlessWarnings(synth);
    expect(more).toEqual([]);
    const text = String(warning?.entry.data);
    expect(text).toContain("the drStack ShopDr (ShopDr) has a synthesizer whose fileAssetsBucketName acme-assets-${AWS::AccountId} is the one of Shop's synthesizer (Shop)");
    expect(text).toContain('Give the drStack a synthesizer whose fileAssetsBucketName names us-west-2');
  });

  const named = (qualifier: string, fileAssetsBucketName: string) => () => new DefaultStackSynthesizer({ qualifier, fileAssetsBucketName });
  it.each([
    ['a synthesizer whose bucket names the DR region', named('acme1', 'acme-assets-${AWS::AccountId}-us-west-2')],
    ['a synthesizer whose bucket has ${AWS::Region}', acmeSynthesizer],
    ['a region-less bucket of another name than the primary stack\'s', named('acme1', 'acme-dr-assets-${AWS::AccountId}')],
  ])('does not warn when it has %s', (_case, drSynthesizer: () => IStackSynthesizer) => {
    // The App default is region-less too: only the drStack's own synthesizer counts.
    const synth = synthProtected((app) => new Stack(app, 'Shop', { env, synthesizer: regionless() }), {
      defaultStackSynthesizer: regionless(),
      drStack: (app) => new Stack(app, 'ShopDr', { env: drEnv, synthesizer: drSynthesizer() }),
    });
    expect(synth.synthError).toBeUndefined();
    expect(regionlessWarnings(synth)).toEqual([]);
  });

  it('warns of a protection in a NestedStack whose drStack has the top-level stack\'s fileAssetsBucketName (review r61C F1)', () => {
    // Before, the NestedStack's synthesizer (which stores no props) was compared: no warning.
    const synth = synthesizeApp((app) => {
      const parent = new Stack(app, 'Shop', { env, synthesizer: regionless() });
      const inner = new NestedStack(parent, 'Inner');
      const drStack = new Stack(app, 'ShopDr', { env: drEnv, synthesizer: regionless() });
      new LifeboatProtection(inner, 'Lifeboat', { prefix: 'shop', drRegion: 'us-west-2', drStack, notifications: { emails: ['a@example.com'] }, plans: [plan(new s3.Bucket(inner, 'B'))] });
      return { parent };
    });
    expect(synth.synthError).toBeUndefined();
    const artifact = synth.app.synth().getStackArtifact(synth.built.parent.artifactId);
    const [warning, ...more] = artifact.messages.filter((m) => String(m.entry.data).includes('lifeboat:dr-synthesizer-regionless-bucket'));
    expect(more).toEqual([]);
    expect(warning?.id).toBe('/Shop/Inner');
    // The top-level stack's name, not the NestedStack's (a token).
    expect(String(warning?.entry.data)).toContain("the drStack ShopDr (ShopDr) has a synthesizer whose fileAssetsBucketName acme-assets-${AWS::AccountId} is the one of Shop's synthesizer (Shop)");
  });

  it.each([
    ['its own synthesizer has the primary stack\'s fileAssetsBucketName', { synthesizer: regionless() }, undefined, 'which has a synthesizer whose fileAssetsBucketName acme-assets-${AWS::AccountId} is the one of Shop\'s synthesizer (Shop)'],
    ['it inherits an App default whose fileAssetsBucketName has no ${AWS::Region}', {}, regionless, "which has no synthesizer of its own and inherits the App's defaultStackSynthesizer"],
  ])('warns of a drStack that is a NestedStack whose top-level stack %s (review r61N F2)', (_case, parentProps, appDefault: (() => DefaultStackSynthesizer) | undefined, whose) => {
    // Before, the NestedStack's synthesizer (which stores no props) was read: no warning.
    const synth = synthProtected((app) => new Stack(app, 'Shop', { env, ...(appDefault ? {} : { synthesizer: regionless() }) }), {
      ...(appDefault ? { defaultStackSynthesizer: appDefault() } : {}),
      drStack: (app) => new NestedStack(new Stack(app, 'ShopDrParent', { env: drEnv, ...parentProps }), 'DrInner'),
    });
    expect(synth.synthError).toBeUndefined();
    const [warning, ...more] = regionlessWarnings(synth);
    expect(more).toEqual([]);
    const text = String(warning?.entry.data);
    expect(text).toContain(`the drStack ShopDrParent/DrInner, a NestedStack, deploys with its top-level stack ShopDrParent (ShopDrParent), ${whose}`);
    expect(text).toContain('Give ShopDrParent a synthesizer whose fileAssetsBucketName names us-west-2');
  });

  it.each([
    ['the DR stack Lifeboat makes', false],
    ['a drStack of the user\'s', true],
  ])('warns when another stack of the App, made after the protection, has the bucket in the DR account and another region: %s (review r61N F1)', (_case, ownDrStack) => {
    // Before, a DR stack in another account inheriting acme-assets-${AWS::AccountId} was never warned of, though
    // ShopB (222222222222, eu-west-1) takes acme-assets-222222222222 too: one bucket, of one of the two regions.
    const synth = synthesizeApp(
      (app) => {
        const shopA = new Stack(app, 'ShopA', { env: { account: '111111111111', region: 'eu-west-1' } });
        const drStack = ownDrStack ? { drStack: new Stack(app, 'ShopADr', { env: { account: '222222222222', region: 'us-west-2' } }) } : {};
        new LifeboatProtection(shopA, 'Lifeboat', { prefix: 'shopa', drRegion: 'us-west-2', drAccount: '222222222222', ...drStack, notifications: { emails: ['a@example.com'] }, plans: [plan(new s3.Bucket(shopA, 'B'))] });
        new s3.Bucket(new Stack(app, 'ShopB', { env: { account: '222222222222', region: 'eu-west-1' } }), 'X');
        return { shop: shopA };
      },
      { defaultStackSynthesizer: regionless() },
    );
    expect(synth.synthError).toBeUndefined();
    const warnings = synth.app.synth().getStackArtifact(synth.built.shop.artifactId).messages.filter((m) => String(m.entry.data).includes('lifeboat:dr-synthesizer-regionless-bucket'));
    expect(warnings).toHaveLength(1);
    const text = String(warnings[0]?.entry.data);
    expect(text).toContain(ownDrStack ? "the drStack ShopADr (ShopADr) has no synthesizer of its own and inherits the App's defaultStackSynthesizer" : "the DR stack ShopA-LifeboatDR (ShopA-LifeboatDR) inherits the App's defaultStackSynthesizer");
    expect(text).toContain('in the account 222222222222 it is the bucket of ShopB (ShopB) of eu-west-1 too');
  });

  it('warns of each DR stack of an App of two stacks each other\'s DR, of one region-less App default (review r61N F1)', () => {
    const synth = synthesizeApp(
      (app) => {
        const shops = [
          new Stack(app, 'ShopA', { env: { account: '111111111111', region: 'eu-west-1' } }),
          new Stack(app, 'ShopB', { env: { account: '222222222222', region: 'eu-west-1' } }),
        ];
        for (const [shop, drAccount] of [[shops[0]!, '222222222222'], [shops[1]!, '111111111111']] as const) {
          new LifeboatProtection(shop, 'Lifeboat', { prefix: shop.stackName.toLowerCase(), drRegion: 'us-west-2', drAccount, notifications: { emails: ['a@example.com'] }, plans: [plan(new s3.Bucket(shop, 'B'))] });
        }
        return { shops };
      },
      { defaultStackSynthesizer: regionless() },
    );
    expect(synth.synthError).toBeUndefined();
    const assembly = synth.app.synth();
    const texts = synth.built.shops.map((shop) =>
      assembly.getStackArtifact(shop.artifactId).messages.filter((m) => String(m.entry.data).includes('lifeboat:dr-synthesizer-regionless-bucket')).map((m) => String(m.entry.data)),
    );
    expect(texts.map((t) => t.length)).toEqual([1, 1]);
    expect(texts[0]?.[0]).toContain('in the account 222222222222 it is the bucket of ShopB (ShopB) of eu-west-1 too');
    expect(texts[1]?.[0]).toContain('in the account 111111111111 it is the bucket of ShopA (ShopA) of eu-west-1 too');
  });

  it('is silenced by an acknowledgement on the App made after building, as `cdk synth --strict` needs (review r61X F1)', () => {
    // Before, the warning was added only as synth validated the tree, where CDK looks for an acknowledgement on the
    // stack's path and its parents' but not the App's: acknowledged on the App it came back.
    const synth = synthesizeApp((app) => {
      const shop = new Stack(app, 'Shop', { env, synthesizer: regionless() });
      const protection = new LifeboatProtection(shop, 'Lifeboat', {
        prefix: 'shop',
        drRegion: 'us-west-2',
        drStack: new Stack(app, 'ShopDr', { env: drEnv, synthesizer: regionless() }),
        notifications: { emails: ['a@example.com'] },
        plans: [plan(new s3.Bucket(shop, 'B'))],
      });
      Annotations.of(app).acknowledgeWarning('lifeboat:dr-synthesizer-regionless-bucket', 'the DR region has its own bucket of that name');
      return { shop, dr: protection.drStack };
    });
    expect(synth.synthError).toBeUndefined();
    expect(regionlessWarnings(synth)).toEqual([]);
  });

  it('is silenced by an acknowledgement on the App when only a stack made after the protection shares the bucket (review r61X F1)', () => {
    const synth = synthesizeApp(
      (app) => {
        const shop = new Stack(app, 'ShopA', { env: { account: '111111111111', region: 'eu-west-1' } });
        const protection = new LifeboatProtection(shop, 'Lifeboat', { prefix: 'shopa', drRegion: 'us-west-2', drAccount: '222222222222', notifications: { emails: ['a@example.com'] }, plans: [plan(new s3.Bucket(shop, 'B'))] });
        new Stack(app, 'ShopB', { env: { account: '222222222222', region: 'eu-west-1' } });
        Annotations.of(app).acknowledgeWarning('lifeboat:dr-synthesizer-regionless-bucket', 'known');
        return { shop, dr: protection.drStack };
      },
      { defaultStackSynthesizer: regionless() },
    );
    expect(synth.synthError).toBeUndefined();
    expect(regionlessWarnings(synth)).toEqual([]);
  });

  it.each([
    ['of the primary stack\'s qualifier', named('acme1', 'acme-assets-${AWS::AccountId}-eu-west-1'), acmeSynthesizer],
    ['of CDK\'s default bootstrap, beside a primary stack of CDK\'s default synthesizer', named('hnb659fds', 'cdk-hnb659fds-assets-123456789012-eu-west-1'), undefined],
  ])('warns at synth when its own synthesizer\'s bucket names the primary region literally: %s (review r61C F2)', (_case, drSynthesizer, primarySynthesizer: (() => IStackSynthesizer) | undefined) => {
    // Before, a region spelled out was taken for the DR region's: no warning.
    const synth = synthProtected((app) => new Stack(app, 'Shop', { env, ...(primarySynthesizer ? { synthesizer: primarySynthesizer() } : {}) }), {
      drStack: (app) => new Stack(app, 'ShopDr', { env: drEnv, synthesizer: drSynthesizer() }),
    });
    expect(synth.synthError).toBeUndefined();
    const [warning, ...more] = regionlessWarnings(synth);
    expect(more).toEqual([]);
    const text = String(warning?.entry.data);
    expect(text).toContain('has a synthesizer whose fileAssetsBucketName');
    expect(text).toContain('-eu-west-1 names the region eu-west-1 literally, the region of Shop (Shop)');
    expect(text).toContain('Give the drStack a synthesizer whose fileAssetsBucketName names us-west-2');
  });

  it.each([
    ['a drStack in another account inherits a default of ${AWS::AccountId}', acmeSynthesizer, { drAccount: '222222222222', drStack: (app: Construct) => new Stack(app, 'ShopDr', { env: { account: '222222222222', region: 'us-west-2' } }) }, regionless],
    ['the DR stack Lifeboat makes in another account inherits a default of ${AWS::AccountId}', undefined, { drAccount: '222222222222' }, regionless],
    ['a drStack inherits a default whose bucket names the DR region', acmeSynthesizer, { drStack: (app: Construct) => new Stack(app, 'ShopDr', { env: drEnv }) }, named('acme1', 'acme-assets-${AWS::AccountId}-us-west-2')],
  ])('does not warn when %s (review r61C F3)', (_case, primarySynthesizer: (() => IStackSynthesizer) | undefined, options, appDefault) => {
    // Before, any inherited region-less name was warned of: another account's bucket, or the DR region's, failed `cdk synth --strict`.
    const synth = synthProtected((app) => new Stack(app, 'Shop', { env, ...(primarySynthesizer ? { synthesizer: primarySynthesizer() } : {}) }), {
      defaultStackSynthesizer: appDefault(),
      ...options,
    });
    expect(synth.synthError).toBeUndefined();
    expect(regionlessWarnings(synth)).toEqual([]);
  });

  it('does not warn when the primary stack\'s written bucket name is of another bootstrap qualifier there', () => {
    const synth = synthProtected((app) => new Stack(app, 'Shop', { env, synthesizer: named('acme1', 'assets-${Qualifier}-${AWS::AccountId}')() }), {
      drStack: (app) => new Stack(app, 'ShopDr', { env: drEnv, synthesizer: named('acme2', 'assets-${Qualifier}-${AWS::AccountId}')() }),
    });
    expect(synth.synthError).toBeUndefined();
    expect(regionlessWarnings(synth)).toEqual([]);
  });
});

it('takes a boundary policy of the user\'s account by its name in the DR account, for a DR stack in another account (review r60D F2)', () => {
  // Before, every DR role named arn:aws:iam::111111111111:policy/org-boundary, which CreateRole in 222222222222 refuses.
  const synth = synthProtected(
    (app) =>
      new Stack(app, 'Shop', {
        env: { account: '111111111111', region: 'eu-west-1' },
        permissionsBoundary: PermissionsBoundary.fromArn('arn:aws:iam::111111111111:policy/org-boundary'),
      }),
    { drAccount: '222222222222' },
  );
  expect(synth.synthError).toBeUndefined();
  const drTemplate = stackArtifact(synth, synth.built.dr).template as Template;
  expect(roles(drTemplate).length).toBeGreaterThan(0);
  expect(new Set(roles(drTemplate).map((r) => r.Properties?.PermissionsBoundary))).toEqual(new Set(['arn:aws:iam::222222222222:policy/org-boundary']));
  expect(new Set(roles(stackArtifact(synth, synth.built.shop).template as Template).map((r) => r.Properties?.PermissionsBoundary))).toEqual(
    new Set(['arn:aws:iam::111111111111:policy/org-boundary']),
  );
});

const boundaryWarnings = (synth: ReturnType<typeof synthShop>) =>
  stackArtifact(synth, synth.built.shop).messages.filter((m) => String(m.entry.data).includes('lifeboat:dr-boundary-not-carried'));

it('warns at synth when the user\'s stack\'s boundary is an Aspect, which does not reach the DR stack (review r60D F3)', () => {
  const synth = synthProtected((app) => {
    const shop = new Stack(app, 'Shop', { env: { account: '123456789012', region: 'eu-west-1' } });
    iam.PermissionsBoundary.of(shop).apply(iam.ManagedPolicy.fromManagedPolicyName(shop, 'Boundary', 'org-boundary'));
    return shop;
  });
  expect(synth.synthError).toBeUndefined();
  expect(unbounded(stackArtifact(synth, synth.built.shop).template as Template)).toBe(0);
  expect(unbounded(stackArtifact(synth, synth.built.dr).template as Template)).toBeGreaterThan(0);
  const [warning, ...more] = boundaryWarnings(synth);
  expect(more).toEqual([]);
  expect(String(warning?.entry.data)).toContain('iam.PermissionsBoundary.of(protection.drStack).apply');
});

it('does not warn when only a role of the user\'s own has a boundary, by its own prop (review r60H F2)', () => {
  // Before, one bounded role of the user's stack (1 of 41) warned 'a boundary applied as an Aspect…', which was false
  // and failed cdk synth --strict.
  const synth = synthProtected((app) => {
    const shop = new Stack(app, 'Shop', { env: { account: '123456789012', region: 'eu-west-1' } });
    new iam.Role(shop, 'Own', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'), permissionsBoundary: iam.ManagedPolicy.fromManagedPolicyName(shop, 'Boundary', 'own-boundary') });
    return shop;
  });
  expect(synth.synthError).toBeUndefined();
  expect(unbounded(stackArtifact(synth, synth.built.dr).template as Template)).toBeGreaterThan(0);
  expect(boundaryWarnings(synth)).toEqual([]);
});

it('does not warn when the boundary is applied to the DR stack too, as the warning says', () => {
  const synth = synthesizeApp((app) => {
    const shop = new Stack(app, 'Shop', { env: { account: '123456789012', region: 'eu-west-1' } });
    const protection = new LifeboatProtection(shop, 'Lifeboat', { prefix: 'shop', drRegion: 'us-west-2', notifications: { emails: ['a@example.com'] }, plans: [plan(new s3.Bucket(shop, 'B'))] });
    for (const stack of [shop, protection.drStack]) iam.PermissionsBoundary.of(stack).apply(iam.ManagedPolicy.fromManagedPolicyName(stack, 'Boundary', 'org-boundary'));
    return { shop, dr: protection.drStack };
  });
  expect(synth.synthError).toBeUndefined();
  expect(unbounded(stackArtifact(synth, synth.built.dr).template as Template)).toBe(0);
  expect(boundaryWarnings(synth)).toEqual([]);
});

it('carries no tag whose value is a token of the user\'s stack, and says so, where synth failed on a cyclic reference (review r60D F4)', () => {
  const synth = synthProtected((app) => {
    const shop = new Stack(app, 'Shop', { env: { account: '123456789012', region: 'eu-west-1' } });
    Tags.of(shop).add('version', new CfnParameter(shop, 'Version', { default: '1' }).valueAsString);
    Tags.of(shop).add('team', 'storage');
    return shop;
  });
  expect(synth.synthError).toBeUndefined();
  const drArtifact = stackArtifact(synth, synth.built.dr);
  expect(drArtifact.tags).toEqual(expect.objectContaining({ team: 'storage' }));
  expect(drArtifact.tags).not.toHaveProperty('version');
  const warnings = stackArtifact(synth, synth.built.shop).messages.filter((m) => String(m.entry.data).includes('lifeboat:dr-tag-not-carried-version'));
  expect(warnings).toHaveLength(1);
  expect(String(warnings[0]?.entry.data)).toContain("Tags.of(protection.drStack).add('version', …)");
});

it('carries a tag of a pseudo parameter or a Lazy constant, which references nothing of the user\'s stack (review r60H F3)', () => {
  // Before, every token was left out: a tag of Aws.ACCOUNT_ID or of a Lazy literal was not on the DR stack.
  const synth = synthProtected((app) => {
    const shop = new Stack(app, 'Shop', { env: { account: '123456789012', region: 'eu-west-1' } });
    Tags.of(shop).add('account', Aws.ACCOUNT_ID);
    Tags.of(shop).add('release', Lazy.string({ produce: () => 'r7' }));
    return shop;
  });
  expect(synth.synthError).toBeUndefined();
  const vault = Object.values((stackArtifact(synth, synth.built.dr).template as Template).Resources).find((r) => r.Type === 'AWS::S3::Bucket');
  expect(vault?.Properties?.Tags).toEqual(expect.arrayContaining([{ Key: 'account', Value: { Ref: 'AWS::AccountId' } }, { Key: 'release', Value: 'r7' }]));
  expect(stackArtifact(synth, synth.built.shop).messages.filter((m) => String(m.entry.data).includes('lifeboat:dr-tag'))).toEqual([]);
});

it('carries no tag whose key is a token of the user\'s stack, and says so, where synth failed on a cyclic reference (review r60H F3)', () => {
  const synth = synthProtected((app) => {
    const shop = new Stack(app, 'Shop', { env: { account: '123456789012', region: 'eu-west-1' } });
    Tags.of(shop).add(new CfnParameter(shop, 'TagKey', { default: 'k' }).valueAsString, 'v');
    Tags.of(shop).add('team', 'storage');
    return shop;
  });
  expect(synth.synthError).toBeUndefined();
  const drArtifact = stackArtifact(synth, synth.built.dr);
  const vault = Object.values((drArtifact.template as Template).Resources).find((r) => r.Type === 'AWS::S3::Bucket');
  expect(vault?.Properties?.Tags).toEqual([{ Key: 'team', Value: 'storage' }]);
  const warnings = stackArtifact(synth, synth.built.shop).messages.filter((m) => String(m.entry.data).includes('lifeboat:dr-tag-key-not-carried'));
  expect(warnings).toHaveLength(1);
  expect(String(warnings[0]?.entry.data)).toContain('tag {"Ref":"TagKey"} of Shop refers to a resource or parameter of this stack');
});
