import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { runSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import { type Template } from 'aws-cdk-lib/assertions';
import { loadLifeboatConfig } from '../../../config/load-config';
import { KEY_USER_TAG } from '../../../lib/constructs/security-options';
import { environmentPrefix, resourceNames } from '../../../lib/stacks/resource-names';
import { type CfnTemplate, DeployedPolicies } from '../../support/deployed-policies';
import { REPO_ROOT, SAMPLE_CONFIG_FILE } from '../../support/repo-root';
import { sampleEnvironmentTemplates } from './sample-environment-templates';

/**
 * The SCP of docs/SECURITY.md ("Keys", what the key policies do not stop) that keeps the `lifeboat:key-user` tag to
 * Lifeboat's roles and the operators': evaluated with the IAM policy simulator as an SCP of the account, on the names
 * the JSON-config app's sample templates deploy. An administrator must not run code of their own as one of Lifeboat's
 * tagged roles (audit b2-2), and Lifeboat's own calls must still pass: each region's deploy (review R8-1), and those of
 * two environments of one account whose names share a prefix (review R8-2).
 */
const ACCOUNT = '000000000000';
const TAG_ADMIN = 'lifeboat-tag-admin';
const environment = loadLifeboatConfig(SAMPLE_CONFIG_FILE).environments.find((e) => e.name === 'dev');
if (!environment) throw new Error('the sample config defines the dev environment');
const prefix = environmentPrefix(environment);
const names = resourceNames(environment);
/** CloudFormation's execution role of `cdk deploy` in a region, as `cdk bootstrap` names it with the default qualifier. */
const deployRoleOf = (region: string) => `cdk-hnb659fds-cfn-exec-role-${ACCOUNT}-${region}`;

const doc = readFileSync(path.join(REPO_ROOT, 'docs', 'SECURITY.md'), 'utf8');
const scpText = [...doc.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => m[1] ?? '').find((b) => b.includes('NoSessionTagLifeboatKeyUser'));
if (scpText === undefined) throw new Error('docs/SECURITY.md has no SCP with the statement NoSessionTagLifeboatKeyUser');
/**
 * CloudFormation's name for a resource of stack `stackName` whose template names none: `<stack>-<logical id>-<12 random>`
 * within IAM's 64 characters; when the stack name and the logical id do not fit in 50, each gets 25 and a shorter one
 * leaves the rest to the other (inferred from deployed names, review r12: `Lifeboat-production-Prima-…`).
 */
function cloudFormationName(stackName: string, logicalId: string): string {
  const budget = 64 - '-1A2B3C4D5E6F'.length - '-'.length;
  const half = budget / 2;
  let [stackLength, idLength] = [stackName.length, logicalId.length];
  if (stackLength + idLength > budget) {
    if (stackLength <= half) idLength = budget - stackLength;
    else if (idLength <= half) stackLength = budget - idLength;
    else [stackLength, idLength] = [half, half];
  }
  return `${stackName.slice(0, stackLength)}-${logicalId.slice(0, idLength)}-1A2B3C4D5E6F`;
}
/** What the doc says to give for <primary-stack-start> and <dr-stack-start>: the stack's name and `-`, or its first 25 characters when longer. */
const stackStart = (stackName: string) => (stackName.length <= 25 ? `${stackName}-` : stackName.slice(0, 25));

type ScpInput = { prefix: string; primaryStack: string; drStack: string };
const stacksOfEnvironment = (envName: string): ScpInput => ({ prefix: `lifeboat-${envName}`, primaryStack: `Lifeboat-${envName}-Primary`, drStack: `Lifeboat-${envName}-DR` });
/** The doc's SCP for a Lifeboat deployment of the sample's regions: the JSON-config app's environment `envName`, or stacks of the user's own. */
const scpOf = (envName: string, input = stacksOfEnvironment(envName)): { name: string; policy: unknown } => ({
  name: `LifeboatKeyUser-${envName}`,
  policy: JSON.parse(
    scpText
      .replaceAll('<account>', ACCOUNT)
      .replaceAll('<tag-admin>', TAG_ADMIN)
      .replaceAll('<operator-roles>', 'lifeboat-operator')
      .replaceAll('<primary-region>', environment.primaryRegion)
      .replaceAll('<dr-region>', environment.drRegion)
      .replaceAll('<prefix>', input.prefix)
      .replaceAll('<primary-stack-start>', stackStart(input.primaryStack))
      .replaceAll('<dr-stack-start>', stackStart(input.drStack)),
  ) as unknown,
});
const scp = scpOf(environment.name);

const FULL_ACCESS = { name: 'FullAWSAccess', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] } };
type Caller = { arn: string; identityPolicies: Simulation['identityPolicies']; tags: Record<string, string> };
const administrator = (name: string): Caller => ({ arn: `arn:aws:iam::${ACCOUNT}:role/${name}`, identityPolicies: [{ ...FULL_ACCESS, name: 'AdministratorAccess' }], tags: {} });

