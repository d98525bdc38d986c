import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { loadLifeboatConfig } from '../../../config/load-config';
import { synthesizeEnvironment } from '../../../local/assembly/synthesize';
import { type SynthesizedStack } from '../../../local/assembly/synthesized-stack';
import { formatFindings } from '../../../local/assembly/deploy-checks/deploy-check-finding';
import { loadIamActionCatalog } from '../../../local/assembly/deploy-checks/iam-action-catalog';
import { checkIamActions } from '../../../local/assembly/deploy-checks/iam-action-check';
import { policyActions } from '../../../local/assembly/deploy-checks/policy-documents';
import { tempDir } from '../../support/local-cloud-helpers';
import { REPO_ROOT, SAMPLE_CONFIG_FILE } from '../../support/repo-root';
import { fixtureStack } from './stack-fixture';

/**
 * docs/DEPLOYMENT.md's policies cannot drift from what we deploy: every action in them exists, the
 * CloudFormation execution policy has actions for every service whose resources the JSON-config app's
 * templates create, and every physical name in those templates falls under a resource pattern of the
 * statement that allows creating it.
 */
const statementSchema = z.object({
  Sid: z.string(),
  Effect: z.literal('Allow'),
  Action: z.union([z.string(), z.array(z.string())]),
  Resource: z.union([z.string(), z.array(z.string())]),
  Condition: z.record(z.string(), z.unknown()).optional(),
});
const policySchema = z.object({ Version: z.literal('2012-10-17'), Statement: z.array(statementSchema) });
type Policy = z.infer<typeof policySchema>;

const doc = readFileSync(path.join(REPO_ROOT, 'docs', 'DEPLOYMENT.md'), 'utf8');
const policies = [...doc.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => policySchema.parse(JSON.parse(m[1] ?? '')));
const policyWithSid = (sid: string): Policy => {
  const found = policies.find((p) => p.Statement.some((s) => s.Sid === sid));
  if (!found) throw new Error(`docs/DEPLOYMENT.md has no policy with statement ${sid}`);
  return found;
};
const ciPolicy = policyWithSid('AssumeCdkDeploymentRoles');
const executionPolicy = policyWithSid('VaultAccessLogAndReplicaBuckets');
const list = (value: string | string[]): string[] => (Array.isArray(value) ? value : [value]);

/** The IAM service prefix of a CloudFormation resource type's namespace. */
const SERVICE_OF_NAMESPACE: Record<string, string> = {
  S3: 's3',
  DynamoDB: 'dynamodb',
  IAM: 'iam',
  KMS: 'kms',
  Lambda: 'lambda',
  Logs: 'logs',
  StepFunctions: 'states',
  Scheduler: 'scheduler',
  EC2: 'ec2',
  SNS: 'sns',
  SQS: 'sqs',
  Events: 'events',
  CloudWatch: 'cloudwatch',
};

