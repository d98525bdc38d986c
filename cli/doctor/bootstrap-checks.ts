import { type CloudFormationClient, DescribeStacksCommand, type Stack } from '@aws-sdk/client-cloudformation';
import { z } from 'zod';
import { type LocalEndpoints } from '../../lambdas/runtime/local-endpoints';
import { type SynthesizedStack } from '../../local/assembly/synthesized-stack';
import { type CheckResult, fail, ok, warn } from './check-result';
import { type DoctorContext } from './doctor-context';
import { describeError } from './sdk-error';
import { regionUnansweredResult } from './unanswered-region';

/**
 * Group 3: both regions can take a deploy. In AWS, `cdk deploy` needs the CDK bootstrap stack in
 * the stack's account and region, made with the qualifier the app's synthesizer names and at least
 * the version its templates check. Locally, the local cloud serves both regions.
 */

/** What `cdk bootstrap` stack the synthesized templates ask for. */
export type BootstrapRequirement = {
  /** The synthesizer's qualifier, from the BootstrapVersion parameter's SSM name `/cdk-bootstrap/<qualifier>/version`. */
  qualifier?: string;
  /** The lowest version the CheckBootstrapVersion rule accepts (it lists the versions it refuses). */
  minVersion?: number;
};

/** The CDK CLI's default bootstrap stack name (cdk.json's `toolkitStackName` can change it). */
export const DEFAULT_TOOLKIT_STACK_NAME = 'CDKToolkit';
/** The qualifier `cdk bootstrap` uses when given none. */
const DEFAULT_QUALIFIER = 'hnb659fds';

const bootstrapTemplateSchema = z.object({
  Parameters: z.object({ BootstrapVersion: z.object({ Default: z.string() }) }).partial().optional(),
  Rules: z
    .object({
      CheckBootstrapVersion: z.object({
        Assertions: z.array(z.object({ Assert: z.object({ 'Fn::Not': z.tuple([z.object({ 'Fn::Contains': z.tuple([z.array(z.string()), z.unknown()]) })]) }) })),
      }),
    })
    .partial()
    .optional(),
});

/**
 * The strictest requirement of the stacks' templates. A template synthesized without the default
 * synthesizer's rule (e.g. the legacy synthesizer) requires no particular version.
 */
export function bootstrapRequirement(stacks: readonly SynthesizedStack[]): BootstrapRequirement {
  const requirement: BootstrapRequirement = {};
  for (const stack of stacks) {
    const parsed = bootstrapTemplateSchema.safeParse(stack.template);
    if (!parsed.success) continue;
    const parameter = parsed.data.Parameters?.BootstrapVersion?.Default;
    const qualifier = parameter ? /^\/cdk-bootstrap\/([^/]+)\/version$/.exec(parameter)?.[1] : undefined;
    if (qualifier) requirement.qualifier = qualifier;
    for (const assertion of parsed.data.Rules?.CheckBootstrapVersion?.Assertions ?? []) {
      const refused = assertion.Assert['Fn::Not'][0]['Fn::Contains'][0].map(Number).filter(Number.isFinite);
      if (refused.length > 0) requirement.minVersion = Math.max(requirement.minVersion ?? 0, Math.max(...refused) + 1);
    }
  }
  return requirement;
}

function parameterOf(stack: Stack, key: string): string | undefined {
  return stack.Parameters?.find((p) => p.ParameterKey === key)?.ParameterValue;
}

