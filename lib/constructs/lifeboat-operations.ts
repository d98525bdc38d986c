import { Annotations, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { AxisPosition, DefaultDashboardFactory, MonitoringFacade, noopAction, type CustomMetricGroup } from 'cdk-monitoring-constructs';
import { Construct } from 'constructs';
import { type ProtectionPlanConfig } from '../../config/lifeboat-config';
import { DIMENSION, LIFEBOAT_METRICS, type LifeboatMetricKey, METRICS_NAMESPACE } from '../../config/metric-names';
import { DEFAULT_REPLICATION_LAG_MINUTES } from '../lifeboat-defaults';
import { scheduleStaleAfterSeconds } from '../../config/longest-schedule-gap';
import { DRILL_AGE_ALARM_KIND, planAlarmName, watchdogHeartbeatAlarmName, watchdogRuleName } from '../lifeboat-names';
import { LifeboatFunction } from './lifeboat-function';
import { type LifeboatPlan } from './lifeboat-plan';
import { plansInStack } from './plans-in-stack';
import { BACKUP_RECORD_PARTITIONS, catalogPartitionStatement, DRILLS_PARTITION, PLAN_LEASE_PARTITIONS, prunePartition, SCRUB_RUNS_PARTITION } from './catalog-partition-grant';
import { acknowledgeScopedWildcards, acknowledgeXRayWildcard } from './nag-acknowledgements';
import { type OperationsAlerts } from './operations-alerts';
import { bucketHasObjectLock } from './bucket-object-lock';
import { InvalidLifeboatPropsError } from './invalid-props-error';
import { validatePlans } from './validated-plans';

/** How often the watchdogs measure (each plan's last backup ages, the state gauges); their alarms look at this period. */
export const WATCHDOG_INTERVAL = Duration.minutes(5);
/**
 * The heartbeat alarm's period and how many in a row without a run breach: 45 minutes, nine runs missed, so a run that
 * crashes now and then (the next one beats) does not page.
 */
const HEARTBEAT_PERIOD = Duration.minutes(15);
const HEARTBEAT_PERIODS = 3;
// The default lives with the others (the CLI's status reads it too); exported here as before.
export { DEFAULT_REPLICATION_LAG_MINUTES };

export type LifeboatOperationsProps = {
  readonly environmentName: string;
  /** Physical names start with it: `<prefix>-<plan>-backup-age`, `<prefix>-scrub-corruption`, `<prefix>-scrub-damage`, `<prefix>-prune-damage`, the dashboard `<prefix>-operations`. */
  readonly prefix: string;
  readonly plans: readonly LifeboatPlan[];
  readonly catalog: dynamodb.ITable;
  readonly catalogKey: kms.IKey;
  /** The primary vault (the functions' VAULT_BUCKET; release-failed-backup opens it, with vaultKey, to read snapshot records). */
  readonly vault: s3.IBucket;
  /**
   * The primary vault's key: with it, release-failed-backup may read a stopped backup's commit markers (SSE-KMS)
   * and delete the snapshots they name once the backup is FAILED.
   * @default release-failed-backup gets no vault access and leaves such snapshots in the vault
   */
  readonly vaultKey?: kms.IKey;
  readonly backupStateMachine: sfn.IStateMachine;
  readonly backupStateMachineName: string;
  /** The primary region's topic, dead-letter queue and execution-status rule. */
  readonly alerts: OperationsAlerts;
  readonly executionStatusRule: events.Rule;
  /** The DR region's alerts: drills of the DR vault publish their metrics there. */
  readonly drAlerts: OperationsAlerts;
  /**
   * The DR region's catalog (in the DR alerts' stack) and its key: the DR region's watchdog reads the DR vault's drills and
   * prune runs there (a DR account's catalog keeps them from the primary account's roles) and publishes their state gauges
   * and its heartbeat in the DR region, where the DR drill, drill-age, prune-damage and heartbeat alarms are.
   * Required when a plan's drill schedule drills the DR vault (`drill.vault` 'dr', the default): its drill-age alarm
   * would have no watchdog and stay in ALARM, so the construct refuses it (InvalidLifeboatPropsError naming the plan).
   * @default no DR watchdog and no DR-region alarms on what it would measure (drill, prune-damage, heartbeat): a synth
   * warning (lifeboat:operations-no-dr-watchdog) says the DR vault's drills and prune are not watched
   */
  readonly drCatalog?: { readonly table: dynamodb.ITable; readonly key: kms.IKey };
  readonly drRegion: string;
  /**
   * The scrub's schedule expression (ScrubWorkflow's): the scrub-age alarm fires once the latest scrub run is older than
   * twice its longest gap between fires.
   * @default no scrub-age alarm
   */
  readonly scrubSchedule?: string;
  /** @default DEFAULT_REPLICATION_LAG_MINUTES */
  readonly replicationLagMinutes?: number;
};

/**
 * Operations of an environment in its primary region (docs/ARCHITECTURE.md, "Operations"):
 * - `release-failed-backup`, a second target of the execution-status rule: frees the lease of a
 *   stopped or timed-out backup and records it FAILED;
 * - the watchdog `watch-backup-age`, every WATCHDOG_INTERVAL: each plan's last committed and last
 *   replicated backup age as metrics, and state gauges from the newest record of what the other alarms watch (the
 *   newest committed backup's left-out entries, the scrub's outstanding damage, the primary vault's newest drill per plan
 *   and latest prune); in the DR region its twin (`drWatchdog`, with `drCatalog`) for the DR vault's drills and prune;
 *   each publishes a heartbeat per run, and each region's heartbeat alarm breaches after 45 minutes without one
 *   (a rule disabled, a function crashing or throttled: the gauges' alarms keep their state without figures);
 * - both functions' failed invocations, after Lambda's retries, go to the region's dead-letter queue
 *   (OperationsAlerts.functionTarget);
 * - alarms per plan (backup age over the RPO, DR copy age, replication lag, the newest backup's source entries
 *   skipped, the newest drill failed or missed an objective) and for scrub corruption (a run found some) and damage (some
 *   still there), acting on the region's topic; the drill alarm also in the DR region, where DR-vault drills are recorded;
 *   the prune-damage alarm in both, for each region's vault; the DR region's only with `drCatalog` (no watchdog would
 *   give them figures: without it a plan that drills the DR vault is refused, the rest get a warning);
 * - the dashboard `<prefix>-operations` (cdk-monitoring-constructs): a row per plan, the backup
 *   workflow's executions, the dead-letter queue.
 */
export class LifeboatOperations extends Construct {
  readonly releaseFailedBackup: LifeboatFunction;
  readonly watchdog: LifeboatFunction;
  readonly watchdogRule: events.Rule;
  /** The DR region's watchdog (with `drCatalog`): the DR vault's drills and prune, in the DR region. */
  readonly drWatchdog?: LifeboatFunction;
  readonly drWatchdogRule?: events.Rule;
  /** By alarm name. */
  readonly alarms = new Map<string, cloudwatch.Alarm>();
  readonly monitoring: MonitoringFacade;
  private readonly environmentName: string;

  constructor(scope: Construct, id: string, props: LifeboatOperationsProps) {
    super(scope, id);
    this.environmentName = props.environmentName;
    const { plans } = validatePlans(this, 'LifeboatOperations', { plans: props.plans });
    const stack = Stack.of(this);
    const watchesDr = props.drCatalog !== undefined;
    if (!watchesDr) {
      // A DR-region alarm no watchdog feeds never changes: a drill-age one stays in ALARM (missing data breaches) and the
      // drill and prune-damage ones never leave INSUFFICIENT_DATA, silent on a failed drill (review r58N F2). A plan that
      // drills the DR vault expects its drills watched: refused, as a missing prop is; without one, nothing there is watched.
      const drilledInDr = plans.filter((plan) => plan.drill !== undefined && (plan.drill.vault ?? 'dr') === 'dr').map((plan) => plan.name);
      if (drilledInDr.length > 0) {
        throw new InvalidLifeboatPropsError(
          `LifeboatOperations ${this.node.path}`,
          drilledInDr.map(
            (name) =>
              `drCatalog: plan ${name}'s drill schedule drills the DR vault (drill.vault 'dr', the default), whose drills are recorded in the DR region's catalog; without drCatalog no watchdog reads them, so no alarm would hear of a failed or missing drill (its drill-age alarm, breaching on missing data, would never clear): give drCatalog (the DR catalog table and its key) or set the plan's drill.vault to 'primary'`,
          ),
        );
      }
      Annotations.of(this).addWarningV2(
        'lifeboat:operations-no-dr-watchdog',
        `LifeboatOperations ${this.node.path} has no drCatalog: no watchdog runs in ${props.drRegion}, so the DR vault's drills and prune are not watched (no drill, prune-damage or heartbeat alarm there). Give drCatalog (the DR catalog table and its key) to watch them.`,
      );
    }
    const environment = {
      LIFEBOAT_ENVIRONMENT: props.environmentName,
      VAULT_BUCKET: props.vault.bucketName,
      CATALOG_TABLE: props.catalog.tableName,
      LIFEBOAT_PLANS: stack.toJsonString(plans),
    };

    this.releaseFailedBackup = new LifeboatFunction(this, 'ReleaseFailedBackup', {
      handler: 'release-failed-backup',
      // The vault key: it opens the vault to read whose snapshot a commit marker names before deleting it.
      environment: { ...environment, LIFEBOAT_BACKUP_STATE_MACHINE: props.backupStateMachineName, ...(props.vaultKey ? { VAULT_KEY_ARN: props.vaultKey.keyArn } : {}) },
    });
    // Reads the plan's lease and deletes it; marks the backup FAILED (or its DR copy) and, before deleting the snapshots
    // its commit wrote, reads its record back (forgetSnapshotsOfFailedBackup). Each on its own partition: on the whole
    // table the role could delete any backup record (its legal hold and pins), read the approvals' task tokens or drop a
    // restore target's claim (audit a57E-1).
    this.releaseFailedBackup.addToRolePolicy(catalogPartitionStatement(props.catalog, ['dynamodb:GetItem', 'dynamodb:DeleteItem'], [PLAN_LEASE_PARTITIONS]));
    this.releaseFailedBackup.addToRolePolicy(catalogPartitionStatement(props.catalog, ['dynamodb:GetItem', 'dynamodb:UpdateItem'], [BACKUP_RECORD_PARTITIONS]));
    props.catalogKey.grantEncryptDecrypt(this.releaseFailedBackup);
    if (props.vaultKey) {
      // Once FAILED, the snapshots a stopped backup's commit wrote go (release-failed-backup.ts): it lists and reads the
      // backup's commit markers (SSE-KMS: Decrypt), deletes them and the snapshots they name, each only once its own record
      // (opened with the vault's keys: config, keys/*) says it is this backup's. As the Record failure step (audit a2 F2).
      this.releaseFailedBackup.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject', 's3:DeleteObject'], resources: [props.vault.arnForObjects('parts/*/committed/*')] }));
      this.releaseFailedBackup.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject', 's3:DeleteObject'], resources: [props.vault.arnForObjects('snapshots/*')] }));
      this.releaseFailedBackup.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [props.vault.arnForObjects('config'), props.vault.arnForObjects('keys/*')] }));
      // Object Lock (an imported bucket may have it: nothing here can tell): the HEAD before each delete shows a retention or
      // legal hold only to a role allowed to read them; without them a retained snapshot would get a delete marker instead.
      if (bucketHasObjectLock(props.vault) ?? true) {
        this.releaseFailedBackup.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObjectRetention', 's3:GetObjectLegalHold'], resources: [props.vault.arnForObjects('snapshots/*')] }));
      }
      this.releaseFailedBackup.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [props.vault.bucketArn] }));
      this.releaseFailedBackup.addToRolePolicy(new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: [props.vaultKey.keyArn] }));
    }
    props.executionStatusRule.addTarget(props.alerts.functionTarget(this.releaseFailedBackup, events.RuleTargetInput.fromEventPath('$')));

    this.watchdog = new LifeboatFunction(this, 'WatchBackupAge', { handler: 'watch-backup-age', environment });
    this.watchdog.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:Query'], resources: [`${props.catalog.tableArn}/index/byPlan`] }));
    // The state gauges' records, each partition by name (lambdas/operations/operations-watch.ts): the newest drills, the
    // latest scrub run and the latest prune of the primary vault (Query), and the newest committed backup's record (GetItem).
    this.watchdog.addToRolePolicy(catalogPartitionStatement(props.catalog, ['dynamodb:Query'], [DRILLS_PARTITION, SCRUB_RUNS_PARTITION, prunePartition('primary')], 'exact'));
    this.watchdog.addToRolePolicy(catalogPartitionStatement(props.catalog, ['dynamodb:GetItem'], [BACKUP_RECORD_PARTITIONS]));
    props.catalogKey.grantDecrypt(this.watchdog);
    // An EventBridge rule, not a Scheduler schedule: the local scheduler starts state machines only. Named, for `lifeboat
    // doctor` to read its state: a rule disabled by hand stops every figure (audit a58C F6).
    this.watchdogRule = new events.Rule(this, 'WatchdogSchedule', {
      ruleName: watchdogRuleName(props.prefix),
      description: `Lifeboat ${props.environmentName}: measures each plan's last committed and replicated backup age, and the state the alarms watch`,
      schedule: events.Schedule.rate(WATCHDOG_INTERVAL),
    });
    this.watchdogRule.addTarget(props.alerts.functionTarget(this.watchdog, events.RuleTargetInput.fromObject({})));
    if (props.drCatalog) {
      // In the DR stack, beside its alarms (as `alarm` places them): it reads the DR catalog only, with the DR stack's own
      // role, so it works with the primary region down and for a DR stack in another account.
      const drScope: Construct = Stack.of(props.drAlerts) === stack ? this : props.drAlerts;
      const drEnvironment = { LIFEBOAT_ENVIRONMENT: props.environmentName, CATALOG_TABLE: props.drCatalog.table.tableName, LIFEBOAT_PLANS: Stack.of(drScope).toJsonString(plansInStack(drScope, plans)), LIFEBOAT_HOME_VAULT: 'dr' };
      const drWatchdog = new LifeboatFunction(drScope, 'WatchDrVault', { handler: 'watch-backup-age', environment: drEnvironment });
      drWatchdog.addToRolePolicy(catalogPartitionStatement(props.drCatalog.table, ['dynamodb:Query'], [DRILLS_PARTITION, prunePartition('dr')], 'exact'));
      props.drCatalog.key.grantDecrypt(drWatchdog);
      const drRule = new events.Rule(drScope, 'WatchDrVaultSchedule', {
        ruleName: watchdogRuleName(props.prefix),
        description: `Lifeboat ${props.environmentName}: measures the state of the DR vault's drills and prune the alarms watch`,
        schedule: events.Schedule.rate(WATCHDOG_INTERVAL),
      });
      drRule.addTarget(props.drAlerts.functionTarget(drWatchdog, events.RuleTargetInput.fromObject({})));
      acknowledgeScopedWildcards(drScope, [`${drWatchdog.functionArn}:*`]);
      acknowledgeXRayWildcard(drWatchdog.role ?? drWatchdog);
      this.drWatchdog = drWatchdog;
      this.drWatchdogRule = drRule;
    }

    // The regions a watchdog measures in, with the alerts of each: the DR region only with its watchdog (drCatalog).
    const watchedRegions: readonly (readonly [OperationsAlerts, 'Primary' | 'DR'])[] = [[props.alerts, 'Primary'], ...(watchesDr ? [[props.drAlerts, 'DR'] as const] : [])];
    const lagSeconds = (props.replicationLagMinutes ?? DEFAULT_REPLICATION_LAG_MINUTES) * 60;
    for (const plan of plans) {
      const rpoSeconds = plan.objectives.rpoMinutes * 60;
      this.alarm(props.alerts, planAlarmName(props.prefix, plan.name, 'backup-age'), {
        description: `Plan ${plan.name}: its last committed backup is older than the RPO objective (${plan.objectives.rpoMinutes} min), or it has none, or the watchdog is not measuring (its rule ${watchdogRuleName(props.prefix)} disabled, or its function failing: the dead-letter queue).`,
        metric: this.metric('lastCommittedBackupAge', plan.name, 'Maximum', WATCHDOG_INTERVAL),
        threshold: rpoSeconds,
        // No figure from the watchdog: no committed backup at all, or the watchdog itself is down.
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
        evaluationPeriods: 3,
      });
      this.alarm(props.alerts, planAlarmName(props.prefix, plan.name, 'dr-copy-age'), {
        description: `Plan ${plan.name}: the newest backup the DR vault holds is older than the RPO objective plus the replication-lag threshold, or it holds none, or the watchdog is not measuring (its rule ${watchdogRuleName(props.prefix)} disabled, or its function failing: the dead-letter queue).`,
        metric: this.metric('lastReplicatedBackupAge', plan.name, 'Maximum', WATCHDOG_INTERVAL),
        threshold: rpoSeconds + lagSeconds,
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
        evaluationPeriods: 3,
      });
      this.alarm(props.alerts, planAlarmName(props.prefix, plan.name, 'replication-lag'), {
        description: `Plan ${plan.name}: a backup reached the DR vault more than ${lagSeconds / 60} min after it committed.`,
        metric: this.metric('replicationLag', plan.name, 'Maximum', Duration.hours(1)),
        threshold: lagSeconds,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        evaluationPeriods: 1,
      });
      // A backup that commits without some of its source's entries (archived S3 objects, unreadable
      // files) is not a failure, and no other alarm would tell: the data is unprotected all the same. On the watchdog's
      // gauge of the newest committed backup, not the commit's own count: that went quiet an hour later (audit a58C F2).
      this.alarm(props.alerts, planAlarmName(props.prefix, plan.name, 'entries-skipped'), {
        description: `Plan ${plan.name}: its newest committed backup did not hold some source entries whole (archived S3 objects or unreadable files left out, or metadata such as an extended attribute not read; \`lifeboat backups list --plan ${plan.name}\` names them). It stays in ALARM until a backup leaves nothing out.`,
        ...STATE_GAUGE,
        metric: this.metric('lastBackupEntriesSkipped', plan.name, 'Maximum', WATCHDOG_INTERVAL),
      });
      // A drill schedule that stops firing (disabled, deleted, its deliveries failing) leaves no failed drill: the newest
      // drill's age tells, in the region of the vault it drills, at twice the schedule's longest gap (audit a58C F1). No
      // figure is breaching: the plan has a schedule, so a drill is expected (once the first has run: RUNBOOKS, "Alarms").
      const staleAfter = plan.drill ? scheduleStaleAfterSeconds(plan.drill.schedule) : undefined;
      if (plan.drill && staleAfter !== undefined) {
        const drillVault = plan.drill.vault ?? 'dr';
        this.alarm(drillVault === 'dr' ? props.drAlerts : props.alerts, planAlarmName(props.prefix, plan.name, DRILL_AGE_ALARM_KIND), {
          id: `${plan.name}-drill-age`,
          description: `Plan ${plan.name}: no drill of the ${drillVault === 'dr' ? 'DR' : 'primary'} vault started in the last ${durationInWords(staleAfter)}, twice the longest gap of its schedule ${props.prefix}-drill-${plan.name} (${plan.drill.schedule}), or none was found, or the watchdog is not measuring. See whether the schedule fires (\`lifeboat doctor --aws\`) and \`lifeboat drills list --plan ${plan.name}\`.`,
          metric: this.metric('lastDrillAge', plan.name, 'Maximum', WATCHDOG_INTERVAL),
          threshold: staleAfter,
          treatMissingData: cloudwatch.TreatMissingData.BREACHING,
          evaluationPeriods: 3,
        });
      }
      // Each region's watchdog publishes the newest drill of its vault (drills are recorded in that vault's region): the
      // alarm is in both, and stays in ALARM until a later drill of that vault passes, as status judges it.
      for (const [alerts, where] of watchedRegions) {
        this.alarm(alerts, planAlarmName(props.prefix, plan.name, 'drill'), {
          id: `${where}-${plan.name}-drill`,
          description: drillAlarmDescription(plan),
          ...STATE_GAUGE,
          metric: this.metric('lastDrillNotPassed', plan.name, 'Maximum', WATCHDOG_INTERVAL),
        });
      }
    }
    // Kept on the run's own count: a run that repaired all it found leaves no damage for the gauge below, and only this
    // says that objects went bad (why is the operator's question: docs/RUNBOOKS.md, "Alarms").
    this.alarm(props.alerts, `${props.prefix}-scrub-corruption`, {
      description: `A scrub run found objects corrupt or missing in a vault (repaired or not; \`${props.prefix}-scrub-damage\` stays in ALARM while any is still damaged or missing). It clears an hour after that run: docs/RUNBOOKS.md, "Scrub".`,
      metric: this.metric('scrubCorrupt', undefined, 'Sum', Duration.hours(1)),
      threshold: 0,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      evaluationPeriods: 1,
    });
    // A scrub schedule that stops firing is seen by the latest run's age (audit a58C F1): the scrub is always scheduled, so
    // no figure is breaching.
    const staleAfter = props.scrubSchedule !== undefined ? scheduleStaleAfterSeconds(props.scrubSchedule) : undefined;
    if (props.scrubSchedule !== undefined && staleAfter !== undefined) {
      this.alarm(props.alerts, `${props.prefix}-scrub-age`, {
        description: `No scrub run started in the last ${durationInWords(staleAfter)}, twice the longest gap of its schedule ${props.prefix}-scrub (${props.scrubSchedule}), or none was recorded, or the watchdog is not measuring: the vaults are not being checked. See whether the schedule fires (\`lifeboat doctor --aws\`) and the scrub's executions; \`lifeboat status\` shows the last run.`,
        metric: this.metric('lastScrubAge', undefined, 'Maximum', WATCHDOG_INTERVAL),
        threshold: staleAfter,
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
        evaluationPeriods: 3,
      });
    }
    // The latest scrub record's outstanding damage, whichever run found it: a run reads a seventh of the vaults, and one
    // whose slice missed the damaged objects published ScrubCorrupt 0 while status said they were still damaged (a58C F2).
    this.alarm(props.alerts, `${props.prefix}-scrub-damage`, {
      description:
        "Objects the scrub found corrupt or missing are still damaged or missing in a vault (the latest scrub record's outstanding objects, REPAIRABLE or DAMAGED: `lifeboat status` shows which plans they hit). It stays in ALARM until a scrub reads them again and finds them good or repairs them.",
      ...STATE_GAUGE,
      metric: this.metric('scrubOutstandingObjects', undefined, 'Maximum', WATCHDOG_INTERVAL),
    });
    // A prune that meets a damaged pack in a kept backup succeeds (what it deletes is not at risk), so no failed
    // execution tells; each region's watchdog publishes its vault's latest prune there, so the alarm is in both.
    for (const [alerts, where] of watchedRegions) {
      this.alarm(alerts, `${props.prefix}-prune-damage`, {
        id: `${where}-prune-damage`,
        description: `The latest prune of the ${where === 'DR' ? 'DR' : 'primary'} vault met a damaged pack: a blob a kept backup needs fails authentication. The run succeeded; run the scrub of that vault with repair to heal it from the other vault's copy. It stays in ALARM until a later prune meets none (docs/RUNBOOKS.md, "Prune").`,
        ...STATE_GAUGE,
        metric: this.metric('lastPruneDamagedPacks', undefined, 'Maximum', WATCHDOG_INTERVAL),
      });
    }

    // The gauges' alarms keep their state without figures, and a region may have no breaching alarm on what its watchdog
    // measures (the DR region without a drill of its vault; the primary with no plan or no scrub): a watchdog whose rule
    // is disabled, or whose function fails or is throttled, was heard there by nothing but, for failures, the dead-letter
    // queue (review r58N F1). Each run beats; no beat for HEARTBEAT_PERIODS periods in a row breaches.
    for (const [alerts, where] of watchedRegions) {
      this.alarm(alerts, watchdogHeartbeatAlarmName(props.prefix), {
        id: `${where}-watchdog-heartbeat`,
        description: `The ${where === 'DR' ? "DR region's" : "primary region's"} watchdog has not run in the last ${HEARTBEAT_PERIODS * HEARTBEAT_PERIOD.toMinutes()} min (it runs every ${WATCHDOG_INTERVAL.toMinutes()} min): its rule ${watchdogRuleName(props.prefix)} is disabled or deleted (\`lifeboat doctor --aws\` checks it), or its function crashes, times out or is throttled (a run that only could not read one measure still beats; its dead letter names the measure). Until it runs again, the alarms on what it measures (${where === 'DR' ? "the DR vault's drills and prune" : 'backups, drills, scrub and prune'}) hold their last state, but for the age alarms, which breach. Right after the deploy that creates this alarm it is in ALARM until the watchdog's first run (within ${WATCHDOG_INTERVAL.toMinutes()} min).`,
        metric: this.metric('watchdogHeartbeat', undefined, 'Sum', HEARTBEAT_PERIOD),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
        evaluationPeriods: HEARTBEAT_PERIODS,
      });
    }

    this.monitoring = this.dashboard(props, plans, lagSeconds);

    acknowledgeScopedWildcards(this, [
      `${this.releaseFailedBackup.functionArn}:*`,
      `${this.watchdog.functionArn}:*`,
      ...(props.vaultKey ? [props.vault.arnForObjects('parts/*/committed/*'), props.vault.arnForObjects('snapshots/*'), props.vault.arnForObjects('keys/*')] : []),
    ]);
    for (const fn of [this.releaseFailedBackup, this.watchdog]) acknowledgeXRayWildcard(fn.role ?? fn);
  }

  /** A metric of metric-names.ts: its dimensions are the environment, and the plan when it is per plan. */
  private metric(key: LifeboatMetricKey, plan: string | undefined, statistic: string, period: Duration, region?: string): cloudwatch.Metric {
    const definition = LIFEBOAT_METRICS[key];
    return new cloudwatch.Metric({
      namespace: METRICS_NAMESPACE,
      metricName: definition.name,
      dimensionsMap: { [DIMENSION.environment]: this.environmentName, ...(plan !== undefined ? { [DIMENSION.plan]: plan } : {}) },
      statistic,
      period,
      ...(region !== undefined ? { region } : {}),
    });
  }

  private alarm(
    alerts: OperationsAlerts,
    alarmName: string,
    spec: { id?: string; description: string; metric: cloudwatch.Metric; threshold: number; comparisonOperator?: cloudwatch.ComparisonOperator; treatMissingData: cloudwatch.TreatMissingData; evaluationPeriods: number },
  ): cloudwatch.Alarm {
    // An alarm lives in its topic's region: the DR region's drill alarm under the DR alerts construct.
    const scope: Construct = Stack.of(alerts) === Stack.of(this) ? this : alerts;
    const alarm = new cloudwatch.Alarm(scope, spec.id ?? alarmName, {
      alarmName,
      alarmDescription: `${spec.description} docs/RUNBOOKS.md, "Alarms".`,
      metric: spec.metric,
      threshold: spec.threshold,
      comparisonOperator: spec.comparisonOperator ?? cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: spec.evaluationPeriods,
      treatMissingData: spec.treatMissingData,
    });
    alarm.addAlarmAction(alerts.alarmAction);
    this.alarms.set(`${Stack.of(alarm).node.id}/${alarmName}`, alarm);
    return alarm;
  }

  /**
   * The dashboard, built with cdk-monitoring-constructs (docs/ARCHITECTURE.md, "Operations", says
   * why): per plan one custom-monitoring section of graphs with the objectives as annotations, then
   * the library's own sections for the backup state machine and the dead-letter queue. It creates no
   * alarms: those above have thresholds per plan and missing-data rules the library's factories do not express.
   */
  private dashboard(props: LifeboatOperationsProps, plans: readonly { name: string; objectives: { rpoMinutes: number; rtoMinutes: number }; drill?: { vault: 'dr' | 'primary' } | undefined }[], lagSeconds: number): MonitoringFacade {
    const facade = new MonitoringFacade(this, 'Monitoring', {
      metricFactoryDefaults: { namespace: METRICS_NAMESPACE },
      alarmFactoryDefaults: { alarmNamePrefix: props.prefix, actionsEnabled: true, action: noopAction() },
      dashboardFactory: new DefaultDashboardFactory(this, 'Dashboards', {
        dashboardNamePrefix: `${props.prefix}-operations`,
        createDashboard: true,
        createSummaryDashboard: false,
        createAlarmDashboard: false,
      }),
    });
    facade.addLargeHeader(`Lifeboat ${props.environmentName}: every plan against its objectives`);
    for (const plan of plans) {
      const rpo = plan.objectives.rpoMinutes * 60;
      const rto = plan.objectives.rtoMinutes * 60;
      const drillRegion = (plan.drill?.vault ?? 'dr') === 'dr' ? props.drRegion : undefined;
      const groups: CustomMetricGroup[] = [
        {
          title: 'Last backup age (s) vs RPO',
          metrics: [this.metric('lastCommittedBackupAge', plan.name, 'Maximum', WATCHDOG_INTERVAL).with({ label: 'committed' }), this.metric('lastReplicatedBackupAge', plan.name, 'Maximum', WATCHDOG_INTERVAL).with({ label: 'in the DR vault' })],
          horizontalAnnotations: [{ value: rpo, label: 'RPO objective', color: '#d62728' }],
        },
        {
          title: 'Bytes new / stored per backup',
          metrics: [this.metric('backupBytesNew', plan.name, 'Sum', Duration.hours(1)).with({ label: 'new' }), this.metric('backupBytesStored', plan.name, 'Sum', Duration.hours(1)).with({ label: 'stored' })],
        },
        { title: 'Backup duration (s)', metrics: [this.metric('backupDuration', plan.name, 'Maximum', Duration.hours(1)).with({ label: 'duration' })] },
        {
          title: 'Failed backups / replication lag (s)',
          metrics: [
            this.metric('backupFailed', plan.name, 'Sum', Duration.hours(1)).with({ label: 'failed executions' }),
            { metric: this.metric('replicationLag', plan.name, 'Maximum', Duration.hours(1)).with({ label: 'replication lag' }), alarmFriendlyName: `${plan.name}-lag`, addAlarm: {}, position: AxisPosition.RIGHT },
          ],
          horizontalRightAnnotations: [{ value: lagSeconds, label: 'lag threshold', color: '#ff7f0e' }],
        },
        {
          title: 'Drill RTO (s) vs objective',
          metrics: [this.metric('drillRto', plan.name, 'Maximum', Duration.days(1), drillRegion).with({ label: 'drill RTO' })],
          horizontalAnnotations: [{ value: rto, label: 'RTO objective', color: '#d62728' }],
        },
      ];
      facade.monitorCustom({ alarmFriendlyName: `plan-${plan.name}`, humanReadableName: `Plan ${plan.name} (RPO ${plan.objectives.rpoMinutes} min, RTO ${plan.objectives.rtoMinutes} min)`, metricGroups: groups });
    }
    facade.monitorStepFunction({ stateMachine: props.backupStateMachine, humanReadableName: 'Backup workflow executions', alarmFriendlyName: 'backup-workflow' });
    facade.monitorSqsQueue({ queue: props.alerts.deadLetterQueue, humanReadableName: 'Undelivered events and failed function invocations', alarmFriendlyName: 'dead-letters' });
    return facade;
  }
}

/** A whole number of days, hours or minutes (a schedule's gap is made of them), for an alarm's description. */
function durationInWords(seconds: number): string {
  if (seconds % 86_400 === 0) return `${seconds / 86_400} day(s)`;
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  return `${Math.round(seconds / 60)} min`;
}

/**
 * The alarm rule of a watchdog's state gauge (a figure of the newest record, published every WATCHDOG_INTERVAL while it
 * holds): above 0 in one period alarms, and a period without a figure keeps the state (the watchdog missed a run, or the
 * record went out of its bounded read): such an alarm leaves ALARM only on a figure of 0, when the fact no longer holds.
 * So a watchdog that stopped leaves them as they were: its region's heartbeat alarm, whose missing data breaches, tells.
 */
const STATE_GAUGE = { threshold: 0, evaluationPeriods: 1, treatMissingData: cloudwatch.TreatMissingData.IGNORE } as const;

/**
 * What the drill alarm says was missed, as drill-verdict.ts judges it: the RPO on the age of the plan's newest drillable
 * backup and the largest gap between its backups, whatever backup the drill restored. A plan whose drills pick at
 * random is told that an old pick does not count, so its operator looks at the plan's backups, not at the pick.
 */
function drillAlarmDescription(plan: Pick<ProtectionPlanConfig, 'name' | 'objectives' | 'drill'>): string {
  const { rtoMinutes, rpoMinutes } = plan.objectives;
  const missed = `Plan ${plan.name}: its newest drill of this region's vault failed or missed its RTO (${rtoMinutes} min) or RPO objective (${rpoMinutes} min: the newest backup's age or the largest gap between backups); it stays in ALARM until a later drill of that vault passes`;
  if (plan.drill?.selection === 'random-within-window') {
    return (
      `${missed}. Its scheduled drills restore a random backup of the last ${plan.drill.windowDays} days; ` +
      `an old pick does not miss the RPO: a missed RPO means the plan's backups stopped or had a gap, whatever was drilled; \`lifeboat drills show\` says which (docs/RUNBOOKS.md, "Drill").`
    );
  }
  return `${missed} (docs/RUNBOOKS.md, "Drill").`;
}
