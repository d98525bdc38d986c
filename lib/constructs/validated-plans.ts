import { Token } from 'aws-cdk-lib';
import { type IConstruct } from 'constructs';
import { type EfsMountConfig, environmentSchema, type ProtectionPlanConfig } from '../../config/lifeboat-config';
import { describeIssues } from '../../config/load-config';
import { InvalidLifeboatPropsError } from './invalid-props-error';
import { tokenPaths, tokenPropIssue } from './literal-props';
import { type LifeboatPlan } from './lifeboat-plan';
import { type LifeboatSource } from './lifeboat-source';

/** The plans (and EFS mount) of a construct's props, checked by the lifeboat.config.json schema, with its defaults applied. */
export type ValidatedPlans = {
  /** As the functions receive them (LIFEBOAT_PLANS): bucket and table names may be tokens. */
  readonly plans: ProtectionPlanConfig[];
  /** Every source of every plan, in plan order. */
  readonly sources: LifeboatSource[];
  readonly fileSystem?: EfsMountConfig;
};

/** The plan-level input of the environment schema (`plans`, `fileSystem`, `drRegion`) as construct props give it. */
export type PlansInput = {
  readonly plans: readonly LifeboatPlan[];
  /** The EFS mount description (the schema's `fileSystem.efs`; LifeboatFileSystem), checked field by field. */
  readonly fileSystem?: object;
  /** Checked only when given. */
  readonly drRegion?: string;
  /**
   * LifeboatProtection's settings the environment schema checks as it checks a config file's (schedules, sample
   * counts, e-mail addresses, the replication-lag threshold), each named by its prop path (`scrub.schedule`).
   */
  readonly settings?: {
    readonly notifications?: object;
    readonly mirrorCheck?: object;
    readonly scrub?: { readonly schedule?: string };
    readonly prune?: { readonly schedule?: string };
  };
};

/**
 * Validates plans with the environment schema of lifeboat.config.json, so props follow the same
 * rules as a config file (names, schedules, retention, objectives, unique plan and source names,
 * file-system paths under the mount). The environment fields props do not have (name, account,
 * primary region) are filled with valid placeholders. Throws InvalidLifeboatPropsError naming each
 * bad prop by its path, e.g. `plans[0].retention`.
 */
export function validatePlans(construct: IConstruct, kind: string, input: PlansInput): ValidatedPlans {
  checkPlansShape(construct, kind, input);
  const drRegion = input.drRegion ?? PLACEHOLDER_DR_REGION;
  const result = environmentSchema.safeParse({
    name: 'lifeboat',
    account: '000000000000',
    // Any region other than the DR region: the real one is the stack's, checked by LifeboatProtection.
    primaryRegion: drRegion === PLACEHOLDER_PRIMARY_REGION ? PLACEHOLDER_DR_REGION : PLACEHOLDER_PRIMARY_REGION,
    drRegion,
    plans: input.plans.map((plan) => ({ ...plan, sources: plan.sources.map((s) => s.config) })),
    ...(input.fileSystem !== undefined ? { fileSystem: { efs: input.fileSystem } } : {}),
    ...input.settings,
  });
  if (!result.success) {
    // The schema nests the mount as fileSystem.efs; the props have it as fileSystem.
    const issues = describeIssues(result.error).map((i) => i.replace(/^fileSystem\.efs(\.|:)/, (_m, end: string) => `fileSystem${end}`));
    throw new InvalidLifeboatPropsError(`${kind} ${construct.node.path}`, issues);
  }
  assertPlansFitLambdaEnvironment(construct, kind, result.data.plans);
  return {
    plans: result.data.plans,
    sources: input.plans.flatMap((p) => p.sources),
    ...(result.data.fileSystem ? { fileSystem: result.data.fileSystem.efs } : {}),
  };
}

/**
 * What the types promise but plain JavaScript (or an `as` cast) may not keep: plans as an array, a
 * name on each, sources made by LifeboatSource; and what they cannot say: that the plans' fields and
 * drRegion are literals, not tokens (literal-props.ts). Checked first, so that a caller hears which
 * prop is wrong instead of a TypeError from inside the construct, or a message about a token's form.
 */
