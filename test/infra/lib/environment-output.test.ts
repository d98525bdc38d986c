import { NestedStack, Stack } from 'aws-cdk-lib';
import { Template as AssertionsTemplate } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { type EnvironmentConfig } from '../../../config/lifeboat-config';
import { ENVIRONMENT_OUTPUT_START, environmentOutputSchema, OUTPUT_VALUE_LIMIT } from '../../../config/protection-environment';
import { type LifeboatPlan, LifeboatProtection, LifeboatSource } from '../../../lib';
import { resourceNames } from '../../../lib/stacks/resource-names';
import { templateOnlyApp } from '../../support/template-only-app';
import { buildExampleShopStack } from './example-shop-stack';
import { USER_APP_ENV } from './user-app-fixture';

/**
 * The CLI could not reach a LifeboatProtection's deployment (audit a59B F3): its prefix, plans and sources (names
 * CloudFormation generates) were nowhere the CLI could read. The protection's stack now gives its environment as
 * outputs (config/protection-environment.ts); resolved as CloudFormation would, they parse into the environment whose
 * resourceNames are the names the construct gave its vault, catalog and state machines.
 */
type Template = { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>; Outputs?: Record<string, { Value: unknown }> };

/** A fake of what CloudFormation resolves each Ref to (a generated name), as the deploy would. */
const resolvedRef = (logicalId: string) => `Shop-${logicalId}-1A2B3C4D5E6F`;

/** An output's value with its tokens replaced by what CloudFormation would resolve them to. */
function resolvedValue(value: unknown): string {
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (join === undefined || join[0] !== '') throw new Error(`not an Fn::Join of '': ${JSON.stringify(value)}`);
  return join[1]
    .map((part) => {
      if (typeof part === 'string') return part;
      const ref = (part as { Ref?: string }).Ref;
      if (ref === undefined || ref.startsWith('AWS::')) throw new Error(`an intrinsic the test cannot resolve: ${JSON.stringify(part)}`);
      return resolvedRef(ref);
    })
    .join('');
}

/** The environment outputs of a template: each key with its value as a part's raw value and as resolved. */
function environmentOutputs(template: Template): { key: string; value: unknown; resolved: string }[] {
  return Object.entries(template.Outputs ?? {})
    .filter(([key]) => key.startsWith(ENVIRONMENT_OUTPUT_START))
    .map(([key, output]) => ({ key, value: output.Value, resolved: resolvedValue(output.Value) }));
}

/** What `--stack` makes of the outputs: their parts joined in order, parsed as the CLI parses them. */
function environmentOf(template: Template, key: string): EnvironmentConfig {
  const outputs = new Map(environmentOutputs(template).map((o) => [o.key, o.resolved]));
  const first = outputs.get(key) ?? '';
  const parts = Number(/"parts":(\d+),/.exec(first)?.[1]);
  const json = [first, ...Array.from({ length: parts - 1 }, (_, i) => outputs.get(`${key}Part${i + 2}`) ?? '')].join('');
  const parsed = environmentOutputSchema.parse(JSON.parse(json));
  return { ...parsed.environment, deployment: parsed.deployment };
}

function namesOfType(template: Template, type: string, property: string): unknown[] {
  return Object.values(template.Resources)
    .filter((r) => r.Type === type)
    .map((r) => r.Properties?.[property]);
}

