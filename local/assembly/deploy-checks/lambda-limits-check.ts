import { UnresolvableIntrinsicError } from '../../executor/errors';
import { stackResources } from '../../executor/stack-resources';
import { resolveValue, type ResolveContext } from '../../cloud/cfn-intrinsics';
import { type SynthesizedStack } from '../synthesized-stack';
import { type DeployCheckFinding } from './deploy-check-finding';
import { deployTimeNumber, type LocatedResource, resourcesOfType } from './template-resources';

// Lambda Developer Guide, "Lambda quotas": memory 128 MB to 10,240 MB in 1-MB increments.
const MEMORY_MB = { min: 128, max: 10_240 };
// Same page: function timeout 900 seconds (15 minutes); the API's minimum is 1.
const TIMEOUT_SECONDS = { min: 1, max: 900 };
// Same page: ephemeral storage (/tmp) 512 MB to 10,240 MB.
const EPHEMERAL_STORAGE_MB = { min: 512, max: 10_240 };
// Same page: environment variables 4 KB for all of a function's variables together, measured as the
// JSON of the Variables map (quotes inside a value escaped), as AWS's error shows: "exceeded the 4KB
// limit. String measured: {\"RUNNER_CONFIG\":\"[{\\\"arn\\\"…"
// (github.com/github-aws-runners/terraform-aws-github-runner/issues/3594).
const MAX_ENVIRONMENT_BYTES = 4096;
// A KMS key's id in AWS is a UUID (a multi-Region key's mrk- plus 32 hex digits is as long); locally
// the key's logical id stands in for it (stack-resources.ts), shorter or longer.
const KEY_ARN = /(arn:[^:"]+:kms:[^:"]*:[^:"]*:key\/)[A-Za-z0-9-]+/g;
const KEY_ID_LENGTH = 36;
// A bucket or table created without a name: CloudFormation names it <stack>-<logical id>-<random suffix
// of 12 or 13 characters>, cut to the service's limit (Template Reference, "Custom naming"; the same rule
// as lib/constructs/lambda-environment-size.ts); the local cloud's derived names end in an 8-character
// hash instead (provision-from-templates.ts), a global table's too (stack-resources.ts).
const GENERATED_NAME_LIMITS: Readonly<Record<string, number>> = { 'AWS::S3::Bucket': 63, 'AWS::DynamoDB::Table': 255, 'AWS::DynamoDB::GlobalTable': 255 };
const GENERATED_SUFFIX_LENGTH = 13;
// Same page: concurrent executions 1,000 per Region by default; "Configuring reserved concurrency":
// Lambda keeps at least 100 unreserved, so at most 900 can be reserved in an account and Region
// (more only after a quota increase, which a template cannot assume).
const MAX_RESERVED_CONCURRENCY = 900;
// DESIGN.md §7 (Node.js 22 or newer) within Lambda Developer Guide, "Lambda runtimes": the
// supported Node.js runtimes. Creating a function on a deprecated runtime fails.
const ALLOWED_RUNTIMES = ['nodejs22.x', 'nodejs24.x'];
// Lambda API Reference, "Environment": variable names match [a-zA-Z]([a-zA-Z0-9_])+.
const ENVIRONMENT_KEY = /^[a-zA-Z][a-zA-Z0-9_]+$/;
// Lambda Developer Guide, "Defined runtime environment variables": reserved keys a function cannot set.
const RESERVED_ENVIRONMENT_KEYS = new Set([
  '_HANDLER',
  '_X_AMZN_TRACE_ID',
  'AWS_DEFAULT_REGION',
  'AWS_REGION',
  'AWS_EXECUTION_ENV',
  'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
  'AWS_LAMBDA_FUNCTION_VERSION',
  'AWS_LAMBDA_INITIALIZATION_TYPE',
  'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME',
  'AWS_ACCESS_KEY',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_LAMBDA_RUNTIME_API',
  'LAMBDA_TASK_ROOT',
  'LAMBDA_RUNTIME_DIR',
]);
// Lambda API Reference, "FileSystemConfig": one file system per function, mounted at /mnt/<name>.
const MOUNT_PATH = /^\/mnt\/[a-zA-Z0-9-_.]+$/;
// Lambda API Reference, "VpcConfig": at most 16 subnets and 5 security groups.
const MAX_SUBNETS = 16;
const MAX_SECURITY_GROUPS = 5;

/** The sizes, runtime, environment, mount and concurrency Lambda checks when CloudFormation creates or updates a function. */
export function checkLambdaLimits(stacks: readonly SynthesizedStack[]): DeployCheckFinding[] {
  const findings: DeployCheckFinding[] = [];
  const reservedByRegion = new Map<string, { total: number; functions: LocatedResource[] }>();
  for (const located of resourcesOfType(stacks, 'AWS::Lambda::Function')) {
    const { stack, logicalId, resource } = located;
    const props = resource.Properties ?? {};
    const report = (path: string, message: string) => findings.push({ stack: stack.stackName, logicalId, path, message });
    const inRange = (path: string, value: number | undefined, range: { min: number; max: number }, unit: string) => {
      if (value !== undefined && !(Number.isInteger(value) && value >= range.min && value <= range.max)) report(path, `is ${value} ${unit}; Lambda allows ${range.min} to ${range.max} ${unit}`);
    };
    inRange('Properties.MemorySize', deployTimeNumber(stack, props.MemorySize), MEMORY_MB, 'MB');
    inRange('Properties.Timeout', deployTimeNumber(stack, props.Timeout), TIMEOUT_SECONDS, 'seconds');
    inRange('Properties.EphemeralStorage.Size', deployTimeNumber(stack, (props.EphemeralStorage as { Size?: unknown } | undefined)?.Size), EPHEMERAL_STORAGE_MB, 'MB');
    if (props.PackageType !== 'Image' && !ALLOWED_RUNTIMES.includes(String(props.Runtime))) {
      report('Properties.Runtime', `is ${JSON.stringify(props.Runtime)}; Lifeboat's functions run on ${ALLOWED_RUNTIMES.join(' or ')}`);
    }
    const reserved = deployTimeNumber(stack, props.ReservedConcurrentExecutions);
    if (reserved !== undefined) {
      if (!(Number.isInteger(reserved) && reserved >= 0 && reserved <= MAX_RESERVED_CONCURRENCY)) {
        report('Properties.ReservedConcurrentExecutions', `is ${reserved}; it must be an integer from 0 to ${MAX_RESERVED_CONCURRENCY} (Lambda keeps 100 of the default 1,000 unreserved)`);
      } else if (reserved === 0) {
        report('Properties.ReservedConcurrentExecutions', 'is 0, which throttles every invocation: remove it or reserve at least 1');
      }
      const key = `${stack.account}/${stack.region}`;
      const region = reservedByRegion.get(key) ?? { total: 0, functions: [] };
      region.total += reserved;
      region.functions.push(located);
      reservedByRegion.set(key, region);
    }
    findings.push(...environmentFindings(located));
    const mounts = props.FileSystemConfigs;
    if (Array.isArray(mounts)) {
      if (mounts.length > 1) report('Properties.FileSystemConfigs', `mounts ${mounts.length} file systems; Lambda mounts at most one per function`);
      mounts.forEach((mount: unknown, index) => {
        const path = (mount as { LocalMountPath?: unknown }).LocalMountPath;
        if (typeof path === 'string' && !MOUNT_PATH.test(path)) report(`Properties.FileSystemConfigs[${index}].LocalMountPath`, `is "${path}"; Lambda mounts only at /mnt/<name> (letters, digits, - _ .)`);
      });
    }
    const vpc = props.VpcConfig as { SubnetIds?: unknown; SecurityGroupIds?: unknown } | undefined;
    if (Array.isArray(vpc?.SubnetIds) && vpc.SubnetIds.length > MAX_SUBNETS) report('Properties.VpcConfig.SubnetIds', `lists ${vpc.SubnetIds.length} subnets; Lambda takes at most ${MAX_SUBNETS}`);
    if (Array.isArray(vpc?.SecurityGroupIds) && vpc.SecurityGroupIds.length > MAX_SECURITY_GROUPS) report('Properties.VpcConfig.SecurityGroupIds', `lists ${vpc.SecurityGroupIds.length} security groups; Lambda takes at most ${MAX_SECURITY_GROUPS}`);
  }
  for (const [key, { total, functions }] of reservedByRegion) {
    if (total <= MAX_RESERVED_CONCURRENCY || functions.length < 2) continue;
    const [first] = functions;
    if (first) {
      findings.push({
        stack: first.stack.stackName,
        logicalId: first.logicalId,
        path: 'Properties.ReservedConcurrentExecutions',
        message: `the functions of account/region ${key} reserve ${total} concurrent executions together (${functions.map((f) => f.logicalId).join(', ')}); at most ${MAX_RESERVED_CONCURRENCY} fit the default quota`,
      });
    }
  }
  return findings;
}

/** Names and total size of the environment, its values resolved as the local executor resolves them, but with KMS key ids and the names of unnamed buckets and tables as long as AWS makes them. */
function environmentFindings({ stack, logicalId, resource }: LocatedResource): DeployCheckFinding[] {
  const variables = (resource.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables;
  if (!variables) return [];
  const findings: DeployCheckFinding[] = [];
  const resources = stackResources(stack);
  const generated = generatedNamesAsInAws(stack);
  const context = (path: string) => withNames(resources.context(logicalId, path), generated);
  const resolved: Record<string, string> = {};
  for (const [key, value] of Object.entries(variables)) {
    const path = `Properties.Environment.Variables.${key}`;
    if (!ENVIRONMENT_KEY.test(key)) findings.push({ stack: stack.stackName, logicalId, path, message: `"${key}" is not a valid variable name for Lambda ([a-zA-Z][a-zA-Z0-9_]+)` });
    if (RESERVED_ENVIRONMENT_KEYS.has(key)) findings.push({ stack: stack.stackName, logicalId, path, message: `"${key}" is reserved by the Lambda runtime and cannot be set` });
    resolved[key] = resolvedText(context, value, path).replace(KEY_ARN, (_arn, head: string) => head + 'x'.repeat(KEY_ID_LENGTH));
  }
  const bytes = Buffer.byteLength(JSON.stringify(resolved));
  if (bytes > MAX_ENVIRONMENT_BYTES) {
    findings.push({ stack: stack.stackName, logicalId, path: 'Properties.Environment.Variables', message: `take about ${bytes} bytes as Lambda measures them (the JSON of the variables); Lambda allows ${MAX_ENVIRONMENT_BYTES} for all of a function's variables together` });
  }
  return findings;
}

/** The names (and ARNs) CloudFormation would generate, at their longest, for the buckets and tables of a stack created without a name. */
function generatedNamesAsInAws(stack: SynthesizedStack): ReadonlyMap<string, { name: string; arn: string }> {
  const generated = new Map<string, { name: string; arn: string }>();
  for (const [logicalId, resource] of Object.entries(stack.template.Resources ?? {})) {
    const limit = GENERATED_NAME_LIMITS[resource.Type];
    const bucket = resource.Type === 'AWS::S3::Bucket';
    if (limit === undefined || resource.Properties?.[bucket ? 'BucketName' : 'TableName'] !== undefined) continue;
    const longest = `${stack.stackName}-${logicalId}-${'x'.repeat(GENERATED_SUFFIX_LENGTH)}`.slice(0, limit);
    const name = bucket ? longest.toLowerCase() : longest;
    const arn = bucket ? `arn:aws:s3:::${name}` : `arn:aws:dynamodb:${stack.region}:${stack.account}:table/${name}`;
    generated.set(logicalId, { name, arn });
  }
  return generated;
}

function withNames(context: ResolveContext, generated: ReadonlyMap<string, { name: string; arn: string }>): ResolveContext {
  const { getAtt } = context;
  return {
    ...context,
    physicalIds: { ...context.physicalIds, ...Object.fromEntries([...generated].map(([logicalId, { name }]) => [logicalId, name])) },
    getAtt: (target, attribute, path) => {
      const known = generated.get(target);
      if (attribute === 'Arn' && known) return known.arn;
      return getAtt ? getAtt(target, attribute, path) : context.fail(path, `uses Fn::GetAtt ${target}.${attribute}, which the local cloud does not evaluate`);
    },
  };
}

function resolvedText(context: (path: string) => ResolveContext, value: unknown, path: string): string {
  if (typeof value === 'string') return value;
  try {
    return String(resolveValue(value, context(path), path));
  } catch (err) {
    // An attribute only AWS knows (not an ARN or name): its expression's length stands in for it.
    if (err instanceof UnresolvableIntrinsicError) return JSON.stringify(value);
    throw err;
  }
}
