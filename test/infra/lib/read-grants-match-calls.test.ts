import { type CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { type IConstruct } from 'constructs';
import { loadLifeboatConfig } from '../../../config/load-config';
import { buildLifeboatApp } from '../../../lib/lifeboat-app';
import { type CfnTemplate, DeployedPolicies } from '../../support/deployed-policies';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';
import { principalOfRole, type SimulatedPrincipal, simulatedDecision } from '../../support/simulated-decision';
import { synthesizeApp } from './synth-app';

/**
 * Read grants against the calls each function makes (audit R9, findings 3 and 4), evaluated with the IAM policy
 * simulator on the synthesized policies of the sample config, in both stacks:
 * - no grant that no code uses: the snapshot shards read the current version of source objects (no VersionId is ever
 *   sent) and only Scan source tables (the planner describes them); drill start, ValidateFailover and Forget read the
 *   catalog by GetItem on the table and Query of the byPlan index, nothing else; the Prune function Scans the byPlan
 *   index (the plans its catalog holds), never the table;
 * - the restore functions that read piece and check records (shard, verify) may list them: S3 answers the GET
 *   of a missing record with 403 to a role whose ListBucket is conditioned, and getPlanObjectText then lists the key.
 */
const ACCOUNT = '000000000000';
const sample = loadLifeboatConfig(SAMPLE_CONFIG_FILE);
const synthesized = synthesizeApp((app) => buildLifeboatApp(app, sample));
const dev = synthesized.built.get('dev');
if (!dev) throw new Error('the sample config defines the dev environment');
const logicalId = (construct: IConstruct) => Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnElement);

type Resource = { Type: string; Properties?: { Environment?: { Variables?: Record<string, unknown> }; Role?: { 'Fn::GetAtt'?: [string, string] } } };
const stacks = {
  primary: { stack: dev.primary, region: 'us-east-1', vault: dev.protection.names.primaryVault },
  dr: { stack: dev.dr, region: 'us-west-2', vault: dev.protection.names.drVault },
};
const sides = Object.fromEntries(
  Object.entries(stacks).map(([name, s]) => {
    const template = Template.fromStack(s.stack).toJSON() as CfnTemplate & { Resources: Record<string, Resource> };
    return [name, { ...s, template, policies: new DeployedPolicies(template, { account: ACCOUNT, region: s.region }) }];
  }),
) as Record<keyof typeof stacks, (typeof stacks)[keyof typeof stacks] & { template: { Resources: Record<string, Resource> }; policies: DeployedPolicies }>;

/** The roles of every function of a stack that runs `handler` (the restore functions exist once per workflow), by role logical id. */
function rolesRunning(side: keyof typeof sides, handler: string): Array<[string, SimulatedPrincipal]> {
  const { template, policies } = sides[side];
  const roles = Object.values(template.Resources)
    .filter((r) => r.Type === 'AWS::Lambda::Function' && r.Properties?.Environment?.Variables?.LIFEBOAT_HANDLER === handler)
    .map((r) => r.Properties?.Role?.['Fn::GetAtt']?.[0])
    .filter((id): id is string => id !== undefined);
  return roles.map((id) => [id, principalOfRole(policies, id)]);
}

const principal = (side: keyof typeof sides, fn: { role?: IConstruct }): SimulatedPrincipal => {
  if (!fn.role) throw new Error('the function has no role');
  return principalOfRole(sides[side].policies, logicalId(fn.role));
};
const catalogTable = (side: keyof typeof sides) => `arn:aws:dynamodb:${sides[side].region}:${ACCOUNT}:table/${dev.protection.names.catalogTable}`;
const dynamo = (arn: string) => ({ arn, account: ACCOUNT });

