import { type CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { type IConstruct } from 'constructs';
import { loadLifeboatConfig } from '../../../config/load-config';
import { type LifeboatConfig } from '../../../config/lifeboat-config';
import { buildLifeboatApp } from '../../../lib/lifeboat-app';
import { KEY_USER_TAG } from '../../../lib/constructs/security-options';
import { type CfnTemplate, DeployedPolicies } from '../../support/deployed-policies';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';
import { principalOfRole, type SimulatedPrincipal, simulatedDecision } from '../../support/simulated-decision';
import { synthesizeApp } from './synth-app';

/**
 * The DR catalog of a DR stack in another account (lib/constructs/catalog-table.ts): its resource policy lets the
 * primary account's tagged roles do what they do there, put records and query byPlan (the backup's replicate step,
 * the scrub), scan byPlan (`lifeboat prune --vault dr`'s list of the plans the catalog holds), and nothing more: no GetItem, no UpdateItem, no Query of the table (byPlan only), whatever a role
 * of that account allows itself. Evaluated
 * with the IAM policy simulator on the synthesized policies, across the two accounts.
 */
const PRIMARY = '111111111111';
const DR = '222222222222';
const sample = loadLifeboatConfig(SAMPLE_CONFIG_FILE);
const withoutMirrors = (env: LifeboatConfig['environments'][number]) => ({ ...env, plans: env.plans.map((p) => ({ ...p, sources: p.sources.map(({ mirror: _mirror, ...s }) => s) })) });
const config = { environments: sample.environments.map((e) => ({ ...withoutMirrors(e), account: PRIMARY, drAccount: DR })) } as LifeboatConfig;
const synthesized = synthesizeApp((app) => buildLifeboatApp(app, config));
const dev = synthesized.built.get('dev');
if (!dev) throw new Error('the sample config defines the dev environment');
const logicalId = (construct: IConstruct) => Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnElement);
const primary = new DeployedPolicies(Template.fromStack(dev.primary).toJSON() as CfnTemplate, { account: PRIMARY, region: 'us-east-1' });
const dr = new DeployedPolicies(Template.fromStack(dev.dr).toJSON() as CfnTemplate, { account: DR, region: 'us-west-2' });
const tableArn = `arn:aws:dynamodb:us-west-2:${DR}:table/${dev.protection.names.catalogTable}`;
const tablePolicy = dr.resolve(Template.fromStack(dev.dr).toJSON().Resources[logicalId(dev.protection.drCatalog.table)].Properties.ResourcePolicy?.PolicyDocument);
const drCatalog = (arn: string) => ({ arn, account: DR, policy: tablePolicy });

type Statement = { Effect: string; Action: string | string[]; Resource: string | string[] };
const asArray = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);

it('lets every primary-account role do with the DR catalog what its own policies grant there', async () => {
  // Every (role, action, resource) of the primary stack's IAM on the DR catalog or its indexes.
  const uses = primary.idsOf('AWS::IAM::Role').flatMap((roleId) =>
    primary
      .identityPolicies(roleId)
      .flatMap((p) => p.policy.Statement as Statement[])
      .filter((st) => st.Effect === 'Allow')
      .flatMap((st) => asArray(st.Resource).filter((r) => r.startsWith(tableArn)).flatMap((resource) => asArray(st.Action).filter((a) => a.startsWith('dynamodb:')).map((action) => ({ roleId, action, resource })))),
  );
  // The replicate step (PutItem, Query of byPlan) and the scrub (Query of byPlan; Scan of it, the plans the catalog holds: review r60F F1).
  expect([...new Set(uses.map((u) => u.action))].sort()).toEqual(['dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:Scan']);
  expect(uses.map((u) => u.roleId)).toEqual(expect.arrayContaining([logicalId(dev.protection.backupWorkflow.functions.replicate.role as IConstruct), logicalId(dev.protection.scrubWorkflow.function.role as IConstruct)]));
  // With the partition key each call sends: a record's on the table (putRebuiltBackup), a plan's on byPlan.
  const sent = (resource: string) => ({ 'dynamodb:LeadingKeys': [resource === tableArn ? 'BACKUP#20261201T000000Z-1a2b3c4d' : 'demo'] });
  for (const { roleId, action, resource } of uses) {
    expect([roleId, action, resource, await simulatedDecision(principalOfRole(primary, roleId), action, drCatalog(resource), sent(resource))]).toEqual([roleId, action, resource, 'Allowed']);
  }
});

