import { readFileSync } from 'node:fs';
import * as path from 'node:path';
/**
 * What the local cloud and the local executor read from a synthesized CDK app: one entry per stack
 * of an environment, with its CloudFormation template and where its Lambda assets were bundled.
 */
export type CfnTemplate = {
  Resources?: Record<string, CfnResource>;
  Outputs?: Record<string, unknown>;
  Parameters?: Record<string, unknown>;
};

export type CfnResource = {
  Type: string;
  Properties?: Record<string, unknown>;
  Metadata?: Record<string, unknown>;
  DependsOn?: string | string[];
};

export type SynthesizedStack = {
  /** CloudFormation stack name, e.g. Lifeboat-dev-Primary. */
  stackName: string;
  /** 'primary' holds the vault, catalog and workflows; 'dr' the replica vault in the DR region. */
  role: 'primary' | 'dr';
  account: string;
  region: string;
  template: CfnTemplate;
  /** Absolute path of the cloud assembly directory (cdk.out); asset paths in Metadata are relative to it. */
  assemblyDir: string;
};

/**
 * One stack of a synthesized cloud assembly as the local cloud takes it: its template read from the
 * assembly directory (`app.synth().directory`), and the assembly's absolute path for its assets.
 */
export function synthesizedStackOf(assemblyDirectory: string, stack: { stackName: string; account: string; region: string; templateFile: string }, role: SynthesizedStack['role'] = 'primary'): SynthesizedStack {
  return {
    stackName: stack.stackName,
    role,
    account: stack.account,
    region: stack.region,
    template: JSON.parse(readFileSync(path.join(assemblyDirectory, stack.templateFile), 'utf8')) as CfnTemplate,
    assemblyDir: path.resolve(assemblyDirectory),
  };
}

