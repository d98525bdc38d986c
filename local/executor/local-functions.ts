import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { resolveValue } from '../cloud/cfn-intrinsics';
import { UnsupportedFunctionError } from './errors';
import { type StackResources } from './stack-resources';

/** A Lambda function of a synthesized stack, as the local executor runs it. */
export type LocalFunction = {
  logicalId: string;
  functionName: string;
  arn: string;
  /** Absolute path of the bundled module (asset dir + handler file). */
  modulePath: string;
  /** Exported function name (`index.handler` → `handler`). */
  exportName: string;
  /** The function's environment variables from the template, intrinsics resolved. */
  environment: Record<string, string>;
  timeoutSeconds: number;
  memoryMb: number;
};

/** Every AWS::Lambda::Function of the stack with a bundled asset, keyed by ARN. */
export function localFunctions(resources: StackResources): Map<string, LocalFunction> {
  const { stack } = resources;
  const out = new Map<string, LocalFunction>();
  for (const [logicalId, resource] of Object.entries(stack.template.Resources ?? {})) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const props = resource.Properties ?? {};
    const assetPath = resource.Metadata?.['aws:asset:path'] ?? assetDirFromCode(props.Code);
    const handler = props.Handler;
    if (typeof assetPath !== 'string' || typeof handler !== 'string') {
      // CDK's own helper functions (custom resources with inline code) are not part of any workflow.
      continue;
    }
    const dot = handler.lastIndexOf('.');
    if (dot <= 0) throw new UnsupportedFunctionError(stack.stackName, logicalId, `handler "${handler}" is not <file>.<export>`);
    const base = path.join(stack.assemblyDir, assetPath, handler.slice(0, dot));
    const modulePath = ['.js', '.cjs', '.mjs'].map((ext) => base + ext).find((candidate) => existsSync(candidate));
    if (!modulePath) throw new UnsupportedFunctionError(stack.stackName, logicalId, `no bundled module ${base}.js (was the app synthesized with bundling?)`);
    const variables = (props.Environment as { Variables?: unknown } | undefined)?.Variables ?? {};
    const resolved = resolveValue(variables, resources.context(logicalId, 'Environment.Variables'), 'Properties.Environment.Variables');
    const environment: Record<string, string> = {};
    for (const [key, value] of Object.entries(resolved as Record<string, unknown>)) environment[key] = String(value);
    out.set(resources.arn(logicalId), {
      logicalId,
      functionName: resources.physicalId(logicalId),
      arn: resources.arn(logicalId),
      modulePath,
      exportName: handler.slice(dot + 1),
      environment,
      timeoutSeconds: typeof props.Timeout === 'number' ? props.Timeout : 3,
      memoryMb: typeof props.MemorySize === 'number' ? props.MemorySize : 128,
    });
  }
  return out;
}

/** Without asset metadata, the S3 key `<hash>.zip` of a CDK file asset names its directory `asset.<hash>`. */
function assetDirFromCode(code: unknown): string | undefined {
  const key = (code as { S3Key?: unknown } | undefined)?.S3Key;
  const match = typeof key === 'string' ? /^([0-9a-f]{64})\.zip$/.exec(key) : null;
  return match ? `asset.${match[1]}` : undefined;
}
