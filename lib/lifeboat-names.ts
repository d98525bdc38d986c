import { Token } from 'aws-cdk-lib';

/**
 * Physical names of one protected environment's resources, all derived from its prefix. Fixed (not
 * CloudFormation-generated) so runbooks, the CLI and the local cloud address them by name, and the
 * primary region finds the DR vault and its key (another region, another stack) without a reference.
 * The account and regions may be tokens (an environment-agnostic stack): the names are then tokens too.
 */
export type LifeboatNamesInput = {
  readonly prefix: string;
  /** LIFEBOAT_ENVIRONMENT of the functions; the restore functions derive the restore-target prefix from it. */
  readonly environmentName: string;
  readonly account: string;
  /**
   * The DR side's account, where the DR vault and access-log bucket are: a protection's is drAccountOf's
   * (constructs/protection-physical-names.ts), never its own rule here.
   * @default `account`
   */
  readonly drAccount?: string;
  readonly primaryRegion: string;
  readonly drRegion: string;
};

export function lifeboatNames(input: LifeboatNamesInput) {
  const { prefix, account, primaryRegion, drRegion } = input;
  const drAccount = input.drAccount ?? account;
  return {
    primaryVault: `${prefix}-vault-${account}-${primaryRegion}`,
    drVault: `${prefix}-vault-${drAccount}-${drRegion}`,
    primaryAccessLogs: `${prefix}-access-logs-${account}-${primaryRegion}`,
    drAccessLogs: `${prefix}-access-logs-${drAccount}-${drRegion}`,
    catalogTable: `${prefix}-catalog`,
    backupStateMachine: `${prefix}-backup`,
    restoreStateMachine: `${prefix}-restore`,
    /** The catalog-rebuild runbook (docs/RUNBOOKS.md, "Catalog rebuild"). */
    catalogRebuildStateMachine: `${prefix}-catalog-rebuild`,
    /** The scrub runbook (docs/RUNBOOKS.md, "Scrub"), and its daily schedule of the same name. */
    scrubStateMachine: `${prefix}-scrub`,
    scrubSchedule: `${prefix}-scrub`,
    /** The repair-index runbook (docs/RUNBOOKS.md, "Repair index"): either vault's index rebuilt from its packs; no schedule. */
    repairIndexStateMachine: `${prefix}-repair-index`,
    /**
     * The prune of each vault (docs/FORMAT.md "Prune"): one state machine in each region, same name; the
     * schedules differ (AWS would allow one name per region, but a name should say which vault it prunes).
     */
    pruneStateMachine: `${prefix}-prune`,
    pruneSchedule: `${prefix}-prune`,
    drPruneSchedule: `${prefix}-prune-dr`,
    /** The drill workflow (docs/RUNBOOKS.md, "Drill"): one in each region, over that region's vault. */
    drillStateMachine: `${prefix}-drill`,
    /** The restore of one source of a drill, a child execution per source (lib/constructs/restore-source-state-machine.ts): `<drill>-restore-source`. */
    drillRestoreSourceStateMachine: `${prefix}-drill-restore-source`,
    /** A plan's drill schedule: `<prefix>-drill-<plan>`, in the region of the vault it drills. */
    drillSchedulePrefix: `${prefix}-drill-`,
    /** Scratch buckets, tables and directories of drills start with this; a drill removes its own, the sweep those older than the drill's timeout and an hour (lib/constructs/drill-timeouts.ts: 25 h, or 73 h with an archive tier, when no plan has more than 40 sources; a wave of restores longer for each further 40). */
    drillTargetPrefix: `${prefix}-drill-`,
    /** The failover runbook (docs/RUNBOOKS.md, "Failover"), in the DR region only. */
    failoverStateMachine: `${prefix}-failover`,
    /** The restore of one source of a failover, a child execution per source: `<failover>-restore-source`. */
    failoverRestoreSourceStateMachine: `${prefix}-failover-restore-source`,
    /** A mirrored source's live copy in the DR region: `<prefix>-mirror-<source>` (docs/ARCHITECTURE.md, "Mirrors"). */
    mirrorBucketPrefix: `${prefix}-mirror-`,
    /** The mirror check (DR region) and its schedule of the same name. */
    mirrorCheckStateMachine: `${prefix}-mirror-check`,
    mirrorCheckSchedule: `${prefix}-mirror-check`,
    fileMirrorSample: `${prefix}-file-mirror-sample`,
    /**
     * With the DR vault in another account: the role of the primary stack's DR-key lookup (DrKeyArns), and the
     * role of the DR stack it assumes to read the keys' ids there. Fixed names: each account's stack names the other's role.
     */
    drKeyLookupRole: `${prefix}-dr-key-lookup`,
    drKeyReaderRole: `${prefix}-dr-key-reader`,
    /** Alias of the DR catalog's KMS key: the Replicate step (primary region) writes the DR catalog through it. */
    drCatalogKeyAlias: `alias/${prefix}-dr-catalog`,
    /** Alias of the primary vault's KMS key: the CLI (`lifeboat verify --aws`) names the key by it. */
    primaryVaultKeyAlias: `alias/${prefix}-vault`,
    /** Alias of the DR vault's KMS key: the restore functions in the primary region name the DR key by it. */
    drVaultKeyAlias: `alias/${prefix}-dr-vault`,
    /**
     * New buckets and tables a restore may create or write start with this (docs/RUNBOOKS.md). The restore
     * functions get it as LIFEBOAT_RESTORE_TARGET_PREFIX and check the same rule at input validation
     * (lambdas/restore/restore-target-policy.ts).
     */
    restoreTargetPrefix: `${prefix}-restore-`,
    /** The SNS topic of the environment's alarms and failed executions, one in each region (docs/RUNBOOKS.md, "Alarms"). */
    alarmTopic: `${prefix}-alarms`,
    /** The EventBridge rule on the state machines' FAILED, TIMED_OUT and ABORTED executions, in each region. */
    executionStatusRule: `${prefix}-execution-ended`,
    /** The EventBridge rule on calls that disable or delete a vault or catalog key (CloudTrail), in each region. */
    keyChangeRule: `${prefix}-key-changed`,
    /** The EventBridge rule that runs each region's watchdog every 5 minutes (lifeboat-operations.ts; `lifeboat doctor` checks its state). */
    watchdogRule: watchdogRuleName(prefix),
    /** The alarm, in each region with a watchdog, on its heartbeat: no complete run for 45 minutes (lifeboat-operations.ts). */
    watchdogHeartbeatAlarm: watchdogHeartbeatAlarmName(prefix),
    /** The dead-letter queue of the region's schedules and rule targets, and its alarm. */
    deadLetterQueue: `${prefix}-dead-letters`,
    deadLetterAlarm: `${prefix}-dead-letters`,
    /** Prefix of the EventBridge Scheduler schedules, one per plan: `<prefix>-<plan>` (no plan is named `scrub`: that is the scrub's). */
    schedulePrefix: `${prefix}-`,
  };
}

