import { runSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import { type DeployedPolicies } from './deployed-policies';

/** A principal as the IAM policy simulator evaluates it: its ARN and account, identity policies and tags. */
export type SimulatedPrincipal = { arn: string; account: string; identityPolicies: Simulation['identityPolicies']; tags: Record<string, string> };

/** What the simulator evaluates a request against: the resource's ARN and account, and its resource policy if any. */
export type SimulatedResource = { arn: string; account: string; policy?: unknown };

/** A role of a synthesized stack as the principal its sessions are (deployed-policies.ts). */
export function principalOfRole(policies: DeployedPolicies, roleLogicalId: string): SimulatedPrincipal {
  return { arn: policies.roleArn(roleLogicalId), account: policies.placement.account, identityPolicies: policies.identityPolicies(roleLogicalId), tags: policies.principalTags(roleLogicalId) };
}

/**
 * The simulator's decision (@cloud-copilot/iam-simulate): 'Allowed', 'ExplicitlyDenied' or 'ImplicitlyDenied'.
 * A request across accounts needs both the identity policies and the resource policy to allow it, as in AWS.
 */
export async function simulatedDecision(principal: SimulatedPrincipal, action: string, resource: SimulatedResource, context: Record<string, string | string[]> = {}): Promise<string> {
  const result = await runSimulation(
    {
      request: {
        principal: principal.arn,
        action,
        resource: { resource: resource.arn, accountId: resource.account },
        contextVariables: { 'aws:SecureTransport': 'true', 'aws:PrincipalArn': principal.arn, 'aws:PrincipalAccount': principal.account, ...principal.tags, ...context },
      },
      identityPolicies: principal.identityPolicies,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(resource.policy ? { resourcePolicy: resource.policy } : {}),
    },
    {},
  );
  if (result.resultType === 'error') throw new Error(`simulation of ${action} on ${resource.arn} by ${principal.arn}: ${JSON.stringify(result.errors)}`);
  return result.overallResult;
}
