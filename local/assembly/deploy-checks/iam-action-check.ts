import { type DeployCheckFinding } from './deploy-check-finding';
import { IamActionCatalogIncompleteError } from './errors';
import { type IamActionCatalog } from './iam-action-catalog';
import { type PolicyAction } from './policy-documents';

/**
 * Every action of every policy document exists. IAM accepts a policy naming an action that does
 * not exist (most documents) or refuses it with MalformedPolicyDocument at deploy time (key
 * policies, some resource policies); either way a misspelt action grants nothing and the function
 * fails at run time with AccessDenied. So, offline:
 * - the service prefix must be one IAM knows (reported as an unknown service: a typo of the prefix,
 *   or a service name that is not its IAM prefix, such as `stepfunctions` for `states`);
 * - the action must exist in that service, a wildcard pattern (`s3:GetObject*`) must match at
 *   least one action (reported as an unknown action);
 * - `*` alone is left to cdk-nag in identity policies (its AwsSolutions-IAM5 makes each one an
 *   acknowledged decision) and is a finding in trust and resource policies, where nothing else looks;
 * - an action that supports no resource-level permissions (`states:SendTaskSuccess`), allowed by an
 *   identity policy on named resources only, is a finding: IAM matches it only with Resource `*`, so
 *   the statement grants nothing (the approver role could once approve nothing this way).
 */
export function checkIamActions(actions: readonly PolicyAction[], catalog: IamActionCatalog): DeployCheckFinding[] {
  return actions.flatMap((entry) => {
    const problem = actionProblem(entry, catalog);
    return problem ? [{ stack: entry.stack, logicalId: entry.logicalId, path: entry.path, message: `${entry.resourceType} ${entry.statement}: ${problem}` }] : [];
  });
}

function actionProblem(entry: PolicyAction, catalog: IamActionCatalog): string | undefined {
  const { action } = entry;
  if (action === '*') {
    return entry.kind === 'identity' ? undefined : `action "*" (every action of every service) in a ${entry.kind} policy: name the actions`;
  }
  const match = /^([^:]+):(.+)$/.exec(action);
  if (!match) return `action "${action}" is not of the form <service prefix>:<action>`;
  const [, prefix = '', name = ''] = match;
  if (!catalog.services.has(prefix.toLowerCase())) return `action "${action}": unknown service prefix "${prefix}" (not in ${catalog.source})`;
  const known = catalog.actions.get(prefix.toLowerCase());
  if (!known) throw new IamActionCatalogIncompleteError(prefix);
  const pattern = wildcardPattern(name);
  if (known.some((candidate) => pattern.test(candidate))) return grantsNothing(entry, `${prefix.toLowerCase()}:${name.toLowerCase()}`, catalog);
  return name.includes('*') || name.includes('?')
    ? `action pattern "${action}" matches no action of service "${prefix}" (${catalog.source})`
    : `unknown action "${action}": service "${prefix}" has no action "${name}" (${catalog.source})`;
}

/** IAM's action wildcards: `*` any run of characters, `?` one character; case-insensitive. */
function wildcardPattern(name: string): RegExp {
  const source = name.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`, 'i');
}

/** The problem of an exact action IAM matches only with Resource `*`, allowed on named resources alone. */
function grantsNothing(entry: PolicyAction, action: string, catalog: IamActionCatalog): string | undefined {
  if (entry.kind !== 'identity' || entry.effect !== 'Allow' || entry.resources === undefined || !catalog.wildcardOnly.has(action)) return undefined;
  if (entry.resources.includes('*')) return undefined;
  return `action "${entry.action}" supports no resource-level permissions, so IAM matches it only in a statement with Resource "*": this statement names resources and grants it nothing (${catalog.source})`;
}
