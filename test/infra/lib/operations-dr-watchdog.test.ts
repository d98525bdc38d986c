import { type App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { type LifeboatDrill, LifeboatOperations, type LifeboatOperationsProps, type LifeboatPlan, LifeboatSource } from '../../../lib';
import { InvalidLifeboatPropsError } from '../../../lib/constructs/invalid-props-error';
import { OperationsAlerts } from '../../../lib/constructs/operations-alerts';
import { templateOnlyApp } from '../../support/template-only-app';

/**
 * Review r58N: LifeboatOperations, a public construct, built on its own. F2: without `drCatalog` no watchdog runs in the DR
 * region, yet it gave a plan that drills the DR vault a drill-age alarm there that could never clear (missing data
 * breaches) and a drill alarm that stayed silent; such a plan is now refused, naming the prop and the plan, and without
 * one the DR region gets no alarm no watchdog feeds, with a warning. F1: each region with a watchdog has its heartbeat alarm.
 */

const ACCOUNT = '111111111111';

/** A plan of the primary stack's bucket: built with the stacks (`operations`). */
type PlanOf = (primary: Stack) => LifeboatPlan;

const plan =
  (name: string, drill?: LifeboatDrill): PlanOf =>
  (primary) => ({
    name,
    schedule: 'rate(1 day)',
    strategy: 'incremental',
    retention: { keepLast: 7 },
    objectives: { rpoMinutes: 1500, rtoMinutes: 60 },
    sources: [LifeboatSource.s3Bucket(`assets-${name}`, s3.Bucket.fromBucketName(primary, `Assets-${name}`, 'shop-assets'), { prefix: `${name}/` })],
    ...(drill ? { drill } : {}),
  });

function operations(plans: readonly PlanOf[], withDrCatalog: boolean): { app: App; primary: Stack; dr: Stack; built: LifeboatOperations } {
  const app = templateOnlyApp();
  const primary = new Stack(app, 'Primary', { env: { account: ACCOUNT, region: 'us-east-1' } });
  const dr = new Stack(app, 'Dr', { env: { account: ACCOUNT, region: 'us-west-2' } });
  const alerting = (stack: Stack) =>
    new OperationsAlerts(stack, 'Alerts', { environmentName: 'shop', topicName: 'shop-alarms', ruleName: 'shop-execution-ended', deadLetterQueueName: 'shop-dead-letters', deadLetterAlarmName: 'shop-dead-letters', emails: [], breakGlassArn: `arn:aws:iam::${ACCOUNT}:role/break-glass`, keyUser: 'shop' });
  const alerts = alerting(primary);
  const drAlerts = alerting(dr);
  const table = (stack: Stack) => new dynamodb.Table(stack, 'Catalog', { partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING }, sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING } });
  const backup = new sfn.StateMachine(primary, 'Backup', { definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(primary, 'Pass')) });
  const props: LifeboatOperationsProps = {
    environmentName: 'shop',
    prefix: 'shop',
    plans: plans.map((of) => of(primary)),
    catalog: table(primary),
    catalogKey: new kms.Key(primary, 'CatalogKey'),
    vault: new s3.Bucket(primary, 'Vault'),
    backupStateMachine: backup,
    backupStateMachineName: 'shop-backup',
    alerts,
    executionStatusRule: alerts.watchExecutions([backup]),
    drAlerts,
    drRegion: 'us-west-2',
    ...(withDrCatalog ? { drCatalog: { table: table(dr), key: new kms.Key(dr, 'CatalogKey') } } : {}),
  };
  return { app, primary, dr, built: new LifeboatOperations(primary, 'Operations', props) };
}

const alarmNames = (stack: Stack): string[] =>
  Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm'))
    .map((r) => (r.Properties as { AlarmName: string }).AlarmName)
    .sort();

function warnings(app: App): { path: string; text: string }[] {
  return app
    .synth()
    .stacks.flatMap((s) => s.messages.filter((m) => m.level === 'warning').map((m) => ({ path: m.id, text: String(m.entry.data) })));
}

it('refuses a plan whose drill schedule drills the DR vault without drCatalog, naming the prop and each such plan', () => {
  let error: unknown;
  try {
    operations([plan('weekly', { schedule: 'rate(7 days)' }), plan('local', { schedule: 'rate(7 days)', vault: 'primary' }), plan('nightly', { schedule: 'rate(1 day)', vault: 'dr' }), plan('undrilled')], false);
  } catch (err) {
    error = err;
  }
  expect(error).toBeInstanceOf(InvalidLifeboatPropsError);
  expect((error as InvalidLifeboatPropsError).construct).toBe('LifeboatOperations Primary/Operations');
  expect((error as InvalidLifeboatPropsError).issues).toEqual(
    ['weekly', 'nightly'].map(
      (name) =>
        `drCatalog: plan ${name}'s drill schedule drills the DR vault (drill.vault 'dr', the default), whose drills are recorded in the DR region's catalog; without drCatalog no watchdog reads them, so no alarm would hear of a failed or missing drill (its drill-age alarm, breaching on missing data, would never clear): give drCatalog (the DR catalog table and its key) or set the plan's drill.vault to 'primary'`,
    ),
  );
});

it('without drCatalog and no plan drilling the DR vault: no DR-region alarm no watchdog feeds, and a warning saying what is not watched', () => {
  const { app, primary, dr, built } = operations([plan('local', { schedule: 'rate(7 days)', vault: 'primary' }), plan('undrilled')], false);
  expect(built.drWatchdog).toBeUndefined();
  // The DR region keeps its dead-letter alarms (OperationsAlerts'); none of the drill, prune-damage or heartbeat alarms,
  // which would stay INSUFFICIENT_DATA (or, for the heartbeat, ALARM) for want of a watchdog.
  expect(alarmNames(dr)).toEqual(['shop-dead-letters', 'shop-dead-letters-new']);
  expect(alarmNames(primary)).toEqual(
    expect.arrayContaining(['shop-local-drill', 'shop-local-drill-age', 'shop-undrilled-drill', 'shop-prune-damage', 'shop-watchdog-heartbeat']),
  );
  expect(warnings(app)).toEqual([
    {
      path: '/Primary/Operations',
      text: "LifeboatOperations Primary/Operations has no drCatalog: no watchdog runs in us-west-2, so the DR vault's drills and prune are not watched (no drill, prune-damage or heartbeat alarm there). Give drCatalog (the DR catalog table and its key) to watch them. [ack: lifeboat:operations-no-dr-watchdog]",
    },
  ]);
});

it('with drCatalog: each region\'s watchdog has its heartbeat alarm (breaching after 3 fifteen-minute periods without a complete run), and no warning', () => {
  const { app, primary, dr, built } = operations([plan('weekly', { schedule: 'rate(7 days)' })], true);
  expect(built.drWatchdog).toBeDefined();
  for (const stack of [primary, dr]) {
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'shop-watchdog-heartbeat',
      Namespace: 'Lifeboat',
      MetricName: 'WatchdogHeartbeat',
      Dimensions: [{ Name: 'Environment', Value: 'shop' }],
      Statistic: 'Sum',
      Period: 900,
      EvaluationPeriods: 3,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
    });
  }
  expect(alarmNames(dr)).toEqual(['shop-dead-letters', 'shop-dead-letters-new', 'shop-prune-damage', 'shop-watchdog-heartbeat', 'shop-weekly-drill', 'shop-weekly-drill-age']);
  expect(warnings(app)).toEqual([]);
});
