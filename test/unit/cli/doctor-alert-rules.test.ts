import { type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { doctorContext } from '../../../cli/doctor/doctor-context';
import { alertRules, checkAlertRule, checkSynthesizedAlertRule } from '../../../cli/doctor/rule-checks';
import { DEFAULT_CONFIG_FILE, findEnvironment, loadLifeboatConfig } from '../../../config/load-config';
import { type SynthesizedStack } from '../../../local/assembly/synthesized-stack';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';

/**
 * Audit a58C F6: the EventBridge rules the alerts rest on (each region's execution-ended, key-changed and watchdog rules)
 * could be disabled by hand unseen. Locally the doctor reads the synthesized templates; the AWS side is in doctor-aws.test.ts.
 */

const config = loadLifeboatConfig(SAMPLE_CONFIG_FILE);
const environment = findEnvironment(config, 'dev');
const context = (mode: 'local' | 'aws', drAccount?: string) =>
  doctorContext({ configFile: DEFAULT_CONFIG_FILE, envName: 'dev', dataDir: '.lifeboat', mode }, config, drAccount ? { ...environment, drAccount } : environment);

const stack = (rules: Record<string, string | undefined>): SynthesizedStack => ({
  stackName: 'Lifeboat-dev-Primary',
  role: 'primary',
  account: '000000000000',
  region: 'us-east-1',
  assemblyDir: '/unused',
  template: { Resources: Object.fromEntries(Object.entries(rules).map(([name, state], i) => [`Rule${i}`, { Type: 'AWS::Events::Rule', Properties: { Name: name, ...(state ? { State: state } : {}) } }])) },
});

it('lists the execution-ended, key-changed and watchdog rules of each region', () => {
  expect(alertRules(context('local')).map((r) => [r.check, r.ruleName])).toEqual([
    ['execution rule us-east-1', 'lifeboat-dev-execution-ended'],
    ['key rule us-east-1', 'lifeboat-dev-key-changed'],
    ['watchdog rule us-east-1', 'lifeboat-dev-watchdog'],
    ['execution rule us-west-2', 'lifeboat-dev-execution-ended'],
    ['key rule us-west-2', 'lifeboat-dev-key-changed'],
    ['watchdog rule us-west-2', 'lifeboat-dev-watchdog'],
  ]);
});

it('locally fails on a rule the template disables or lacks, saying what is no longer heard; passes an enabled one', () => {
  const [execution, , watchdog] = alertRules(context('local'));
  if (!execution || !watchdog) throw new Error('the primary region has its rules');
  expect(checkSynthesizedAlertRule(stack({ 'lifeboat-dev-watchdog': 'DISABLED' }), context('local'), watchdog)).toEqual({
    name: 'watchdog rule us-east-1',
    verdict: 'fail',
    detail: 'rule lifeboat-dev-watchdog is DISABLED in the template: the backup ages and the state the alarms watch are not measured (lifeboat-dev-watchdog-heartbeat and the backup-age, dr-copy-age and scrub-age alarms fire on missing data; the others keep their state)',
    fix: 'remove State: DISABLED from rule lifeboat-dev-watchdog',
  });
  expect(checkSynthesizedAlertRule(stack({}), context('local'), execution)).toMatchObject({ verdict: 'fail', detail: expect.stringMatching(/^the template of Lifeboat-dev-Primary has no rule lifeboat-dev-execution-ended: /) });
  expect(checkSynthesizedAlertRule(stack({ 'lifeboat-dev-execution-ended': undefined }), context('local'), execution)).toEqual({ name: 'execution rule us-east-1', verdict: 'ok', detail: 'rule lifeboat-dev-execution-ended ENABLED in the template' });
});

it('in AWS does not read a DR-region rule of a DR stack in another account, and says how to', async () => {
  const ctx = context('aws', '111111111111');
  const drWatchdog = alertRules(ctx).at(-1);
  if (!drWatchdog) throw new Error('the DR region has its rules');
  const eventBridge = { send: () => Promise.reject(new Error('not to be called')) } as unknown as EventBridgeClient;
  expect(await checkAlertRule(eventBridge, ctx, drWatchdog)).toEqual({
    name: 'watchdog rule us-west-2',
    verdict: 'warn',
    detail: "rule lifeboat-dev-watchdog is in account 111111111111, which the doctor does not read with account 000000000000's credentials",
    fix: "with account 111111111111's credentials: aws events describe-rule --name lifeboat-dev-watchdog --region us-west-2 (State must be ENABLED)",
  });
});
