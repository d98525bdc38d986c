import { type App, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { type LifeboatConfig } from '../config/lifeboat-config';
import { DrStack } from './stacks/dr-stack';
import { PrimaryStack } from './stacks/primary-stack';
import { resourceNames } from './stacks/resource-names';

export type LifeboatStacks = { primary: PrimaryStack; dr: DrStack };

/**
 * Adds, for each environment of the config, a primary stack (primary region) and a DR stack (DR
 * region). The DR stack deploys first: the primary replicates into the vault it creates.
 */
export function buildLifeboatApp(app: App, config: LifeboatConfig, options: { nag?: boolean } = {}): Map<string, LifeboatStacks> {
  const stacks = new Map<string, LifeboatStacks>();
  for (const env of config.environments) {
    const names = resourceNames(env);
    const dr = new DrStack(app, names.drStack, {
      environment: env,
      env: { account: env.account, region: env.drRegion },
      description: `Lifeboat ${env.name}: replica vault (DR region)`,
    });
    const primary = new PrimaryStack(app, names.primaryStack, {
      environment: env,
      env: { account: env.account, region: env.primaryRegion },
      description: `Lifeboat ${env.name}: vault, catalog, backup workflows (primary region)`,
    });
    primary.addStackDependency(dr);
    for (const stack of [primary, dr]) Tags.of(stack).add('lifeboat:environment', env.name);
    stacks.set(env.name, { primary, dr });
  }
  if (options.nag ?? true) Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return stacks;
}
