import { type SynthesizedStack } from '../synthesized-stack';

/**
 * What a policy document is for, which decides what it may say:
 * - identity: attached to a role, user or group (AWS::IAM::Policy, ManagedPolicy, a Role's inline
 *   Policies) — where cdk-nag's AwsSolutions-IAM5 flags any wildcard, so `*` there is cdk-nag's to judge;
 * - trust: a role's AssumeRolePolicyDocument;
 * - resource: on a resource (bucket policy, key policy, queue or topic policy, a Lambda permission).
 */
export type PolicyDocumentKind = 'identity' | 'trust' | 'resource';

/** One action (or NotAction) entry of a statement, with where it is. */
export type PolicyAction = {
  readonly stack: string;
  readonly logicalId: string;
  readonly resourceType: string;
  readonly kind: PolicyDocumentKind;
  /** Path of the action entry: `Properties.PolicyDocument.Statement[2].Action[1]`. */
  readonly path: string;
  /** The statement as the finding names it: `statement 2 (Sid "AllowRead")`, `statement 0`. */
  readonly statement: string;
  readonly action: string;
  /**
   * The statement's Resource entries (strings, or intrinsics left as they are), when it has a
   * Resource; undefined with NotResource or none (a resource policy's own resource).
   */
  readonly resources?: readonly unknown[];
  /** The statement's Effect: `Allow` or `Deny` (undefined when missing, which IAM refuses). */
  readonly effect?: string;
};

/** The resource types whose policy documents are identity policies (the ones cdk-nag AwsSolutions-IAM5 inspects). */
const IDENTITY_POLICY_TYPES = new Set(['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy', 'AWS::IAM::Role', 'AWS::IAM::User', 'AWS::IAM::Group', 'AWS::IAM::RolePolicy', 'AWS::IAM::UserPolicy', 'AWS::IAM::GroupPolicy']);

/**
 * Every literal action named by a policy document anywhere in the stacks: any object with a
 * `Statement` (so AWS::IAM::Policy, Role inline policies and trust policy, ManagedPolicy,
 * S3::BucketPolicy, KMS::Key KeyPolicy, SQS/SNS policies, a DynamoDB ResourcePolicy, ... are all
 * found without a list of types), plus AWS::Lambda::Permission's single Action. Actions given as
 * intrinsics are not known before deploy and are left out.
 */
export function policyActions(stacks: readonly SynthesizedStack[]): PolicyAction[] {
  const found: PolicyAction[] = [];
  for (const stack of stacks) {
    for (const [logicalId, resource] of Object.entries(stack.template.Resources ?? {})) {
      const base = { stack: stack.stackName, logicalId, resourceType: resource.Type };
      if (resource.Type === 'AWS::Lambda::Permission' && typeof resource.Properties?.Action === 'string') {
        found.push({ ...base, kind: 'resource', path: 'Properties.Action', statement: 'the permission', action: resource.Properties.Action });
        continue;
      }
      for (const { path, document } of policyDocumentsIn(resource.Properties ?? {}, 'Properties')) {
        const kind: PolicyDocumentKind = path.endsWith('.AssumeRolePolicyDocument') ? 'trust' : IDENTITY_POLICY_TYPES.has(resource.Type) ? 'identity' : 'resource';
        const statements = Array.isArray(document.Statement) ? document.Statement : [document.Statement];
        statements.forEach((statement: unknown, index) => {
          if (typeof statement !== 'object' || statement === null) return;
          const fields = statement as Record<string, unknown>;
          const name = typeof fields.Sid === 'string' ? `statement ${index} (Sid "${fields.Sid}")` : `statement ${index}`;
          const statementPath = Array.isArray(document.Statement) ? `${path}.Statement[${index}]` : `${path}.Statement`;
          const resources = { ...(fields.Resource === undefined ? {} : { resources: [fields.Resource].flat() as unknown[] }), ...(typeof fields.Effect === 'string' ? { effect: fields.Effect } : {}) };
          for (const field of ['Action', 'NotAction'] as const) {
            const value = fields[field];
            const entries = Array.isArray(value) ? value.map((action: unknown, i) => [action, `${statementPath}.${field}[${i}]`] as const) : [[value, `${statementPath}.${field}`] as const];
            for (const [action, actionPath] of entries) {
              if (typeof action === 'string') found.push({ ...base, kind, path: actionPath, statement: name, action, ...resources });
            }
          }
        });
      }
    }
  }
  return found;
}

/** Objects with a `Statement` below `value` (a policy document does not nest another). */
function* policyDocumentsIn(value: unknown, path: string): Generator<{ path: string; document: { Statement: unknown } }> {
  if (typeof value !== 'object' || value === null) return;
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) yield* policyDocumentsIn(item, `${path}[${index}]`);
    return;
  }
  if ('Statement' in value) {
    yield { path, document: value as { Statement: unknown } };
    return;
  }
  for (const [key, child] of Object.entries(value)) yield* policyDocumentsIn(child, `${path}.${key}`);
}
