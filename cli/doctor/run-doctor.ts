import * as path from 'node:path';
import { type LocalEndpoints } from '../../lambdas/runtime/local-endpoints';
import { type SynthesizedStack } from '../../local/assembly/synthesized-stack';
import { type LocalCloudStatus } from '../../local/cloud/local-cloud';
import { localFileSystemRoot } from '../../local/local-environment';
import { checkCredentials, checkLocalCloud } from './access-checks';
import { checkLastBackup } from './backup-recency-checks';
import { CATALOG_PLANS_CHECK, checkCatalogPlans, checkDrCatalogItems, DR_CATALOG_ITEMS_CHECK, type LocalDynamoDbEndpoints } from './catalog-plan-checks';
import { bootstrapRequirement, checkBootstrap, checkLocalRegion } from './bootstrap-checks';
import { type CheckResult, passed, skipped } from './check-result';
import { checkConfigFile, checkEnvironment, checkSynthesis, type SynthesizeEnvironment } from './config-checks';
import { type AwsDoctorClients, catalogOfRegion, type Disposable, type StorageClients } from './doctor-clients';
import { type DoctorContext, doctorContext, type DoctorRequest } from './doctor-context';
import { checkDynamoDbSource } from './dynamodb-source-check';
import { checkDrRestoreMount, checkEfsMount, checkEfsSource, checkLocalDirectorySource } from './file-system-checks';
import { checkS3Source } from './s3-source-check';
import { alarmSubscriptionsCheck, checkAlarmSubscriptions } from './alarm-subscription-checks';
import { alertRules, checkAlertRule, checkSynthesizedAlertRule } from './rule-checks';
import { checkRunbookSchedule, checkSynthesizedRunbookSchedule, runbookSchedules } from './runbook-schedule-checks';
import { checkSchedule, checkSynthesizedSchedule } from './schedule-checks';
import { localSchedulerStatus } from '../../local/scheduler/local-scheduler';
import { checkDeployedStack, checkProvisionedStack } from './stack-checks';
import { checkVaultKey } from './vault-key-checks';

export type DoctorDeps = {
  synthesize: SynthesizeEnvironment;
  /** Where the synthesis writes its assembly (the caller removes it). */
  synthOutdir: string;
  now: () => Date;
  /** The CDK bootstrap stack's name (cdk.json's `toolkitStackName`, default CDKToolkit). */
  toolkitStackName: string;
  /** --aws: clients of AWS for the environment's primary region and the others. */
  awsClients: (primaryRegion: string) => Disposable<AwsDoctorClients>;
  /** Local: clients of the running local cloud. */
  localClients: (endpoints: LocalEndpoints) => Disposable<StorageClients>;
  cloudStatus: (dataDir: string) => Promise<LocalCloudStatus>;
};

/** A check that was not run because `dependency` did not pass. */
function dependsOn(name: string, dependency: CheckResult): CheckResult {
  return skipped(name, `depends on ${dependency.name}, which ${dependency.verdict === 'skipped' ? 'was skipped' : 'failed'}`);
}

/** The names of groups 3 to 5 for one environment, to report them as skipped when access fails. */
function laterCheckNames(ctx: DoctorContext): string[] {
  const { environment, names, request } = ctx;
  const sources = environment.plans.flatMap((p) => p.sources);
  const efs = environment.fileSystem?.efs;
  return [
    ...[environment.primaryRegion, environment.drRegion].map((r) => (request.mode === 'aws' ? `bootstrap ${r}` : `region ${r}`)),
    // The same names sourceChecks gives them (file-system-checks.ts): the DR line has no id without drRestore.
    ...(request.mode === 'aws' && efs && sources.some((s) => s.type === 'filesystem')
      ? [`file system ${efs.fileSystemId}`, efs.drRestore ? `DR file system ${efs.drRestore.fileSystemId}` : 'DR file system']
      : []),
    ...sources.map((s) => `source ${s.name}`),
    `stack ${names.primaryStack}`,
    ...(request.mode === 'aws' ? [`vault key ${environment.primaryRegion}`] : []),
    `stack ${names.drStack}`,
    ...(request.mode === 'aws' ? [`vault key ${environment.drRegion}`] : []),
    ...environment.plans.flatMap((p) => [`schedule ${p.name}`, `last backup ${p.name}`, `dr copy ${p.name}`]),
    ...runbookSchedules(ctx).map((s) => s.check),
    ...alertRules(ctx).map((r) => r.check),
    ...(request.mode === 'aws' ? [environment.primaryRegion, environment.drRegion].map(alarmSubscriptionsCheck) : []),
    CATALOG_PLANS_CHECK,
    DR_CATALOG_ITEMS_CHECK,
  ];
}