it('the snapshot shards read the current version of source objects, and only Scan source tables', async () => {
  const snapshot = principal('primary', dev.protection.backupWorkflow.functions.snapshot);
  const plan = principal('primary', dev.protection.backupWorkflow.functions.plan);
  const sources = sample.environments.flatMap((e) => e.plans.flatMap((p) => p.sources));
  const bucket = sources.flatMap((s) => (s.type === 's3' ? [s.bucket] : []))[0];
  const tableName = sources.flatMap((s) => (s.type === 'dynamodb' ? [s.table] : []))[0];
  if (bucket === undefined || tableName === undefined) throw new Error('the sample config has an S3 and a DynamoDB source');
  const object = { arn: `arn:aws:s3:::${bucket}/photos/a.jpg`, account: ACCOUNT };
  const owned = { 's3:ResourceAccount': ACCOUNT };
  const decisions: Array<[string, string]> = [];
  for (const action of ['s3:GetObject', 's3:GetObjectTagging', 's3:GetObjectVersion']) decisions.push([action, await simulatedDecision(snapshot, action, object, owned)]);
  const table = dynamo(`arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/${tableName}`);
  for (const action of ['dynamodb:Scan', 'dynamodb:DescribeTable', 'dynamodb:DescribeTimeToLive']) decisions.push([action, await simulatedDecision(snapshot, action, table)]);
  expect(decisions).toEqual([
    ['s3:GetObject', 'Allowed'],
    ['s3:GetObjectTagging', 'Allowed'],
    ['s3:GetObjectVersion', 'ImplicitlyDenied'],
    ['dynamodb:Scan', 'Allowed'],
    ['dynamodb:DescribeTable', 'ImplicitlyDenied'],
    ['dynamodb:DescribeTimeToLive', 'ImplicitlyDenied'],
  ]);
  // The planner still describes the table (schema, size, capacity, and what a restore recreates).
  for (const action of ['dynamodb:DescribeTable', 'dynamodb:DescribeTimeToLive']) expect([action, await simulatedDecision(plan, action, table)]).toEqual([action, 'Allowed']);
});