/** The decision on a request of the account's principal `caller` under the account's SCPs: FullAWSAccess and the doc's (one per environment of the account). */
async function underScp(caller: Caller, action: string, resource: string, context: Record<string, string | string[]> = {}, scps = [scp]): Promise<string> {
  const result = await runSimulation(
    {
      request: {
        principal: caller.arn,
        action,
        resource: { resource, accountId: ACCOUNT },
        contextVariables: { 'aws:SecureTransport': 'true', 'aws:PrincipalArn': caller.arn, 'aws:PrincipalAccount': ACCOUNT, ...caller.tags, ...context },
      },
      identityPolicies: caller.identityPolicies,
      serviceControlPolicies: [
        { orgIdentifier: 'r-root', policies: [FULL_ACCESS] },
        { orgIdentifier: ACCOUNT, policies: [FULL_ACCESS, ...scps] },
      ],
      resourceControlPolicies: [],
    },
    {},
  );
  if (result.resultType === 'error') throw new Error(`simulation of ${action} on ${resource} by ${caller.arn}: ${JSON.stringify(result.errors)}`);
  return result.overallResult;
}

type Deployed = { stackName: string; region: string; template: CfnTemplate; policies: DeployedPolicies };
const deployed = (stackName: string, json: CfnTemplate, region: string): Deployed => ({ stackName, region, template: json, policies: new DeployedPolicies(json, { account: ACCOUNT, region }) });
let sides: Deployed[] = [];
/** The same environment named `dev-eu`, deployed beside `dev` in the account: its names, tags and stacks start with dev's and go on. */
let longerNamedSides: Deployed[] = [];
beforeAll(async () => {
  const templates = await sampleEnvironmentTemplates('dev');
  const json = (template: Template) => template.toJSON() as CfnTemplate;
  sides = [deployed(names.primaryStack, json(templates.primary), environment.primaryRegion), deployed(names.drStack, json(templates.dr), environment.drRegion)];
  const renamed = (side: Deployed): Deployed =>
    deployed(side.stackName.replace(`Lifeboat-${environment.name}-`, 'Lifeboat-dev-eu-'), JSON.parse(JSON.stringify(side.template).replaceAll(prefix, 'lifeboat-dev-eu')) as CfnTemplate, side.region);
  longerNamedSides = sides.map(renamed);
});

/** A resource's physical name: the one the template fixes, else CloudFormation's. */
function physicalName(side: Deployed, id: string, nameProperty: string): string {
  const fixed = side.template.Resources[id]?.Properties?.[nameProperty];
  return typeof fixed === 'string' ? fixed : cloudFormationName(side.stackName, id);
}
const ofType = (type: string, nameProperty: string, of = sides) => of.flatMap((side) => side.policies.idsOf(type).map((id) => ({ side, id, name: physicalName(side, id, nameProperty) })));

