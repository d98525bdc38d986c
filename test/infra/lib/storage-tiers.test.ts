import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { InvalidLifeboatPropsError, type LifeboatPlan, LifeboatProtection, LifeboatSource } from '../../../lib';
import { runCfnLint } from '../../../local/assembly/deploy-checks/cfn-lint-runner';
import { formatFindings } from '../../../local/assembly/deploy-checks/deploy-check-finding';
import { loadIamActionCatalog } from '../../../local/assembly/deploy-checks/iam-action-catalog';
import { runOfflineDeployChecks } from '../../../local/assembly/deploy-checks/offline-deploy-checks';
import { policyActions } from '../../../local/assembly/deploy-checks/policy-documents';
import { stackTemplateFiles } from '../../../local/assembly/deploy-checks/stack-template-files';
import { type CfnTemplate, type SynthesizedStack } from '../../../local/assembly/synthesized-stack';
import { tempOutdir } from '../../support/temp-outdir';
import { CFN_LINT_IGNORED_RULES } from '../deploy-checks/cfn-lint-ignored-rules';
import { USER_APP_ENV } from './user-app-fixture';
import { type LifeboatConfig } from '../../../config/lifeboat-config';
import { loadLifeboatConfig, parseLifeboatConfig } from '../../../config/load-config';
import { buildLifeboatApp } from '../../../lib/lifeboat-app';
import { resourceNames } from '../../../lib/stacks/resource-names';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';
import { sampleEnvironmentTemplates } from './sample-environment-templates';
import { synthesizeApp } from './synth-app';

/**
 * Storage tiers in the templates (docs/ARCHITECTURE.md, "Storage tiers"): the sample config with a second plan that
 * archives, synthesized under cdk-nag. One lifecycle rule per plan with `storage`, on both vaults, selecting its packs by
 * prefix and tag; the pack writers may tag; the restore runbooks (primary and DR), the drill and the failover get the
 * thaw loop, and its function may RestoreObject packs only.
 */
const sample = loadLifeboatConfig(SAMPLE_CONFIG_FILE);
const [env] = sample.environments;
if (!env) throw new Error('the sample config defines an environment');
const demo = env.plans[0];
if (!demo) throw new Error('the sample config defines a plan');
const config: LifeboatConfig = parseLifeboatConfig(
  {
    environments: [
      {
        ...env,
        plans: [
          { ...demo, storage: { transition: { storageClass: 'STANDARD_IA', afterDays: 30 } } },
          {
            ...demo,
            name: 'yearly',
            sources: [{ type: 's3', name: 'yearly-assets', bucket: 'lifeboat-yearly-assets', prefix: '' }],
            storage: { transition: { storageClass: 'GLACIER_IR', afterDays: 30 }, archive: { storageClass: 'DEEP_ARCHIVE', afterDays: 365 } },
          },
        ],
      },
    ],
  },
  'test',
);
const synthesized = synthesizeApp((app) => buildLifeboatApp(app, config), { nag: true });
const dev = synthesized.built.get(env.name);
if (!dev) throw new Error('no dev environment');
const primary = Template.fromStack(dev.primary);
const dr = Template.fromStack(dev.dr);
const names = resourceNames(env);

it('synthesizes with no unacknowledged cdk-nag finding', () => {
  expect(synthesized.violations()).toEqual([]);
  expect(synthesized.synthError).toBeUndefined();
});

it('gives both vaults one lifecycle rule per plan with storage, on data/ and the plan\'s tier tag; nothing else moves', () => {
  for (const [template, bucketName] of [
    [primary, names.primaryVault],
    [dr, names.drVault],
  ] as const) {
    const [vault] = Object.values(template.findResources('AWS::S3::Bucket', { Properties: { BucketName: bucketName } }));
    const rules = (vault?.Properties?.LifecycleConfiguration as { Rules: Record<string, unknown>[] }).Rules;
    expect(rules.filter((r) => r.Transitions !== undefined)).toEqual([
      { Id: 'lifeboat-tier-demo', Prefix: 'data/', TagFilters: [{ Key: 'lifeboat-tier', Value: 'demo' }], Status: 'Enabled', Transitions: [{ StorageClass: 'STANDARD_IA', TransitionInDays: 30 }] },
      {
        Id: 'lifeboat-tier-yearly',
        Prefix: 'data/',
        TagFilters: [{ Key: 'lifeboat-tier', Value: 'yearly' }],
        Status: 'Enabled',
        Transitions: [
          { StorageClass: 'GLACIER_IR', TransitionInDays: 30 },
          { StorageClass: 'DEEP_ARCHIVE', TransitionInDays: 365 },
        ],
      },
    ]);
    // Index, manifest, snapshot, key and config objects are never selected by a transition.
    for (const rule of rules) if (rule.Transitions !== undefined) expect(rule.Prefix).toBe('data/');
  }
});