/**
 * `lifeboat doctor`: the checks in their order, each group after the ones it needs (docs/DOCTOR.md).
 * 1 config, environment, synthesis; 2 credentials (AWS) or the local cloud; 3 bootstrap (AWS) or
 * regions served (local); 4 sources; 5 stacks, schedules, last backup and its DR copy per plan, the other schedules
 * (drills, scrub, prunes, mirror check), each region's alert rules (execution ended, key changed, watchdog) and, in
 * AWS, its alarm topic's subscriptions.
 * A check whose dependency failed is reported as skipped, naming it.
 */
export async function runDoctor(request: DoctorRequest, deps: DoctorDeps): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const accessName = request.mode === 'aws' ? 'credentials' : 'local cloud';
  const unknownLater = (from: number, dependency: CheckResult) =>
    ['environment', 'synthesis', accessName, request.mode === 'aws' ? 'bootstrap' : 'regions', 'sources', 'stacks', 'plans'].slice(from).map((n) => dependsOn(n, dependency));

  const config = checkConfigFile(request.configFile);
  results.push(config.result);
  if (!config.config) return [...results, ...unknownLater(0, config.result)];
  const env = checkEnvironment(config.config, request.envName, request.configFile);
  results.push(env.result);
  if (!env.environment) return [...results, ...unknownLater(1, env.result)];
  const { environment } = env;
  const ctx = doctorContext(request, config.config, environment);
  const synthesis = await checkSynthesis(deps.synthesize, { config: config.config, envName: environment.name, outdir: deps.synthOutdir }, ctx.cdk('synth'));
  results.push(synthesis.result);

  let aws: Disposable<AwsDoctorClients> | undefined;
  let storage: Disposable<StorageClients> | undefined;
  let endpoints: LocalEndpoints | undefined;
  let stoppedRegions: string[] = [];
  try {
    let access: CheckResult;
    if (request.mode === 'aws') {
      aws = deps.awsClients(environment.primaryRegion);
      storage = aws;
      const clients = aws;
      access = await checkCredentials((region) => clients.sts(region), ctx);
    } else {
      const cloud = checkLocalCloud(await deps.cloudStatus(request.dataDir), ctx);
      access = cloud.result;
      endpoints = cloud.endpoints;
      stoppedRegions = cloud.stoppedRegions;
      if (endpoints) storage = deps.localClients(endpoints);
    }
    results.push(access);
    if (!passed(access) || !storage) return [...results, ...laterCheckNames(ctx).map((n) => dependsOn(n, access))];

    const regionChecks = new Map<string, CheckResult>();
    for (const region of [environment.primaryRegion, environment.drRegion]) {
      let check: CheckResult;
      if (aws) {
        check = synthesis.stacks
          ? await checkBootstrap(aws.cloudFormation(region), ctx, region, bootstrapRequirement(synthesis.stacks), deps.toolkitStackName)
          : dependsOn(`bootstrap ${region}`, synthesis.result);
      } else {
        check = checkLocalRegion(endpoints ?? { s3: {}, dynamodb: {} }, ctx, region, stoppedRegions);
      }
      regionChecks.set(region, check);
      results.push(check);
    }

    results.push(...(await sourceChecks(ctx, { aws, storage, fsRoot: localFileSystemRoot(request.dataDir), regionChecks })));
    results.push(...(await deploymentChecks(ctx, { aws, storage, stacks: synthesis.stacks, synthesis: synthesis.result, regionChecks, now: deps.now(), localDynamoDb: endpoints?.dynamodb })));
    return results;
  } finally {
    storage?.destroy();
  }
}

async function sourceChecks(
  ctx: DoctorContext,
  clients: { aws: AwsDoctorClients | undefined; storage: StorageClients; fsRoot: string; regionChecks: ReadonlyMap<string, CheckResult> },
): Promise<CheckResult[]> {
  const { environment } = ctx;
  const sources = environment.plans.flatMap((p) => p.sources);
  const results: CheckResult[] = [];
  // Locally a region the cloud does not serve has no clients; in AWS a source does not need the bootstrap.
  const primaryRegion = clients.regionChecks.get(environment.primaryRegion);
  if (!clients.aws && primaryRegion && !passed(primaryRegion)) return sources.map((s) => dependsOn(`source ${s.name}`, primaryRegion));

  let fileSystemCheck: CheckResult | undefined;
  const efs = environment.fileSystem?.efs;
  if (clients.aws && efs && sources.some((s) => s.type === 'filesystem')) {
    fileSystemCheck = await checkEfsMount(clients.aws.efs(environment.primaryRegion), ctx, efs);
    results.push(fileSystemCheck);
    const aws = clients.aws;
    results.push(await checkDrRestoreMount((region) => aws.efs(region), ctx));
  }
  const awsClients = clients.aws;
  const kms = awsClients ? (region: string) => awsClients.kms(region) : undefined;
  for (const source of sources) {
    switch (source.type) {
      case 's3':
        results.push(await checkS3Source(clients.storage.s3, ctx, source, { regionPerServer: !clients.aws, ...(kms ? { kms } : {}) }));
        break;
      case 'dynamodb':
        results.push(await checkDynamoDbSource(clients.storage.dynamodb, ctx, source, kms ? { kms } : {}));
        break;
      case 'filesystem':
        results.push(clients.aws ? checkEfsSource(ctx, source, fileSystemCheck) : await checkLocalDirectorySource(clients.fsRoot, ctx, source));
        break;
    }
  }
  return results;
}