export type LifeboatNames = ReturnType<typeof lifeboatNames>;

/** The rule that runs a region's watchdog: named, so that `lifeboat doctor` can read its state (audit a58C F6). */
export function watchdogRuleName(prefix: string): string {
  return `${prefix}-watchdog`;
}

/**
 * The alarm on a region's watchdog heartbeat (review r58N F1): the state gauges' alarms keep their state without figures,
 * so a watchdog whose rule is disabled or whose function fails or is throttled was heard only where a breaching alarm
 * happened to watch it.
 */
export function watchdogHeartbeatAlarmName(prefix: string): string {
  return `${prefix}-watchdog-heartbeat`;
}

/** The alarms every plan has (lifeboat-operations.ts), each named `<prefix>-<plan>-<kind>`; the drill's in each region it drills from. */
export const PLAN_ALARM_KINDS = ['backup-age', 'dr-copy-age', 'replication-lag', 'entries-skipped', 'drill'] as const;
/** The alarm only a plan with a drill schedule has, in the region of the vault it drills: its newest drill's age. */
export const DRILL_AGE_ALARM_KIND = 'drill-age';
export type PlanAlarmKind = (typeof PLAN_ALARM_KINDS)[number] | typeof DRILL_AGE_ALARM_KIND;

/** The name of a plan's alarm of `kind`. */
export function planAlarmName(prefix: string, plan: string, kind: PlanAlarmKind): string {
  return `${prefix}-${plan}-${kind}`;
}

/** A prefix: lowercase letters, digits and dashes, starting with a letter, ending with a letter or digit. */
export const PREFIX_PATTERN = /^[a-z][a-z0-9-]*[a-z0-9]$/;

/** S3 bucket names have at most 63 characters. */
const MAX_BUCKET_NAME = 63;
/** The longest AWS account id and region name, for names whose account or region is a token. */
const ACCOUNT_ID_LENGTH = 12;
const LONGEST_REGION_LENGTH = 14;

/**
 * The longest prefix whose bucket names (the longest is `<prefix>-access-logs-<account>-<region>`) fit
 * S3's 63 characters in these regions; a region that is a token counts as the longest region name.
 */
export function maxPrefixLength(regions: readonly string[]): number {
  const regionLength = Math.max(...regions.map((r) => (Token.isUnresolved(r) ? LONGEST_REGION_LENGTH : r.length)));
  return MAX_BUCKET_NAME - '-access-logs-'.length - ACCOUNT_ID_LENGTH - '-'.length - regionLength;
}
