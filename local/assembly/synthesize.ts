import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { type LifeboatConfig } from '../../config/lifeboat-config';
import { findEnvironment } from '../../config/load-config';
import { buildLifeboatApp } from '../../lib/lifeboat-app';
import { type CfnTemplate, type SynthesizedStack } from './synthesized-stack';

/**
 * Synthesizes the CDK app exactly as `cdk synth` does (same constructs, same bundling by the local
 * esbuild, cdk-nag included) into `outdir`, and returns the stacks of one environment. The local
 * cloud provisions from these templates and the local executor runs their state machines, so
 * local runs and `cdk deploy` share one definition.
 */
export async function synthesizeEnvironment(options: { config: LifeboatConfig; envName: string; outdir: string }): Promise<SynthesizedStack[]> {
  const env = findEnvironment(options.config, options.envName);
  // Asset metadata (as `cdk synth` adds it) tells the local executor where each function was bundled.
  const app = new App({ outdir: options.outdir, context: { 'aws:cdk:enable-asset-metadata': true } });
  const stacks = buildLifeboatApp(app, { environments: [env] });
  const assembly = app.synth();
  const built = stacks.get(env.name);
  if (!built) throw new Error(`Synthesis produced no stacks for environment ${env.name}.`);
  return [
    { stack: built.primary, role: 'primary' as const },
    { stack: built.dr, role: 'dr' as const },
  ].map(({ stack, role }) => ({
    stackName: stack.stackName,
    role,
    account: stack.account,
    region: stack.region,
    template: JSON.parse(readFileSync(path.join(assembly.directory, stack.templateFile), 'utf8')) as CfnTemplate,
    assemblyDir: path.resolve(assembly.directory),
  }));
}