async function deploymentChecks(
  ctx: DoctorContext,
  inputs: {
    aws: AwsDoctorClients | undefined;
    storage: StorageClients;
    stacks: SynthesizedStack[] | undefined;
    synthesis: CheckResult;
    regionChecks: ReadonlyMap<string, CheckResult>;
    now: Date;
    /** The local cloud's DynamoDB endpoints (local mode): the catalog checks' deletes are named against them (review r62H F4). */
    localDynamoDb?: LocalDynamoDbEndpoints | undefined;
  },
): Promise<CheckResult[]> {
  const { environment, names } = ctx;
  const { aws, storage, stacks } = inputs;
  const results: CheckResult[] = [];
  let primaryStack: CheckResult = dependsOn(`stack ${names.primaryStack}`, inputs.synthesis);
  let drStack: CheckResult = dependsOn(`stack ${names.drStack}`, inputs.synthesis);
  if (!stacks) {
    const keys = (region: string, stack: CheckResult) => (aws ? [dependsOn(`vault key ${region}`, stack)] : []);
    results.push(primaryStack, ...keys(environment.primaryRegion, primaryStack), drStack, ...keys(environment.drRegion, drStack));
  }
  for (const stack of stacks ?? []) {
    const region = inputs.regionChecks.get(stack.region);
    let check: CheckResult;
    if (region && !passed(region)) check = dependsOn(`stack ${stack.stackName}`, region);
    else check = aws ? await checkDeployedStack(aws.cloudFormation(stack.region), ctx, stack) : await checkProvisionedStack(storage, ctx, stack);
    if (stack.role === 'primary') primaryStack = check;
    else drStack = check;
    results.push(check);
    if (aws) results.push(passed(check) ? await checkVaultKey(aws.kms(stack.region), ctx, stack.role) : dependsOn(`vault key ${stack.region}`, check));
  }

  const primaryTemplate = stacks?.find((s) => s.role === 'primary');
  const catalog = catalogOfRegion(storage, environment.primaryRegion, names.catalogTable);
  for (const plan of environment.plans) {
    if (aws) results.push(passed(primaryStack) ? await checkSchedule(aws.scheduler(environment.primaryRegion), ctx, plan) : dependsOn(`schedule ${plan.name}`, primaryStack));
    else results.push(primaryTemplate ? checkSynthesizedSchedule(primaryTemplate, ctx, plan, localSchedulerStatus(path.resolve(ctx.request.dataDir))) : dependsOn(`schedule ${plan.name}`, inputs.synthesis));
    if (passed(primaryStack)) results.push(...(await checkLastBackup(catalog, ctx, plan, inputs.now)));
    else results.push(dependsOn(`last backup ${plan.name}`, primaryStack), dependsOn(`dr copy ${plan.name}`, primaryStack));
  }
  for (const schedule of runbookSchedules(ctx)) {
    const stack = schedule.side === 'primary' ? primaryStack : drStack;
    const template = stacks?.find((s) => s.role === schedule.side);
    if (aws) results.push(passed(stack) ? await checkRunbookSchedule(aws.scheduler(schedule.region), ctx, schedule) : dependsOn(schedule.check, stack));
    else results.push(template ? checkSynthesizedRunbookSchedule(template, ctx, schedule) : dependsOn(schedule.check, inputs.synthesis));
  }
  for (const rule of alertRules(ctx)) {
    const stack = rule.side === 'primary' ? primaryStack : drStack;
    const template = stacks?.find((s) => s.role === rule.side);
    if (aws) results.push(passed(stack) ? await checkAlertRule(aws.eventBridge(rule.region), ctx, rule) : dependsOn(rule.check, stack));
    else results.push(template ? checkSynthesizedAlertRule(template, ctx, rule) : dependsOn(rule.check, inputs.synthesis));
  }
  if (aws) {
    for (const [side, stack] of [['primary', primaryStack], ['dr', drStack]] as const) {
      const region = side === 'primary' ? environment.primaryRegion : environment.drRegion;
      results.push(passed(stack) ? await checkAlarmSubscriptions(aws.sns(region), ctx, side) : dependsOn(alarmSubscriptionsCheck(region), stack));
    }
  }
  results.push(...(passed(primaryStack) ? await checkCatalogPlans(catalog, ctx, inputs.localDynamoDb) : [dependsOn(CATALOG_PLANS_CHECK, primaryStack)]));
  // Not behind the primary stack: the DR catalog is what a failover reads, in an outage of the primary region too.
  results.push(...(passed(drStack) ? await checkDrCatalogItems(catalogOfRegion(storage, environment.drRegion, names.catalogTable), ctx, inputs.localDynamoDb) : [dependsOn(DR_CATALOG_ITEMS_CHECK, drStack)]));
  return results;
}
