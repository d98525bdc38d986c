import { type CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { type IConstruct } from 'constructs';
import { loadLifeboatConfig } from '../../../config/load-config';
import { type LifeboatConfig } from '../../../config/lifeboat-config';
import { longestRetentionDays } from '../../../config/object-lock-window';
import { buildLifeboatApp } from '../../../lib/lifeboat-app';
import { InvalidLifeboatPropsError } from '../../../lib';
import { REMAINING_RETENTION_MARGIN_DAYS } from '../../../lib/constructs/vault-bucket-protection';
import { retentionWindow } from '../../../vault/repository/snapshot-locks';
import { type CfnTemplate, DeployedPolicies } from '../../support/deployed-policies';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';
import { principalOfRole, type SimulatedPrincipal, simulatedDecision } from '../../support/simulated-decision';
import { synthesizeApp } from './synth-app';

/**
 * The DR vault in another account (issue 13, item 2; docs/DEPLOYMENT.md "The DR vault in another account"):
 * the sample config with `drAccount`, synthesized with cdk-nag, and its policies evaluated with the IAM
 * policy simulator across the two accounts (a request needs the identity policy and the resource's consent).
 */
const PRIMARY = '111111111111';
const DR = '222222222222';
const sample = loadLifeboatConfig(SAMPLE_CONFIG_FILE);
const withoutMirrors = (env: LifeboatConfig['environments'][number]) => ({ ...env, plans: env.plans.map((p) => ({ ...p, sources: p.sources.map(({ mirror: _mirror, ...s }) => s) })) });
const APPROVER = `arn:aws:iam::${PRIMARY}:role/lifeboat-approver`;
/** The primary account's break-glass role: a principal of that account only (the DR stack keeps the DR account's root). */
const BREAK_GLASS = `arn:aws:iam::${PRIMARY}:role/lifeboat-break-glass`;
const config = { environments: sample.environments.map((e) => ({ ...withoutMirrors(e), account: PRIMARY, drAccount: DR, security: { approverRoleArn: APPROVER, breakGlassRoleArn: BREAK_GLASS } })) } as LifeboatConfig;
const synthesized = synthesizeApp((app) => buildLifeboatApp(app, config), { nag: true });
const dev = synthesized.built.get('dev');
if (!dev) throw new Error('the sample config defines the dev environment');
const sides = {
  primary: new DeployedPolicies(Template.fromStack(dev.primary).toJSON() as CfnTemplate, { account: PRIMARY, region: 'us-east-1' }),
  dr: new DeployedPolicies(Template.fromStack(dev.dr).toJSON() as CfnTemplate, { account: DR, region: 'us-west-2' }),
};
const logicalId = (construct: IConstruct) => Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnElement);
const role = (fn: { role?: IConstruct }): SimulatedPrincipal => {
  if (!fn.role) throw new Error('the function has no role');
  return principalOfRole(sides.primary, logicalId(fn.role));
};
const ADMIN_EVERYTHING = [{ name: 'AdministratorAccess', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] } }];
/** An administrator of the primary account: the compromised admin the DR account must survive. */
const primaryAdmin = { arn: `arn:aws:iam::${PRIMARY}:role/administrator`, account: PRIMARY, identityPolicies: ADMIN_EVERYTHING, tags: {} };
const drVault = { name: dev.protection.names.drVault, policy: sides.dr.bucketPolicy(logicalId(dev.protection.drVault.bucket)) };
const drObject = (key: string) => ({ arn: `arn:aws:s3:::${drVault.name}/${key}`, account: DR, policy: drVault.policy });
const drTable = { arn: `arn:aws:dynamodb:us-west-2:${DR}:table/${dev.protection.names.catalogTable}`, account: DR, policy: sides.dr.resolve(Template.fromStack(dev.dr).toJSON().Resources[logicalId(dev.protection.drCatalog.table)].Properties.ResourcePolicy?.PolicyDocument) };
const primaryRoles = sides.primary.idsOf('AWS::IAM::Role').map((id) => ({ name: id, ...principalOfRole(sides.primary, id) }));