it('lets no principal of the primary account get, update or delete a DR catalog item, tagged or not, whatever its own policies allow', async () => {
  const everything = [{ name: 'DynamoDbEverything', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'dynamodb:*', Resource: '*' }] } }];
  const tagged: SimulatedPrincipal = { arn: `arn:aws:iam::${PRIMARY}:role/tagged-by-an-admin`, account: PRIMARY, identityPolicies: everything, tags: { [`aws:PrincipalTag/${KEY_USER_TAG}`]: dev.protection.prefix } };
  for (const action of ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem', 'dynamodb:Scan']) {
    expect([action, await simulatedDecision(tagged, action, drCatalog(tableArn))]).toEqual([action, 'ImplicitlyDenied']);
  }
  // What the statement does allow that principal, as it allows the replicate role.
  const record = { 'dynamodb:LeadingKeys': ['BACKUP#20261201T000000Z-1a2b3c4d'] };
  expect(await simulatedDecision(tagged, 'dynamodb:PutItem', drCatalog(tableArn), record)).toBe('Allowed');
  expect(await simulatedDecision(tagged, 'dynamodb:Query', drCatalog(`${tableArn}/index/byPlan`))).toBe('Allowed');
  expect(await simulatedDecision({ ...tagged, tags: {} }, 'dynamodb:PutItem', drCatalog(tableArn), record)).toBe('ImplicitlyDenied');
  // Nor a put that names no partition: ForAllValues of an absent key holds, so the statement requires the key (review f58C).
  expect(await simulatedDecision(tagged, 'dynamodb:PutItem', drCatalog(tableArn))).toBe('ImplicitlyDenied');
});

// `lifeboat prune --vault dr` with the primary account's credentials lists the plans the DR catalog holds (a Scan of
// byPlan, projected to `plan`: recorded-snapshots.ts, review r59M F3) before it checks the DR vault's snapshots. Refused,
// that stopped even a dry run with RecordedPlansUnreadError (f60I). The same tagged principal that may Query byPlan may
// Scan it, the same backup records; never the table nor another index, nor an untagged principal.
it('lets the tagged principals of the primary account Scan the DR catalog\'s byPlan index, as they Query it, and nothing else (f60I)', async () => {
  const everything = [{ name: 'DynamoDbEverything', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'dynamodb:*', Resource: '*' }] } }];
  const tagged: SimulatedPrincipal = { arn: `arn:aws:iam::${PRIMARY}:role/operator`, account: PRIMARY, identityPolicies: everything, tags: { [`aws:PrincipalTag/${KEY_USER_TAG}`]: dev.protection.prefix } };
  const decisions: Array<[string, string, string]> = [];
  for (const [who, principal] of [
    ['tagged', tagged],
    ['untagged', { ...tagged, tags: {} }],
  ] as const) {
    for (const resource of [`${tableArn}/index/byPlan`, tableArn, `${tableArn}/index/anotherIndex`]) {
      decisions.push([who, resource.slice(tableArn.length) || 'table', await simulatedDecision(principal, 'dynamodb:Scan', drCatalog(resource))]);
    }
  }
  expect(decisions).toEqual([
    ['tagged', '/index/byPlan', 'Allowed'],
    ['tagged', 'table', 'ImplicitlyDenied'],
    ['tagged', '/index/anotherIndex', 'ImplicitlyDenied'],
    ['untagged', '/index/byPlan', 'ImplicitlyDenied'],
    ['untagged', 'table', 'ImplicitlyDenied'],
    ['untagged', '/index/anotherIndex', 'ImplicitlyDenied'],
  ]);
});

it('lets no principal of the primary account Query the DR catalog\'s table, the DR account\'s own partitions nor those replication writes, only byPlan (audit b2-1, review R8-3)', async () => {
  const everything = [{ name: 'DynamoDbEverything', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'dynamodb:*', Resource: '*' }] } }];
  const tagged: SimulatedPrincipal = { arn: `arn:aws:iam::${PRIMARY}:role/tagged-by-an-admin`, account: PRIMARY, identityPolicies: everything, tags: { [`aws:PrincipalTag/${KEY_USER_TAG}`]: dev.protection.prefix } };
  // A Query of the table with pk = X reads partition X whole: restore claims, approvals, leases, drills, prune and scrub runs.
  for (const pk of ['APPROVALS', `TARGET#${dev.protection.prefix}-restore-x`, 'DRILLS', 'LOCK#demo-assets', 'PRUNE#dr', 'SCRUB#dr', 'MIRROR#demo-assets']) {
    expect([pk, await simulatedDecision(tagged, 'dynamodb:Query', drCatalog(tableArn), { 'dynamodb:LeadingKeys': [pk] })]).toEqual([pk, 'ImplicitlyDenied']);
  }
  expect(await simulatedDecision(tagged, 'dynamodb:Query', drCatalog(`${tableArn}/index/anotherIndex`))).toBe('ImplicitlyDenied');
  // Nor what replication writes: a Query of pk = BACKUP#<id> reads a record by key, which GetItem may not, and no path of
  // the primary account needs one (`backups list --source` with the primary region down GetItems the records it finds).
  for (const pk of ['BACKUP#20261201T000000Z-1a2b3c4d', 'SOURCE#demo-assets']) {
    expect([pk, await simulatedDecision(tagged, 'dynamodb:Query', drCatalog(tableArn), { 'dynamodb:LeadingKeys': [pk] })]).toEqual([pk, 'ImplicitlyDenied']);
  }
  expect(await simulatedDecision(tagged, 'dynamodb:Query', drCatalog(`${tableArn}/index/byPlan`))).toBe('Allowed');
});
