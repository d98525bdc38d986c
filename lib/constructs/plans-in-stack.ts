import { Stack, Token } from 'aws-cdk-lib';
import { type IConstruct } from 'constructs';
import { type ProtectionPlanConfig, type SourceConfig } from '../../config/lifeboat-config';

/**
 * Stands for a source bucket or table whose name another region's stack cannot know: a name
 * CloudFormation generates in the primary stack (CDK refuses such cross-environment references).
 * No bucket or table can be named so, so a target never equals it.
 */
export const NAME_IN_OTHER_REGION = '(named in the primary region)';

/**
 * The plans as the functions of `scope`'s stack receive them (LIFEBOAT_PLANS). In the sources' own
 * stack, unchanged. In the DR region's stack, a bucket or table name is kept when CDK can give it there
 * (a literal, or an explicitly named resource) and otherwise replaced by NAME_IN_OTHER_REGION: the DR
 * path never writes a source, and what it must know of one (the bucket a live comparison reads) is
 * recorded in the backup's snapshot.
 */
export function plansInStack(scope: IConstruct, plans: readonly ProtectionPlanConfig[]): ProtectionPlanConfig[] {
  const stack = Stack.of(scope);
  const known = (name: string): string => {
    if (!Token.isUnresolved(name)) return name;
    try {
      stack.resolve(name);
      return name;
    } catch {
      return NAME_IN_OTHER_REGION;
    }
  };
  const source = (s: SourceConfig): SourceConfig => {
    if (s.type === 's3') return { ...s, bucket: known(s.bucket) };
    if (s.type === 'dynamodb') return { ...s, table: known(s.table) };
    return s;
  };
  return plans.map((p) => ({ ...p, sources: p.sources.map(source) }));
}