describe("the example's protection gives the CLI its environment", () => {
  const app = templateOnlyApp();
  const shop = buildExampleShopStack(app);
  const [protection] = shop.node.findAll().filter((c): c is LifeboatProtection => c instanceof LifeboatProtection);
  if (protection === undefined) throw new Error('the example has no LifeboatProtection');
  const assembly = app.synth();
  const template = assembly.getStackByName(shop.stackName).template as Template;
  const drTemplate = assembly.getStackByName(protection.drStack.stackName).template as Template;
  const ordersTable = Object.entries(template.Resources).find(([, r]) => r.Type === 'AWS::DynamoDB::GlobalTable')?.[0] ?? '';
  // A named bucket is a Ref too (to its name, resolved at deploy).
  const assetsBucket = Object.entries(template.Resources).find(([, r]) => r.Properties?.BucketName === `shop-assets-${USER_APP_ENV.account}-${USER_APP_ENV.region}`)?.[0] ?? '';

  it('in one output of the primary stack, LifeboatEnvironmentShop (none in the DR stack)', () => {
    expect(environmentOutputs(template).map((o) => o.key)).toEqual(['LifeboatEnvironmentShop']);
    expect(environmentOutputs(drTemplate)).toEqual([]);
  });

  it("resolved, it parses into an environment whose names are the construct's, and whose sources are the deployed ones", () => {
    const environment = environmentOf(template, 'LifeboatEnvironmentShop');
    const names = resourceNames(environment);
    expect(names).toEqual({ primaryStack: 'Shop', drStack: protection.drStack.stackName, ...protection.names });
    expect(environment).toMatchObject({ name: 'shop', account: USER_APP_ENV.account, primaryRegion: USER_APP_ENV.region, drRegion: 'us-west-2', deployment: { prefix: 'shop' } });
    expect(environment.drAccount).toBeUndefined();
    expect(environment.plans.map((p) => ({ plan: p.name, sources: p.sources.map((s) => (s.type === 's3' ? s.bucket : s.type === 'dynamodb' ? s.table : s.path)) }))).toEqual([
      { plan: 'daily', sources: [resolvedRef(assetsBucket), resolvedRef(ordersTable)] },
    ]);
    expect(environment.plans[0]?.objectives).toEqual({ rpoMinutes: 1500, rtoMinutes: 60 });
  });

  it('the names the environment gives are those of the resources in the templates: vaults, catalogs, state machines', () => {
    const names = resourceNames(environmentOf(template, 'LifeboatEnvironmentShop'));
    expect(namesOfType(template, 'AWS::S3::Bucket', 'BucketName')).toContain(names.primaryVault);
    expect(namesOfType(drTemplate, 'AWS::S3::Bucket', 'BucketName')).toContain(names.drVault);
    expect(namesOfType(template, 'AWS::DynamoDB::Table', 'TableName')).toContain(names.catalogTable);
    expect(namesOfType(drTemplate, 'AWS::DynamoDB::Table', 'TableName')).toContain(names.catalogTable);
    const machines = namesOfType(template, 'AWS::StepFunctions::StateMachine', 'StateMachineName');
    for (const machine of [names.backupStateMachine, names.restoreStateMachine, names.scrubStateMachine, names.catalogRebuildStateMachine, names.repairIndexStateMachine, names.pruneStateMachine, names.drillStateMachine]) {
      expect(machines).toContain(machine);
    }
    expect(namesOfType(drTemplate, 'AWS::StepFunctions::StateMachine', 'StateMachineName')).toContain(names.failoverStateMachine);
  });
});

describe('an environment longer than one output', () => {
  // As many as fit a Lambda environment (LIFEBOAT_PLANS, 3,500 bytes), tokens counted at their longest here: more than one output.
  const PLANS = 6;
  const app = templateOnlyApp();
  const stack = new Stack(app, 'Big', { env: USER_APP_ENV });
  const plans: LifeboatPlan[] = Array.from({ length: PLANS }, (_, p) => ({
    name: `plan-${p}`,
    schedule: 'rate(1 day)',
    strategy: 'incremental',
    retention: { keepLast: 7, keepDaily: 14, keepWeekly: 8, keepMonthly: 12 },
    objectives: { rpoMinutes: 1500, rtoMinutes: 60 },
    // Unnamed buckets: their names are tokens, resolved at deploy.
    sources: [LifeboatSource.s3Bucket(`assets-${p}`, new s3.Bucket(stack, `Assets${p}`)), LifeboatSource.s3Bucket(`media-${p}`, new s3.Bucket(stack, `Media${p}`))],
  }));
  const protection = new LifeboatProtection(stack, 'Lifeboat', { prefix: 'big-shop', drRegion: 'us-west-2', plans });
  const template = app.synth().getStackByName('Big').template as Template;
  const outputs = environmentOutputs(template);

  it('is cut into parts, each at most OUTPUT_VALUE_LIMIT bytes with every token at its longest (255)', () => {
    expect(outputs.length).toBeGreaterThan(1);
    expect(outputs.map((o) => o.key)).toEqual(['LifeboatEnvironmentBigShop', ...Array.from({ length: outputs.length - 1 }, (_, i) => `LifeboatEnvironmentBigShopPart${i + 2}`)]);
    for (const { value } of outputs) {
      const pieces = typeof value === 'string' ? [value] : ((value as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1]);
      const bytes = pieces.reduce<number>((sum, piece) => sum + (typeof piece === 'string' ? Buffer.byteLength(piece) : 255), 0);
      expect(bytes).toBeLessThanOrEqual(OUTPUT_VALUE_LIMIT);
    }
  });

  it('joined, gives every plan and source by its deployed name, and the names of the protection', () => {
    const environment = environmentOf(template, 'LifeboatEnvironmentBigShop');
    expect(environment.plans).toHaveLength(PLANS);
    const buckets = environment.plans.flatMap((p) => p.sources.map((s) => (s.type === 's3' ? s.bucket : '')));
    const logicalIds = Object.entries(template.Resources)
      .filter(([id, r]) => r.Type === 'AWS::S3::Bucket' && /^(Assets|Media)\d+/.test(id))
      .map(([id]) => resolvedRef(id));
    expect(new Set(buckets)).toEqual(new Set(logicalIds));
    expect(resourceNames(environment)).toEqual({ primaryStack: 'Big', drStack: protection.drStack.stackName, ...protection.names });
  });
});

