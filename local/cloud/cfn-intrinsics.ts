import { type CfnTemplate } from '../assembly/synthesized-stack';

/**
 * A small evaluator of the CloudFormation intrinsic functions that appear in the properties the
 * local cloud needs (names, key schemas): Ref to pseudo parameters, template parameters with a
 * Default and already named resources; Fn::Join, Fn::Sub, Fn::Select, Fn::Split. Anything else
 * (Fn::GetAtt, Fn::ImportValue, Fn::If, ...) is reported through `fail` with the property's path.
 */
export type ResolveContext = {
  stackName: string;
  region: string;
  account: string;
  /** Template parameters with their Default values. */
  parameters: Readonly<Record<string, unknown>>;
  /** logical id -> physical id of resources a Ref may name (buckets and tables). */
  physicalIds: Readonly<Record<string, string>>;
  /** Throws; `path` names the offending property, `reason` says why. */
  fail: (path: string, reason: string) => never;
  /** Fn::GetAtt, where the caller knows attributes (the local executor knows ARNs); absent = unsupported. */
  getAtt?: (logicalId: string, attribute: string, path: string) => string;
};

/** AWS::NoValue: the property or list element is removed. */
const NO_VALUE = Symbol('AWS::NoValue');

function pseudoParameter(name: string, ctx: ResolveContext): string | typeof NO_VALUE | undefined {
  switch (name) {
    case 'AWS::AccountId':
      return ctx.account;
    case 'AWS::Region':
      return ctx.region;
    case 'AWS::StackName':
      return ctx.stackName;
    case 'AWS::StackId':
      return `arn:aws:cloudformation:${ctx.region}:${ctx.account}:stack/${ctx.stackName}/00000000-0000-0000-0000-000000000000`;
    case 'AWS::Partition':
      return 'aws';
    case 'AWS::URLSuffix':
      return 'amazonaws.com';
    case 'AWS::NoValue':
      return NO_VALUE;
    default:
      return undefined;
  }
}

function resolveRef(name: string, ctx: ResolveContext, path: string): string | typeof NO_VALUE {
  const pseudo = pseudoParameter(name, ctx);
  if (pseudo !== undefined) return pseudo;
  const physical = ctx.physicalIds[name];
  if (physical !== undefined) return physical;
  if (name in ctx.parameters) {
    const param = ctx.parameters[name];
    const value = typeof param === 'object' && param !== null && 'Default' in param ? (param as { Default: unknown }).Default : undefined;
    if (typeof value === 'string' || typeof value === 'number') return String(value);
    return ctx.fail(path, `refers to parameter ${name}, which has no Default value`);
  }
  return ctx.fail(path, `refers to ${name}, which is neither a pseudo parameter, a parameter nor a named bucket or table`);
}

function asString(value: unknown, ctx: ResolveContext, path: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return ctx.fail(path, `must resolve to a string, got ${JSON.stringify(value)}`);
}

function substitute(template: string, vars: Record<string, unknown>, ctx: ResolveContext, path: string): string {
  return template.replace(/\$\{([^}]*)\}/g, (match: string, name: string) => {
    if (name.startsWith('!')) return `\${${name.slice(1)}}`;
    if (name in vars) return asString(resolveValue(vars[name], ctx, `${path}.${name}`), ctx, `${path}.${name}`);
    if (name.includes('.')) return ctx.fail(path, `uses ${match} (an attribute of another resource), which the local cloud cannot know`);
    const ref = resolveRef(name, ctx, path);
    return ref === NO_VALUE ? '' : ref;
  });
}

function resolveFunction(name: string, arg: unknown, ctx: ResolveContext, path: string): unknown {
  const at = `${path}.${name}`;
  switch (name) {
    case 'Ref':
      return resolveRef(asString(arg, ctx, at), ctx, path);
    case 'Fn::Join': {
      if (!Array.isArray(arg) || arg.length !== 2) return ctx.fail(at, 'must be [delimiter, [values]]');
      const delimiter = asString(arg[0], ctx, at);
      const list = resolveValue(arg[1], ctx, `${at}[1]`);
      if (!Array.isArray(list)) return ctx.fail(at, 'second element must be a list');
      return list.map((v, i) => asString(v, ctx, `${at}[1][${i}]`)).join(delimiter);
    }
    case 'Fn::Sub': {
      if (typeof arg === 'string') return substitute(arg, {}, ctx, at);
      if (Array.isArray(arg) && arg.length === 2 && typeof arg[0] === 'string' && typeof arg[1] === 'object' && arg[1] !== null) {
        return substitute(arg[0], arg[1] as Record<string, unknown>, ctx, at);
      }
      return ctx.fail(at, 'must be a string or [string, {variables}]');
    }
    case 'Fn::Select': {
      if (!Array.isArray(arg) || arg.length !== 2) return ctx.fail(at, 'must be [index, [values]]');
      const index = Number(resolveValue(arg[0], ctx, `${at}[0]`));
      const list = resolveValue(arg[1], ctx, `${at}[1]`);
      if (!Array.isArray(list) || !Number.isInteger(index) || index < 0 || index >= list.length) {
        return ctx.fail(at, `index ${String(arg[0])} is not in the list`);
      }
      return list[index];
    }
    case 'Fn::Split': {
      if (!Array.isArray(arg) || arg.length !== 2) return ctx.fail(at, 'must be [delimiter, string]');
      return asString(resolveValue(arg[1], ctx, `${at}[1]`), ctx, at).split(asString(arg[0], ctx, at));
    }
    case 'Fn::GetAtt': {
      const [logicalId, attribute] = Array.isArray(arg) ? arg : typeof arg === 'string' ? arg.split('.', 2) : [];
      if (typeof logicalId !== 'string' || typeof attribute !== 'string') return ctx.fail(at, 'must be [logicalId, attribute]');
      if (!ctx.getAtt) return ctx.fail(path, `uses Fn::GetAtt ${logicalId}.${attribute}, which the local cloud does not evaluate`);
      return ctx.getAtt(logicalId, attribute, at);
    }
    default:
      return ctx.fail(path, `uses ${name}, which the local cloud does not evaluate`);
  }
}

/** Resolves every intrinsic function inside `value`; `path` is used in error messages (e.g. "Properties.TableName"). */
export function resolveValue(value: unknown, ctx: ResolveContext, path: string): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    return value.map((v, i) => resolveValue(v, ctx, `${path}[${i}]`)).filter((v) => v !== NO_VALUE);
  }
  const entries = Object.entries(value);
  const [first] = entries;
  if (entries.length === 1 && first && (first[0] === 'Ref' || first[0].startsWith('Fn::') || first[0] === 'Condition')) {
    return resolveFunction(first[0], first[1], ctx, path);
  }
  const out: Record<string, unknown> = {};
  for (const [key, v] of entries) {
    const resolved = resolveValue(v, ctx, `${path}.${key}`);
    if (resolved !== NO_VALUE) out[key] = resolved;
  }
  return out;
}

/** Resolves a property that must end up a string (a name). */
export function resolveString(value: unknown, ctx: ResolveContext, path: string): string {
  return asString(resolveValue(value, ctx, path), ctx, path);
}

export function templateParameters(template: CfnTemplate): Record<string, unknown> {
  return template.Parameters ?? {};
}
