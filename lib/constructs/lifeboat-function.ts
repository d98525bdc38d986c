import { type CfnResource, type Duration, Stack, Validations } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as iam from 'aws-cdk-lib/aws-iam';
import { type Construct } from 'constructs';
import { type FileSystemAccess, type FileSystemMount } from './file-system-mount';
import { handlerBundleDir } from './handler-bundle';
import { DEFAULT_FUNCTION_SIZING, FUNCTION_SIZING } from '../lifeboat-defaults';
import { lifeboatLogGroup } from './workflow-logging';
import { acknowledgeBundledRuntime } from './nag-acknowledgements';
import { longestEnvironmentBytes, MAX_LAMBDA_ENVIRONMENT_BYTES } from './lambda-environment-size';

export type LifeboatFunctionProps = {
  /** Handler file name under lambdas/handlers, without extension (e.g. 'snapshot-shard'). */
  readonly handler: string;
  readonly environment?: Record<string, string>;
  /** @default the handler's FUNCTION_SIZING entry (lib/lifeboat-defaults.ts), else 1024 */
  readonly memorySize?: number;
  /** @default the handler's FUNCTION_SIZING entry (lib/lifeboat-defaults.ts), else 15 minutes */
  readonly timeout?: Duration;
  /**
   * The function reads ('read') or writes ('write') files of the file-system sources: it mounts the
   * protection's EFS file system through `mount` and runs in its VPC with the mount's security group
   * (FileSystemMount). Only for functions that touch files. @default no file system, no VPC
   */
  readonly files?: { readonly mount: FileSystemMount; readonly access: FileSystemAccess };
  /**
   * A fixed name for the function's role, for a policy in another account that must name it before it exists.
   * @default a name CloudFormation generates
   */
  readonly roleName?: string;
};

/**
 * What Lambda needs of a function's role to attach it to a VPC (the network interfaces it creates,
 * describes, deletes and assigns addresses on): the ec2 actions of AWSLambdaVPCAccessExecutionRole
 * without its logs:* (a LifeboatFunction writes only to its own log group) and without
 * ec2:DescribeSubnets (not among the execution-role permissions the Lambda guide lists).
 * Resource "*": DescribeNetworkInterfaces accepts nothing else, and Lambda creates the interfaces
 * under the role with ids unknown in advance (in the subnets' owner account, which for a shared VPC
 * is another account); the VPC, subnets and security group are fixed by the function's VpcConfig.
 */
export const NETWORK_INTERFACE_ACTIONS = [
  'ec2:CreateNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DeleteNetworkInterface',
  'ec2:AssignPrivateIpAddresses',
  'ec2:UnassignPrivateIpAddresses',
];

/** What the prebuilt bundles (dist/handlers) are built for. */
const BUNDLED_RUNTIME = lambda.Runtime.NODEJS_24_X;

/** Each function's variables as given and added (lambda.Function keeps its own privately), for the size check at synth. */
const VARIABLES = new WeakMap<LifeboatFunction, Record<string, string>>();

/**
 * Every Lifeboat Lambda: Node.js 24 (nodejs24.x) on arm64, source maps on, X-Ray tracing, its own
 * KMS-encrypted log group with a retention, kept with the stack (workflow-logging.ts). The handler file name doubles as the function's purpose tag, which
 * the local executor uses to report which handler ran.
 *
 * The code is a directory asset (handler-bundle.ts): the bundle prebuilt at pack time in an
 * installed package, otherwise the handler bundled by the local esbuild (never Docker) once per
 * process — a plain `lambda.Function` rather than a NodejsFunction, so neither a user's synth nor
 * each of our test synths spawns esbuild per function.
 */
export class LifeboatFunction extends lambda.Function {
  /** The handler's file name under lambdas/handlers (what FUNCTION_SIZING and LifeboatMemorySizes key on). */
  readonly handlerName: string;