it('denies an untagged administrator every way of running their own code as a Lifeboat role (audit b2-2)', async () => {
  const admin = administrator('administrator');
  const roles = ofType('AWS::IAM::Role', 'RoleName');
  expect(roles.length).toBeGreaterThan(20);
  for (const role of roles) {
    for (const service of ['lambda.amazonaws.com', 'states.amazonaws.com', 'scheduler.amazonaws.com', 's3.amazonaws.com']) {
      expect([role.name, service, await underScp(admin, 'iam:PassRole', `arn:aws:iam::${ACCOUNT}:role/${role.name}`, { 'iam:PassedToService': service })]).toEqual([role.name, service, 'ExplicitlyDenied']);
    }
  }
  const functions = ofType('AWS::Lambda::Function', 'FunctionName');
  expect(functions.length).toBeGreaterThan(10);
  for (const fn of functions) {
    for (const action of ['lambda:UpdateFunctionCode', 'lambda:UpdateFunctionConfiguration', 'lambda:CreateFunction']) {
      expect([fn.name, action, await underScp(admin, action, `arn:aws:lambda:us-east-1:${ACCOUNT}:function:${fn.name}`)]).toEqual([fn.name, action, 'ExplicitlyDenied']);
    }
  }
  const workflows = ofType('AWS::StepFunctions::StateMachine', 'StateMachineName');
  expect(workflows.length).toBeGreaterThan(5);
  for (const workflow of workflows) {
    for (const action of ['states:UpdateStateMachine', 'states:CreateStateMachine']) {
      expect([workflow.name, action, await underScp(admin, action, `arn:aws:states:us-east-1:${ACCOUNT}:stateMachine:${workflow.name}`)]).toEqual([workflow.name, action, 'ExplicitlyDenied']);
    }
  }
  // The rest of the account is the administrator's still.
  expect(await underScp(admin, 'iam:PassRole', `arn:aws:iam::${ACCOUNT}:role/my-app`, { 'iam:PassedToService': 'lambda.amazonaws.com' })).toBe('Allowed');
  expect(await underScp(admin, 'lambda:UpdateFunctionCode', `arn:aws:lambda:us-east-1:${ACCOUNT}:function:my-app`)).toBe('Allowed');
  expect(await underScp(admin, 'states:UpdateStateMachine', `arn:aws:states:us-east-1:${ACCOUNT}:stateMachine:my-app`)).toBe('Allowed');
});

it('denies an untagged administrator passing any Lifeboat role and changing any Lifeboat function of a long-named environment or of a stack of the user\'s own (review r12)', async () => {
  const admin = administrator('administrator');
  const longName = 'a-32-character-environment-name0';
  expect(longName).toHaveLength(32);
  const moved = (input: ScpInput): Deployed[] =>
    sides.map((side, i) => deployed(i === 0 ? input.primaryStack : input.drStack, JSON.parse(JSON.stringify(side.template).replaceAll(prefix, input.prefix)) as CfnTemplate, side.region));
  // `production`'s primary stack is 27 characters, so CloudFormation shortens some of its names and not others.
  const cases: [string, ScpInput][] = [
    ['production', stacksOfEnvironment('production')],
    [longName, stacksOfEnvironment(longName)],
    ['MyApp', { prefix: 'acme-backup', primaryStack: 'MyApp', drStack: 'MyApp' }],
  ];
  for (const [envName, input] of cases) {
    const deployedHere = moved(input);
    const scps = [scpOf(envName, input)];
    const roles = ofType('AWS::IAM::Role', 'RoleName', deployedHere);
    expect(roles.length).toBeGreaterThan(20);
    for (const role of roles) {
      expect([envName, role.name, await underScp(admin, 'iam:PassRole', `arn:aws:iam::${ACCOUNT}:role/${role.name}`, { 'iam:PassedToService': 'lambda.amazonaws.com' }, scps)]).toEqual([envName, role.name, 'ExplicitlyDenied']);
      expect([envName, role.name, await underScp(admin, 'iam:UpdateAssumeRolePolicy', `arn:aws:iam::${ACCOUNT}:role/${role.name}`, {}, scps)]).toEqual([envName, role.name, 'ExplicitlyDenied']);
    }
    for (const fn of ofType('AWS::Lambda::Function', 'FunctionName', deployedHere)) {
      expect([envName, fn.name, await underScp(admin, 'lambda:UpdateFunctionCode', `arn:aws:lambda:us-east-1:${ACCOUNT}:function:${fn.name}`, {}, scps)]).toEqual([envName, fn.name, 'ExplicitlyDenied']);
    }
    expect(await underScp(admin, 'iam:PassRole', `arn:aws:iam::${ACCOUNT}:role/my-app`, { 'iam:PassedToService': 'lambda.amazonaws.com' }, scps)).toBe('Allowed');
    expect(await underScp(admin, 'iam:PassRole', `arn:aws:iam::${ACCOUNT}:role/MyAppWeb-FnServiceRole-1A2B3C4D5E6F`, { 'iam:PassedToService': 'lambda.amazonaws.com' }, scps)).toBe('Allowed');
  }
});

