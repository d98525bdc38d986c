import { type CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { type IConstruct } from 'constructs';
import { lifeboatConfigSchema, type SourceConfig } from '../../../config/lifeboat-config';
import { buildLifeboatApp } from '../../../lib/lifeboat-app';
import { parseRestoreRequest } from '../../../lambdas/restore/restore-request';
import { checkTargetAllowed } from '../../../lambdas/restore/restore-target-policy';
import { type CfnTemplate, DeployedPolicies } from '../../support/deployed-policies';
import { principalOfRole, simulatedDecision } from '../../support/simulated-decision';
import { synthesizeApp } from './synth-app';

/**
 * Audit R41 F1: the restore runbook's first check (parseRestoreRequest + checkTargetAllowed) lets through a target in
 * a source's own bucket or table exactly when the synthesized IAM lets the restore functions write it, evaluated by
 * the IAM policy simulator: two S3 sources sharing one bucket under their prefixes, and a DynamoDB source.
 */
const ACCOUNT = '000000000000';
const config = lifeboatConfigSchema.parse({
  environments: [
    {
      name: 'dev',
      account: ACCOUNT,
      primaryRegion: 'us-east-1',
      drRegion: 'us-west-2',
      plans: [
        {
          name: 'demo',
          schedule: 'rate(1 day)',
          strategy: 'incremental',
          retention: { keepLast: 7 },
          objectives: { rpoMinutes: 1440, rtoMinutes: 60 },
          maxConcurrency: 4,
          sources: [
            { type: 's3', name: 'app-data', bucket: 'acme-shared', prefix: 'data/' },
            { type: 's3', name: 'app-logs', bucket: 'acme-shared', prefix: 'logs/' },
            { type: 'dynamodb', name: 'orders', table: 'acme-orders' },
          ],
        },
      ],
    },
  ],
});
const synthesized = synthesizeApp((app) => buildLifeboatApp(app, config));
const dev = synthesized.built.get('dev');
if (!dev) throw new Error('the config defines the dev environment');
const sources: readonly SourceConfig[] = config.environments[0]?.plans[0]?.sources ?? [];
const logicalId = (c: IConstruct) => Stack.of(c).getLogicalId(c.node.defaultChild as CfnElement);
const side = {
  primary: { policies: new DeployedPolicies(Template.fromStack(dev.primary).toJSON() as CfnTemplate, { account: ACCOUNT, region: 'us-east-1' }), fns: dev.protection.restoreWorkflow.functions, region: 'us-east-1' },
  dr: { policies: new DeployedPolicies(Template.fromStack(dev.dr).toJSON() as CfnTemplate, { account: ACCOUNT, region: 'us-west-2' }), fns: dev.protection.drRestoreWorkflow.functions, region: 'us-west-2' },
};
const prefix = `${dev.protection.names.restoreTargetPrefix}`;

function roleOf(where: keyof typeof side, fn: 'shard' | 'plan') {
  const role = side[where].fns[fn].role;
  if (!role) throw new Error(`the ${fn} function has no role`);
  return principalOfRole(side[where].policies, logicalId(role));
}

/** Accepted by the first check, or the refusal's message. */
function firstCheck(raw: Record<string, unknown>, homeVault: 'primary' | 'dr'): string {
  try {
    const request = parseRestoreRequest({ backupId: '20261124T100000Z-1a2b3c4d', overwrite: true, ...raw }, sources, homeVault);
    checkTargetAllowed(prefix, request.sourceConfig, request.target, undefined, sources);
    return 'accepted';
  } catch (err) {
    return `${(err as Error).name}: ${(err as Error).message}`;
  }
}

it.each(['', 'data/', 'data/restored/', 'restored/', 'logs/', 'dat'])('app-data into its own bucket under target.prefix %j: accepted exactly when the shard role may put its keys', async (targetPrefix) => {
  const verdict = firstCheck({ source: 'app-data', target: { type: 's3', bucket: 'acme-shared', prefix: targetPrefix } }, 'primary');
  const key = `${targetPrefix}data/report.csv`;
  const decision = await simulatedDecision(roleOf('primary', 'shard'), 's3:PutObject', { arn: `arn:aws:s3:::acme-shared/${key}`, account: ACCOUNT }, { 's3:ResourceAccount': ACCOUNT });
  expect({ targetPrefix, accepted: verdict === 'accepted' }).toEqual({ targetPrefix, accepted: decision === 'Allowed' && !key.startsWith('logs/') });
  if (verdict !== 'accepted') expect(verdict).toMatch(/^RestoreTargetNotAllowedError: Invalid restore request: target\.prefix: /);
});

it('the DR region\'s runbook: refuses the original bucket and table, which its roles may not write', async () => {
  const shard = roleOf('dr', 'shard');
  const plan = roleOf('dr', 'plan');
  const table = `arn:aws:dynamodb:us-west-2:${ACCOUNT}:table/acme-orders`;
  expect(await simulatedDecision(shard, 's3:PutObject', { arn: 'arn:aws:s3:::acme-shared/data/report.csv', account: ACCOUNT }, { 's3:ResourceAccount': ACCOUNT })).toMatch(/Denied$/);
  expect(await simulatedDecision(shard, 'dynamodb:BatchWriteItem', { arn: table, account: ACCOUNT })).toMatch(/Denied$/);
  expect(await simulatedDecision(plan, 'dynamodb:CreateTable', { arn: table, account: ACCOUNT })).toMatch(/Denied$/);
  expect(firstCheck({ source: 'app-data', target: { type: 's3', bucket: 'acme-shared' } }, 'dr')).toMatch(/^RestoreTargetNotAllowedError: Invalid restore request: target\.bucket: this is the DR region's restore runbook/);
  expect(firstCheck({ source: 'orders', target: { type: 'dynamodb', table: 'acme-orders' } }, 'dr')).toMatch(/^RestoreTargetNotAllowedError: Invalid restore request: target\.table: this is the DR region's restore runbook/);
  // A new target of the pattern, which it may write.
  expect(await simulatedDecision(plan, 'dynamodb:CreateTable', { arn: `arn:aws:dynamodb:us-west-2:${ACCOUNT}:table/${prefix}orders`, account: ACCOUNT })).toBe('Allowed');
  expect(firstCheck({ source: 'orders', target: { type: 'dynamodb', table: `${prefix}orders` }, overwrite: false }, 'dr')).toBe('accepted');
});
