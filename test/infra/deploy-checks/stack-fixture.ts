import { type CfnResource, type SynthesizedStack } from '../../../local/assembly/synthesized-stack';

/** A hand-written stack for the checks' own tests: just a template, no synth. */
export function fixtureStack(resources: Record<string, CfnResource>, stackName = 'Fixture'): SynthesizedStack {
  return { stackName, role: 'primary', account: '111111111111', region: 'eu-west-1', template: { Resources: resources }, assemblyDir: '/nonexistent' };
}
