import { type EnvironmentConfig, mirrorOf } from '../../config/lifeboat-config';

/** The stack a key is made in: the primary region's or the DR region's. */
export type KeyStack = 'primary' | 'dr';

/** A customer-managed KMS key the environment's two stacks create, as its `Description` names it in the template. */
export type EnvironmentKey = { stack: KeyStack; key: string };

/**
 * The customer-managed KMS keys an environment of lifeboat.config.json deploys, each billed by the month
 * whatever the plans do, and each kept (DeletionPolicy Retain) when its stack is deleted. They follow the
 * constructs that make them, and test/infra/lib/environment-keys-template.test.ts holds this list to the
 * synthesized templates of the sample config:
 * - each stack: its vault's key and its catalog's (lifeboat-vault.ts, lifeboat-protection.ts `catalogKey`), its alarm
 *   topic's (operations-alerts.ts) and the key of its log groups (workflow-logging.ts, one per stack; the config
 *   app gives each environment stacks of its own);
 * - the DR stack: the mirrors' key (mirror-key.ts), when an S3 source is mirrored, or a file-system source is and
 *   the environment has a file system (source-mirrors.ts); DynamoDB mirrors are global tables, with no key of ours.
 */
export function environmentKeys(environment: EnvironmentConfig): EnvironmentKey[] {
  const perStack = (stack: KeyStack): EnvironmentKey[] => ['vault', 'catalog', 'alarm topic', 'logs'].map((key) => ({ stack, key }));
  const sources = environment.plans.flatMap((plan) => plan.sources).filter((source) => mirrorOf(source) !== undefined);
  const mirrorKey = sources.some((source) => source.type === 's3' || (source.type === 'filesystem' && environment.fileSystem !== undefined));
  return [...perStack('primary'), ...perStack('dr'), ...(mirrorKey ? [{ stack: 'dr' as const, key: 'mirrors' }] : [])];
}