/** IAM resource wildcards: `*` any run of characters (`/` included), `?` one character. */
function matchesResource(pattern: string, arn: string): boolean {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`).test(arn);
}

/** What creating each named resource type needs, and the ARN IAM evaluates it against. */
const CREATE: Record<string, { action: string; nameProperty?: string; arn: (stack: SynthesizedStack, name: string) => string }> = {
  'AWS::S3::Bucket': { action: 's3:CreateBucket', nameProperty: 'BucketName', arn: (_s, n) => `arn:aws:s3:::${n}` },
  'AWS::DynamoDB::Table': { action: 'dynamodb:CreateTable', nameProperty: 'TableName', arn: (s, n) => `arn:aws:dynamodb:${s.region}:${s.account}:table/${n}` },
  'AWS::StepFunctions::StateMachine': { action: 'states:CreateStateMachine', nameProperty: 'StateMachineName', arn: (s, n) => `arn:aws:states:${s.region}:${s.account}:stateMachine:${n}` },
  'AWS::Scheduler::Schedule': { action: 'scheduler:CreateSchedule', nameProperty: 'Name', arn: (s, n) => `arn:aws:scheduler:${s.region}:${s.account}:schedule/default/${n}` },
  'AWS::Logs::LogGroup': { action: 'logs:CreateLogGroup', nameProperty: 'LogGroupName', arn: (s, n) => `arn:aws:logs:${s.region}:${s.account}:log-group:${n}` },
  'AWS::KMS::Alias': { action: 'kms:CreateAlias', nameProperty: 'AliasName', arn: (s, n) => `arn:aws:kms:${s.region}:${s.account}:${n}` },
  'AWS::Lambda::Function': { action: 'lambda:CreateFunction', nameProperty: 'FunctionName', arn: (s, n) => `arn:aws:lambda:${s.region}:${s.account}:function:${n}` },
  'AWS::IAM::Role': { action: 'iam:CreateRole', nameProperty: 'RoleName', arn: (s, n) => `arn:aws:iam::${s.account}:role/${n}` },
};

let stacks: SynthesizedStack[] = [];
const tmp = tempDir('deployment-policy');
afterAll(() => tmp.remove());

beforeAll(async () => {
  const config = loadLifeboatConfig(SAMPLE_CONFIG_FILE);
  for (const env of config.environments) stacks.push(...(await synthesizeEnvironment({ config, envName: env.name, outdir: path.join(tmp.dir, env.name, 'cdk.out') })));
  stacks = stacks.filter((s) => s.template.Resources);
});

it('names only IAM actions that exist, in both policies', async () => {
  const asStack = fixtureStack({
    CiUser: { Type: 'AWS::IAM::ManagedPolicy', Properties: { PolicyDocument: ciPolicy } },
    CloudFormationExecution: { Type: 'AWS::IAM::ManagedPolicy', Properties: { PolicyDocument: executionPolicy } },
  });
  const actions = policyActions([asStack]);
  expect(actions.length).toBeGreaterThan(100);
  expect(formatFindings(checkIamActions(actions, await loadIamActionCatalog(actions)))).toBe('');
});

it('lets the CI user assume only the deploy and file-publishing roles of the bootstrap', () => {
  expect(ciPolicy.Statement.flatMap((s) => list(s.Action))).toEqual(['sts:AssumeRole']);
  for (const resource of ciPolicy.Statement.flatMap((s) => list(s.Resource))) expect(resource).toMatch(/^arn:aws:iam::\d{12}:role\/cdk-hnb659fds-(deploy|file-publishing)-role-\d{12}-[a-z0-9-]+$/);
});

it('has actions for every service whose resources the templates create', () => {
  const allowed = new Set(executionPolicy.Statement.flatMap((s) => list(s.Action)).map((a) => a.split(':')[0]));
  const types = [...new Set(stacks.flatMap((s) => Object.values(s.template.Resources ?? {}).map((r) => r.Type)))].filter((t) => t !== 'AWS::CDK::Metadata');
  expect(types.length).toBeGreaterThan(8);
  for (const type of types) {
    // A custom resource (Custom::…) is CloudFormation invoking its provider function.
    const service = type.startsWith('Custom::') ? 'lambda' : SERVICE_OF_NAMESPACE[type.split('::')[1] ?? ''];
    expect({ type, service: service ?? 'no IAM service mapped: add it to SERVICE_OF_NAMESPACE' }).toEqual({ type, service: expect.any(String) as string });
    expect({ type, covered: allowed.has(service ?? '') }).toEqual({ type, covered: true });
  }
});

it('has the actions CloudFormation calls for the resource types whose service alone does not say enough (review rX F2)', () => {
  const actions = new Set(executionPolicy.Statement.flatMap((s) => list(s.Action)));
  const types = new Set(stacks.flatMap((s) => Object.values(s.template.Resources ?? {}).map((r) => r.Type)));
  // An on-failure destination (c417e710): without these the deploy is refused with AccessDenied, though lambda:* actions are listed.
  const needed: Record<string, string[]> = {
    'AWS::Lambda::EventInvokeConfig': ['lambda:PutFunctionEventInvokeConfig', 'lambda:GetFunctionEventInvokeConfig', 'lambda:UpdateFunctionEventInvokeConfig', 'lambda:DeleteFunctionEventInvokeConfig'],
  };
  for (const [type, list] of Object.entries(needed)) {
    expect(types.has(type)).toBe(true);
    expect({ type, missing: list.filter((a) => !actions.has(a)) }).toEqual({ type, missing: [] });
  }
});

it('allows creating every resource of the templates under its physical name (given, or generated from the stack name)', () => {
  const uncovered: string[] = [];
  let checked = 0;
  for (const stack of stacks) {
    for (const [logicalId, resource] of Object.entries(stack.template.Resources ?? {})) {
      const create = CREATE[resource.Type];
      if (!create) continue;
      const given = create.nameProperty ? resource.Properties?.[create.nameProperty] : undefined;
      if (given !== undefined && typeof given !== 'string') throw new Error(`${stack.stackName}/${logicalId}: ${create.nameProperty} is not a literal; resolve it before checking the policy`);
      // CloudFormation names an unnamed resource <stack name>-<logical id>-<random suffix>.
      const name = given ?? `${stack.stackName}-${logicalId}-ABCDEFGHIJKL`;
      const arn = create.arn(stack, name);
      const allows = executionPolicy.Statement.some((s) => list(s.Action).includes(create.action) && list(s.Resource).some((r) => matchesResource(r, arn)));
      if (!allows) uncovered.push(`${stack.stackName}/${logicalId}: ${create.action} on ${arn}`);
      checked++;
    }
  }
  expect(checked).toBeGreaterThan(30);
  expect(uncovered).toEqual([]);
});

it('would catch a resource outside the patterns (the check can fail)', () => {
  const statement = executionPolicy.Statement.find((s) => s.Sid === 'VaultAccessLogAndReplicaBuckets');
  expect(list(statement?.Resource ?? []).some((r) => matchesResource(r, 'arn:aws:s3:::lifeboat-dev-vault-111122223333-us-east-1'))).toBe(true);
  expect(list(statement?.Resource ?? []).some((r) => matchesResource(r, 'arn:aws:s3:::someone-elses-bucket'))).toBe(false);
});