  constructor(scope: Construct, id: string, props: LifeboatFunctionProps) {
    const sizing = FUNCTION_SIZING[props.handler] ?? DEFAULT_FUNCTION_SIZING;
    const logGroup = lifeboatLogGroup(scope, `${id}Logs`);
    const mount = props.files?.mount;
    // An explicit role instead of AWSLambdaBasicExecutionRole: it may write to its own log group only.
    const role = new iam.Role(scope, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Lifeboat ${props.handler} function`,
      ...(props.roleName !== undefined ? { roleName: props.roleName } : {}),
      // On the role itself, so it exists before Lambda creates the function's network interfaces.
      ...(mount
        ? { inlinePolicies: { VpcNetworkInterfaces: new iam.PolicyDocument({ statements: [new iam.PolicyStatement({ actions: NETWORK_INTERFACE_ACTIONS, resources: ['*'] })] }) } }
        : {}),
    });
    logGroup.grantWrite(role);
    const environment: Record<string, string> = {
      NODE_OPTIONS: '--enable-source-maps',
      LIFEBOAT_HANDLER: props.handler,
      // Every S3 call names the account that must own its bucket (ExpectedBucketOwner, lambdas/runtime/expected-bucket-owner.ts).
      LIFEBOAT_ACCOUNT: Stack.of(scope).account,
      ...props.environment,
    };
    super(scope, id, {
      role,
      ...(mount && props.files
        ? { vpc: mount.vpc, vpcSubnets: mount.subnets, securityGroups: [mount.securityGroup], filesystem: mount.lambdaFileSystem(props.files.access) }
        : {}),
      // A synth that skips bundling for this stack (context aws:cdk:bundling-stacks) builds no bundle either.
      code: lambda.Code.fromAsset(handlerBundleDir(props.handler, { bundle: Stack.of(scope).bundlingRequired })),
      handler: 'index.handler',
      runtime: BUNDLED_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? sizing.memorySize,
      timeout: props.timeout ?? sizing.timeout,
      tracing: lambda.Tracing.ACTIVE,
      logGroup,
      environment,
    });
    this.handlerName = props.handler;
    acknowledgeBundledRuntime(this, BUNDLED_RUNTIME.name);
    // At synth, when every variable is set: a function whose environment is over Lambda's 4 KB fails only at deploy otherwise.
    this.node.addValidation({ validate: () => this.environmentSizeIssues() });
    if (mount) {
      // On the CfnRole that holds the inline policy, so this reason (not the X-Ray one on the role) covers it.
      Validations.of(role.node.defaultChild as CfnResource).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'VPC attachment: Lambda creates, describes and deletes the function\'s network interfaces with its role; ec2:DescribeNetworkInterfaces supports no resource-level permissions and the interfaces\' ids are not known in advance. The VPC, subnets and security group are fixed by the function\'s VpcConfig.',
      });
    }
  }

  override addEnvironment(key: string, value: string, options?: lambda.EnvironmentOptions): this {
    super.addEnvironment(key, value, options);
    // Kept outside the instance: lambda.Function's constructor calls this before a field of ours would be initialized.
    const variables = VARIABLES.get(this) ?? {};
    variables[key] = value;
    VARIABLES.set(this, variables);
    return this;
  }

  private environmentSizeIssues(): string[] {
    const { bytes, largest } = longestEnvironmentBytes(this, VARIABLES.get(this) ?? {});
    if (bytes <= MAX_LAMBDA_ENVIRONMENT_BYTES) return [];
    return [
      `Lifeboat's ${this.handlerName} function would get an environment of up to ${bytes} bytes as Lambda measures it (the JSON of its variables; ` +
        `${largest} the largest), more than the ${MAX_LAMBDA_ENVIRONMENT_BYTES} Lambda allows, so its deploy would fail. ` +
        'Protect fewer sources per LifeboatProtection (split the plans into several protections), or give the sources, their buckets or tables and prefixes, or the prefix shorter names.',
    ];
  }
}
