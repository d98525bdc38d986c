import { CfnParameter, DefaultStackSynthesizer, PermissionsBoundary, Stack, Stage, Tags } from 'aws-cdk-lib';
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

function synthProtected(build: (scope: Construct) => Stack, options: { defaultStackSynthesizer?: DefaultStackSynthesizer; drAccount?: string } = {}) {
  return synthesizeApp(
    (app) => {
      const shop = build(app);
      const protection = new LifeboatProtection(shop, 'Lifeboat', {
        prefix: 'shop',
        drRegion: 'us-west-2',
        ...(options.drAccount !== undefined ? { drAccount: options.drAccount } : {}),
        notifications: { emails: ['a@example.com'] },
        plans: [plan(new s3.Bucket(shop, 'B'))],
      });
      return { shop, dr: protection.drStack };
    },
    options.defaultStackSynthesizer ? { defaultStackSynthesizer: options.defaultStackSynthesizer } : {},
  );
}

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

it('gives the DR stack no copy of a stack\'s own DefaultStackSynthesizer that sets more than its qualifier', () => {
  const synth = synthProtected((app) => new Stack(app, 'Shop', { env: { account: '123456789012', region: 'eu-west-1' }, synthesizer: acmeSynthesizer() }));
  expect(synth.synthError).toBeUndefined();
  // A copy of the qualifier alone would name cdk-acme1-deploy-role, which this bootstrap does not have: the app's default it is, and drStack is the way.
  expect(stackArtifact(synth, synth.built.dr).assumeRoleArn).not.toContain('acme1');
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