it('synthesizes the DR stack in the DR account, nag-clean, with the DR names of that account', () => {
  expect(synthesized.violations()).toEqual([]);
  expect(synthesized.synthError).toBeUndefined();
  expect([dev.primary.account, dev.dr.account]).toEqual([PRIMARY, DR]);
  expect(drVault.name).toBe(`lifeboat-dev-vault-${DR}-us-west-2`);
  // The functions address the DR vault and the DR catalog in the DR account.
  const replicate = JSON.stringify(sides.primary.identityPolicies(logicalId(dev.protection.backupWorkflow.functions.replicate.role as IConstruct)));
  expect(replicate).toContain(`arn:aws:dynamodb:us-west-2:${DR}:table/lifeboat-dev-catalog`);
  expect(replicate).toContain(`arn:aws:kms:us-west-2:${DR}:key/`);
  // The replicate function sends the DR account as the DR vault's ExpectedBucketOwner and names the DR catalog by ARN
  // (a bare table name would resolve in the function's own account).
  const variables = Object.values(Template.fromStack(dev.primary).findResources('AWS::Lambda::Function'))
    .map((f) => (f.Properties as { Environment: { Variables: Record<string, unknown> } }).Environment.Variables)
    .find((v) => v.LIFEBOAT_HANDLER === 'replicate-backup');
  expect(variables?.DR_VAULT_ACCOUNT).toBe(DR);
  expect(sides.primary.resolve(variables?.DR_CATALOG_TABLE)).toBe(`arn:aws:dynamodb:us-west-2:${DR}:table/lifeboat-dev-catalog`);
});

it('lets the primary account\'s replicate role add objects to the DR vault and records to the DR catalog, across accounts', async () => {
  const replicate = role(dev.protection.backupWorkflow.functions.replicate);
  // Create-only (allowVaultUseFrom): with If-None-Match: *, as replication writes every object there.
  const create = { 's3:if-none-match': '*', 's3:ObjectCreationOperation': 'true' };
  for (const key of ['data/ab/abcd', 'index/abc', 'snapshots/abc', 'keys/abc', 'config']) expect([key, await simulatedDecision(replicate, 's3:PutObject', drObject(key), create)]).toEqual([key, 'Allowed']);
  expect(await simulatedDecision(replicate, 's3:GetObject', drObject('index/abc'))).toBe('Allowed');
  // The DR prune's leases, read only: a pass does not vouch for its snapshots while a DR prune runs (replica-prune-wait.ts).
  expect(await simulatedDecision(replicate, 's3:GetObject', drObject(`prune/running/${'ab'.repeat(32)}`))).toBe('Allowed');
  expect(await simulatedDecision(replicate, 'dynamodb:PutItem', drTable, { 'dynamodb:LeadingKeys': ['BACKUP#20261201T000000Z-aaaaaaaa'] })).toBe('Allowed');
  // Nothing else: the DR vault's own state is the DR account's. A role the primary account's admin creates with the
  // protection's tag and every permission cannot add a condemnation batch or lease (which would stop the DR prune), a drill report or a plan.
  const taggedAdmin = { ...primaryAdmin, arn: `arn:aws:iam::${PRIMARY}:role/forger`, tags: replicate.tags };
  expect(Object.keys(replicate.tags)).toContain('aws:PrincipalTag/lifeboat:key-user');
  expect(await simulatedDecision(taggedAdmin, 's3:PutObject', drObject('snapshots/abc'), create)).toBe('Allowed');
  for (const key of [`prune/condemned/${'ab'.repeat(32)}`, `prune/running/${'ab'.repeat(32)}`, 'prune/policy', 'drills/x.json', 'plans/x', 'parts/x']) {
    expect([key, await simulatedDecision(taggedAdmin, 's3:PutObject', drObject(key), create)]).toEqual([key, expect.stringMatching(/Denied$/)]);
  }
  // The restore runbook of the primary region reads the DR vault too.
  expect(await simulatedDecision(role(dev.protection.restoreWorkflow.functions.shard), 's3:GetObject', drObject('data/ab/abcd'))).toBe('Allowed');
});

it('lets the primary account\'s catalog-rebuild role read the legal holds of the DR vault\'s snapshot objects, and only those (audit g7-1)', async () => {
  // The rebuild of the primary catalog from the DR vault ({"vault":"dr"}) holds again a backup whose snapshot objects are
  // held (catalog-rebuild.ts objectLockHolds): until g7-1 the DR vault's policy refused every such read to the primary account.
  const rebuild = role(dev.protection.catalogRebuildWorkflow.function);
  const snapshot = drObject(`snapshots/${'ab'.repeat(32)}`);
  expect(await simulatedDecision(rebuild, 's3:GetObjectLegalHold', snapshot)).toBe('Allowed');
  // Only the hold status of snapshot objects, and only for the protection's tagged roles.
  const taggedAdmin = { ...primaryAdmin, arn: `arn:aws:iam::${PRIMARY}:role/forger`, tags: rebuild.tags };
  expect(await simulatedDecision(taggedAdmin, 's3:GetObjectLegalHold', drObject('data/ab/abcd'))).toMatch(/Denied$/);
  expect(await simulatedDecision(primaryAdmin, 's3:GetObjectLegalHold', snapshot)).toMatch(/Denied$/);
});

