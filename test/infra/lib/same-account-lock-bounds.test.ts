import { type CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { type IConstruct } from 'constructs';
import { loadLifeboatConfig } from '../../../config/load-config';
import { type LifeboatConfig } from '../../../config/lifeboat-config';
import { longestRetentionDays } from '../../../config/object-lock-window';
import { buildLifeboatApp } from '../../../lib/lifeboat-app';
import { REMAINING_RETENTION_MARGIN_DAYS } from '../../../lib/constructs/vault-bucket-protection';
import { type CfnTemplate, DeployedPolicies } from '../../support/deployed-policies';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';
import { principalOfRole, simulatedDecision } from '../../support/simulated-decision';
import { synthesizeApp } from './synth-app';

/**
 * The Object Lock commit and replicate may put on the vaults of their own account (audit a61A F3): no longer than the
 * longest extension they ask for (config/object-lock-window.ts) plus REMAINING_RETENTION_MARGIN_DAYS, and no event
 * hold, as a DR vault of another account holds the primary's roles to (cross-account-dr.test.ts). Without the bound a
 * compromised commit role could lock every object in COMPLIANCE mode until 2125. The sample config with immutability
 * and its DR vault in the same account, evaluated with the IAM policy simulator (the roles' policies and the vaults'
 * bucket policies).
 */
const ACCOUNT = '000000000000';
const IMMUTABILITY = { mode: 'COMPLIANCE', days: 30 } as const;
const BOUND = longestRetentionDays(IMMUTABILITY.days) + REMAINING_RETENTION_MARGIN_DAYS;
const sample = loadLifeboatConfig(SAMPLE_CONFIG_FILE);
const config = { ...sample, environments: sample.environments.map((e) => ({ ...e, immutability: IMMUTABILITY })) } as LifeboatConfig;
const synthesized = synthesizeApp((app) => buildLifeboatApp(app, config), { nag: true });
const dev = synthesized.built.get('dev');
if (!dev) throw new Error('the sample config defines the dev environment');
const logicalId = (construct: IConstruct) => Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnElement);
const primary = new DeployedPolicies(Template.fromStack(dev.primary).toJSON() as CfnTemplate, { account: ACCOUNT, region: 'us-east-1' });
const dr = new DeployedPolicies(Template.fromStack(dev.dr).toJSON() as CfnTemplate, { account: ACCOUNT, region: 'us-west-2' });
const roleOf = (fn: { role?: IConstruct }) => {
  if (!fn.role) throw new Error('the function has no role');
  return principalOfRole(primary, logicalId(fn.role));
};
const sides = [
  { who: 'commit in the primary vault', principal: roleOf(dev.protection.backupWorkflow.functions.commit), name: dev.protection.names.primaryVault, policy: primary.bucketPolicy(logicalId(dev.protection.vault.bucket)) },
  { who: 'replicate in the DR vault', principal: roleOf(dev.protection.backupWorkflow.functions.replicate), name: dev.protection.names.drVault, policy: dr.bucketPolicy(logicalId(dev.protection.drVault.bucket)) },
];
const lock = (mode: string, days: number) => ({ 's3:object-lock-mode': mode, 's3:object-lock-remaining-retention-days': String(days) });
const create = { 's3:if-none-match': '*', 's3:ObjectCreationOperation': 'true' };

it('synthesizes nag-clean', () => {
  expect(synthesized.violations()).toEqual([]);
  expect(synthesized.synthError).toBeUndefined();
});

describe.each(sides)('$who', ({ principal, name, policy }) => {
  const object = (key: string) => ({ arn: `arn:aws:s3:::${name}/${key}`, account: ACCOUNT, policy });

  it('is refused a retention beyond the longest extension, in either mode, and any event hold', async () => {
    const refused: [string, string, string, Record<string, string>][] = [
      ['existing pack in COMPLIANCE until 2125', 's3:PutObjectRetention', 'data/ab/abcd', lock('COMPLIANCE', 36500)],
      ['existing pack a day past the bound', 's3:PutObjectRetention', 'data/ab/abcd', lock(IMMUTABILITY.mode, BOUND + 1)],
      ['the vault\'s config in GOVERNANCE until 2125', 's3:PutObjectRetention', 'config', lock('GOVERNANCE', 36500)],
      ['new snapshot locked in COMPLIANCE until 2125', 's3:PutObject', 'snapshots/abc', { ...create, ...lock('COMPLIANCE', 36500) }],
      ['event hold', 's3:PutObjectRetention', 'index/abc', { 's3:object-lock-event-hold': 'ON' }],
      ['event hold duration', 's3:PutObjectRetention', 'index/abc', { 's3:object-lock-event-hold-duration-days': '36500' }],
    ];
    for (const [what, action, key, context] of refused) expect([what, await simulatedDecision(principal, action, object(key), context)]).toEqual([what, 'ExplicitlyDenied']);
  });

  it('still extends retention to the end of the window, in the vault\'s mode or the one an object has, and writes without lock headers', async () => {
    for (const key of ['config', 'keys/abc', 'data/ab/abcd', 'index/abc', 'manifest/abc', 'snapshots/abc']) {
      for (const days of [IMMUTABILITY.days, longestRetentionDays(IMMUTABILITY.days), BOUND]) {
        expect([key, days, await simulatedDecision(principal, 's3:PutObjectRetention', object(key), lock(IMMUTABILITY.mode, days))]).toEqual([key, days, 'Allowed']);
      }
    }
    expect(await simulatedDecision(principal, 's3:PutObjectRetention', object('data/ab/abcd'), lock('GOVERNANCE', BOUND))).toBe('Allowed');
    expect(await simulatedDecision(principal, 's3:PutObject', object('snapshots/abc'), create)).toBe('Allowed');
  });

  it('extends retention with the event hold keys present but no hold set (OFF, 0 days), and is refused one set (review r61R F2)', async () => {
    const within = lock(IMMUTABILITY.mode, longestRetentionDays(IMMUTABILITY.days));
    const noHold = { ...within, 's3:object-lock-event-hold': 'OFF', 's3:object-lock-event-hold-duration-days': '0' };
    expect(await simulatedDecision(principal, 's3:PutObjectRetention', object('data/ab/abcd'), noHold)).toBe('Allowed');
    expect(await simulatedDecision(principal, 's3:PutObjectRetention', object('data/ab/abcd'), { ...within, 's3:object-lock-event-hold': 'OFF' })).toBe('Allowed');
    expect(await simulatedDecision(principal, 's3:PutObjectRetention', object('data/ab/abcd'), { ...within, 's3:object-lock-event-hold': 'ON' })).toBe('ExplicitlyDenied');
    expect(await simulatedDecision(principal, 's3:PutObjectRetention', object('data/ab/abcd'), { ...within, 's3:object-lock-event-hold-duration-days': '1' })).toBe('ExplicitlyDenied');
  });
});
