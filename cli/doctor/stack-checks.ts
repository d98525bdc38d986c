import { type CloudFormationClient, DescribeStacksCommand, GetTemplateCommand, type Stack } from '@aws-sdk/client-cloudformation';
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { HeadBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { type SynthesizedStack } from '../../local/assembly/synthesized-stack';
import { stackResources } from '../../local/executor/stack-resources';
import { type CheckResult, fail, ok, warn } from './check-result';
import { type DoctorContext } from './doctor-context';
import { describeError } from './sdk-error';
import { regionUnansweredResult } from './unanswered-region';
import { compareTemplates, describeDifference, templatesMatch } from './template-comparison';

/**
 * Group 5, after a deploy: each stack of the environment exists and is current. In AWS:
 * DescribeStacks (a settled, successful status) and GetTemplate compared with the synthesized
 * template (template-comparison.ts says how). Locally: every bucket and table the template defines
 * is provisioned in the local cloud, under the name the local cloud gives it.
 */

/** Statuses of a stack that deployed as asked. */
const SETTLED_OK = new Set(['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'IMPORT_COMPLETE']);

export async function checkDeployedStack(cloudFormation: CloudFormationClient, ctx: DoctorContext, synthesized: SynthesizedStack): Promise<CheckResult> {
  const { stackName, region } = synthesized;
  const name = `stack ${stackName}`;
  if (synthesized.account !== ctx.environment.account) {
    // Another account's stack (a DR vault in another account): the caller's credentials cannot read it.
    return warn(name, `in account ${synthesized.account}, which the doctor does not read with account ${ctx.environment.account}'s credentials`, `with account ${synthesized.account}'s credentials: aws cloudformation describe-stacks --stack-name ${stackName} --region ${region}`);
  }
  const deploy = ctx.cdk(`deploy ${stackName}`);
  let stack: Stack | undefined;
  try {
    stack = (await cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks?.[0];
  } catch (err) {
    const unanswered = regionUnansweredResult(name, region, err, `cannot read stack ${stackName}`);
    if (unanswered) return unanswered;
    if (!/does not exist/.test((err as Error).message)) return fail(name, `cannot read stack ${stackName} in ${region}: ${describeError(err)}`, 'allow cloudformation:DescribeStacks and GetTemplate to the caller');
  }
  if (!stack) return fail(name, `not deployed: no stack ${stackName} in ${region}`, deploy);
  const status = stack.StackStatus ?? 'UNKNOWN';
  const events = `aws cloudformation describe-stack-events --stack-name ${stackName} --region ${region}`;
  if (status === 'ROLLBACK_COMPLETE') {
    return fail(name, `${status}: its creation failed and was rolled back, the stack holds nothing`, `find the cause with \`${events}\`, delete the stack (aws cloudformation delete-stack --stack-name ${stackName} --region ${region}), then ${deploy}`);
  }
  if (/FAILED$/.test(status)) return fail(name, `${status} in ${region}`, `find the cause with \`${events}\`, correct it, then ${deploy}`);
  if (/IN_PROGRESS$/.test(status)) return warn(name, `${status} in ${region}: a deploy is under way`, 'wait for it to finish, then run the doctor again');
  if (!SETTLED_OK.has(status)) return warn(name, `${status} in ${region}: its last update was rolled back, it runs the template before it`, `find the cause with \`${events}\`, correct it, then ${deploy}`);

  let deployed: unknown;
  try {
    const body = (await cloudFormation.send(new GetTemplateCommand({ StackName: stackName, TemplateStage: 'Original' }))).TemplateBody;
    deployed = JSON.parse(body ?? '');
  } catch (err) {
    return warn(name, `${status} in ${region}, but its template cannot be compared: ${err instanceof SyntaxError ? 'it is not JSON' : describeError(err)}`, `compare by hand with \`${ctx.cdk(`diff ${stackName}`)}\``);
  }
  const difference = compareTemplates(deployed, synthesized.template);
  if (!templatesMatch(difference)) {
    return warn(name, `${status} in ${region}, but it differs from this checkout's synthesis: ${describeDifference(difference)}`, `review with \`${ctx.cdk(`diff ${stackName}`)}\`, then ${deploy}`);
  }
  return ok(name, `${status} in ${region}, deployed template = synthesized template`);
}

/** The buckets and tables of a stack's template, by region, under their local names. */
function declaredStorage(stack: SynthesizedStack): { buckets: string[]; tables: { region: string; table: string }[] } {
  const resources = stackResources(stack);
  const buckets: string[] = [];
  const tables: { region: string; table: string }[] = [];
  for (const [logicalId, resource] of Object.entries(stack.template.Resources ?? {})) {
    if (resource.Type === 'AWS::S3::Bucket') buckets.push(resources.physicalId(logicalId));
    else if (resource.Type === 'AWS::DynamoDB::Table') tables.push({ region: stack.region, table: resources.physicalId(logicalId) });
    else if (resource.Type === 'AWS::DynamoDB::GlobalTable') {
      const replicas = (resource.Properties?.Replicas as { Region?: unknown }[] | undefined) ?? [];
      for (const replica of replicas) if (typeof replica.Region === 'string') tables.push({ region: replica.Region, table: resources.physicalId(logicalId) });
    }
  }
  return { buckets, tables };
}

export async function checkProvisionedStack(
  clients: { s3(region: string): S3Client; dynamodb(region: string): DynamoDBClient },
  ctx: DoctorContext,
  stack: SynthesizedStack,
): Promise<CheckResult> {
  const name = `stack ${stack.stackName}`;
  const { buckets, tables } = declaredStorage(stack);
  const missing: string[] = [];
  for (const bucket of buckets) {
    try {
      await clients.s3(stack.region).send(new HeadBucketCommand({ Bucket: bucket }));
    } catch {
      missing.push(`bucket ${bucket} (${stack.region})`);
    }
  }
  for (const { region, table } of tables) {
    try {
      await clients.dynamodb(region).send(new DescribeTableCommand({ TableName: table }));
    } catch {
      missing.push(`table ${table} (${region})`);
    }
  }
  if (missing.length > 0) return fail(name, `not provisioned in the local cloud: ${missing.join(', ')}`, ctx.lifeboat('local up'));
  return ok(name, `${buckets.length} bucket${buckets.length === 1 ? '' : 's'} and ${tables.length} table${tables.length === 1 ? '' : 's'} provisioned in the local cloud (${stack.region})`);
}
