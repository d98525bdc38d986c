import { type SynthesizedStack } from '../synthesized-stack';
import { type DeployCheckFinding } from './deploy-check-finding';
import { checkIamActions } from './iam-action-check';
import { type IamActionCatalog } from './iam-action-catalog';
import { checkLambdaLimits } from './lambda-limits-check';
import { checkLogGroupLimits } from './log-group-limits-check';
import { checkPhysicalNames } from './physical-name-check';
import { policyActions } from './policy-documents';
import { resolvedStateMachines } from './resolved-state-machines';
import { checkSchedules } from './schedule-check';
import { checkStateMachineDefinitions } from './state-machine-definition-check';
import { checkStateMachineLimits } from './state-machine-limits-check';
import { checkTemplateLimits } from './template-limits-check';

/** The findings of each in-process check, by check, so a report can say which check found what. */
export type OfflineDeployFindings = {
  readonly stateMachineDefinitions: DeployCheckFinding[];
  readonly stateMachineLimits: DeployCheckFinding[];
  readonly iamActions: DeployCheckFinding[];
  readonly lambdaLimits: DeployCheckFinding[];
  readonly logGroupLimits: DeployCheckFinding[];
  readonly physicalNames: DeployCheckFinding[];
  readonly schedules: DeployCheckFinding[];
  readonly templateLimits: DeployCheckFinding[];
};

/**
 * Every deploy-time check that runs in-process over synthesized templates (cfn-lint, a separate
 * process, is runCfnLint's). `iamActions` is loadIamActionCatalog(policyActions(stacks)).
 */
export function runOfflineDeployChecks(stacks: readonly SynthesizedStack[], iamActions: IamActionCatalog): OfflineDeployFindings {
  const { machines, findings: unresolved } = resolvedStateMachines(stacks);
  return {
    stateMachineDefinitions: [...unresolved, ...checkStateMachineDefinitions(machines)],
    stateMachineLimits: checkStateMachineLimits(machines),
    iamActions: checkIamActions(policyActions(stacks), iamActions),
    lambdaLimits: checkLambdaLimits(stacks),
    logGroupLimits: checkLogGroupLimits(stacks),
    physicalNames: checkPhysicalNames(stacks),
    schedules: checkSchedules(stacks),
    templateLimits: checkTemplateLimits(stacks),
  };
}
