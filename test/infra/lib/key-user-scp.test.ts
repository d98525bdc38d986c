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
 * tagged roles (audit b2-2), and Lifeboat's own calls must still pass.
 */
const ACCOUNT = '000000000000';
const TAG_ADMIN = 'lifeboat-deployer';
const environment = loadLifeboatConfig(SAMPLE_CONFIG_FILE).environments.find((e) => e.name === 'dev');
if (!environment) throw new Error('the sample config defines the dev environment');
const prefix = environmentPrefix(environment);
const names = resourceNames(environment);
// Both stacks' names start with `Lifeboat-<env>`, which the doc says to give for <stack-name>.
const stackNames = `Lifeboat-${environment.name}`;

const doc = readFileSync(path.join(REPO_ROOT, 'docs', 'SECURITY.md'), 'utf8');
const scpText = [...doc.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => m[1] ?? '').find((b) => b.includes('NoSessionTagLifeboatKeyUser'));
if (scpText === undefined) throw new Error('docs/SECURITY.md has no SCP with the statement NoSessionTagLifeboatKeyUser');
const scp: unknown = JSON.parse(
  scpText.replaceAll('<account>', ACCOUNT).replaceAll('<tag-admin>', TAG_ADMIN).replaceAll('<operator-roles>', 'lifeboat-operator').replaceAll('<prefix>', prefix).replaceAll('<stack-name>', stackNames),
);

const FULL_ACCESS = { name: 'FullAWSAccess', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] } };
type Caller = { arn: string; identityPolicies: Simulation['identityPolicies']; tags: Record<string, string> };
const administrator = (name: string): Caller => ({ arn: `arn:aws:iam::${ACCOUNT}:role/${name}`, identityPolicies: [{ ...FULL_ACCESS, name: 'AdministratorAccess' }], tags: {} });

/** The decision on a request of the account's principal `caller` under the account's SCPs: FullAWSAccess and the doc's. */
async function underScp(caller: Caller, action: string, resource: string, context: Record<string, string> = {}): Promise<string> {
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
        { orgIdentifier: ACCOUNT, policies: [FULL_ACCESS, { name: 'LifeboatKeyUser', policy: scp }] },
      ],
      resourceControlPolicies: [],
    },
    {},
  );
  if (result.resultType === 'error') throw new Error(`simulation of ${action} on ${resource} by ${caller.arn}: ${JSON.stringify(result.errors)}`);
  return result.overallResult;
}

type Deployed = { stackName: string; template: CfnTemplate; policies: DeployedPolicies };
let sides: Deployed[] = [];
beforeAll(async () => {
  const templates = await sampleEnvironmentTemplates('dev');
  const deployed = (stackName: string, template: Template, region: string): Deployed => {
    const json = template.toJSON() as CfnTemplate;
    return { stackName, template: json, policies: new DeployedPolicies(json, { account: ACCOUNT, region }) };
  };
  sides = [deployed(names.primaryStack, templates.primary, environment.primaryRegion), deployed(names.drStack, templates.dr, environment.drRegion)];
});

/** A resource's physical name: the one the template fixes, else CloudFormation's `<stack name>-<logical id>-<suffix>`. */
function physicalName(side: Deployed, id: string, nameProperty: string): string {
  const fixed = side.template.Resources[id]?.Properties?.[nameProperty];
  return typeof fixed === 'string' ? fixed : `${side.stackName}-${id}-1A2B3C4D5E6F`;
}
const ofType = (type: string, nameProperty: string) => sides.flatMap((side) => side.policies.idsOf(type).map((id) => ({ side, id, name: physicalName(side, id, nameProperty) })));

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

it('lets the tag admin deploy, and Lifeboat\'s own roles pass the roles they pass', async () => {
  const [someRole] = ofType('AWS::IAM::Role', 'RoleName');
  const [someFunction] = ofType('AWS::Lambda::Function', 'FunctionName');
  if (!someRole || !someFunction) throw new Error('the sample templates have roles and functions');
  const deployer = administrator(TAG_ADMIN);
  expect(await underScp(deployer, 'iam:PassRole', `arn:aws:iam::${ACCOUNT}:role/${someRole.name}`, { 'iam:PassedToService': 'lambda.amazonaws.com' })).toBe('Allowed');
  expect(await underScp(deployer, 'lambda:UpdateFunctionCode', `arn:aws:lambda:us-east-1:${ACCOUNT}:function:${someFunction.name}`)).toBe('Allowed');
  expect(await underScp(deployer, 'states:UpdateStateMachine', `arn:aws:states:us-east-1:${ACCOUNT}:stateMachine:${names.backupStateMachine}`)).toBe('Allowed');
  // Every iam:PassRole a Lifeboat role is granted (the source-replication function passing a mirror's replication role to S3).
  type Statement = { Effect: string; Action: string | string[]; Resource: string | string[]; Condition?: { StringEquals?: Record<string, string> } };
  const passes = sides.flatMap((side) =>
    side.policies.idsOf('AWS::IAM::Role').flatMap((id) =>
      side.policies
        .identityPolicies(id)
        .flatMap((p) => p.policy.Statement as Statement[])
        .filter((st) => st.Effect === 'Allow' && [st.Action].flat().includes('iam:PassRole'))
        .flatMap((st) => [st.Resource].flat().map((resource) => ({ side, id, resource: String(resource), service: st.Condition?.StringEquals?.['iam:PassedToService'] ?? 'lambda.amazonaws.com' }))),
    ),
  );
  expect(passes.length).toBeGreaterThan(0);
  for (const { side, id, resource, service } of passes) {
    const passed = /:role\/(.+)$/.exec(resource)?.[1] ?? '';
    const passedName = physicalName(side, passed, 'RoleName');
    // Its own policies name the role as deployed-policies.ts does (by logical id): renamed to the name CloudFormation gives it.
    const identityPolicies = JSON.parse(JSON.stringify(side.policies.identityPolicies(id)).replaceAll(`:role/${passed}"`, `:role/${passedName}"`)) as Caller['identityPolicies'];
    const caller: Caller = { arn: `arn:aws:iam::${ACCOUNT}:role/${physicalName(side, id, 'RoleName')}`, identityPolicies, tags: side.policies.principalTags(id) };
    expect(caller.tags[`aws:PrincipalTag/${KEY_USER_TAG}`]).toBe(prefix);
    expect([id, passedName, await underScp(caller, 'iam:PassRole', `arn:aws:iam::${ACCOUNT}:role/${passedName}`, { 'iam:PassedToService': service })]).toEqual([id, passedName, 'Allowed']);
  }
});