it('lets the primary account put only the DR catalog items replication writes (BACKUP#, SOURCE#), none of the DR account\'s own', async () => {
  const replicate = role(dev.protection.backupWorkflow.functions.replicate);
  const taggedAdmin = { ...primaryAdmin, arn: `arn:aws:iam::${PRIMARY}:role/forger`, tags: replicate.tags };
  const put = (principal: SimulatedPrincipal, partition: string) => simulatedDecision(principal, 'dynamodb:PutItem', drTable, { 'dynamodb:LeadingKeys': [partition] });
  // What writeDrCatalog puts: the record (putRebuiltBackup) and its per-source index items (indexCommittedBackup).
  for (const partition of ['BACKUP#20261201T000000Z-aaaaaaaa', 'SOURCE#demo-orders']) expect([partition, await put(replicate, partition)]).toEqual([partition, 'Allowed']);
  // A PutItem replaces the whole item: the DR account's restore claims, approvals, prune and drill runs, leases,
  // scrub runs, mirror checks and index sweeps are out of reach, even of a role an admin tags and allows everything.
  const own = ['TARGET#demo-orders', 'APPROVALS', 'PRUNE#dr', 'LOCK#demo', 'DRILLS', 'SCRUB#RUNS', 'MIRROR#demo-assets', 'INDEXSWEEP#demo'];
  for (const principal of [replicate, taggedAdmin]) {
    for (const partition of own) expect([principal.arn, partition, await put(principal, partition)]).toEqual([principal.arn, partition, expect.stringMatching(/Denied$/)]);
  }
  expect(await simulatedDecision(taggedAdmin, 'dynamodb:UpdateItem', drTable, { 'dynamodb:LeadingKeys': ['BACKUP#20261201T000000Z-aaaaaaaa'] })).toMatch(/Denied$/);
  // A request that names no partition (ForAllValues of an absent key holds): the resource policy requires the key (review f58C).
  for (const principal of [replicate, taggedAdmin]) expect([principal.arn, await simulatedDecision(principal, 'dynamodb:PutItem', drTable)]).toEqual([principal.arn, expect.stringMatching(/Denied$/)]);
});

it('no principal of the primary account can delete from, re-policy or read the DR vault without the protection\'s tag, nor destroy the DR keys or catalog', async () => {
  for (const principal of [...primaryRoles, { name: 'administrator', ...primaryAdmin }]) {
    for (const action of ['s3:DeleteObject', 's3:DeleteObjectVersion']) expect([principal.name, action, await simulatedDecision(principal, action, drObject('snapshots/abc'))]).toEqual([principal.name, action, expect.stringMatching(/Denied$/)]);
    expect([principal.name, await simulatedDecision(principal, 'dynamodb:DeleteItem', drTable)]).toEqual([principal.name, expect.stringMatching(/Denied$/)]);
  }
  for (const action of ['s3:GetObject', 's3:PutObject']) expect([action, await simulatedDecision(primaryAdmin, action, drObject('data/ab/abcd'))]).toEqual([action, expect.stringMatching(/Denied$/)]);
  for (const action of ['s3:PutBucketPolicy', 's3:PutLifecycleConfiguration', 's3:PutBucketVersioning']) {
    expect([action, await simulatedDecision(primaryAdmin, action, { arn: `arn:aws:s3:::${drVault.name}`, account: DR, policy: drVault.policy })]).toEqual([action, expect.stringMatching(/Denied$/)]);
  }
  for (const keyId of sides.dr.idsOf('AWS::KMS::Key')) {
    const key = { arn: `arn:aws:kms:us-west-2:${DR}:key/${keyId}`, account: DR, policy: sides.dr.keyPolicy(keyId) };
    for (const action of ['kms:ScheduleKeyDeletion', 'kms:DisableKey', 'kms:PutKeyPolicy', 'kms:Decrypt']) expect([keyId, action, await simulatedDecision(primaryAdmin, action, key)]).toEqual([keyId, action, expect.stringMatching(/Denied$/)]);
  }
});

