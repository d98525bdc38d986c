import { Annotations } from 'aws-cdk-lib';
import { type IConstruct } from 'constructs';
import { type ProtectionPlanConfig, type SourceConfig } from '../../config/lifeboat-config';
import { leastStateBytes, sourcesWithinState, STATE_LIMIT_BYTES, type StateSource } from '../../config/parent-state-size';
import { InvalidLifeboatPropsError } from './invalid-props-error';

/** The workflow whose state is checked, and how its model sizes it (config/parent-state-size.ts). */
export type ParentStateWorkflow = {
  kind: 'drill' | 'failover';
  /** The construct, as `<Class>`, for a refusal. */
  construct: string;
  /** A source with the longest target the workflow gives it. */
  stateSource: (source: SourceConfig) => StateSource;
  /** The workflow's largest state at worst, for these sources. */
  stateBytes: (sources: readonly StateSource[]) => number;
};

const KIB = 1024;

/**
 * A drill's or failover's state holds every source's restore report (review r58I F2): per plan, synth refuses one whose
 * least state (every source restored, nothing to list) already passes Step Functions' 256 KiB, and warns of one whose
 * worst case (every per-source field at its bound) does (`lifeboat:<kind>-state-size-<plan>`), naming how many such
 * sources stay within it. Past it the execution ends States.DataLimitExceeded, which no Catch takes: a drill leaves its
 * pins and scratch targets and records nothing, a failover that restored every source reports none.
 */
export function checkParentStateSize(scope: IConstruct, workflow: ParentStateWorkflow, plans: readonly ProtectionPlanConfig[]): void {
  const refused: string[] = [];
  plans.forEach((plan, i) => {
    const sources = plan.sources.map(workflow.stateSource);
    // Worked out only for a plan refused or warned of: it sizes every prefix of the sources (quadratic).
    const split = (): string => `split it into plans of at most ${sourcesWithinState(sources, workflow.stateBytes)} of these sources (docs/RUNBOOKS.md, "More than 40 sources")`;
    const least = leastStateBytes(sources);
    if (least > STATE_LIMIT_BYTES) {
      refused.push(`plans[${i}].sources: plan ${plan.name} has ${sources.length} sources: a ${workflow.kind} of it would carry at least ${Math.ceil(least / KIB)} KiB in its Step Functions state, over the limit of 256 KiB (States.DataLimitExceeded); ${split()}`);
      return;
    }
    const worst = workflow.stateBytes(sources);
    if (worst <= STATE_LIMIT_BYTES) return;
    const ends = workflow.kind === 'drill' ? 'with its pins and scratch targets left and no record' : 'with no report, its sources restored or not';
    Annotations.of(scope).addWarningV2(
      `lifeboat:${workflow.kind}-state-size-${plan.name}`,
      `Plan ${plan.name} has ${sources.length} sources: a ${workflow.kind} of it can carry up to ${Math.ceil(worst / KIB)} KiB in its Step Functions state when every ` +
        `source's report, error and note is as long as the workflow lets it be (config/parent-state-size.ts), over the limit of 256 KiB, and would then end ` +
        `States.DataLimitExceeded ${ends}; ${split()}.`,
    );
  });
  if (refused.length > 0) throw new InvalidLifeboatPropsError(`${workflow.construct} ${scope.node.path}`, refused);
}