it('lets each region\'s deploying role deploy its stack, the DR stack in the same account included (review R8-1), and the tag admin tag operators', async () => {
  for (const side of sides) {
    const deployer = administrator(deployRoleOf(side.region));
    const of = <T extends { side: Deployed }>(all: T[]) => all.filter((r) => r.side === side);
    const roles = of(ofType('AWS::IAM::Role', 'RoleName'));
    expect(roles.length).toBeGreaterThan(5);
    for (const role of roles) {
      const arn = `arn:aws:iam::${ACCOUNT}:role/${role.name}`;
      const requests: [string, Record<string, string | string[]>][] = [
        ['iam:CreateRole', { 'aws:TagKeys': [KEY_USER_TAG] }],
        ['iam:TagRole', { 'aws:TagKeys': [KEY_USER_TAG] }],
        ['iam:UpdateAssumeRolePolicy', {}],
        ['iam:PassRole', { 'iam:PassedToService': 'lambda.amazonaws.com' }],
      ];
      for (const [action, context] of requests) {
        expect([side.stackName, role.name, action, await underScp(deployer, action, arn, context)]).toEqual([side.stackName, role.name, action, 'Allowed']);
      }
    }
    for (const fn of of(ofType('AWS::Lambda::Function', 'FunctionName'))) {
      for (const action of ['lambda:CreateFunction', 'lambda:UpdateFunctionCode', 'lambda:UpdateFunctionConfiguration']) {
        expect([side.stackName, fn.name, action, await underScp(deployer, action, `arn:aws:lambda:${side.region}:${ACCOUNT}:function:${fn.name}`)]).toEqual([side.stackName, fn.name, action, 'Allowed']);
      }
    }
    for (const workflow of of(ofType('AWS::StepFunctions::StateMachine', 'StateMachineName'))) {
      for (const action of ['states:CreateStateMachine', 'states:UpdateStateMachine']) {
        expect([side.stackName, workflow.name, action, await underScp(deployer, action, `arn:aws:states:${side.region}:${ACCOUNT}:stateMachine:${workflow.name}`)]).toEqual([side.stackName, workflow.name, action, 'Allowed']);
      }
    }
  }
  // A role of a name the exemption would match, were it a pattern, is an administrator's like any other.
  expect(await underScp(administrator(deployRoleOf('eu-north-1')), 'iam:PassRole', `arn:aws:iam::${ACCOUNT}:role/${names.primaryStack}-SomeRole-1A2B3C4D5E6F`, { 'iam:PassedToService': 'lambda.amazonaws.com' })).toBe('ExplicitlyDenied');
  expect(await underScp(administrator(TAG_ADMIN), 'iam:TagRole', `arn:aws:iam::${ACCOUNT}:role/lifeboat-operator`, { 'aws:TagKeys': [KEY_USER_TAG] })).toBe('Allowed');
  expect(await underScp(administrator('administrator'), 'iam:TagRole', `arn:aws:iam::${ACCOUNT}:role/lifeboat-operator`, { 'aws:TagKeys': [KEY_USER_TAG] })).toBe('ExplicitlyDenied');
});

