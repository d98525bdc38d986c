import { resolveValue } from '../cloud/cfn-intrinsics';
import { type SynthesizedStack } from '../assembly/synthesized-stack';
import { stackResources } from '../executor/stack-resources';
import { ScheduleInvocationRefusedError } from './errors';
import { type LocalSchedule } from './synthesized-schedules';

/**
 * What AWS checks before a schedule may start a state machine, read from the templates: the target's
 * RoleArn is a role of the templates, its trust policy lets scheduler.amazonaws.com assume it, and a
 * policy attached to it allows `states:StartExecution` on the target while none denies it. Policies
 * are the role's inline `Policies` and every `AWS::IAM::Policy` / `AWS::IAM::ManagedPolicy` whose
 * `Roles` names it. Statements with a `Condition` are not evaluated (they neither allow nor deny
 * here), nor are managed policies from outside the templates: the check errs towards refusing.
 */
export const SCHEDULER_PRINCIPAL = 'scheduler.amazonaws.com';
export const START_EXECUTION = 'states:StartExecution';

type Statement = {
  Effect?: unknown;
  Action?: unknown;
  NotAction?: unknown;
  Resource?: unknown;
  NotResource?: unknown;
  Principal?: unknown;
  Condition?: unknown;
};

type NamedDocument = { source: string; statements: Statement[] };

export function checkSchedulerRolePermission(stacks: readonly SynthesizedStack[], schedule: LocalSchedule, stateMachineArn: string): void {
  const refuse = (reason: string): never => {
    throw new ScheduleInvocationRefusedError(schedule.name, reason);
  };
  const role = findRole(stacks, schedule.target.roleArn);
  if (!role) return refuse(`its role ${schedule.target.roleArn} is not declared in the synthesized templates; AWS would fail the invocation because it cannot assume the role.`);

  const trust = statementsOf(role.properties.AssumeRolePolicyDocument);
  const trusted = trust.some((s) => s.Effect === 'Allow' && sourceAccountHolds(s.Condition, role.stack.account) && matchesAny(s.Action, 'sts:AssumeRole', true) && trustsScheduler(s.Principal));
  if (!trusted) {
    return refuse(`the trust policy of role ${role.name} does not allow ${SCHEDULER_PRINCIPAL} to sts:AssumeRole; add it as a service principal (assumedBy: new ServicePrincipal('${SCHEDULER_PRINCIPAL}')).`);
  }

  const documents = attachedPolicies(role.stack, role.logicalId, role.name, role.properties);
  for (const doc of documents) {
    const denying = doc.statements.find((s) => s.Effect === 'Deny' && s.Condition === undefined && statementApplies(s, START_EXECUTION, stateMachineArn));
    if (denying) return refuse(`${doc.source} explicitly denies ${START_EXECUTION} on ${stateMachineArn} to role ${role.name}.`);
  }
  const allowed = documents.some((doc) => doc.statements.some((s) => s.Effect === 'Allow' && s.Condition === undefined && statementApplies(s, START_EXECUTION, stateMachineArn)));
  if (!allowed) {
    return refuse(
      `role ${role.name} lacks ${START_EXECUTION} on ${stateMachineArn}: no policy attached to it allows that action on that resource (grant it, e.g. stateMachine.grantStartExecution(role)).`,
    );
  }
}

/**
 * Whether a trust statement's condition lets Scheduler in for a schedule of `account`: none at all, or
 * only `aws:SourceAccount` equal to it (what lib/constructs/scheduler-principal.ts writes; Scheduler
 * sends the schedule's account as the source account). Any other condition is not evaluated: refused.
 */
function sourceAccountHolds(condition: unknown, account: string): boolean {
  if (condition === undefined) return true;
  if (typeof condition !== 'object' || condition === null) return false;
  return Object.entries(condition as Record<string, unknown>).every(
    ([operator, keys]) =>
      operator === 'StringEquals' &&
      typeof keys === 'object' &&
      keys !== null &&
      Object.entries(keys as Record<string, unknown>).every(([key, value]) => key === 'aws:SourceAccount' && (Array.isArray(value) ? value.includes(account) : value === account)),
  );
}

type FoundRole = { stack: SynthesizedStack; logicalId: string; name: string; properties: Record<string, unknown> };

function findRole(stacks: readonly SynthesizedStack[], roleArn: string): FoundRole | undefined {
  for (const stack of stacks) {
    const resources = stackResources(stack);
    for (const [logicalId, resource] of Object.entries(stack.template.Resources ?? {})) {
      if (resource.Type !== 'AWS::IAM::Role' || resources.arn(logicalId) !== roleArn) continue;
      const properties = resolveValue(resource.Properties ?? {}, resources.context(logicalId, 'Properties'), 'Properties') as Record<string, unknown>;
      return { stack, logicalId, name: resources.physicalId(logicalId), properties };
    }
  }
  return undefined;
}

function attachedPolicies(stack: SynthesizedStack, roleLogicalId: string, roleName: string, roleProperties: Record<string, unknown>): NamedDocument[] {
  const documents: NamedDocument[] = [];
  const inline = Array.isArray(roleProperties.Policies) ? (roleProperties.Policies as { PolicyName?: string; PolicyDocument?: unknown }[]) : [];
  for (const policy of inline) documents.push({ source: `inline policy ${policy.PolicyName ?? '?'} of role ${roleLogicalId}`, statements: statementsOf(policy.PolicyDocument) });
  const resources = stackResources(stack);
  for (const [logicalId, resource] of Object.entries(stack.template.Resources ?? {})) {
    if (resource.Type !== 'AWS::IAM::Policy' && resource.Type !== 'AWS::IAM::ManagedPolicy') continue;
    const roles = resource.Properties?.Roles;
    if (!Array.isArray(roles)) continue;
    const names = resolveValue(roles, resources.context(logicalId, 'Roles'), 'Properties.Roles') as unknown[];
    if (!names.includes(roleName)) continue;
    const doc = resolveValue(resource.Properties?.PolicyDocument, resources.context(logicalId, 'PolicyDocument'), 'Properties.PolicyDocument');
    documents.push({ source: `policy ${logicalId}`, statements: statementsOf(doc) });
  }
  return documents;
}

function statementsOf(document: unknown): Statement[] {
  const statement = (document as { Statement?: unknown } | undefined)?.Statement;
  if (Array.isArray(statement)) return statement as Statement[];
  return statement && typeof statement === 'object' ? [statement as Statement] : [];
}

function trustsScheduler(principal: unknown): boolean {
  if (principal === '*') return true;
  const service = (principal as { Service?: unknown } | undefined)?.Service;
  return asList(service).includes(SCHEDULER_PRINCIPAL);
}

function statementApplies(statement: Statement, action: string, resource: string): boolean {
  const actionMatches = statement.Action !== undefined ? matchesAny(statement.Action, action, true) : statement.NotAction !== undefined && !matchesAny(statement.NotAction, action, true);
  const resourceMatches = statement.Resource !== undefined ? matchesAny(statement.Resource, resource, false) : statement.NotResource !== undefined && !matchesAny(statement.NotResource, resource, false);
  return actionMatches && resourceMatches;
}

function asList(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** IAM's wildcards: `*` any run of characters, `?` one; actions compare without case, ARNs with. */
function matchesAny(patterns: unknown, value: string, ignoreCase: boolean): boolean {
  return asList(patterns).some((pattern) => {
    const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
    return new RegExp(`^${source}$`, ignoreCase ? 'i' : '').test(value);
  });
}