export async function checkBootstrap(
  cloudFormation: CloudFormationClient,
  ctx: DoctorContext,
  region: string,
  requirement: BootstrapRequirement,
  toolkitStackName: string,
): Promise<CheckResult> {
  const name = `bootstrap ${region}`;
  const { account, drAccount, drRegion } = ctx.environment;
  if (region === drRegion && drAccount !== undefined && drAccount !== account) {
    // The caller's credentials are the primary account's: its own DR-region bootstrap would say nothing about the DR account's.
    return warn(
      name,
      `the DR stack deploys into account ${drAccount}, which the doctor does not read with account ${account}'s credentials`,
      `with account ${drAccount}'s credentials: npx cdk bootstrap aws://${drAccount}/${region} --trust ${account} --cloudformation-execution-policies <policy ARN> (docs/DEPLOYMENT.md, "The DR vault in another account")`,
    );
  }
  const target = `aws://${account}/${region}`;
  const bootstrap = `npx cdk bootstrap ${target}${requirement.qualifier && requirement.qualifier !== DEFAULT_QUALIFIER ? ` --qualifier ${requirement.qualifier}` : ''}${toolkitStackName !== DEFAULT_TOOLKIT_STACK_NAME ? ` --toolkit-stack-name ${toolkitStackName}` : ''}`;
  let stack: Stack | undefined;
  try {
    stack = (await cloudFormation.send(new DescribeStacksCommand({ StackName: toolkitStackName }))).Stacks?.[0];
  } catch (err) {
    const unanswered = regionUnansweredResult(name, region, err, `cannot read stack ${toolkitStackName}`);
    if (unanswered) return unanswered;
    if (!/does not exist/.test((err as Error).message)) return fail(name, `cannot read stack ${toolkitStackName} in ${region}: ${describeError(err)}`, `allow cloudformation:DescribeStacks to the caller, then run the doctor again`);
  }
  if (!stack) return fail(name, `${region} is not bootstrapped: there is no stack ${toolkitStackName}`, bootstrap);
  const status = stack.StackStatus ?? 'UNKNOWN';
  if (/IN_PROGRESS$/.test(status)) return warn(name, `${toolkitStackName} is ${status}`, 'wait for it to finish, then run the doctor again');
  if (/FAILED$/.test(status) || status === 'ROLLBACK_COMPLETE') return fail(name, `${toolkitStackName} is ${status}`, bootstrap);

  const qualifier = parameterOf(stack, 'Qualifier') ?? DEFAULT_QUALIFIER;
  if (requirement.qualifier && qualifier !== requirement.qualifier) {
    return fail(name, `${toolkitStackName} has the qualifier ${qualifier}, but the app's synthesizer uses ${requirement.qualifier}`, bootstrap);
  }
  const output = stack.Outputs?.find((o) => o.OutputKey === 'BootstrapVersion')?.OutputValue;
  const version = output === undefined ? undefined : Number(output);
  if (version === undefined || !Number.isFinite(version)) return fail(name, `${toolkitStackName} has no BootstrapVersion output: it is not a CDK bootstrap stack`, bootstrap);
  if (requirement.minVersion !== undefined && version < requirement.minVersion) {
    return fail(name, `${toolkitStackName} is version ${version}, the templates require at least ${requirement.minVersion}`, bootstrap);
  }
  const needs = requirement.minVersion !== undefined ? `, templates need ≥ ${requirement.minVersion}` : '';
  return ok(name, `${toolkitStackName} version ${version}${needs}, qualifier ${qualifier}`);
}

/** Locally nothing is bootstrapped: the cloud must serve S3 and DynamoDB in the region. */
export function checkLocalRegion(endpoints: LocalEndpoints, ctx: DoctorContext, region: string, stoppedRegions: readonly string[]): CheckResult {
  const name = `region ${region}`;
  const s3 = endpoints.s3[region];
  const dynamodb = endpoints.dynamodb[region];
  if (stoppedRegions.includes(region)) {
    return fail(name, `stopped in the local cloud (a simulated outage: its S3 and DynamoDB refuse connections)`, ctx.lifeboat(`local region start ${region}`));
  }
  if (s3 && dynamodb) return ok(name, `served by the local cloud (S3 ${s3}, DynamoDB ${dynamodb})`);
  const served = [...new Set([...Object.keys(endpoints.s3), ...Object.keys(endpoints.dynamodb)])].join(', ');
  return fail(name, `the local cloud does not serve ${region} (it serves ${served || 'no region'})`, `${ctx.lifeboat('local down')} && ${ctx.lifeboat('local up')}`);
}
