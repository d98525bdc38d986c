import { type SynthesizedStack } from '../assembly/synthesized-stack';
import { type StackResources, stackResources } from '../executor/stack-resources';
import { ScheduleInvocationRefusedError } from './errors';
import { type LocalSchedule } from './synthesized-schedules';

/** The state machine of the synthesized assembly a schedule's target ARN names, and the resources of its stack. */
export type ScheduleTarget = { stack: SynthesizedStack; resources: StackResources; logicalId: string; stateMachineName: string; stateMachineArn: string };

const STATE_MACHINE_TYPE = 'AWS::StepFunctions::StateMachine';

/**
 * Resolves a schedule's target to a state machine of the assembly, by the ARN the executor gives it.
 * A target that is no state machine of the templates (another service, another account, a typo) is
 * refused, as AWS fails an invocation whose target does not exist.
 */
export function resolveScheduleTarget(stacks: readonly SynthesizedStack[], schedule: LocalSchedule): ScheduleTarget {
  const known: string[] = [];
  for (const stack of stacks) {
    const resources = stackResources(stack);
    for (const [logicalId, resource] of Object.entries(stack.template.Resources ?? {})) {
      if (resource.Type !== STATE_MACHINE_TYPE) continue;
      const arn = resources.arn(logicalId);
      if (arn === schedule.target.arn) return { stack, resources, logicalId, stateMachineName: resources.physicalId(logicalId), stateMachineArn: arn };
      known.push(arn);
    }
  }
  throw new ScheduleInvocationRefusedError(
    schedule.name,
    `its target ${schedule.target.arn} is no state machine of the synthesized templates (the local scheduler starts Step Functions targets only; known: ${known.join(', ') || 'none'}).`,
  );
}
