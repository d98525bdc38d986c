import { type Stack, Token } from 'aws-cdk-lib';
import { mirrorOf } from '../../config/lifeboat-config';
import { DRILL_AGE_ALARM_KIND, type LifeboatNames, lifeboatNames, PLAN_ALARM_KINDS, planAlarmName } from '../lifeboat-names';
import { type LifeboatPlan } from './lifeboat-plan';

/**
 * A fixed physical name a protection gives one of its resources, with the place it must be unique in: S3 bucket names in
 * all of AWS (`account` and `region` absent), IAM role and CloudWatch dashboard names in an account (`region` absent), every
 * other name in an account's region. Account and region may be tokens (an environment-agnostic stack): they may then be any.
 */
export type FixedPhysicalName = { readonly type: string; readonly name: string; readonly account?: string; readonly region?: string };

/** One side of a protection: the account and region its resources there are deployed into. */
export type ProtectionSide = { readonly account: string; readonly region: string };

export type ProtectionNamesInput = {
  readonly prefix: string;
  readonly names: LifeboatNames;
  readonly primary: ProtectionSide;
  readonly dr: ProtectionSide;
  readonly plans: readonly { readonly name: string; readonly drill?: { readonly vault?: 'dr' | 'primary' } }[];
  /** Names of the S3 sources with `mirror`: each gets the bucket `<prefix>-mirror-<source>` in the DR region. */
  readonly mirroredBuckets: readonly string[];
  /** Whether any source has `mirror`: the mirror check and its schedule exist then. */
  readonly mirrorCheck: boolean;
  /** Whether the primary region's file sampler exists (a mirrored file-system source and fileSystem.replica). */
  readonly fileMirrorSampler: boolean;
  /** Whether the DR stack is in another account: the DR-key lookup's and reader's roles have fixed names then (dr-key-arns.ts). */
  readonly crossAccount: boolean;
};

/**
 * Every name of `lifeboatNames` a resource carries, plus what lifeboat-operations.ts and the schedules derive per plan: the
 * backup schedule `<prefix>-<plan>`, the drill schedule `<prefix>-drill-<plan>` in the region of the vault it drills, the plan's
 * alarms (the drill-age alarm in the region of the vault its drill schedule drills), the scrub-corruption, scrub-damage,
 * scrub-age and prune-damage alarms and the dashboard `<prefix>-operations`. test/infra/lib/protection-name-collisions.test.ts
 * compares it with every name of a synthesized protection's templates, so a name added elsewhere and not here fails there.
 */
export function fixedPhysicalNames(input: ProtectionNamesInput): FixedPhysicalName[] {
  const { names, primary, dr } = input;
  const bucket = (name: string): FixedPhysicalName => ({ type: 'S3 bucket', name });
  const inAccount = (side: ProtectionSide, type: string, name: string): FixedPhysicalName => ({ type, name, account: side.account });
  const inRegion = (side: ProtectionSide, type: string, name: string): FixedPhysicalName => ({ type, name, account: side.account, region: side.region });
  const bothRegions = (type: string, name: string) => [inRegion(primary, type, name), inRegion(dr, type, name)];
  const machine = 'Step Functions state machine';
  const schedule = 'EventBridge Scheduler schedule';
  const alarm = 'CloudWatch alarm';
  return [
    bucket(names.primaryVault),
    bucket(names.drVault),
    bucket(names.primaryAccessLogs),
    bucket(names.drAccessLogs),
    ...input.mirroredBuckets.map((source) => bucket(`${names.mirrorBucketPrefix}${source}`)),
    ...bothRegions('DynamoDB table', names.catalogTable),
    inRegion(primary, machine, names.backupStateMachine),
    ...bothRegions(machine, names.restoreStateMachine),
    ...bothRegions(machine, names.catalogRebuildStateMachine),
    inRegion(primary, machine, names.scrubStateMachine),
    inRegion(primary, machine, names.repairIndexStateMachine),
    ...bothRegions(machine, names.pruneStateMachine),
    ...bothRegions(machine, names.drillStateMachine),
    ...bothRegions(machine, names.drillRestoreSourceStateMachine),
    inRegion(dr, machine, names.failoverStateMachine),
    inRegion(dr, machine, names.failoverRestoreSourceStateMachine),
    ...(input.mirrorCheck ? [inRegion(dr, machine, names.mirrorCheckStateMachine), inRegion(dr, schedule, names.mirrorCheckSchedule)] : []),
    inRegion(primary, schedule, names.scrubSchedule),
    inRegion(primary, schedule, names.pruneSchedule),
    inRegion(dr, schedule, names.drPruneSchedule),
    ...(input.fileMirrorSampler ? [inRegion(primary, schedule, names.fileMirrorSample)] : []),
    ...(input.crossAccount ? [inAccount(primary, 'IAM role', names.drKeyLookupRole), inAccount(dr, 'IAM role', names.drKeyReaderRole)] : []),
    inRegion(dr, 'KMS alias', names.drCatalogKeyAlias),
    inRegion(primary, 'KMS alias', names.primaryVaultKeyAlias),
    inRegion(dr, 'KMS alias', names.drVaultKeyAlias),
    ...bothRegions('SNS topic', names.alarmTopic),
    ...bothRegions('EventBridge rule', names.executionStatusRule),
    ...bothRegions('EventBridge rule', names.keyChangeRule),
    ...bothRegions('EventBridge rule', names.watchdogRule),
    ...bothRegions('SQS queue', names.deadLetterQueue),
    ...bothRegions(alarm, names.deadLetterAlarm),
    ...bothRegions(alarm, `${names.deadLetterAlarm}-new`),
    ...bothRegions(alarm, names.watchdogHeartbeatAlarm),
    inRegion(primary, alarm, `${input.prefix}-scrub-corruption`),
    inRegion(primary, alarm, `${input.prefix}-scrub-damage`),
    inRegion(primary, alarm, `${input.prefix}-scrub-age`),
    ...bothRegions(alarm, `${input.prefix}-prune-damage`),
    inAccount(primary, 'CloudWatch dashboard', `${input.prefix}-operations`),
    ...input.plans.flatMap((plan) => [
      inRegion(primary, schedule, `${names.schedulePrefix}${plan.name}`),
      ...(plan.drill ? [inRegion((plan.drill.vault ?? 'dr') === 'dr' ? dr : primary, schedule, `${names.drillSchedulePrefix}${plan.name}`)] : []),
      // Every plan alarm in the primary region; the drill alarm in the DR region too.
      ...PLAN_ALARM_KINDS.map((kind) => inRegion(primary, alarm, planAlarmName(input.prefix, plan.name, kind))),
      inRegion(dr, alarm, planAlarmName(input.prefix, plan.name, 'drill')),
      ...(plan.drill ? [inRegion((plan.drill.vault ?? 'dr') === 'dr' ? dr : primary, alarm, planAlarmName(input.prefix, plan.name, DRILL_AGE_ALARM_KIND))] : []),
    ]),
  ];
}