/** Every iam:PassRole a Lifeboat role of `deployedSides` is granted (the source-replication function passing a mirror's replication role to S3), as that role's call. */
function passesOf(deployedSides: Deployed[]): { id: string; passedName: string; caller: Caller; service: string }[] {
  type Statement = { Effect: string; Action: string | string[]; Resource: string | string[]; Condition?: { StringEquals?: Record<string, string> } };
  return deployedSides.flatMap((side) =>
    side.policies.idsOf('AWS::IAM::Role').flatMap((id) =>
      side.policies
        .identityPolicies(id)
        .flatMap((p) => p.policy.Statement as Statement[])
        .filter((st) => st.Effect === 'Allow' && [st.Action].flat().includes('iam:PassRole'))
        .flatMap((st) =>
          [st.Resource].flat().map((resource) => {
            const passed = /:role\/(.+)$/.exec(String(resource))?.[1] ?? '';
            const passedName = physicalName(side, passed, 'RoleName');
            // Its own policies name the role as deployed-policies.ts does (by logical id): renamed to the name CloudFormation gives it.
            const identityPolicies = JSON.parse(JSON.stringify(side.policies.identityPolicies(id)).replaceAll(`:role/${passed}"`, `:role/${passedName}"`)) as Caller['identityPolicies'];
            const caller: Caller = { arn: `arn:aws:iam::${ACCOUNT}:role/${physicalName(side, id, 'RoleName')}`, identityPolicies, tags: side.policies.principalTags(id) };
            return { id, passedName, caller, service: st.Condition?.StringEquals?.['iam:PassedToService'] ?? 'lambda.amazonaws.com' };
          }),
        ),
    ),
  );
}

it('lets Lifeboat\'s own roles pass the roles they pass', async () => {
  const passes = passesOf(sides);
  expect(passes.length).toBeGreaterThan(0);
  for (const { id, passedName, caller, service } of passes) {
    expect(caller.tags[`aws:PrincipalTag/${KEY_USER_TAG}`]).toBe(prefix);
    expect([id, passedName, await underScp(caller, 'iam:PassRole', `arn:aws:iam::${ACCOUNT}:role/${passedName}`, { 'iam:PassedToService': service })]).toEqual([id, passedName, 'Allowed']);
  }
});

it('lets each of two environments of one account whose names share a prefix (dev, dev-eu) pass its own roles, and not the other\'s (review R8-2)', async () => {
  const both = [scp, scpOf('dev-eu')];
  for (const [deployedSides, tag] of [
    [sides, prefix],
    [longerNamedSides, 'lifeboat-dev-eu'],
  ] as const) {
    const passes = passesOf(deployedSides);
    expect(passes.length).toBeGreaterThan(0);
    for (const { id, passedName, caller, service } of passes) {
      expect(caller.tags[`aws:PrincipalTag/${KEY_USER_TAG}`]).toBe(tag);
      expect([id, passedName, await underScp(caller, 'iam:PassRole', `arn:aws:iam::${ACCOUNT}:role/${passedName}`, { 'iam:PassedToService': service }, both)]).toEqual([id, passedName, 'Allowed']);
    }
  }
  // Each environment's tag passes its own roles only: dev's roles are refused to dev-eu's roles, and dev-eu's to dev's,
  // whatever their own policies allow.
  const [devPass] = passesOf(sides);
  const [devEuPass] = passesOf(longerNamedSides);
  if (!devPass || !devEuPass) throw new Error('both environments pass a role');
  const asAdministrator = (caller: Caller): Caller => ({ ...administrator('x'), arn: caller.arn, tags: caller.tags });
  expect(await underScp(asAdministrator(devEuPass.caller), 'iam:PassRole', `arn:aws:iam::${ACCOUNT}:role/${devPass.passedName}`, { 'iam:PassedToService': devPass.service }, both)).toBe('ExplicitlyDenied');
  expect(await underScp(asAdministrator(devPass.caller), 'iam:PassRole', `arn:aws:iam::${ACCOUNT}:role/${devEuPass.passedName}`, { 'iam:PassedToService': devEuPass.service }, both)).toBe('ExplicitlyDenied');
});
