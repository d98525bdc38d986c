import { z } from 'zod';
import { environmentSchema } from './lifeboat-config';

/**
 * How a LifeboatProtection tells the CLI what lifeboat.config.json tells it of an environment (`lifeboat … --stack
 * <name> --aws`): its environment in the config file's shape (plans and sources by their deployed names, which
 * CloudFormation resolves), its prefix and its stacks, as JSON in outputs of the protection's stack. One output
 * when it fits: `LifeboatEnvironment<Prefix>`; a longer one goes on in `…Part2`, `…Part3` (the first part says how many).
 */

/** The first version of Lifeboat whose LifeboatProtection writes the output: a stack deployed with an older one has none. */
export const ENVIRONMENT_OUTPUT_SINCE = '0.1.0';

/** Every environment output's key starts with it. */
export const ENVIRONMENT_OUTPUT_START = 'LifeboatEnvironment';

/**
 * The most of the JSON one output carries, in bytes. CloudFormation documents no limit of an output's value; 4,096 bytes
 * is the one it documents for a parameter's value and a custom resource's data, the values it passes of this kind.
 */
export const OUTPUT_VALUE_LIMIT = 4096;

/**
 * The most parts an environment may take: a template holds at most 200 outputs, and the user's stack has its own. Plans
 * that need more are more than a CLI should read from outputs anyway (about 200 KB).
 */
export const MAX_OUTPUT_PARTS = 50;

/**
 * An output key of this prefix: `LifeboatEnvironment` and the prefix in PascalCase (`shop-eu` → `ShopEu`); keys are
 * alphanumeric. Two prefixes of one stack whose keys meet (`a-1b`, `a1b`) are refused by the construct.
 */
export function environmentOutputKey(prefix: string): string {
  return ENVIRONMENT_OUTPUT_START + prefix.split('-').map((part) => part.charAt(0).toUpperCase() + part.slice(1)).join('');
}

/** The key of part `part` (from 2) of the output whose first part's key is `key`. */
export function environmentOutputPartKey(key: string, part: number): string {
  return `${key}Part${part}`;
}

/** How every first part starts: a first part is told from another output (or a later part) by it. */
export const ENVIRONMENT_OUTPUT_HEAD = '{"lifeboatEnvironment":1,"parts":';

export const protectionDeploymentSchema = z.strictObject({
  prefix: z.string().min(1),
  primaryStack: z.string().min(1),
  drStack: z.string().min(1),
});

/** The JSON of the outputs, joined. `environment` is checked as a config file's environment is (environmentSchema). */
export const environmentOutputSchema = z.strictObject({
  lifeboatEnvironment: z.literal(1),
  parts: z.number().int().min(1),
  deployment: protectionDeploymentSchema,
  environment: environmentSchema,
});

export type EnvironmentOutput = z.input<typeof environmentOutputSchema>;