/** The props of a LifeboatProtection its fixed names depend on (besides its prefix and environment name). */
export type ProtectionNamesProps = {
  readonly drRegion: string;
  readonly drAccount?: string;
  readonly drStack?: Stack;
  readonly plans: readonly LifeboatPlan[];
  readonly fileSystem?: { readonly replica?: object };
};

/**
 * The account of a protection's DR side, as its names (`<prefix>-vault-<account>-<drRegion>`), its collision checks and its
 * cross-account grants say it: the one rule of all three (docs/DEPLOYMENT.md, "The DR vault in another account").
 * - `drAccount`, when given (synth refuses a `drStack` of another known account, and a protection stack without one).
 * - Else the DR stack's account, when it is known: that is where the DR vault is, so the DR stack's template names it by
 *   that literal, and so does an environment-agnostic protection stack's, whose `AWS::AccountId` is its own account, not
 *   necessarily the DR stack's. Such a protection stack gets the `DrAccountMatches` rule: CloudFormation refuses to deploy
 *   it into another account, whose roles the DR vault would not let in (lifeboat-protection.ts).
 * - Else the protection stack's account: the default DR stack's too, and an environment-agnostic one stays a token, which
 *   each stack's template resolves to its own account (both deploy with the same credentials).
 */
export function drAccountOf(stack: Stack, props: Pick<ProtectionNamesProps, 'drAccount' | 'drStack'>): string {
  if (props.drAccount !== undefined) return props.drAccount;
  if (props.drStack !== undefined && !Token.isUnresolved(props.drStack.account)) return props.drStack.account;
  return stack.account;
}

/** Whether the DR side is in another account than the protection's stack: known only when both accounts are. */
export function drInAnotherAccount(stack: Stack, drAccount: string): boolean {
  return !Token.isUnresolved(drAccount) && !Token.isUnresolved(stack.account) && drAccount !== stack.account;
}

/** The fixed names of a protection in `stack` with these props, known before anything is built (LifeboatProtection checks them first). */
export function protectionPhysicalNames(prefix: string, environmentName: string, stack: Stack, props: ProtectionNamesProps): FixedPhysicalName[] {
  const drAccount = drAccountOf(stack, props);
  const names = lifeboatNames({ prefix, environmentName, account: stack.account, drAccount, primaryRegion: stack.region, drRegion: props.drRegion });
  const mirrored = props.plans.flatMap((plan) => plan.sources).filter((source) => mirrorOf(source.config) !== undefined);
  return fixedPhysicalNames({
    prefix,
    names,
    primary: { account: stack.account, region: stack.region },
    dr: { account: drAccount, region: props.drRegion },
    plans: props.plans,
    mirroredBuckets: mirrored.filter((source) => source.config.type === 's3').map((source) => source.name),
    mirrorCheck: mirrored.length > 0,
    fileMirrorSampler: props.fileSystem?.replica !== undefined && mirrored.some((source) => source.config.type === 'filesystem'),
    crossAccount: drInAnotherAccount(stack, drAccount),
  });
}

/** The names of `ours` that `theirs` has too, of the same type, in a place both may be deployed to. */
export function sharedPhysicalNames(ours: readonly FixedPhysicalName[], theirs: readonly FixedPhysicalName[]): FixedPhysicalName[] {
  return ours.filter((a) => theirs.some((b) => a.type === b.type && a.name === b.name && mayBeSame(a.account, b.account) && mayBeSame(a.region, b.region)));
}

/** Where a name is, as a message says it: `in 111111111111/us-east-1`, `in account 111111111111`, or nothing for an S3 bucket. */
export function placeOf(name: FixedPhysicalName): string {
  const shown = (value: string) => (Token.isUnresolved(value) ? '(any)' : value);
  if (name.account === undefined) return '';
  return name.region === undefined ? ` in account ${shown(name.account)}` : ` in ${shown(name.account)}/${shown(name.region)}`;
}

/** A token may be any value; an absent place (an S3 bucket's account and region) is all of them. */
function mayBeSame(a: string | undefined, b: string | undefined): boolean {
  return a === undefined || b === undefined || Token.isUnresolved(a) || Token.isUnresolved(b) || a === b;
}