it('the DR stack\'s reader role, which tells the primary stack the DR keys\' ids, trusts only the primary account\'s lookup role and may only describe the DR stack', async () => {
  const readerId = logicalId(dev.protection.drKeyArns.readerRole as IConstruct);
  const reader = Template.fromStack(dev.dr).toJSON().Resources[readerId];
  const trust = sides.dr.resolve(reader.Properties.AssumeRolePolicyDocument);
  const readerArn = `arn:aws:iam::${DR}:role/${dev.protection.names.drKeyReaderRole}`;
  const lookup = principalOfRole(sides.primary, logicalId(dev.protection.drKeyArns.node.findChild('LookupRole')));
  expect(lookup.arn).toBe(`arn:aws:iam::${PRIMARY}:role/${dev.protection.names.drKeyLookupRole}`);
  expect(await simulatedDecision(lookup, 'sts:AssumeRole', { arn: readerArn, account: DR, policy: trust })).toBe('Allowed');
  expect(await simulatedDecision(primaryAdmin, 'sts:AssumeRole', { arn: readerArn, account: DR, policy: trust })).toMatch(/Denied$/);
  const permissions = sides.dr.identityPolicies(readerId).flatMap((p) => (p.policy.Statement as { Action: unknown }[]).map((s) => s.Action));
  expect(permissions).toEqual(['cloudformation:DescribeStackResource']);
  // The lookup itself holds no CloudFormation rights in the primary account: it works through the reader.
  expect(JSON.stringify(lookup.identityPolicies)).toContain('sts:AssumeRole');
  expect(JSON.stringify(lookup.identityPolicies)).not.toContain('cloudformation:');
});

it('gives the DR drill no access to the primary account\'s sources, and the DR runbooks no approver policy on a role of the primary account', () => {
  const dr = Template.fromStack(dev.dr);
  const compare = Object.values(dr.findResources('AWS::Lambda::Function')).find((f) => JSON.stringify(f).includes('"LIFEBOAT_HANDLER":"drill-compare"'));
  expect(JSON.stringify(compare)).not.toContain('LIFEBOAT_PRIMARY_REGION');
  const policies = (template: Template) => JSON.stringify(Object.values(template.findResources('AWS::IAM::Policy')));
  expect(policies(dr)).not.toContain('lifeboat-demo-assets');
  // The approver (a role of the primary account) gets its policy from the primary stack only.
  expect(policies(Template.fromStack(dev.primary))).toContain('"lifeboat-approver"');
  expect(policies(dr)).not.toContain('lifeboat-approver');
});

it('the break-glass role of the primary account is the primary stack\'s; the DR stack\'s keys and vault keep the DR account\'s root, with a warning', () => {
  const breakGlassOf = (template: Template) =>
    Object.values(template.findResources('AWS::KMS::Key')).map((key) => {
      const statements = (key.Properties as { KeyPolicy: { Statement: { Sid?: string; Condition?: Record<string, Record<string, unknown>> }[] } }).KeyPolicy.Statement;
      return [statements.find((st) => st.Sid === 'BreakGlass')?.Condition?.ArnEquals?.['aws:PrincipalArn'], statements.find((st) => st.Sid === 'DenyKeyDestructionButBreakGlass')?.Condition?.ArnNotEquals?.['aws:PrincipalArn']];
    });
  const primaryKeys = breakGlassOf(Template.fromStack(dev.primary));
  const drKeys = breakGlassOf(Template.fromStack(dev.dr));
  expect(primaryKeys.length).toBeGreaterThan(0);
  expect(new Set(primaryKeys.flat())).toEqual(new Set([BREAK_GLASS]));
  expect(drKeys.length).toBeGreaterThan(0);
  expect(new Set(drKeys.flat().map((arn) => JSON.stringify(sides.dr.resolve(arn))))).toEqual(new Set([JSON.stringify(`arn:aws:iam::${DR}:root`)]));
  expect(JSON.stringify(sides.dr.resolve(drVault.policy))).not.toContain(BREAK_GLASS);
  const warnings = dev.dr.node.metadata.filter((m) => m.type === 'aws:cdk:warning').map((m) => String(m.data));
  expect(warnings).toEqual([expect.stringContaining(`security.breakGlassRoleArn is a role of account ${PRIMARY}; stack ${dev.dr.stackName} deploys to account ${DR}`)]);
});