export function checkPlansShape(construct: IConstruct, kind: string, input: Pick<PlansInput, 'plans' | 'drRegion'>): void {
  const plans: unknown = input.plans;
  const issues: string[] = [];
  if (!Array.isArray(plans)) issues.push('plans: required: an array of at least one plan');
  else {
    plans.forEach((plan: unknown, p) => {
      const sources: unknown = (plan as { sources?: unknown } | null)?.sources;
      if (typeof plan !== 'object' || plan === null) issues.push(`plans[${p}]: must be a plan (name, schedule, strategy, retention, objectives, sources)`);
      else if (typeof (plan as { name?: unknown }).name !== 'string') issues.push(`plans[${p}].name: required: the plan's name`);
      if (!Array.isArray(sources)) issues.push(`plans[${p}].sources: required: an array of sources made by LifeboatSource`);
      else {
        sources.forEach((source: unknown, i) => {
          const config: unknown = (source as { config?: unknown } | null)?.config;
          if (typeof config !== 'object') {
            issues.push(`plans[${p}].sources[${i}]: is not a LifeboatSource: make sources with LifeboatSource.s3Bucket, LifeboatSource.dynamoDbTable or LifeboatSource.fileSystem`);
          } else issues.push(...tokenPaths(config, `plans[${p}].sources[${i}]`, SOURCE_FIELDS_MAY_BE_TOKENS).map(tokenPropIssue));
        });
      }
      if (typeof plan === 'object' && plan !== null) {
        const fields = Object.fromEntries(Object.entries(plan).filter(([key]) => key !== 'sources'));
        issues.push(...tokenPaths(fields, `plans[${p}]`).map(tokenPropIssue));
      }
    });
  }
  const drRegion: unknown = input.drRegion;
  if ('drRegion' in input && typeof drRegion !== 'string') issues.push('drRegion: required: the region of the DR vault, such as us-west-2');
  else if (typeof drRegion === 'string' && Token.isUnresolved(drRegion)) issues.push(tokenPropIssue('drRegion'));
  if (issues.length > 0) throw new InvalidLifeboatPropsError(`${kind} ${construct.node.path}`, issues);
}

/**
 * A source's fields that may be tokens: its bucket's or table's name (and the inventory bucket's), which a bucket or table of
 * the user's stack has only at deploy, the account of an imported bucket, and the S3 key prefix and inventory configuration id,
 * which reach the functions (LIFEBOAT_PLANS) and policies as they are, unchecked at synth.
 */
const SOURCE_FIELDS_MAY_BE_TOKENS: ReadonlySet<string> = new Set(['bucket', 'table', 'account', 'prefix', 'configId']);

const PLACEHOLDER_PRIMARY_REGION = 'us-east-1';
const PLACEHOLDER_DR_REGION = 'us-west-2';

/**
 * What LIFEBOAT_PLANS may take of the 4 KiB Lambda allows all environment variables together: an early
 * check with a message about the props. Not enough on its own (the other variables, and the quotes
 * Lambda's JSON escapes, take ~1 KB more): each LifeboatFunction checks its whole environment at synth
 * (lambda-environment-size.ts).
 */
const MAX_PLANS_JSON = 3500;
/** A token stands for a bucket or table name; counted as the longest bucket name. */
const TOKEN_NAME_LENGTH = 63;

/** Lambda caps all environment variables at 4 KiB together; fail at construction, before the whole-environment check at synth. */
function assertPlansFitLambdaEnvironment(construct: IConstruct, kind: string, plans: readonly ProtectionPlanConfig[]): void {
  const json = JSON.stringify(plans, (_key, value: unknown) => (typeof value === 'string' && Token.isUnresolved(value) ? 'x'.repeat(TOKEN_NAME_LENGTH) : value));
  if (json.length > MAX_PLANS_JSON) {
    throw new InvalidLifeboatPropsError(`${kind} ${construct.node.path}`, [
      `plans: they take ${json.length} bytes as JSON, more than the ${MAX_PLANS_JSON} that fit a Lambda environment (the functions receive them as LIFEBOAT_PLANS). Split them into several protections.`,
    ]);
  }
}
