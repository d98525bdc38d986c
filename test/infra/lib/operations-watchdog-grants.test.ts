import { type CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { loadLifeboatConfig } from '../../../config/load-config';
import { buildLifeboatApp } from '../../../lib/lifeboat-app';
import { DRILLS_PK } from '../../../lambdas/catalog/drill-record';
import { prunePk } from '../../../lambdas/catalog/prune-record';
import { SCRUB_RUNS_PK } from '../../../lambdas/catalog/scrub-record';
import { type CfnTemplate, DeployedPolicies } from '../../support/deployed-policies';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';
import { principalOfRole, simulatedDecision } from '../../support/simulated-decision';
import { synthesizeApp } from './synth-app';

/**
 * The watchdogs' catalog reads (audit a58C F2), evaluated with the IAM policy simulator on the synthesized policies of the
 * sample config: each reads the partitions of the records its state gauges come from, by the keys the logs use (DRILLS_PK,
 * SCRUB_RUNS_PK, prunePk: renaming one without its grant fails here), and nothing else of the table: no other partition,
 * no Scan. The DR region's reads its own catalog only, so it works with the primary region down and across accounts.
 */
const ACCOUNT = '000000000000';
const sample = loadLifeboatConfig(SAMPLE_CONFIG_FILE);
const synthesized = synthesizeApp((app) => buildLifeboatApp(app, sample));
const dev = synthesized.built.get('dev');
if (!dev) throw new Error('the sample config defines the dev environment');
const { operations } = dev.protection;

async function decisions(side: 'primary' | 'dr', role: CfnElement | undefined, requests: readonly [string, string | undefined][]): Promise<string[]> {
  if (!role) throw new Error('the watchdog has no role');
  const region = side === 'primary' ? 'us-east-1' : 'us-west-2';
  const stack = side === 'primary' ? dev!.primary : dev!.dr;
  const policies = new DeployedPolicies(Template.fromStack(stack).toJSON() as CfnTemplate, { account: ACCOUNT, region });
  const principal = principalOfRole(policies, Stack.of(role).getLogicalId(role));
  const table = { arn: `arn:aws:dynamodb:${region}:${ACCOUNT}:table/${dev!.protection.names.catalogTable}`, account: ACCOUNT };
  const out: string[] = [];
  for (const [action, partition] of requests) {
    out.push(`${action} ${partition ?? '(no key)'}: ${await simulatedDecision(principal, action, table, partition === undefined ? {} : { 'dynamodb:LeadingKeys': [partition] })}`);
  }
  return out;
}

const roleOf = (fn: { role?: { node: { defaultChild?: unknown } } } | undefined): CfnElement | undefined => fn?.role?.node.defaultChild as CfnElement | undefined;

it('the primary watchdog Queries the drills, the scrub runs and the primary vault\'s prunes, and GetItems backup records; nothing else of the catalog', async () => {
  expect(
    await decisions('primary', roleOf(operations.watchdog), [
      ['dynamodb:Query', DRILLS_PK],
      ['dynamodb:Query', SCRUB_RUNS_PK],
      ['dynamodb:Query', prunePk('primary')],
      ['dynamodb:GetItem', 'BACKUP#20261201T000000Z-aaaaaaaa'],
      ['dynamodb:Query', prunePk('dr')],
      ['dynamodb:Query', 'APPROVALS'],
      ['dynamodb:Query', 'BACKUP#20261201T000000Z-aaaaaaaa'],
      ['dynamodb:GetItem', 'APPROVALS'],
      ['dynamodb:PutItem', DRILLS_PK],
      ['dynamodb:Scan', undefined],
      ['dynamodb:Query', undefined],
    ]),
  ).toEqual([
    `dynamodb:Query ${DRILLS_PK}: Allowed`,
    `dynamodb:Query ${SCRUB_RUNS_PK}: Allowed`,
    'dynamodb:Query PRUNE#primary: Allowed',
    'dynamodb:GetItem BACKUP#20261201T000000Z-aaaaaaaa: Allowed',
    'dynamodb:Query PRUNE#dr: ImplicitlyDenied',
    'dynamodb:Query APPROVALS: ImplicitlyDenied',
    'dynamodb:Query BACKUP#20261201T000000Z-aaaaaaaa: ImplicitlyDenied',
    'dynamodb:GetItem APPROVALS: ImplicitlyDenied',
    `dynamodb:PutItem ${DRILLS_PK}: ImplicitlyDenied`,
    'dynamodb:Scan (no key): ImplicitlyDenied',
    'dynamodb:Query (no key): ImplicitlyDenied',
  ]);
});

it('the DR region\'s watchdog (home vault dr, every 5 minutes) Queries the DR catalog\'s drills and the DR vault\'s prunes only', async () => {
  expect(operations.drWatchdog).toBeDefined();
  expect(Stack.of(operations.drWatchdog!)).toBe(dev.dr);
  const variables = (Template.fromStack(dev.dr).toJSON() as { Resources: Record<string, { Properties?: { Environment?: { Variables?: Record<string, unknown> } } }> }).Resources[
    Stack.of(operations.drWatchdog!).getLogicalId(operations.drWatchdog!.node.defaultChild as CfnElement)
  ]?.Properties?.Environment?.Variables;
  // The DR stack's own catalog (a Ref in its template), never the primary's.
  expect(variables).toMatchObject({ LIFEBOAT_HANDLER: 'watch-backup-age', LIFEBOAT_HOME_VAULT: 'dr', CATALOG_TABLE: { Ref: Stack.of(dev.protection.drCatalog.table).getLogicalId(dev.protection.drCatalog.table.node.defaultChild as CfnElement) } });
  expect(variables).not.toHaveProperty('VAULT_BUCKET');
  expect(
    await decisions('dr', roleOf(operations.drWatchdog), [
      ['dynamodb:Query', DRILLS_PK],
      ['dynamodb:Query', prunePk('dr')],
      ['dynamodb:Query', SCRUB_RUNS_PK],
      ['dynamodb:Query', prunePk('primary')],
      ['dynamodb:GetItem', 'BACKUP#20261201T000000Z-aaaaaaaa'],
      ['dynamodb:Scan', undefined],
    ]),
  ).toEqual([
    `dynamodb:Query ${DRILLS_PK}: Allowed`,
    'dynamodb:Query PRUNE#dr: Allowed',
    `dynamodb:Query ${SCRUB_RUNS_PK}: ImplicitlyDenied`,
    'dynamodb:Query PRUNE#primary: ImplicitlyDenied',
    'dynamodb:GetItem BACKUP#20261201T000000Z-aaaaaaaa: ImplicitlyDenied',
    'dynamodb:Scan (no key): ImplicitlyDenied',
  ]);
});