type Statement = { Action: string | string[]; Resource: unknown };
function statementsOf(template: Template, handler: string): Statement[] {
  const fns = template.findResources('AWS::Lambda::Function', { Properties: { Environment: { Variables: Match.objectLike({ LIFEBOAT_HANDLER: handler }) } } });
  const roleRefs = Object.values(fns).map((fn) => (fn.Properties?.Role as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt']?.[0]);
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p) => roleRefs.some((ref) => JSON.stringify(p.Properties?.Roles).includes(`"${ref}"`)))
    .flatMap((p) => (p.Properties?.PolicyDocument as { Statement: Statement[] }).Statement);
}
const withAction = (statements: Statement[], action: string) => statements.filter((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]).includes(action));

it('lets the pack writers tag packs, and only packs', () => {
  for (const handler of ['snapshot-shard', 'replicate-backup']) {
    const tagging = withAction(statementsOf(primary, handler), 's3:PutObjectTagging');
    expect([handler, tagging.length]).toEqual([handler, 1]);
    expect(JSON.stringify(tagging[0]?.Resource)).toContain('/data/*');
    expect(JSON.stringify(tagging[0]?.Resource)).not.toMatch(/\/(index|manifest|snapshots|keys)\//);
  }
});

it('puts the thaw loop between planning and the shards of every restore (the runbooks and the drill\'s and failover\'s restore-source children), with RestoreObject on packs only', () => {
  const machines = (template: Template, stack: string) =>
    Object.values(template.findResources('AWS::StepFunctions::StateMachine')).map((m) => ({ stack, name: String(m.Properties?.StateMachineName), definition: JSON.stringify(m.Properties?.DefinitionString) }));
  const all = [...machines(primary, 'primary'), ...machines(dr, 'dr')];
  const checked = all.filter((m) => /-restore(-source)?$/.test(m.name));
  expect(checked.map((m) => `${m.stack}:${m.name}`).sort()).toEqual(
    [
      `dr:${names.restoreStateMachine}`,
      `dr:${names.drillRestoreSourceStateMachine}`,
      `dr:${names.failoverRestoreSourceStateMachine}`,
      `primary:${names.restoreStateMachine}`,
      `primary:${names.drillRestoreSourceStateMachine}`,
    ].sort(),
  );
  for (const { stack, name, definition } of checked) {
    expect([stack, name, definition.includes('\\"Thaw archived packs\\"'), definition.includes('\\"SecondsPath\\":\\"$.thaw.waitSeconds\\"')]).toEqual([stack, name, true, true]);
    expect(definition).toContain('\\"Variable\\":\\"$.thaw.pending\\",\\"NumericGreaterThan\\":0');
  }
  for (const template of [primary, dr]) {
    const restoreObject = withAction(statementsOf(template, 'thaw-restore'), 's3:RestoreObject');
    expect(restoreObject.length).toBeGreaterThan(0);
    for (const s of restoreObject) expect(JSON.stringify(s.Resource)).toMatch(/\/data\/\*/);
    for (const s of restoreObject) expect(JSON.stringify(s.Resource)).not.toMatch(/\/(index|manifest|snapshots|keys|restore-plans)\//);
  }
  // A thaw may take 48 hours before the restore itself: every runbook that thaws (restores, drills, the failover) and every
  // restore-source child allows 72, but for the drill's children, which stop a few hours before their drill so that it
  // can still clean up and record (254f77e7), and the failover, whose own timeout adds its approval wait and steps.
  const timed = all.filter((m) => /-(restore|restore-source|drill|failover)$/.test(m.name));
  expect(timed).toHaveLength(8);
  const longest = (definition: string) => Math.max(...[...definition.matchAll(/\\"TimeoutSeconds\\":(\d+)/g)].map((m) => Number(m[1])));
  for (const { stack, name, definition } of timed) {
    const seconds = longest(definition);
    if (name.endsWith('-drill-restore-source')) expect([stack, name, seconds < 259200 && seconds >= 259200 - 4 * 3600]).toEqual([stack, name, true]);
    else if (name.endsWith('-failover')) expect([stack, name, seconds > 259200]).toEqual([stack, name, true]);
    else expect([stack, name, seconds]).toEqual([stack, name, 259200]);
  }
});

it('gives the backup workflow a Wait loop for thaws of archived primary packs, and the replicate function RestoreObject on the primary\'s packs only', () => {
  const [backup] = Object.values(primary.findResources('AWS::StepFunctions::StateMachine', { Properties: { StateMachineName: names.backupStateMachine } }));
  const definition = JSON.stringify(backup?.Properties?.DefinitionString);
  expect(definition).toContain('\\"Wait for primary thaws\\":{\\"Type\\":\\"Wait\\"');
  expect(definition).toContain('\\"SecondsPath\\":\\"$.replication.thaw.waitSeconds\\",\\"Next\\":\\"Replicate to DR vault\\"');
  expect(definition).toContain('{\\"And\\":[{\\"Variable\\":\\"$.replication.thaw\\",\\"IsPresent\\":true},{\\"Variable\\":\\"$.replication.thaw.pending\\",\\"NumericGreaterThan\\":0}],\\"Next\\":\\"Wait for primary thaws\\"}');
  // The wait may last as long as a Deep Archive Bulk thaw (48 hours): the backup workflow allows 72, as the restores do.
  expect(definition).toContain('\\"TimeoutSeconds\\":259200');

  const restoreObject = withAction(statementsOf(primary, 'replicate-backup'), 's3:RestoreObject');
  const [vaultId] = Object.keys(primary.findResources('AWS::S3::Bucket', { Properties: { BucketName: names.primaryVault } }));
  expect(restoreObject.map((s) => [s.Action, s.Resource])).toEqual([['s3:RestoreObject', { 'Fn::Join': ['', [{ 'Fn::GetAtt': [vaultId, 'Arn'] }, '/data/*']] }]]);
});

it('has no thaw loop at all when no plan archives', async () => {
  // The sample config as it is, whose templates the run's synthesis cache holds.
  const template = (await sampleEnvironmentTemplates(env.name)).primary;
  expect(JSON.stringify(template.toJSON())).not.toContain('Thaw archived packs');
  expect(Object.keys(template.findResources('AWS::Lambda::Function', { Properties: { Environment: { Variables: Match.objectLike({ LIFEBOAT_HANDLER: 'thaw-restore' }) } } }))).toEqual([]);
  expect(JSON.stringify(template.toJSON())).not.toContain('Wait for primary thaws');
  expect(withAction(statementsOf(template, 'replicate-backup'), 's3:RestoreObject')).toEqual([]);
  const [backup] = Object.values(template.findResources('AWS::StepFunctions::StateMachine', { Properties: { StateMachineName: names.backupStateMachine } }));
  expect(JSON.stringify(backup?.Properties?.DefinitionString)).toContain('\\"TimeoutSeconds\\":86400');
});

it('validates LifeboatPlan.storage in props with the config schema, naming the field', () => {
  const stack = new Stack(new App({ outdir: tempOutdir() }), 'Shop', { env: USER_APP_ENV });
  const bucket = s3.Bucket.fromBucketName(stack, 'Bucket', 'some-bucket');
  const plan: LifeboatPlan = {
    name: 'yearly',
    schedule: 'rate(365 days)',
    strategy: 'full',
    retention: { keepYearly: 7 },
    objectives: { rpoMinutes: 525_600, rtoMinutes: 2880 },
    sources: [LifeboatSource.s3Bucket('assets', bucket)],
    storage: { transition: { storageClass: 'STANDARD_IA', afterDays: 10 }, archive: { storageClass: 'DEEP_ARCHIVE', afterDays: 20, retrievalTier: 'Expedited' } },
  };
  let error: unknown;
  try {
    new LifeboatProtection(stack, 'Lifeboat', { prefix: 'shop-prod', drRegion: 'us-west-2', plans: [plan] });
  } catch (err) {
    error = err;
  }
  expect(error).toBeInstanceOf(InvalidLifeboatPropsError);
  expect((error as InvalidLifeboatPropsError).issues).toEqual([
    'plans[0].storage.transition.afterDays: must be at least 30 for STANDARD_IA: S3 moves objects from Standard to Standard-IA only after 30 days',
    'plans[0].storage.archive.retrievalTier: S3 Glacier Deep Archive has no Expedited retrieval: use Standard (within 12 hours) or Bulk (within 48 hours)',
    'plans[0].storage.archive.afterDays: must be at least transition.afterDays + 30 (40): S3 keeps objects 30 days in STANDARD_IA before moving them on',
  ]);
});

it('finds nothing AWS would refuse at deploy time in the tiered stacks (ASL, comments, IAM actions, limits), nor cfn-lint where installed', async () => {
  const stacks: SynthesizedStack[] = [dev.primary, dev.dr].map((stack) => ({
    stackName: stack.stackName,
    role: stack === dev.dr ? ('dr' as const) : ('primary' as const),
    account: stack.account,
    region: stack.region,
    template: JSON.parse(readFileSync(path.join(synthesized.assemblyDir, stack.templateFile), 'utf8')) as CfnTemplate,
    assemblyDir: synthesized.assemblyDir,
  }));
  const findings = runOfflineDeployChecks(stacks, await loadIamActionCatalog(policyActions(stacks)));
  for (const [check, found] of Object.entries(findings)) expect(`${check}:\n${formatFindings(found)}`).toBe(`${check}:\n`);
  const files = stackTemplateFiles(synthesized.assemblyDir);
  const result = await runCfnLint(
    stacks.map((s) => ({ stack: s.stackName, path: files.get(s.stackName) ?? '', region: s.region })),
    { ignore: CFN_LINT_IGNORED_RULES },
  );
  if (result.ran) expect(formatFindings(result.findings)).toBe('');
  else console.warn(`cfn-lint not run on the tiered stacks: ${result.reason}`);
}, 120_000);
