import { Stack, Token } from 'aws-cdk-lib';
import { type IConstruct } from 'constructs';
import { type ProtectionPlanConfig, type SourceConfig } from '../../config/lifeboat-config';
import { NAME_IN_OTHER_REGION } from '../../config/names-in-other-region';

// Defined in config/, where the functions that must recognize it (the drill's comparison, the mirror check) find it too.
export { NAME_IN_OTHER_REGION };

/**
 * The plans as the functions of `scope`'s stack receive them (LIFEBOAT_PLANS). In the sources' own
 * stack, unchanged. In the DR region's stack, a bucket or table name is kept when CDK can give it there
 * (a literal, or an explicitly named resource) and otherwise replaced by NAME_IN_OTHER_REGION: the DR
 * path never writes a source, and the functions that would read one there (the DR drill's live
 * comparison, the mirror check) leave such a source out and say why.
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
