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