describe('a protection in a NestedStack (review r60K F1)', () => {
  // The nested stack's name is a token: in a Description it would be an Fn::Join, which CloudFormation refuses (cfn-lint E6003).
  const app = templateOnlyApp();
  const parent = new Stack(app, 'Parent', { env: USER_APP_ENV });
  const nested = new NestedStack(parent, 'Inner');
  const drStack = new Stack(app, 'ParentDR', { env: { ...USER_APP_ENV, region: 'us-west-2' } });
  new LifeboatProtection(nested, 'Lifeboat', {
    prefix: 'nest',
    drRegion: 'us-west-2',
    drStack,
    plans: [{ name: 'daily', schedule: 'rate(1 day)', strategy: 'incremental', retention: { keepLast: 7 }, objectives: { rpoMinutes: 1500, rtoMinutes: 60 }, sources: [LifeboatSource.s3Bucket('assets', new s3.Bucket(nested, 'Assets'))] }],
  });
  const template = AssertionsTemplate.fromStack(nested).toJSON() as Template & { Outputs: Record<string, { Description?: unknown }> };

  it('gives its output a Description of plain text, which CloudFormation takes', () => {
    const outputs = Object.entries(template.Outputs).filter(([key]) => key.startsWith(ENVIRONMENT_OUTPUT_START));
    expect(outputs.map(([key]) => key)).toEqual(['LifeboatEnvironmentNest']);
    for (const [, output] of outputs) {
      expect(typeof output.Description).toBe('string');
      expect(output.Description).toBe("Lifeboat nest: the environment `lifeboat … --stack <this stack's name> --aws` reads (part 1 of 1)");
    }
  });
});

describe('notification e-mail addresses (review r60K F3)', () => {
  // Anyone allowed DescribeStacks reads a stack's outputs, unredacted: the addresses stay out of the output.
  const app = templateOnlyApp();
  const stack = new Stack(app, 'Mailed', { env: USER_APP_ENV });
  new LifeboatProtection(stack, 'Lifeboat', {
    prefix: 'mailed',
    drRegion: 'us-west-2',
    notifications: { emails: ['ops@example.com', 'oncall@example.com'], replicationLagMinutes: 30 },
    plans: [{ name: 'daily', schedule: 'rate(1 day)', strategy: 'incremental', retention: { keepLast: 7 }, objectives: { rpoMinutes: 1500, rtoMinutes: 60 }, sources: [LifeboatSource.s3Bucket('assets', new s3.Bucket(stack, 'Assets'))] }],
  });
  const template = app.synth().getStackByName('Mailed').template as Template;

  it('are not in the environment output; the replication lag alarm threshold is', () => {
    const outputs = environmentOutputs(template);
    expect(outputs.map((o) => o.key)).toEqual(['LifeboatEnvironmentMailed']);
    for (const { resolved } of outputs) expect(resolved).not.toMatch(/ops@example\.com|oncall@example\.com/);
    const environment = environmentOf(template, 'LifeboatEnvironmentMailed');
    expect(environment.notifications).toEqual({ emails: [], replicationLagMinutes: 30 });
  });
});