describe('refused settings, each naming the field', () => {
  const attempt = (environment: Record<string, unknown>) => () => synthesizeApp((app) => buildLifeboatApp(app, { environments: [environment] } as unknown as LifeboatConfig));
  const base = withoutMirrors(sample.environments[0] as LifeboatConfig['environments'][number]);

  it('a mirror with a DR account', () => {
    const mirrored = { ...base, drAccount: DR, plans: base.plans.map((p) => ({ ...p, sources: p.sources.map((s) => (s.type === 's3' ? { ...s, mirror: true } : s)) })) };
    expect(attempt(mirrored)).toThrow(InvalidLifeboatPropsError);
    expect(attempt(mirrored)).toThrow(/plans\[0\]\.sources\[0\]\.mirror: source "demo-assets" has a mirror, which a DR vault in another account \(drAccount\) does not offer/);
  });
});

describe('with immutability: the Object Lock the primary account may put on the DR vault (audit R34 F2)', () => {
  const IMMUTABILITY = { mode: 'GOVERNANCE', days: 30 } as const;
  const locked = synthesizeApp((app) => buildLifeboatApp(app, { environments: config.environments.map((e) => ({ ...e, immutability: IMMUTABILITY })) } as LifeboatConfig));
  const lockedDev = locked.built.get('dev');
  if (!lockedDev) throw new Error('the sample config defines the dev environment');
  const lockedSides = {
    primary: new DeployedPolicies(Template.fromStack(lockedDev.primary).toJSON() as CfnTemplate, { account: PRIMARY, region: 'us-east-1' }),
    dr: new DeployedPolicies(Template.fromStack(lockedDev.dr).toJSON() as CfnTemplate, { account: DR, region: 'us-west-2' }),
  };
  const lockedPolicy = lockedSides.dr.bucketPolicy(logicalId(lockedDev.protection.drVault.bucket));
  const lockedObject = (key: string) => ({ arn: `arn:aws:s3:::${lockedDev.protection.names.drVault}/${key}`, account: DR, policy: lockedPolicy });
  const replicateRole = lockedDev.protection.backupWorkflow.functions.replicate.role;
  if (!replicateRole) throw new Error('the replicate function has no role');
  const replicate = principalOfRole(lockedSides.primary, logicalId(replicateRole));
  /** A role the compromised primary admin makes with every permission and the protection's tag, which the DR vault trusts. */
  const forger = { ...primaryAdmin, arn: `arn:aws:iam::${PRIMARY}:role/forger`, tags: replicate.tags };
  const create = { 's3:if-none-match': '*', 's3:ObjectCreationOperation': 'true' };
  const parts = { 's3:ObjectCreationOperation': 'false' };
  /** The days from now to the end of the window replication extends to (snapshot-locks.ts retentionWindow), as S3 would count them. */
  const now = new Date('2026-12-05T00:00:00Z');
  const windowDays = (retentionWindow(now, IMMUTABILITY.days).extendTo.getTime() - now.getTime()) / (24 * 3600 * 1000);
  const lock = (mode: string, days: number) => ({ 's3:object-lock-mode': mode, 's3:object-lock-remaining-retention-days': String(days) });
  const statementsOf = (policy: unknown) => (policy as { Statement: { Sid?: string; Condition?: Record<string, Record<string, unknown>> }[] }).Statement;

  it('refuses any principal of the primary account, the replicate role included, a retention beyond replication\'s window in either mode, or an event hold', async () => {
    for (const [name, principal] of [['replicate', replicate], ['forger', forger]] as const) {
      const refused: [string, string, ReturnType<typeof lockedObject>, Record<string, string>][] = [
        ['new pack locked in COMPLIANCE until 2125', 's3:PutObject', lockedObject('data/ff/ffff'), { ...create, ...lock('COMPLIANCE', 36500) }],
        ['new pack locked until 2125', 's3:PutObject', lockedObject('data/ff/ffff'), { ...create, ...lock('GOVERNANCE', 36500) }],
        ['multipart upload started in COMPLIANCE past the window', 's3:PutObject', lockedObject('data/ff/ffff'), { ...parts, ...lock('COMPLIANCE', windowDays + REMAINING_RETENTION_MARGIN_DAYS + 1) }],
        ['the DR vault\'s config in COMPLIANCE until 2125', 's3:PutObjectRetention', lockedObject('config'), lock('COMPLIANCE', 36500)],
        ['existing pack one day past the window', 's3:PutObjectRetention', lockedObject('data/ab/abcd'), lock('GOVERNANCE', windowDays + REMAINING_RETENTION_MARGIN_DAYS + 1)],
        ['existing pack until 2125', 's3:PutObjectRetention', lockedObject('data/ab/abcd'), lock('GOVERNANCE', 36500)],
        ['event hold', 's3:PutObjectRetention', lockedObject('data/ab/abcd'), { 's3:object-lock-event-hold': 'ON' }],
        ['event hold duration', 's3:PutObjectRetention', lockedObject('data/ab/abcd'), { 's3:object-lock-event-hold-duration-days': '36500' }],
      ];
      for (const [what, action, object, context] of refused) expect([name, what, await simulatedDecision(principal, action, object, context)]).toEqual([name, what, 'ExplicitlyDenied']);
    }
  });

  it('still allows replication\'s own calls: create-only puts without lock headers (the bucket\'s default retention) and extensions in the vault\'s mode to the end of its window', async () => {
    expect(windowDays).toBe(33);
    for (const key of ['data/ab/abcd', 'index/abc', 'manifest/abc', 'snapshots/abc', 'keys/abc', 'config']) {
      expect([key, await simulatedDecision(replicate, 's3:PutObject', lockedObject(key), create)]).toEqual([key, 'Allowed']);
      for (const days of [IMMUTABILITY.days, windowDays, windowDays + REMAINING_RETENTION_MARGIN_DAYS]) {
        expect([key, days, await simulatedDecision(replicate, 's3:PutObjectRetention', lockedObject(key), lock(IMMUTABILITY.mode, days))]).toEqual([key, days, 'Allowed']);
      }
    }
    expect(await simulatedDecision(replicate, 's3:PutObject', lockedObject('data/ff/ffff'), parts)).toBe('Allowed');
    // A put naming the vault's own mode and days, as the bucket's default retention gives it.
    expect(await simulatedDecision(replicate, 's3:PutObject', lockedObject('data/ff/ffff'), { ...create, ...lock(IMMUTABILITY.mode, IMMUTABILITY.days) })).toBe('Allowed');
    // An extension in the mode a copy already has, though not the vault's (a DR copy written before `mode` changed: review 43d F2).
    expect(await simulatedDecision(replicate, 's3:PutObjectRetention', lockedObject('data/ab/abcd'), lock('COMPLIANCE', windowDays))).toBe('Allowed');
    // The catalog rebuild from the DR vault reads its snapshot objects' legal holds (audit g7-1).
    const rebuildRole = lockedDev.protection.catalogRebuildWorkflow.function.role;
    if (!rebuildRole) throw new Error('the catalog-rebuild function has no role');
    expect(await simulatedDecision(principalOfRole(lockedSides.primary, logicalId(rebuildRole)), 's3:GetObjectLegalHold', lockedObject(`snapshots/${'ab'.repeat(32)}`))).toBe('Allowed');
    // The DR account's own principals are not bound by these statements (the DR account's IAM decides for them).
    const drAdmin = { ...primaryAdmin, arn: `arn:aws:iam::${DR}:role/administrator`, account: DR };
    expect(await simulatedDecision(drAdmin, 's3:PutObjectRetention', lockedObject('data/ab/abcd'), lock('COMPLIANCE', 36500))).toBe('Allowed');
  });

  it('bounds retention by the longest window commit and replication ask for (config/object-lock-window.ts), plus a day', () => {
    for (const days of [1, 9, 10, 11, 30, 299, 300, 301, 3650, 36500]) {
      const { until, extendTo } = retentionWindow(now, days);
      const askedDays = (Math.max(until.getTime(), extendTo.getTime()) - now.getTime()) / (24 * 3600 * 1000);
      expect([days, askedDays]).toEqual([days, longestRetentionDays(days)]);
    }
    const bounds = statementsOf(lockedPolicy).filter((s) => s.Sid === 'DenyLongerLocksToThePrimaryAccount');
    expect(bounds.map((s) => s.Condition?.NumericGreaterThan)).toEqual([{ 's3:object-lock-remaining-retention-days': String(longestRetentionDays(IMMUTABILITY.days) + REMAINING_RETENTION_MARGIN_DAYS) }]);
  });

  it('adds no lock bounds to the DR vault of an environment without immutability (it has no Object Lock)', () => {
    const sids = statementsOf(drVault.policy).map((s) => s.Sid);
    expect(sids).toContain('VaultUseByTheProtectionsRolesOfThePrimaryAccount');
    expect(sids.filter((sid) => sid?.includes('Lock') || sid?.includes('EventHold'))).toEqual([]);
  });
});