it('the Plan step may make every catalog call planBackup makes: parents (Query, GetItem), the RUNNING record (PutItem), its shard count (UpdateItem)', async () => {
  const plan = principal('primary', dev.protection.backupWorkflow.functions.plan);
  const table = catalogTable('primary');
  const decisions: Array<[string, string]> = [];
  // Each on the partition its call sends (a source's index items, a record), as the grants are conditioned on it (a57E-1).
  const partitionOf: Record<string, string> = { 'dynamodb:Query': 'SOURCE#bkt' };
  for (const action of ['dynamodb:Query', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem']) decisions.push([action, await simulatedDecision(plan, action, dynamo(table), { 'dynamodb:LeadingKeys': [partitionOf[action] ?? 'BACKUP#20261201T000000Z-aaaaaaaa'] })]);
  expect(decisions).toEqual([
    ['dynamodb:Query', 'Allowed'],
    ['dynamodb:GetItem', 'Allowed'],
    ['dynamodb:PutItem', 'Allowed'],
    ['dynamodb:UpdateItem', 'Allowed'],
    ['dynamodb:DeleteItem', 'ImplicitlyDenied'],
  ]);
});

describe.each([
  ['drill start', 'drill-start', ['primary', 'dr'] as const],
  ['ValidateFailover', 'failover-start', ['dr'] as const],
  ['Forget', 'forget-backups', ['primary', 'dr'] as const],
])('%s reads the catalog by GetItem of records on the table and Query of byPlan', (_label, handler, sideNames) => {
  it.each(sideNames)('in the %s stack', async (side) => {
    const roles = rolesRunning(side, handler);
    expect(roles.length).toBeGreaterThan(0);
    const table = catalogTable(side);
    for (const [id, role] of roles) {
      const decisions: Array<[string, string, string]> = [];
      for (const [action, arn] of [
        ['dynamodb:Query', `${table}/index/byPlan`],
        ['dynamodb:Query', table],
        ['dynamodb:Query', `${table}/index/bySource`],
        ['dynamodb:GetItem', `${table}/index/byPlan`],
      ] as const) {
        decisions.push([action, arn.slice(table.length) || 'table', await simulatedDecision(role, action, dynamo(arn))]);
      }
      expect([id, decisions]).toEqual([
        id,
        [
          ['dynamodb:Query', '/index/byPlan', 'Allowed'],
          ['dynamodb:Query', 'table', 'ImplicitlyDenied'],
          ['dynamodb:Query', '/index/bySource', 'ImplicitlyDenied'],
          ['dynamodb:GetItem', '/index/byPlan', 'ImplicitlyDenied'],
        ],
      ]);
      // Forget's GetItem is on the table too (with its UpdateItem); drill start's and ValidateFailover's the same: of the
      // records' partitions (getBackup), never of the whole table (review r58J F2).
      const getItem = async (pk?: string) => simulatedDecision(role, 'dynamodb:GetItem', dynamo(table), pk === undefined ? {} : { 'dynamodb:LeadingKeys': [pk] });
      expect([id, await getItem('BACKUP#20261201T000000Z-1a2b3c4d'), await getItem(), await getItem('APPROVALS')]).toEqual([id, 'Allowed', 'ImplicitlyDenied', 'ImplicitlyDenied']);
    }
  });
});

// The Prune step lists every plan its catalog holds backups of (recorded-snapshots.ts, review r59M F3): a Scan of the
// byPlan index, which holds backup records only; never of the table, whose Scan would read every partition.
it.each(['primary', 'dr'] as const)('the Prune function of the %s stack may Scan the byPlan index, and neither the table nor another index', async (side) => {
  const roles = rolesRunning(side, 'prune-vault');
  expect(roles).toHaveLength(1);
  const table = catalogTable(side);
  for (const [id, role] of roles) {
    const decisions: Array<[string, string, string]> = [];
    for (const [action, arn] of [
      ['dynamodb:Scan', `${table}/index/byPlan`],
      ['dynamodb:Scan', table],
      ['dynamodb:Scan', `${table}/index/bySource`],
      ['dynamodb:Query', `${table}/index/byPlan`],
    ] as const) {
      decisions.push([action, arn.slice(table.length) || 'table', await simulatedDecision(role, action, dynamo(arn))]);
    }
    expect([id, decisions]).toEqual([
      id,
      [
        ['dynamodb:Scan', '/index/byPlan', 'Allowed'],
        ['dynamodb:Scan', 'table', 'ImplicitlyDenied'],
        ['dynamodb:Scan', '/index/bySource', 'ImplicitlyDenied'],
        ['dynamodb:Query', '/index/byPlan', 'Allowed'],
      ],
    ]);
  }
});

// The scrub's forgotten set reads every plan each catalog holds backups of (scrubbedPlans, review r60F F1): a Scan of
// the byPlan index of the primary catalog and of the DR one (read from the primary region); never of a table.
it('the Scrub function may Scan the byPlan index of both catalogs, and neither table nor another index', async () => {
  const roles = rolesRunning('primary', 'scrub-vaults');
  expect(roles).toHaveLength(1);
  expect(rolesRunning('dr', 'scrub-vaults')).toHaveLength(0);
  for (const [id, role] of roles) {
    const decisions: Array<[string, string, string]> = [];
    for (const side of ['primary', 'dr'] as const) {
      const table = catalogTable(side);
      for (const arn of [`${table}/index/byPlan`, table, `${table}/index/bySource`]) decisions.push([side, arn.slice(table.length) || 'table', await simulatedDecision(role, 'dynamodb:Scan', dynamo(arn))]);
    }
    expect([id, decisions]).toEqual([
      id,
      [
        ['primary', '/index/byPlan', 'Allowed'],
        ['primary', 'table', 'ImplicitlyDenied'],
        ['primary', '/index/bySource', 'ImplicitlyDenied'],
        ['dr', '/index/byPlan', 'Allowed'],
        ['dr', 'table', 'ImplicitlyDenied'],
        ['dr', '/index/bySource', 'ImplicitlyDenied'],
      ],
    ]);
  }
});

describe.each(['primary', 'dr'] as const)('the restore functions of the %s stack that read piece and check records', (side) => {
  it.each(['restore-shard', 'verify-restore'])('%s may list a record (so a missing one is told from a refused one), and nothing more', async (handler) => {
    const roles = rolesRunning(side, handler);
    expect(roles.length).toBeGreaterThan(0);
    const bucket = { arn: `arn:aws:s3:::${sides[side].vault}`, account: ACCOUNT };
    for (const [id, role] of roles) {
      const listing = async (prefix?: string) => simulatedDecision(role, 's3:ListBucket', bucket, prefix === undefined ? {} : { 's3:prefix': prefix });
      expect([id, await listing('restore-plans/r1.checks/3.json'), await listing('restore-plans/r1.pieces/0.json')]).toEqual([id, 'Allowed', 'Allowed']);
      // A GET or HEAD carries no s3:prefix: S3's 404-or-403 check stays denied, hence the listing of the key.
      expect([id, await listing(), await listing('data/'), await listing('parts/')]).toEqual([id, 'ImplicitlyDenied', 'ImplicitlyDenied', 'ImplicitlyDenied']);
    }
  });
});
