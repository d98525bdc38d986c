import { type SchedulerClient } from '@aws-sdk/client-scheduler';
import { checkRunbookSchedule, checkSynthesizedRunbookSchedule, runbookSchedules } from '../../../cli/doctor/runbook-schedule-checks';
import { doctorContext } from '../../../cli/doctor/doctor-context';
import { DEFAULT_CONFIG_FILE, findEnvironment, loadLifeboatConfig } from '../../../config/load-config';
import { type SynthesizedStack } from '../../../local/assembly/synthesized-stack';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';

/**
 * Audit a58C F1: `lifeboat doctor` checked the plans' backup schedules only; a drill, scrub, prune or mirror-check schedule
 * disabled by hand or never deployed was seen by no check. The sample config: plan demo drills the DR vault, and a
 * source of it is mirrored. Locally the doctor reads the synthesized templates (what a deploy would set); the AWS side
 * is in doctor-aws.test.ts.
 */

const config = loadLifeboatConfig(SAMPLE_CONFIG_FILE);
const environment = findEnvironment(config, 'dev');
const ctx = doctorContext({ configFile: DEFAULT_CONFIG_FILE, envName: 'dev', dataDir: '.lifeboat', mode: 'local' }, config, environment);

const template = (role: 'primary' | 'dr', schedules: Record<string, string | undefined>): SynthesizedStack => ({
  stackName: role === 'primary' ? 'Lifeboat-dev-Primary' : 'Lifeboat-dev-DR',
  role,
  account: '000000000000',
  region: role === 'primary' ? 'us-east-1' : 'us-west-2',
  assemblyDir: '/unused',
  template: {
    Resources: Object.fromEntries(Object.entries(schedules).map(([name, state], i) => [`Schedule${i}`, { Type: 'AWS::Scheduler::Schedule', Properties: { Name: name, ...(state ? { State: state } : {}) } }])),
  },
});

it('lists every schedule besides the backups\': the drill\'s in the region of the vault it drills, the scrub\'s, both prunes\', the mirror check\'s', () => {
  expect(runbookSchedules(ctx).map((s) => [s.check, s.scheduleName, s.region, s.expression])).toEqual([
    ['drill schedule demo', 'lifeboat-dev-drill-demo', 'us-west-2', 'cron(0 4 ? * SUN *)'],
    ['scrub schedule', 'lifeboat-dev-scrub', 'us-east-1', 'rate(1 day)'],
    ['prune schedule', 'lifeboat-dev-prune', 'us-east-1', 'rate(1 day)'],
    ['dr prune schedule', 'lifeboat-dev-prune-dr', 'us-west-2', 'rate(1 day)'],
    ['mirror check schedule', 'lifeboat-dev-mirror-check', 'us-west-2', 'rate(15 minutes)'],
  ]);
});

it('in AWS does not read a DR-region schedule of a DR stack in another account, and says how to', async () => {
  const crossAccount = doctorContext({ configFile: DEFAULT_CONFIG_FILE, envName: 'dev', dataDir: '.lifeboat', mode: 'aws' }, config, { ...environment, drAccount: '111111111111' });
  const [drill] = runbookSchedules(crossAccount);
  if (!drill) throw new Error('the sample config has a drill');
  const scheduler = { send: () => Promise.reject(new Error('not to be called')) } as unknown as SchedulerClient;
  expect(await checkRunbookSchedule(scheduler, crossAccount, drill)).toEqual({
    name: 'drill schedule demo',
    verdict: 'warn',
    detail: "schedule lifeboat-dev-drill-demo is in account 111111111111, which the doctor does not read with account 000000000000's credentials",
    fix: "with account 111111111111's credentials: aws scheduler get-schedule --name lifeboat-dev-drill-demo --region us-west-2 (State must be ENABLED)",
  });
});

it('locally fails on a schedule the template disables or lacks, saying what stops; passes an enabled one', () => {
  const [drill, scrub] = runbookSchedules(ctx);
  if (!drill || !scrub) throw new Error('the sample config has a drill and a scrub');
  const dr = template('dr', { 'lifeboat-dev-drill-demo': 'DISABLED' });
  expect(checkSynthesizedRunbookSchedule(dr, ctx, drill)).toEqual({
    name: 'drill schedule demo',
    verdict: 'fail',
    detail: 'schedule lifeboat-dev-drill-demo is DISABLED in the template: plan demo is not drilled (its drill-age alarm fires)',
    fix: 'remove State: DISABLED from schedule lifeboat-dev-drill-demo',
  });
  expect(checkSynthesizedRunbookSchedule(template('primary', {}), ctx, scrub)).toMatchObject({ verdict: 'fail', detail: 'the template of Lifeboat-dev-Primary has no schedule lifeboat-dev-scrub: the vaults are not checked for damage (the scrub-age alarm fires)' });
  expect(checkSynthesizedRunbookSchedule(template('primary', { 'lifeboat-dev-scrub': undefined }), ctx, scrub)).toEqual({ name: 'scrub schedule', verdict: 'ok', detail: 'schedule lifeboat-dev-scrub ENABLED in the template, rate(1 day)' });
});
